/**
 * Small sweeps in the page: a grid of two `--vary` dimensions (the CLI's syntax) × seeds,
 * run in Web Workers with the CLI sweep's own run function, drawn while it runs as the
 * heatmap: each cell fills in when its runs are done (the progress bar *is* the figure).
 * Survival (nat.survived) and other booleans are shown as the share of runs; numbers as the
 * mean. Past MAX_RUNS the page hands over to the CLI with the exact command.
 */
import { parseSeeds, parseVary, SweepSpecError, type Dimension } from '../../../src/sweep/spec.ts';
import { planPoints, planRuns, type PlannedRun } from '../../../src/sweep/plan.ts';
import { heatmapSpec } from '../../../src/report/plots.ts';
import type { Row } from '../../../src/sweep/stats.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { cliCommand, type LabState } from '../core/session.ts';
import { endHosts, field } from '../core/knobs.ts';
import { download, h } from './dom.ts';

/** Runs the page takes on; more and the CLI (worker threads, journal, resume) is the tool. */
export const MAX_RUNS = 600;
const METRICS = ['nat.survived', 'detect.first', 'abort.first', 'falseAlarm', 'overhead.keepaliveProbesPerHour', 'overhead.bytesPerHour'];

// viridis (perceptually uniform, readable with colour-vision deficiencies), 9 stops
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
function colour(f: number): string {
  const x = Math.min(1, Math.max(0, f)) * (VIRIDIS.length - 1);
  return VIRIDIS[Math.round(x)] as string;
}

function defaults(sc: Scenario): { x: string; y: string; metric: string } {
  const [a, b] = endHosts(sc);
  const nat = sc.path.middleboxes[0]?.type === 'nat';
  const idlePath = (host: string): string => field(sc, host, 'idle').path ?? `hosts.${host}.socket.TCP_KEEPIDLE`;
  if (nat) return { x: `${idlePath(a)}=60..600/60`, y: 'path.middleboxes.0.established=120s..600s/120s', metric: 'nat.survived' };
  return { x: `${idlePath(b)}=5..60/5`, y: `${field(sc, b, 'intvl').path ?? `hosts.${b}.socket.TCP_KEEPINTVL`}=1..10/3`, metric: 'detect.first' };
}

let workers: Worker[] = [];
function stop(): void {
  for (const w of workers) w.terminate();
  workers = [];
}

export function renderSweep(pane: HTMLElement, sc: Scenario, raw: unknown, state: LabState): void {
  stop();
  const d = defaults(sc);
  const xIn = h('input', { type: 'text', id: 'sweep-x', value: d.x, spellcheck: false });
  const yIn = h('input', { type: 'text', id: 'sweep-y', value: d.y, spellcheck: false });
  const seedsIn = h('input', { type: 'text', id: 'sweep-seeds', value: `${state.seed ?? sc.seed}..${state.seed ?? sc.seed}`, spellcheck: false, size: 10 });
  const metric = h('select', { id: 'sweep-metric' }, ...METRICS.map((m) => h('option', { value: m, selected: m === d.metric }, m)));
  const runBtn = h('button', { type: 'button', id: 'sweep-run' }, 'Run sweep');
  const stopBtn = h('button', { type: 'button', disabled: true }, 'Stop');
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Sweep progress' });
  const status = h('p', { class: 'status', 'aria-live': 'polite', id: 'sweep-status' });
  const grid = h('div', { class: 'heat', id: 'sweep-heat', role: 'table', 'aria-label': 'Sweep heatmap' });
  const after = h('div', { class: 'row' });
  pane.replaceChildren(
    h(
      'div',
      { class: 'sweep-form' },
      h('p', {}, 'Vary two fields over a grid (the syntax of ', h('code', {}, 'npx keepalive-lab sweep --vary'), '), on top of the current settings.'),
      h('div', { class: 'inline' }, h('label', { for: 'sweep-x' }, 'columns'), xIn),
      h('div', { class: 'inline' }, h('label', { for: 'sweep-y' }, 'rows'), yIn),
      h('div', { class: 'inline' }, h('label', { for: 'sweep-seeds' }, 'seeds (K, a..b or a,b)'), seedsIn, h('label', { for: 'sweep-metric' }, 'colour'), metric),
      h('div', { class: 'row' }, runBtn, stopBtn),
    ),
    progress,
    status,
    grid,
    after,
  );
  const cmd = (dims: string[], seeds: string): string => cliCommand(state, []).replace(' run ', ' sweep ') + dims.map((x) => ` --vary ${x}`).join('') + ` --seeds ${seeds} --out results/lab-sweep`;

  runBtn.addEventListener('click', () => {
    stop();
    after.replaceChildren();
    let dims: Dimension[];
    let seeds: number[];
    let runs: PlannedRun[];
    try {
      dims = [parseVary(xIn.value.trim()), parseVary(yIn.value.trim())];
      seeds = parseSeeds(seedsIn.value.trim());
      runs = planRuns(planPoints({ dims, seeds }), seeds);
    } catch (e) {
      if (e instanceof SweepSpecError) return void (status.textContent = `error: ${e.message}`);
      throw e;
    }
    if (runs.length > MAX_RUNS) {
      status.textContent = `${runs.length} runs is more than this page runs (${MAX_RUNS}). Use the CLI, which runs them on every core and keeps a journal: ${cmd([xIn.value.trim(), yIn.value.trim()], seedsIn.value.trim())}`;
      return;
    }
    const xs = [...new Set(runs.map((r) => JSON.stringify(r.values[0]?.[1])))];
    const ys = [...new Set(runs.map((r) => JSON.stringify(r.values[1]?.[1])))];
    const m = metric.value;
    const cells = new Map<string, HTMLElement>();
    const acc = new Map<string, { v: number[]; n: number; errors: number }>();
    grid.style.gridTemplateColumns = `8rem repeat(${xs.length}, minmax(2.6rem, 1fr))`;
    const parts: HTMLElement[] = [h('div', { class: 'axis' }, `${dims[1]?.path.split('.').pop()} ↓ / ${dims[0]?.path.split('.').pop()} →`)];
    for (const x of xs) parts.push(h('div', { class: 'axis', role: 'columnheader' }, JSON.parse(x) as string));
    for (const y of [...ys].reverse()) {
      parts.push(h('div', { class: 'axis', role: 'rowheader' }, JSON.parse(y) as string));
      for (const x of xs) {
        const c = h('div', { class: 'cell pending', role: 'cell', title: 'waiting' }, '…');
        cells.set(`${x}|${y}`, c);
        parts.push(c);
      }
    }
    grid.replaceChildren(...parts);
    const perCell = runs.length / (xs.length * ys.length);
    const rows: Row[] = [];
    let done = 0;
    const t0 = performance.now();
    const finish = (): void => {
      stop();
      runBtn.disabled = false;
      stopBtn.disabled = true;
      status.textContent = `${done} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s. The CLI runs the same grid with: ${cmd([xIn.value.trim(), yIn.value.trim()], seedsIn.value.trim())}`;
      after.replaceChildren(
        h('button', { type: 'button', onclick: () => download(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'lab-sweep.jsonl', 'application/x-ndjson') }, 'Download rows (JSON lines)'),
        h('button', { type: 'button', onclick: () => download(JSON.stringify(heatmapSpec(rows, { x: dims[0]?.path ?? '', y: dims[1]?.path ?? '', color: m }), null, 2), 'lab-sweep.vl.json', 'application/json') }, 'Download Vega-Lite heatmap'),
      );
    };
    const take = (row: Row | { run: number; error: string }): void => {
      done++;
      progress.value = done / runs.length;
      if ('error' in row) {
        status.textContent = `error: ${row.error}`;
        return;
      }
      rows.push(row);
      const r = runs.find((x) => x.run === row.run);
      const key = `${JSON.stringify(r?.values[0]?.[1])}|${JSON.stringify(r?.values[1]?.[1])}`;
      const a = acc.get(key) ?? { v: [], n: 0, errors: 0 };
      a.n++;
      const v = row[m];
      if (typeof v === 'boolean') a.v.push(v ? 1 : 0);
      else if (typeof v === 'number') a.v.push(v);
      acc.set(key, a);
      const c = cells.get(key);
      if (c && a.n >= perCell) {
        const mean = a.v.length ? a.v.reduce((s, x) => s + x, 0) / a.v.length : null;
        const isBool = typeof v === 'boolean';
        const all = [...acc.values()].flatMap((q) => q.v);
        const lo = isBool ? 0 : Math.min(...all);
        const hi = isBool ? 1 : Math.max(...all);
        c.classList.remove('pending');
        c.style.background = mean === null ? '#ffffff' : colour(hi > lo ? (mean - lo) / (hi - lo) : 0.5);
        c.style.color = mean !== null && (hi > lo ? (mean - lo) / (hi - lo) : 0.5) > 0.6 ? '#1f2328' : '#ffffff';
        if (mean === null) c.style.color = '#57606a';
        c.textContent = mean === null ? 'never' : isBool ? `${Math.round(mean * 100)}%` : `${+mean.toFixed(1)}`;
        c.title = `${m} = ${c.textContent} over ${a.n} run(s)`;
      }
      status.textContent = `${done} / ${runs.length} runs`;
      if (done === runs.length) finish();
    };
    runBtn.disabled = true;
    stopBtn.disabled = false;
    stopBtn.onclick = () => {
      stop();
      runBtn.disabled = false;
      stopBtn.disabled = true;
      status.textContent = `stopped after ${done} of ${runs.length} runs`;
    };
    const n = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1, runs.length));
    const task = { raw, set: state.set };
    const queue = [...runs];
    const BATCH = 4;
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('../sweep.worker.ts', import.meta.url), { type: 'module' });
      workers.push(w);
      const feed = (): void => {
        const batch = queue.splice(0, BATCH);
        if (batch.length) w.postMessage({ task, runs: batch });
      };
      w.onmessage = (e: MessageEvent<{ row?: Row | { run: number; error: string }; done?: boolean }>) => {
        if (e.data.row) take(e.data.row);
        if (e.data.done) feed();
      };
      w.onerror = (e) => {
        status.textContent = `a sweep worker failed: ${e.message}`;
      };
      feed();
    }
  });
}
