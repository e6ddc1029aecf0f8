/**
 * Display helpers for the course notebooks (Deno Jupyter kernel). Everything the lessons
 * compute comes from keepalive-lab's public API (`src/index.ts`, the package export
 * `keepalive-lab`); the rest is the command line tool's own API in `sim/`, used the same way
 * `keepalive-lab run` uses it: `loadScenario` (sim/load.ts: built-in scenarios by name, `--set`),
 * the ladder's columns (sim/plot/run-figures.ts), SVG rendering without a browser
 * (sim/plot/ladder.ts: beautiful-mermaid; sim/plot/render.ts: Vega-Lite).
 * This file only turns results into notebook outputs, so a new lesson is a new notebook.
 */
import { renderMermaidASCII } from 'beautiful-mermaid';
import { humanTrace, ladderDiagram, runScenario, type RunOptions } from 'keepalive-lab';
import { loadScenario } from '../sim/load.ts';
import { ladderSvg } from '../sim/plot/ladder.ts';
import { ladderOptions } from '../sim/plot/run-figures.ts';
import { plotBytes } from '../sim/plot/render.ts';

/** Load a built-in scenario (or a file) like `keepalive-lab run NAME --set path=value`, and run it. */
export function run(name: string, o: RunOptions & { set?: string[] } = {}) {
  const { set, ...opts } = o;
  const { scenario } = loadScenario(name, { set: set ?? [] });
  const r = runScenario(scenario, opts);
  return { scenario, ...r };
}

/** Seconds (the trace's unit) to the simulator's integer microseconds. */
export const s = (seconds: number): number => Math.round(seconds * 1e6);

/**
 * Show a Mermaid diagram: rendered to a self-contained SVG (no browser), with an ASCII
 * rendering (sequence diagrams) or the Mermaid text as the plain-text fallback, so the
 * output reads in Jupyter, VS Code, GitHub and a terminal.
 */
export async function mermaid(text: string, o: { ascii?: boolean } = {}): Promise<void> {
  const plain = o.ascii === false ? text : renderMermaidASCII(text);
  await Deno.jupyter.display({ 'image/svg+xml': await ladderSvg(text), 'text/plain': plain }, { raw: true });
}

/** Show a Vega-Lite spec (e.g. `timelineSpec(...)`) as SVG, with `text` as the plain-text fallback. */
export async function plot(spec: unknown, text: string): Promise<void> {
  const svg = String(await plotBytes(spec as Parameters<typeof plotBytes>[0], 'plot.svg'));
  await Deno.jupyter.display({ 'image/svg+xml': svg, 'text/plain': text }, { raw: true });
}

/**
 * The ladder (sequence) diagram of a finished run, as `keepalive-lab run --mermaid` draws it
 * (middleboxes as columns of their own, long idle gaps folded), optionally only [from, to] seconds.
 */
export function ladder(r: ReturnType<typeof run>, o: { from?: number; to?: number } = {}): string {
  return ladderDiagram(r.world.sim.trace.events, {
    ...ladderOptions(r, r.scenario),
    ...(o.from !== undefined ? { from: s(o.from) } : {}),
    ...(o.to !== undefined ? { to: s(o.to) } : {}),
  });
}

/** The run's human trace without its summary; with `re`, only the matching lines (like grep). */
export function trace(r: ReturnType<typeof run>, re?: RegExp): string {
  const text = humanTrace(r.world, r.scenario, r.json).split('\n== summary ==')[0]!.trimEnd();
  return re ? grep(text, re) : text;
}

/** The run's summary: who learned of the failure, when, with which errno; probes and packets. */
export function summary(r: ReturnType<typeof run>): string {
  return humanTrace(r.world, r.scenario, r.json).split('== summary ==\n')[1]!.trimEnd();
}

/** Print only the lines of a text whose text matches (like grep). */
export function grep(text: string, re: RegExp): string {
  return text.split('\n').filter((l) => re.test(l)).join('\n');
}

/** Hex dump, 16 bytes a line, offsets in hex (like `xxd -g1`). */
export function hexdump(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  const lines: string[] = [];
  for (let i = offset; i < offset + length; i += 16) {
    const row = [...bytes.subarray(i, Math.min(i + 16, offset + length))].map((b) => b.toString(16).padStart(2, '0'));
    lines.push(`${(i - offset).toString(16).padStart(4, '0')}  ${row.join(' ')}`);
  }
  return lines.join('\n');
}

/** The packet records of a classic pcap (`toPcap(..., {format: 'pcap'})`): time and bytes. */
export function pcapRecords(file: Uint8Array): { t: number; bytes: Uint8Array }[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  const out: { t: number; bytes: Uint8Array }[] = [];
  for (let p = 24; p + 16 <= file.length; ) {
    const len = v.getUint32(p + 8, true);
    out.push({ t: v.getUint32(p, true) + v.getUint32(p + 4, true) / 1e6, bytes: file.subarray(p + 16, p + 16 + len) });
    p += 16 + len;
  }
  return out;
}

/** A sweep as `keepalive-lab sweep SCENARIO --vary … --seeds … --metrics …` takes it (docs/sweeps.md). */
export interface SweepRequest {
  scenario: string;
  /** `path=spec`, one dimension each, as `--vary` (parseVary) */
  vary: string[];
  set?: string[];
  seeds?: number[];
  metrics?: string[];
  workers?: number;
}

/** What `runSweep` returns, minus the files: one flat row per run (run order), the varied paths, the summary table. */
export interface SweepRows {
  rows: Record<string, unknown>[];
  varied: string[];
  table: string;
}

// Runs in Node: runSweep's piscina workers load worker.ts through `execArgv: ['--import', tsx]`,
// which Deno's node:worker_threads refuses ("Initiated Worker with invalid execArgv flags").
const SWEEP_CHILD = `
const o = JSON.parse(process.env.KEEPALIVE_LAB_SWEEP);
const { runSweep } = await import(new URL('sim/sweep/runner.ts', o.root).href);
const { parseVary } = await import(new URL('src/index.ts', o.root).href);
const r = await runSweep({ ...o.options, dims: o.vary.map((v) => parseVary(v)) });
process.stdout.write(JSON.stringify({ rows: r.rows, varied: r.varied, table: r.table }));
`;

/**
 * Run a sweep through the sweep runner (`runSweep`, sim/sweep/runner.ts: worker threads,
 * validation, the same rows as `keepalive-lab sweep`). It runs in a Node child process (the
 * runner's workers need Node; see SWEEP_CHILD) with `workers` threads (default 2); rows are
 * in run order whatever the number of workers, so the outputs are deterministic.
 */
export async function sweep(o: SweepRequest): Promise<SweepRows> {
  const root = new URL('../', import.meta.url);
  const { vary, workers, ...rest } = o;
  const options = { ...rest, workers: workers ?? 2 };
  const out = await new Deno.Command('node', {
    args: ['--import', 'tsx', '--input-type=module', '-e', SWEEP_CHILD],
    cwd: root.pathname,
    env: { KEEPALIVE_LAB_SWEEP: JSON.stringify({ root: root.href, vary, options }) },
    stdout: 'piped',
    stderr: 'piped',
  }).output();
  if (!out.success) throw new Error(`sweep failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as SweepRows;
}

/** Only the trace lines stamped between `from` and `to` seconds (a `[vantage]` prefix is allowed); other lines are dropped. */
export function between(text: string, from: number, to = Infinity): string {
  return text
    .split('\n')
    .filter((l) => {
      const m = /^(?:\[[^\]]*\] )?(\d+\.\d+) /.exec(l);
      return m !== null && Number(m[1]) >= from && Number(m[1]) <= to;
    })
    .join('\n');
}
