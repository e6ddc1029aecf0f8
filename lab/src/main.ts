/**
 * The keepalive lab page: one state (scenario document, `--set` overrides, seed), prepared
 * and run by lab/src/core/session.ts whenever it changes, and every view redrawn from that
 * run. The URL fragment always holds the state (a reload or a shared link gives the same run).
 */
import { toPcap, vantagePoints } from '../../src/report/pcap.ts';
import type { RunOutcome } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { BUILTINS, builtin } from './core/builtins.ts';
import { cliCommand, documentText, initialState, prepare, runJsonText, simulate, type LabState } from './core/session.ts';
import { decodeShare, encodeShare, upsert } from './core/share.ts';
import { story } from './core/story.ts';
import { socketsAt } from './core/snapshot.ts';
import { scenarioFile } from './core/export.ts';
import { byId, debounce, download, h, parseMicros, secs, tabs } from './ui/dom.ts';
import { renderForm } from './ui/form.ts';
import { renderLadder, renderMachine, renderStory, renderTrace, type Marked } from './ui/views.ts';
import { renderTimeline } from './ui/timeline.ts';
import { renderCursor } from './ui/cursor.ts';
import { renderCompare, type Snapshot } from './ui/compare.ts';
import { renderSweep } from './ui/sweep.ts';

const DEFAULT = 'seed000-cable-pull';

interface Current {
  state: LabState;
  run: RunOutcome;
  scenario: Scenario;
  raw: unknown;
  ms: number;
  /** bumps with every run: late async drawings of an older run are dropped */
  gen: number;
}

let cur: Current | null = null;
let state: LabState = initialState(DEFAULT);
let cursor = 0;
let pinned: Snapshot | null = null;
let gen = 0;
const marks = new Map<string, Marked>();
const dirty = new Set<string>();
let visible = 'pane-ladder';

const el = {
  scenario: byId<HTMLSelectElement>('scenario'),
  description: byId('description'),
  yaml: byId<HTMLTextAreaElement>('yaml'),
  problems: byId('problems'),
  command: byId('command'),
  status: byId('run-status'),
  summary: byId('summary'),
  scrubber: byId<HTMLInputElement>('scrubber'),
  scrubS: byId<HTMLInputElement>('scrub-s'),
  atCursor: byId('at-cursor'),
  form: byId('pane-form'),
  vantage: byId<HTMLSelectElement>('vantage'),
  share: byId('share-status'),
  pin: byId<HTMLButtonElement>('pin'),
};

for (const b of BUILTINS) el.scenario.append(h('option', { value: b.name }, b.name));
el.scenario.append(h('option', { value: '' , disabled: true }, '(your own document)'));

function writeHash(): void {
  history.replaceState(null, '', `#${encodeShare({ state, at: cursor })}`);
}

function showProblems(lines: string[]): void {
  // the CLI prints these after `error: ` and exits 2 (sim/cli.ts)
  el.problems.replaceChildren(...lines.map((l) => h('p', {}, `error: ${l}`)));
}

/** Prepare and run `next`; redraw. `form`: rebuild the form; `editor`: the change came from the YAML pane. */
function apply(next: LabState, o: { form?: boolean; editor?: boolean; at?: number } = {}): void {
  state = next;
  el.command.textContent = cliCommand(state, ['--json']);
  el.scenario.value = state.text === null && state.builtin ? state.builtin : '';
  el.description.textContent = (state.builtin && builtin(state.builtin)?.description) || '';
  if (!o.editor) el.yaml.value = documentText(state);
  const p = prepare(state);
  if (!p.ok) {
    showProblems(p.problems);
    el.status.textContent = 'Not run: fix the problem above (the views still show the last run).';
    writeHash();
    return;
  }
  el.problems.replaceChildren();
  const t0 = performance.now();
  const run = simulate(p.scenario, state);
  const ms = performance.now() - t0;
  const first = cur === null;
  cur = { state, run, scenario: p.scenario, raw: p.raw, ms, gen: ++gen };
  const end = run.world.sim.now;
  el.status.textContent = `Ran ${p.scenario.name} (seed ${run.json.seed}) in ${ms.toFixed(1)} ms of your computer's time: ${secs(end)} s of virtual time, ${run.json.summary.packets} packets.`;
  el.description.textContent = p.scenario.description;
  if (first || o.form) renderForm(el.form, p.scenario, state.seed, end / 1e6, formEvents);
  renderStory(el.summary, story(run.json, run.world.sim.trace.events));
  const points = vantagePoints(run.world.sim.trace.events);
  const want = el.vantage.value || (p.scenario.vantage?.[0] ?? Object.keys(p.scenario.hosts)[0] ?? '');
  el.vantage.replaceChildren(...points.map((v) => h('option', { value: v, selected: v === want }, v)));
  el.scrubber.max = String(end);
  cursor = o.at !== undefined ? Math.min(o.at, end) : first || cursor > end ? (run.json.summary.faultAt !== undefined ? Math.round(run.json.summary.faultAt * 1e6) : end) : cursor;
  marks.clear();
  for (const id of ['pane-ladder', 'pane-timeline', 'pane-machine', 'pane-trace', 'pane-compare', 'pane-sweep']) dirty.add(id);
  draw(visible);
  setCursor(cursor);
}

function draw(id: string): void {
  if (!cur || !dirty.has(id)) return;
  dirty.delete(id);
  const c = cur;
  const pane = byId(id);
  if (id === 'pane-ladder') {
    pane.textContent = 'drawing…';
    void renderLadder(pane, c.run, c.scenario, setCursor).then((m) => {
      if (c.gen !== gen) return;
      marks.set(id, m);
      m.mark(cursor);
    });
  } else if (id === 'pane-timeline') {
    const m = renderTimeline(pane, c.run, setCursor);
    marks.set(id, m);
    m.mark(cursor);
  } else if (id === 'pane-machine') {
    void renderMachine(pane, () => socketsAt(c.run.world.sim.trace.events, cursor)).then((m) => {
      if (c.gen !== gen) return;
      marks.set(id, m);
      m.mark(cursor);
    });
  } else if (id === 'pane-trace') {
    const m = renderTrace(byId('trace'), c.run, c.scenario);
    marks.set(id, m);
    m.mark(cursor);
  } else if (id === 'pane-compare') {
    renderCompare(pane, pinned, { state: c.state, run: c.run, scenario: c.scenario }, unpin);
  } else if (id === 'pane-sweep') {
    renderSweep(pane, c.scenario, c.raw, c.state);
  }
}

const tablesLater = debounce((f: () => void) => f(), 60);

function setCursor(t: number): void {
  if (!cur) return;
  cursor = Math.max(0, Math.min(Math.round(t), cur.run.world.sim.now));
  el.scrubber.value = String(cursor);
  el.scrubber.setAttribute('aria-valuetext', `${secs(cursor)} seconds`);
  if (document.activeElement !== el.scrubS) el.scrubS.value = secs(cursor);
  const panel = renderCursor(el.atCursor, cur.run, cur.scenario, cur.state, cursor);
  tablesLater(panel.tables);
  for (const m of marks.values()) m.mark(cursor);
  writeHash();
}

function packetTimes(): number[] {
  if (!cur) return [];
  return [...new Set(cur.run.json.packets.filter((p) => p.dir === 'tx' && !p.side).map((p) => Math.round(p.t * 1e6)))].sort((a, b) => a - b);
}

const formEvents = {
  set: (assignments: string[], rerender = false) => {
    let set = state.set;
    for (const a of assignments) set = upsert(set, a);
    apply({ ...state, set }, { form: rerender });
  },
  seed: (seed: number | null) => apply({ ...state, seed }, { form: false }),
  reset: () => apply({ ...state, set: [], seed: null }, { form: true }),
};

function unpin(): void {
  pinned = null;
  el.pin.textContent = 'Pin this run to compare';
  el.pin.setAttribute('aria-pressed', 'false');
  dirty.add('pane-compare');
  draw('pane-compare');
}

// ---- wiring ----
el.scenario.addEventListener('change', () => el.scenario.value && apply(initialState(el.scenario.value), { form: true }));
byId<HTMLInputElement>('open-file').addEventListener('change', async (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (!f) return;
  apply({ builtin: null, text: await f.text(), file: f.name, set: [], seed: null }, { form: true });
});
el.yaml.addEventListener(
  'input',
  debounce(() => {
    const b = state.builtin ? builtin(state.builtin) : undefined;
    apply({ ...state, text: b && el.yaml.value === b.text ? null : el.yaml.value }, { form: true, editor: true });
  }, 400),
);
byId('yaml-reset').addEventListener('click', () => state.builtin && apply({ ...state, text: null, file: `${state.builtin}.yaml` }, { form: true }));
el.scrubber.addEventListener('input', () => setCursor(Number(el.scrubber.value)));
el.scrubS.addEventListener('change', () => {
  const t = parseMicros(el.scrubS.value);
  if (t !== null) setCursor(t);
});
byId('next-packet').addEventListener('click', () => {
  const next = packetTimes().find((t) => t > cursor);
  if (next !== undefined) setCursor(next);
});
byId('prev-packet').addEventListener('click', () => {
  const prev = packetTimes().filter((t) => t < cursor).pop();
  if (prev !== undefined) setCursor(prev);
});
byId('copy-link').addEventListener('click', async () => {
  writeHash();
  const link = location.href;
  try {
    await navigator.clipboard.writeText(link);
    el.share.textContent = 'Link copied: it opens this scenario, these settings and this seed, at this instant.';
  } catch {
    el.share.textContent = `Copy this link: ${link}`;
  }
});
el.pin.addEventListener('click', () => {
  if (!cur) return;
  pinned = { state: cur.state, run: cur.run, scenario: cur.scenario };
  el.pin.textContent = 'Pinned: change a setting, then open Compare';
  el.pin.setAttribute('aria-pressed', 'true');
  dirty.add('pane-compare');
});
byId('dl-pcap').addEventListener('click', () => {
  if (!cur) return;
  const at = el.vantage.value;
  download(toPcap(cur.run.world.sim.trace.events, { at, format: 'pcap' }) as Uint8Array<ArrayBuffer>, `${cur.scenario.name}-${at.replace(':', '-')}.pcap`, 'application/vnd.tcpdump.pcap');
});
byId('dl-json').addEventListener('click', () => cur && download(runJsonText(cur.run), `${cur.scenario.name}-seed${cur.run.json.seed}.json`, 'application/json'));
byId('dl-yaml').addEventListener('click', () => cur && download(scenarioFile(cur.state, cur.scenario, cur.raw), `${cur.scenario.name}${cur.state.set.length || cur.state.seed !== null ? '-lab' : ''}.yaml`, 'application/yaml'));
tabs(byId('controls').querySelector('[role="tablist"]') as HTMLElement);
tabs(byId('views').querySelector('[role="tablist"]') as HTMLElement, (id) => {
  visible = id;
  draw(id);
});

function fromHash(): void {
  const d = decodeShare(location.hash);
  if (d && 'error' in d) {
    showProblems([d.error]);
    apply(initialState(DEFAULT), { form: true });
  } else if (d) apply(d.state, { form: true, ...(d.at !== undefined ? { at: d.at } : {}) });
  else apply(initialState(DEFAULT), { form: true });
}
window.addEventListener('hashchange', () => {
  if (location.hash.slice(1) !== encodeShare({ state, at: cursor })) fromHash();
});
fromHash();

/** For scripts and the browser test: the run document, the share link, and in-page run times. */
(window as unknown as { keepaliveLab: unknown }).keepaliveLab = {
  runJson: (): string | null => (cur ? runJsonText(cur.run) : null),
  state: (): LabState => structuredClone(state),
  cursor: (): number => cursor,
  lastRunMs: (): number | null => cur?.ms ?? null,
  time(names: string[] = BUILTINS.map((b) => b.name), repeats = 3): { name: string; first: number; median: number }[] {
    return names.map((name) => {
      const s = initialState(name);
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        const p = prepare(s);
        if (p.ok) simulate(p.scenario, s);
        ms.push(performance.now() - t0);
      }
      const sorted = [...ms].sort((a, b) => a - b);
      return { name, first: ms[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
    });
  },
};
