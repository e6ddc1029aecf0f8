/**
 * Running a sweep: validate everything first (nothing runs, nothing is written on bad
 * input), plan the runs, run the missing ones — on a piscina pool of worker threads, or
 * (`engine`) on `keepalive-lab worker` processes through a BullMQ queue (sim/sweep/engine/) —
 * journal rows as they finish, then write the sorted JSONL, the CSV and the summary table,
 * the same way whichever ran them. The advisor and other tools call `runSweep` directly;
 * `sim/commands/sweep.ts` is its CLI.
 */
import { setMaxListeners } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadScenario, readRaw, InputError } from '../load.ts';
import { dimensionSize, SweepSpecError, valueAt, type Dimension, type Value } from '../../src/sweep/spec.ts';
import { checkSize, planPoints, planRuns, type PlannedRun } from '../../src/sweep/plan.ts';
import { DEFAULT_MAX_RUNS, MAX_WORKERS } from '../../src/sweep/limits.ts';
import { summarizePoints, type PointSummary, type Row } from '../../src/sweep/stats.ts';
import { formatSummary, toCsv } from '../../src/sweep/table.ts';
import { checkMetricNames, SUMMARY_DEFAULT, wants } from '../../src/sweep/metrics.ts';
import { buildScenario } from './build.ts';
import { FROM_SOURCE } from '../paths.ts';
import type { Batch } from './worker.ts';
import { Journal, jsonl, readJournal } from './files.ts';
import runBatch from './worker.ts';
import { clip, show } from '../../src/scenarios/show.ts';
import { checkOutPrefix, writeFiles } from '../output.ts';
import type { FailedRun } from './engine/coordinator.ts';
import type { Faults } from './engine/faults.ts';
import { VERSION } from '../version.ts';

/** A distributed sweep (docs/sweeps.md#distributed-sweeps): the queue and how to reach it. */
export interface EngineOptions {
  name: 'bullmq';
  /** redis:// or rediss:// URL, credentials included: never logged (engine/connection.ts) */
  url: string;
  queue: string;
  /** runs per chunk job */
  chunk: number;
  /** progress and events (stderr) */
  log: (line: string) => void;
  /** draw a progress bar instead of periodic lines */
  tty?: boolean;
  faults?: Faults;
}

export interface SweepOptions {
  /** built-in scenario name or file */
  scenario: string;
  /** fixed overrides, `path=value` (as `run --set`) */
  set?: string[];
  dims: Dimension[];
  /** seeds per point; default: the scenario's own seed */
  seeds?: number[];
  sample?: number;
  sampleSeed?: number;
  /** metric names or prefixes to keep (default all) */
  metrics?: string[];
  /** horizon override, µs */
  until?: number;
  /** worker threads (default: available cores; 1 runs on the calling thread) */
  workers?: number;
  /** refuse plans of more runs (points × seeds) than this (default DEFAULT_MAX_RUNS; `--max-points`) */
  maxRuns?: number;
  /** file prefix: `<out>.jsonl`, `.csv`, `.summary.txt` */
  out?: string;
  resume?: boolean;
  /** overwrite an existing journal instead of refusing */
  force?: boolean;
  /** show a progress bar (on stderr) */
  progress?: boolean;
  /** called after every finished batch */
  onProgress?: (done: number, total: number) => void;
  /** run on a distributed engine instead of local threads (`workers` is then unused) */
  engine?: EngineOptions;
}

export interface SweepResult {
  rows: Row[];
  varied: string[];
  summary: PointSummary[];
  table: string;
  /** runs executed now (not taken from the journal) */
  ran: number;
  files: string[];
  /** runs that crashed their worker twice (distributed sweeps): no row, reported with their error */
  failed: FailedRun[];
}

/** Fewer validations than values for very long ranges: ends and up to 48 spread between (never listing the range). */
function probeValues(d: Dimension): Value[] {
  const n = dimensionSize(d);
  if (n <= 50) return Array.from({ length: n }, (_, i) => valueAt(d, i));
  return Array.from({ length: 50 }, (_, i) => valueAt(d, Math.round((i * (n - 1)) / 49)));
}

const asInput = (e: unknown): never => {
  if (e instanceof SweepSpecError) throw new InputError([e.message]);
  throw e;
};

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  // 1. everything the user wrote, checked before anything runs or is written
  const set = o.set ?? [];
  const { scenario: base, source } = loadScenario(o.scenario, { set });
  const { raw } = readRaw(source);
  if (o.dims.length === 0) throw new InputError(['--vary: vary at least one field (e.g. --vary hosts.client.socket.TCP_KEEPIDLE=30s..600s/30s)']);
  if (o.out !== undefined) checkOutPrefix('--out', o.out);
  const seeds = o.seeds ?? [base.seed];
  const planOptions = { dims: o.dims, seeds, maxRuns: o.maxRuns ?? DEFAULT_MAX_RUNS, ...(o.sample !== undefined ? { sample: o.sample } : {}), ...(o.sampleSeed !== undefined ? { sampleSeed: o.sampleSeed } : {}) };
  try {
    // the size first: a grid too large is refused before a single value is listed
    checkSize(planOptions);
  } catch (e) {
    asInput(e);
  }
  for (const d of o.dims) {
    if (d.path === 'seed') throw new InputError(['--vary seed: vary seeds with --seeds']);
    for (const v of probeValues(d)) {
      const b = buildScenario(raw, set, [[d.path, v]]);
      if (!b.ok) throw new InputError([`--vary ${clip(d.path, 80)}=${clip(d.text, 60)}: value ${show(v)}: ${b.problems[0] ?? 'invalid'}`]);
    }
  }
  if (o.metrics) {
    try {
      checkMetricNames(o.metrics);
    } catch (e) {
      asInput(e);
    }
  }
  const workers = o.workers ?? Math.min(availableParallelism(), MAX_WORKERS);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new InputError([`--workers: ${workers} is out of range 1..${MAX_WORKERS}`]);
  if (o.resume && !o.out) throw new InputError(['--resume: needs --out <prefix> (the sweep to continue)']);
  let runs: PlannedRun[] = [];
  try {
    runs = planRuns(planPoints(planOptions), seeds);
  } catch (e) {
    asInput(e);
  }
  const files = o.out ? { jsonl: `${o.out}.jsonl`, csv: `${o.out}.csv`, summary: `${o.out}.summary.txt`, failed: `${o.out}.failed.jsonl` } : null;
  let done = new Map<number, Row>();
  let journal: Journal | null = null;
  if (files) {
    if (existsSync(files.jsonl) && !o.resume && !o.force) throw new InputError([`--out: ${files.jsonl} exists: add --resume to continue that sweep, or --force to start over`]);
    if (o.resume) done = readJournal(files.jsonl, runs);
    journal = new Journal(files.jsonl);
    journal.reset([...done.values()].sort((a, b) => (a['run'] as number) - (b['run'] as number)));
  }

  // 2. the missing runs: in batches on the local pool, or in chunks on the engine's workers
  const todo = runs.filter((r) => !done.has(r.run));
  const total = runs.length;
  const rows = new Map(done);
  const accept = (good: Row[]): void => {
    for (const r of good) rows.set(r['run'] as number, r);
    journal?.append(good);
    o.onProgress?.(rows.size, total);
  };
  const task = { raw, set, ...(o.until !== undefined ? { until: o.until } : {}), ...(o.metrics ? { metrics: o.metrics } : {}) };
  let failure: string | null = null;
  let failed: FailedRun[] = [];
  if (todo.length && o.engine) {
    const e = o.engine;
    const { coordinate } = await import('./engine/coordinator.ts');
    const outcome = await coordinate({
      url: e.url,
      queue: e.queue,
      spec: {
        v: 1,
        version: VERSION,
        chunk: e.chunk,
        total,
        task,
        plan: { dims: o.dims, seeds, ...(o.sample !== undefined ? { sample: o.sample } : {}), ...(o.sampleSeed !== undefined ? { sampleSeed: o.sampleSeed } : {}) },
      },
      runs,
      todo,
      resume: o.resume === true,
      has: (run) => rows.has(run),
      count: () => rows.size,
      record: accept,
      log: e.log,
      tty: e.tty === true,
      ...(e.faults ? { faults: e.faults } : {}),
    });
    failure = outcome.invalid ?? null;
    failed = outcome.failed;
  } else if (todo.length) {
    failure = await runLocal(todo, task, workers, accept, o.progress === true, total, done.size);
  }
  if (failure !== null) throw new InputError([`--vary: ${failure}${files ? ` (finished runs are in ${files.jsonl}; fix the sweep and use a new --out)` : ''}`]);

  // 3. results, in run order whatever the number of workers
  const sorted = [...rows.values()].sort((a, b) => (a['run'] as number) - (b['run'] as number));
  const varied = o.dims.map((d) => d.path);
  const present = (m: string): boolean => sorted.some((r) => Object.keys(r).some((k) => (k === m || k.startsWith(`${m}.`)) && r[k] !== null));
  const shown = o.metrics ? metricColumns(sorted, varied).filter((k) => wants(o.metrics, k)) : SUMMARY_DEFAULT.filter(present);
  const summary = summarizePoints(sorted, varied, shown);
  const table = formatSummary(summary, varied);
  const written: string[] = [];
  if (files) {
    writeFiles([
      { flag: '--out', file: files.jsonl, data: jsonl(sorted) },
      { flag: '--out', file: files.csv, data: toCsv(sorted) },
      { flag: '--out', file: files.summary, data: table },
    ]);
    written.push(files.jsonl, files.csv, files.summary);
    // failed runs have no row: they are listed beside it (a --resume runs them again)
    if (failed.length) {
      writeFiles([{ flag: '--out', file: files.failed, data: jsonl(failed.map((f) => ({ run: f.run, point: runs[f.run]?.point ?? null, ...Object.fromEntries(runs[f.run]?.values ?? []), seed: runs[f.run]?.seed ?? null, error: f.error }))) }]);
      written.push(files.failed);
    } else rmSync(files.failed, { force: true });
  }
  return { rows: sorted, varied, summary, table, ran: todo.length - failed.length, files: written, failed };
}

/** The local pool: batches on piscina worker threads; the first invalid run stops the sweep. */
async function runLocal(todo: PlannedRun[], task: Omit<Batch, 'runs'>, workers: number, accept: (rows: Row[]) => void, progress: boolean, total: number, resumed: number): Promise<string | null> {
  let finished = resumed;
  // loaded here, not at module load: the CLI's other commands should not pay for them
  const cliProgress = progress ? (await import('cli-progress')).default : null;
  const bar = cliProgress ? new cliProgress.SingleBar({ format: 'sweep {bar} {percentage}% | {value}/{total} runs | {speed} runs/s | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 50, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  const t0 = performance.now();
  bar?.start(total, finished, { speed: '0' });
  let failure: string | null = null;
  const finish = (results: ReturnType<typeof runBatch>): boolean => {
    const good: Row[] = [];
    for (const r of results) {
      if ('error' in r && typeof r.error === 'string') failure ??= r.error;
      else good.push(r as Row);
    }
    accept(good);
    finished += good.length;
    bar?.update(finished, { speed: ((finished - resumed) / ((performance.now() - t0) / 1000)).toFixed(1) });
    return failure === null;
  };
  if (workers === 1) {
    // one worker: this thread (a pool of one thread would only add its start-up); same rows, same order
    const size = Math.max(1, Math.min(64, Math.ceil(todo.length / 16)));
    for (let i = 0; i < todo.length; i += size) {
      if (!finish(runBatch({ ...task, runs: todo.slice(i, i + size) }))) break;
      await new Promise((r) => setImmediate(r)); // let the progress bar and signals through between batches
    }
    bar?.stop();
    return failure;
  }
  // batches: enough to keep every thread busy and balance the tail, few enough that messaging is cheap
  const size = Math.max(1, Math.min(64, Math.ceil(todo.length / (workers * 16))));
  // never more threads than batches: each is an isolate to start
  const threads = Math.min(workers, Math.ceil(todo.length / size));
  const { Piscina } = await import('piscina');
  const pool = new Piscina<Batch, ReturnType<typeof import('./worker.ts').default>>({
    // the CLI runs compiled JavaScript (dist/) and so does its worker; run from the
    // TypeScript sources (tests, notebooks) the worker is loaded through tsx, resolved from
    // here so any cwd works (only that: the parent's own flags are not needed)
    filename: new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    execArgv: FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [],
  });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per queued batch
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < todo.length; i += size) {
    const batch: Batch = { ...task, runs: todo.slice(i, i + size) };
    tasks.push(
      pool.run(batch, { signal: abort.signal }).then(
        (results) => {
          if (!finish(results)) abort.abort();
        },
        (e: unknown) => {
          if (abort.signal.aborted) return;
          failure ??= (e as Error).message;
          abort.abort();
        },
      ),
    );
  }
  await Promise.all(tasks);
  await pool.destroy();
  bar?.stop();
  return failure;
}

/** Metric columns of the rows: everything but run, point, seed and the varied paths. */
export function metricColumns(rows: readonly Row[], varied: readonly string[]): string[] {
  const skip = new Set(['run', 'point', 'seed', ...varied]);
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!skip.has(k)) seen.add(k);
  return [...seen];
}
