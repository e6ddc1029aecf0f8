/**
 * `keepalive-lab sweep`: run a scenario over a grid (or a seeded sample) of field values and
 * several seeds, in parallel, and report the metrics (docs/sweeps.md, docs/metrics.md).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDimension, parseSeeds, parseVary, SweepSpecError, type Dimension } from '../../src/sweep/spec.ts';
import { sweepFileSchema } from '../../src/sweep/schema.ts';
import { builtinNames, InputError } from '../load.ts';
import { readDocument } from '../read.ts';
import { checkOutPrefix } from '../output.ts';
import { issueText } from '../../src/scenarios/messages.ts';
import { clip } from '../../src/scenarios/show.ts';
import { DEFAULT_MAX_RUNS, HARD_MAX_RUNS, MAX_WORKERS } from '../../src/sweep/limits.ts';
import { RunsFailedError } from '../errors.ts';
import { untilUs, wholeNumber } from '../args.ts';
import { runSweep, type SweepOptions } from '../sweep/runner.ts';
import { redisUrl } from '../sweep/engine/connection.ts';
import { readFaults } from '../sweep/engine/faults.ts';
import { DEFAULT_QUEUE, MAX_CHUNK, QUEUE_NAME } from '../sweep/engine/protocol.ts';
import { writePlots } from '../sweep/plots.ts';

export interface SweepFlags {
  file?: string;
  vary: string[];
  set: string[];
  seeds?: string;
  sample?: string;
  sampleSeed?: string;
  metrics?: string;
  until?: string;
  workers?: string;
  maxPoints?: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
  plots: boolean;
  engine?: 'local' | 'bullmq';
  queue?: string;
  chunk?: string;
  redisUrlFile?: string;
}

/** `--queue` of sweep and worker: a BullMQ queue name (it becomes part of Redis keys). */
export function queueName(v: string | undefined): string {
  if (v === undefined) return DEFAULT_QUEUE;
  if (!QUEUE_NAME.test(v)) throw new InputError([`--queue: ${JSON.stringify(v)} must be 1..64 letters, digits, _ or -`]);
  return v;
}

/** Convert a spec mistake into the CLI's one-line error. */
function spec<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SweepSpecError) throw new InputError([e.message]);
    throw e;
  }
}

/** A sweep file, turned into the same options the flags give (flags given too take precedence). */
function fromFile(file: string, maxRuns: number): Partial<SweepOptions> & { scenario: string } {
  const raw = readDocument(file, `--file ${file}`);
  const r = sweepFileSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw new InputError(r.error.issues.slice(0, 1).map((i) => `--file ${clip(file, 80)}: ${issueText(i, sweepFileSchema)}`));
  const f = r.data;
  const rel = join(dirname(file), f.scenario);
  // a path relative to the sweep file, else a built-in name (looked up in the list, never joined into a path)
  const scenario = isAbsolute(f.scenario) || (!existsSync(rel) && builtinNames().includes(f.scenario)) ? f.scenario : rel;
  const dims = Object.entries(f.vary).map(([path, v]) => spec(() => parseDimension(path, typeof v === 'number' ? [v] : v, `--file ${clip(file, 80)}: vary`)));
  return {
    scenario,
    dims,
    ...(f.set ? { set: Object.entries(f.set).map(([p, v]) => `${p}=${JSON.stringify(v)}`) } : {}),
    ...(f.seeds !== undefined ? { seeds: spec(() => parseSeeds(f.seeds as number | string | number[], `--file ${clip(file, 80)}: seeds`, maxRuns)) } : {}),
    ...(f.sample !== undefined ? { sample: f.sample } : {}),
    ...(f.sampleSeed !== undefined ? { sampleSeed: f.sampleSeed } : {}),
    ...(f.metrics ? { metrics: f.metrics } : {}),
    ...(f.until !== undefined ? { until: untilUs(`--file ${clip(file, 80)}: until`, f.until) } : {}),
  };
}

/** `sweep FILE`: a YAML file with top-level `scenario` and `vary` is a sweep file, not a scenario. */
function isSweepFile(ref: string): boolean {
  if (!/\.ya?ml$/i.test(ref) || !existsSync(ref)) return false;
  try {
    const doc = readDocument(ref);
    return typeof doc === 'object' && doc !== null && Object.hasOwn(doc, 'vary') && Object.hasOwn(doc, 'scenario');
  } catch {
    return false; // not a readable YAML file: the scenario loader reports it
  }
}

export async function sweepAction(ref: string | undefined, f: SweepFlags, out: (...s: string[]) => void, progress = false, log: (line: string) => void = (s) => void process.stderr.write(`${s}\n`)): Promise<void> {
  if (ref !== undefined && f.file === undefined && isSweepFile(ref)) {
    f = { ...f, file: ref };
    ref = undefined;
  }
  const maxRuns = f.maxPoints ?? DEFAULT_MAX_RUNS;
  if (f.out !== undefined) checkOutPrefix('--out', f.out);
  const file = f.file ? fromFile(f.file, maxRuns) : undefined;
  const scenario = ref ?? file?.scenario;
  if (!scenario) throw new InputError(['sweep: give a scenario (built-in name or file) or --file <sweep.yaml>']);
  const dims: Dimension[] = [...(file?.dims ?? []), ...f.vary.map((v) => spec(() => parseVary(v)))];
  const o: SweepOptions = {
    scenario,
    dims,
    set: [...(file?.set ?? []), ...f.set],
    progress,
    maxRuns,
  };
  const seeds = f.seeds !== undefined ? spec(() => parseSeeds(f.seeds as string, '--seeds', maxRuns)) : file?.seeds;
  if (seeds) o.seeds = seeds;
  const sample = f.sample !== undefined ? wholeNumber('--sample', f.sample, 1, HARD_MAX_RUNS) : file?.sample;
  if (sample !== undefined) o.sample = sample;
  const sampleSeed = f.sampleSeed !== undefined ? wholeNumber('--sample-seed', f.sampleSeed, 0, 2 ** 32 - 1) : file?.sampleSeed;
  if (sampleSeed !== undefined) o.sampleSeed = sampleSeed;
  const metrics = f.metrics !== undefined ? f.metrics.split(',').map((s) => s.trim()).filter(Boolean) : file?.metrics;
  if (metrics) o.metrics = metrics;
  const until = f.until !== undefined ? untilUs('--until', f.until) : file?.until;
  if (until !== undefined) o.until = until;
  if (f.workers !== undefined) o.workers = wholeNumber('--workers', f.workers, 1, MAX_WORKERS);
  if (f.engine === 'bullmq') {
    if (f.workers !== undefined) throw new InputError(['--workers: with --engine bullmq the runs execute on `npx keepalive-lab worker` processes (their --concurrency), not here']);
    const chunk = f.chunk !== undefined ? wholeNumber('--chunk', f.chunk, 1, MAX_CHUNK) : 64;
    const queue = queueName(f.queue);
    const faults = readFaults();
    o.engine = { name: 'bullmq', url: redisUrl(f.redisUrlFile !== undefined ? { file: f.redisUrlFile } : {}).url, queue, chunk, log, tty: progress, ...(faults ? { faults } : {}) };
  } else {
    const stray = (['queue', 'chunk', 'redisUrlFile'] as const).find((k) => f[k] !== undefined);
    if (stray) throw new InputError([`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only with --engine bullmq`]);
  }
  if (f.out) o.out = f.out;
  if (f.resume) o.resume = true;
  if (f.force) o.force = true;
  const r = await runSweep(o);
  const plotted = f.out && f.plots ? await writePlots(r.rows, r.varied, f.out) : { files: [], notes: [] };
  out(r.table.trimEnd());
  if (plotted.notes.length) out('', ...plotted.notes);
  if (r.files.length || plotted.files.length) out('', `wrote ${[...r.files, ...plotted.files].join(', ')}`);
  if (r.failed.length) {
    for (const x of r.failed) log(`run ${x.run} failed: ${x.error}`);
    throw new RunsFailedError(r.failed.length, f.out ? ` (listed in ${f.out}.failed.jsonl)` : '');
  }
}
