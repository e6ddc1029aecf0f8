/**
 * The browser lab's simulation module (lab/src/core, the code the page runs) against the
 * CLI run in-process: the same run document for every built-in scenario, the same runs
 * under overrides and seeds, the same one-line problems, the same netstat/conntrack
 * tables at an instant, share links and downloaded scenario files that reproduce the run.
 */
import { describe, expect, it } from 'vitest';
import { BUILTINS } from '../../lab/src/core/builtins.ts';
import { cliCommand, initialState, prepare, runJsonText, simulate, type LabState } from '../../lab/src/core/session.ts';
import { decodeShare, encodeShare, upsert } from '../../lab/src/core/share.ts';
import { tablesAt } from '../../lab/src/core/snapshot.ts';
import { scenarioFile } from '../../lab/src/core/export.ts';
import { field, osSwitch } from '../../lab/src/core/knobs.ts';
import { story } from '../../lab/src/core/story.ts';
import { cli } from '../support/cli.ts';
import { tempFile } from '../support/needs.ts';

function labJson(s: LabState): string {
  const p = prepare(s);
  if (!p.ok) throw new Error(p.problems.join('\n'));
  return runJsonText(simulate(p.scenario, s));
}

/** The CLI's arguments for a state (what cliCommand prints, without `npx keepalive-lab`). */
const args = (s: LabState, target = s.builtin ?? s.file): string[] => ['run', target, ...(s.seed !== null ? ['--seed', String(s.seed)] : []), ...s.set.flatMap((a) => ['--set', a])];

/** The lines of a `== title at T … ==` block of the CLI's text output. */
function block(out: string, title: string): string[] {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`== ${title} at `));
  expect(i, `no "${title}" block`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(i + 1);
  const end = rest.findIndex((l) => l === '' || l.startsWith('=='));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('the lab runs what the CLI runs', () => {
  it('bundles every built-in scenario', async () => {
    const list = (await cli('list')).out.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    expect(BUILTINS.map((b) => b.name)).toEqual(list.filter((n) => !n?.startsWith('(')));
  });

  for (const b of BUILTINS) {
    it(`${b.name}: the page's run JSON equals \`keepalive-lab run --json\``, async () => {
      const r = await cli('run', b.name, '--json');
      expect(r.code).toBe(0);
      expect(labJson(initialState(b.name))).toBe(r.out);
    });
  }

  const variants: [string, LabState][] = [
    ['server keepidle 20 (the slider)', { ...initialState('seed000-cable-pull'), set: ['hosts.server.socket.TCP_KEEPIDLE=20'] }],
    ['another seed', { ...initialState('seed000-cable-pull'), seed: 7 }],
    ['keepidle 360 through aws-natgw', { ...initialState('aws-natgw-keepidle-300'), set: ['hosts.client.socket.TCP_KEEPIDLE=360'] }],
    ['a NAT profile and a crash from the form', { ...initialState('seed004-cable-pull'), set: ['path.middleboxes=[{type: "nat", profile: "gcp-cloudnat"}]', 'faults=[{at: "50s", type: "crash", host: "server"}]'] }],
  ];
  for (const [what, s] of variants) {
    it(`overrides: ${what}`, async () => {
      const r = await cli(...args(s), '--json');
      expect(r.code).toBe(0);
      expect(labJson(s)).toBe(r.out);
    });
  }

  it('the form writes each OS in its own option names, and the switch gives a valid run', async () => {
    const p = prepare({ ...initialState('os-cable-pull'), set: osSwitch((prepare(initialState('os-cable-pull')) as unknown as { scenario: never }).scenario, 'client', 'macos') });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(field(p.scenario, 'client', 'idle').name).toBe('TCP_KEEPALIVE');
    expect(field(p.scenario, 'client', 'userTimeout').name).toBe('TCP_RXT_CONNDROPTIME');
    expect(field(p.scenario, 'client', 'retries').name).toBeNull();
    const win = osSwitch(p.scenario, 'client', 'windows');
    const w = prepare({ ...initialState('os-cable-pull'), set: win });
    expect(w.ok && field(w.scenario, 'client', 'userTimeout').name).toBe('TCP_MAXRT');
    expect(w.ok && field(w.scenario, 'client', 'retries').name).toBe('TcpMaxDataRetransmissions');
  });

  it('60/10/3 on the client, then the OS switched: each OS\'s option names, the same run as the CLI', async () => {
    const set = ['hosts.client.socket.TCP_KEEPIDLE=60', 'hosts.client.socket.TCP_KEEPINTVL=10', 'hosts.client.socket.TCP_KEEPCNT=3'];
    const linux = prepare({ ...initialState('os-cable-pull'), set });
    if (!linux.ok) throw new Error(linux.problems.join('\n'));
    for (const os of ['macos', 'freebsd', 'windows'] as const) {
      const s = { ...initialState('os-cable-pull'), set: [...set, ...osSwitch(linux.scenario, 'client', os)] };
      const p = prepare(s);
      if (!p.ok) throw new Error(p.problems.join('\n'));
      expect(field(p.scenario, 'client', 'idle')).toMatchObject({ name: os === 'macos' ? 'TCP_KEEPALIVE' : 'TCP_KEEPIDLE', value: 60, source: 'socket' });
      expect(field(p.scenario, 'client', 'cnt')).toMatchObject({ value: 3, source: 'socket' });
      expect(labJson(s)).toBe((await cli(...args(s), '--json')).out);
    }
  });

  it('a setsockopt step is the field the slider moves (it runs after the host defaults)', async () => {
    const p = prepare(initialState('seed001-socket-overrides'));
    if (!p.ok) throw new Error('invalid');
    const host = p.scenario.apps.find((a) => a.steps.some((st) => st.call === 'setsockopt' && st.name === 'TCP_KEEPIDLE'))?.host as string;
    const f = field(p.scenario, host, 'idle');
    expect(f).toMatchObject({ source: 'step', value: 20 });
    const s = { ...initialState('seed001-socket-overrides'), set: [`${f.path}=40`] };
    const moved = prepare(s);
    expect(moved.ok && field(moved.scenario, host, 'idle').value).toBe(40);
    expect(labJson(s)).toBe((await cli(...args(s), '--json')).out);
    expect(labJson(s)).not.toBe(labJson(initialState('seed001-socket-overrides')));
  });
});

describe('problems are the CLI\'s lines', () => {
  it('an option out of range', async () => {
    const s = { ...initialState('seed000-cable-pull'), set: ['hosts.client.socket.TCP_KEEPCNT=200'] };
    const r = await cli(...args(s));
    expect(r.code).toBe(2);
    const p = prepare(s);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.problems.map((l) => `error: ${l}\n`).join('')).toBe(r.err);
  });

  it('an edited document with a bad field, and one that is not YAML', async () => {
    const bad = 'name: x\nhosts:\n  a: { os: linux, hz: 251 }\n  b: {}\npath: { latency: fast }\n';
    const file = tempFile('bad.yaml', bad);
    const s: LabState = { builtin: null, text: bad, file, set: [], seed: null };
    const r = await cli('run', file);
    const p = prepare({ ...s, file: 'bad.yaml' });
    expect(r.code).toBe(2);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.problems.map((l) => `error: ${l}\n`).join('')).toBe(r.err);
    const broken = 'hosts: [unclosed\n';
    const f2 = tempFile('broken.yaml', broken);
    const r2 = await cli('run', f2);
    const p2 = prepare({ builtin: null, text: broken, file: f2, set: [], seed: null });
    expect(!p2.ok && p2.problems.map((l) => `error: ${l}\n`).join('')).toBe(r2.err);
  });

  it('a bad seed and a bad --set path', async () => {
    for (const s of [{ ...initialState('seed000-cable-pull'), seed: -1 }, { ...initialState('seed000-cable-pull'), set: ['description.x=1'] }]) {
      const r = await cli(...args(s));
      const p = prepare(s);
      expect(r.code).toBe(2);
      expect(!p.ok && p.problems.map((l) => `error: ${l}\n`).join('')).toBe(r.err);
    }
  });
});

describe('at an instant', () => {
  it('netstat -o timers equal `run --timers T`', async () => {
    for (const [name, t] of [['seed000-cable-pull', '140'], ['seed000-cable-pull', '11.146441'], ['seed002-probe-silence', '30']] as const) {
      const s = initialState(name);
      const p = prepare(s);
      if (!p.ok) throw new Error('invalid');
      const us = Math.round(Number(t) * 1e6);
      const r = await cli('run', name, '--timers', `${t}s`);
      expect(tablesAt(p.scenario, s, us).netstat).toEqual(block(r.out, 'timers'));
    }
  });

  it('conntrack -L tables equal `run --conntrack T`', async () => {
    const s = initialState('aws-natgw-default-keepalive');
    const p = prepare(s);
    if (!p.ok) throw new Error('invalid');
    const r = await cli('run', s.builtin as string, '--conntrack', '200s');
    const tb = tablesAt(p.scenario, s, 200_000_000);
    expect(tb.conntrack).toEqual(block(r.out, 'conntrack'));
    expect(tb.conntrack?.length).toBeGreaterThan(0);
  });
});

describe('take away', () => {
  it('a share link reproduces the run byte for byte (built-in with overrides, and an edited document)', () => {
    const edited = initialState('seed000-cable-pull');
    const text = `# édité en classe — keepidle 20\n${BUILTINS.find((b) => b.name === 'seed000-cable-pull')?.text.replace('tcp_keepalive_time: 10', 'tcp_keepalive_time: 20')}`;
    for (const s of [{ ...edited, set: ['hosts.server.socket.TCP_KEEPIDLE=30', 'path.loss=0.01'], seed: 42 }, { ...edited, text }]) {
      const back = decodeShare(`#${encodeShare({ state: s, at: 140_000_000 })}`);
      expect(back && 'state' in back && back.at).toBe(140_000_000);
      if (!back || !('state' in back)) return;
      expect(back.state).toEqual(s);
      expect(labJson(back.state)).toBe(labJson(s));
    }
  });

  it('the downloaded scenario file runs the same in the CLI', async () => {
    const s: LabState = { ...initialState('seed000-cable-pull'), set: ['hosts.server.socket.TCP_KEEPIDLE=25', 'faults.0.at=120s', 'apps.0.steps.2.value=1'], seed: 3 };
    const p = prepare(s);
    if (!p.ok) throw new Error('invalid');
    const text = scenarioFile(s, p.scenario, p.raw);
    expect(text).toContain('Keepalive from sysctls'); // the document, not a re-serialisation from scratch
    const file = tempFile('seed000-cable-pull.yaml', text);
    const r = await cli('run', file, '--json');
    expect(r.out).toBe(labJson(s));
  });

  it('the command line shown is the one that gives the run', () => {
    expect(cliCommand({ ...initialState('seed000-cable-pull'), set: ['hosts.server.socket.TCP_KEEPIDLE=20', 'faults=[{at: 50s, type: crash, host: server}]'], seed: 2 })).toBe(
      "npx keepalive-lab run seed000-cable-pull --seed 2 --set hosts.server.socket.TCP_KEEPIDLE=20 --set 'faults=[{at: 50s, type: crash, host: server}]'",
    );
  });

  it('a later override of a path replaces earlier ones of it and below it', () => {
    expect(upsert(['faults=[]', 'faults.0.at=5s', 'path.loss=0.1'], 'faults.0.at=9s')).toEqual(['faults=[]', 'path.loss=0.1', 'faults.0.at=9s']);
    expect(upsert(['faults.0.at=5s', 'path.loss=0.1'], 'faults=[]')).toEqual(['path.loss=0.1', 'faults=[]']);
  });
});

describe('the summary in words', () => {
  it('states the CLI\'s detection time and delay', async () => {
    const s = initialState('seed000-cable-pull');
    const p = prepare(s);
    if (!p.ok) throw new Error('invalid');
    const words = story(simulate(p.scenario, s).json).map((x) => x.text).join('\n');
    const r = await cli('run', 'seed000-cable-pull');
    const m = /server learned of it: ETIMEDOUT at ([\d.]+) s, ([\d.]+) s after the fault/.exec(r.out);
    expect(m).not.toBeNull();
    expect(words).toContain(`${m?.[2]} s after the fault (at ${m?.[1]} s)`);
    expect(words).toContain('recv() failed with ETIMEDOUT');
  });

  it('says when a NAT broke the flow, and counts the delay from there', () => {
    const s = { ...initialState('aws-natgw-keepidle-300'), set: ['hosts.client.socket.TCP_KEEPIDLE=360'] };
    const p = prepare(s);
    if (!p.ok) throw new Error('invalid');
    const r = simulate(p.scenario, s);
    const words = story(r.json, r.world.sim.trace.events).map((x) => x.text).join('\n');
    expect(words).toContain('At 351.002000 s the middlebox "nat": expired 10.0.0.1:57731 > 10.0.0.2:5432');
    expect(words).toContain('1548.998 s after the middlebox broke the flow (expire), at 1900.000000 s: its send() failed with ECONNRESET');
  });
});
