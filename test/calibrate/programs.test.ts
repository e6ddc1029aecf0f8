/**
 * The heartbeat and proxy models against recordings of the real programs (issue 19,
 * docs/programs.md): every scenario of calibrate/programs/scenarios, simulated with the
 * profile it names, must match its fixture within the profile's tolerance; the spec's
 * profile must not match mosquitto's recordings (the program decides, not the spec). Runs on
 * any machine. One live run (root, namespaces, mosquitto) checks what does not depend on
 * the machine's load: packet order, the broker's FIN, its decision, nothing left behind.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareOne } from '../../calibrate/programs/compare.ts';
import { renderProgramDiff } from '../../calibrate/programs/diff.ts';
import { refusals, runPrograms } from '../../calibrate/programs/run.ts';
import { loadProgramFixture, loadProgramScenario, programSuiteNames } from '../../calibrate/programs/suite.ts';
import { nsPrefix } from '../../calibrate/netns.ts';
import { OPENSSH_92_LOGIN } from '../../src/apps/ssh-login.ts';
import { scenarioSchema } from '../../src/scenarios/schema.ts';
import { GRPC, need, NETNS, PROGRAMS } from '../support/needs.ts';

/**
 * What the real programs do that the models do not (yet). `it.fails` turns into a failure
 * the day a model gets it right: then delete the entry.
 */
const KNOWN_GAPS: Record<string, string> = {
};

describe('models vs recorded real programs', () => {
  for (const name of programSuiteNames()) {
    const gap = KNOWN_GAPS[name];
    const test = gap ? it.fails : it;
    test(`${name}${gap ? ` (known gap: ${gap})` : ''}`, () => {
      const real = loadProgramFixture(name);
      const d = compareOne(name, real, loadProgramScenario(name));
      expect(d.mismatches, renderProgramDiff(d, `${name}: recorded vs models`)).toBe(0);
    });
  }

  it('every fixture names its programs and their exact Debian versions', () => {
    for (const name of programSuiteNames()) {
      const real = loadProgramFixture(name);
      expect(real.programs.length, name).toBeGreaterThan(0);
      for (const p of real.programs) expect(p.program, name).toMatch(/(mosquitto|OpenSSH sshd?|HAProxy|Dante|gRPC core) \S*\d|calibrate\/programs\//);
      expect(real.kernel.hz, name).toBeGreaterThan(0);
    }
  });

  it('the spec profile does not match mosquitto: keep alive 10 s, silent client (CONNECT at 1.3 s) closed at 16.3 s by the spec, at 18 s by mosquitto', () => {
    const real = loadProgramFixture('mqtt-silent-ka10');
    const raw = JSON.parse(JSON.stringify(real.scenario)) as { apps: { program?: { profile?: string } }[] };
    for (const a of raw.apps) if (a.program?.profile === 'mosquitto-2.0') a.program.profile = 'spec';
    const spec = compareOne('mqtt-silent-ka10', real, scenarioSchema.parse(raw));
    expect(spec.mismatches).toBeGreaterThan(0);
    const fin = real.packets.find((p) => p.at === 'broker' && p.dir === 'tx' && p.flags.includes('F'));
    expect(Math.round(fin?.t ?? 0)).toBe(18);
  });

  it('gRPC core backs off 1 s, then 1.6^k s ± 20 % between the starts of its attempts (as recorded; the model\'s draws are its own)', () => {
    const real = loadProgramFixture('grpc-backoff-refused');
    const syns = real.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.flags === 'S').map((p) => p.t);
    expect(syns.length).toBeGreaterThanOrEqual(5);
    const gaps = syns.slice(1).map((t, k) => t - (syns[k] as number));
    // the first backoff has no jitter; each later one is 1.6 × the previous nominal ± 20 %
    // (50 ms: the program's own scheduling)
    expect(gaps[0]).toBeCloseTo(1, 1);
    gaps.slice(1).forEach((g, k) => {
      const nominal = 1.6 ** (k + 1);
      expect(g, `gap ${k + 2}: ${g.toFixed(3)} s vs ${nominal.toFixed(3)} s ± 20 %`).toBeGreaterThanOrEqual(0.8 * nominal - 0.05);
      expect(g).toBeLessThanOrEqual(1.2 * nominal + 0.05);
    });
    // and gRPC says how long it waits after each failure: the rest of that same backoff
    const said = real.events.filter((e) => e.kind === 'app' && e.detail.includes('CONNECT_FAILED')).map((e) => Number(/backing off for (\d+) ms/.exec(e.detail)?.[1]));
    said.slice(0, gaps.length).forEach((ms, k) => expect(Math.abs(ms / 1000 - (gaps[k] as number)), `attempt ${k + 1}`).toBeLessThan(0.05));
  });

  it('gRPC core stops pinging after GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA (2) pings on an idle channel: two pings, nothing more, the cut never noticed', () => {
    const real = loadProgramFixture('grpc-pings-without-data');
    const pings = real.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.len === 17);
    expect(pings.length).toBe(2);
    expect(real.events.filter((e) => e.kind === 'app')).toEqual([]);
  });

  it('the OpenSSH 9.2 login script is the recordings\' exchange, and its think times their medians (src/apps/ssh-login.ts)', () => {
    const gaps: number[][] = OPENSSH_92_LOGIN.map(() => []);
    for (const name of programSuiteNames().filter((n) => n.startsWith('ssh-'))) {
      const real = loadProgramFixture(name);
      const at = real.scenario.vantage?.[0];
      const ps = real.packets.filter((p) => p.at === at && !p.kind && (p.len > 0 || p.flags === 'S'));
      const syn = (ps[0] as { t: number }).t;
      const msgs = ps.filter((p) => p.len > 0).slice(0, OPENSSH_92_LOGIN.length);
      expect(msgs.map((p) => `${p.src === real.scenario.apps.find((a) => a.program?.kind === 'ssh-server')?.host ? 's' : 'c'}${p.len}`), name).toEqual(OPENSSH_92_LOGIN.map((st) => `${st.by[0]}${st.bytes}`));
      OPENSSH_92_LOGIN.forEach((st, k) => gaps[k]?.push(((msgs[k] as { t: number }).t - (st.after < 0 ? syn : (msgs[st.after] as { t: number }).t)) * 1000));
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
    };
    expect(OPENSSH_92_LOGIN.map((st) => st.wait / 1000)).toEqual(gaps.map((g) => Math.round(median(g) * 10) / 10));
  });

  it('refuses what the real programs cannot play, before anything starts', () => {
    const sc = loadProgramScenario('mqtt-silent-ka2');
    const bad = scenarioSchema.parse({ ...JSON.parse(JSON.stringify(sc)), until: undefined, faults: [{ at: '2s', type: 'crash', host: 'client' }] });
    expect(refusals(bad).join('; ')).toMatch(/needs `until`.*crash is not supported/);
  });

  it('mqtt-silent-ka2 live: the broker closes the silent client with a FIN and says why; nothing left behind', async (ctx) => {
    need(ctx, NETNS, PROGRAMS);
    const run = await runPrograms(loadProgramScenario('mqtt-silent-ka2'));
    const atBroker = run.packets.filter((p) => p.at === 'broker' && (p.len > 0 || /[SF]/.test(p.flags)));
    expect(atBroker.map((p) => `${p.dir} ${p.flags} ${p.len}`)).toEqual(['rx S 0', 'tx S. 0', 'rx P. 20', 'tx P. 4', 'tx F. 0', 'rx F. 0']);
    expect(run.events.some((e) => e.kind === 'app' && e.detail.startsWith('mosquitto KEEPALIVE_TIMEOUT'))).toBe(true);
    expect(run.programs.map((p) => p.program)).toContain(loadProgramFixture('mqtt-silent-ka2').programs[0]?.program);
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(nsPrefix()))).toEqual([]);
  });

  it('grpc-pings-without-data live: gRPC core pings twice and then never again; nothing left behind', async (ctx) => {
    need(ctx, NETNS, GRPC);
    const run = await runPrograms(loadProgramScenario('grpc-pings-without-data'));
    const fromClient = run.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.len > 0).map((p) => p.len);
    // the preface (82, or 91 with the SETTINGS ACK), maybe a lone ACK (9), then two pings
    expect(fromClient.filter((n) => n === 17)).toEqual([17, 17]);
    expect(run.events.filter((e) => e.kind === 'app')).toEqual([]);
    expect(run.programs.map((p) => p.program)).toEqual(loadProgramFixture('grpc-pings-without-data').programs.map((p) => p.program));
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(nsPrefix()))).toEqual([]);
  });
});
