/**
 * `keepalive-lab sweep`: run a scenario over a grid (or a seeded sample) of field values and
 * several seeds, in parallel, and report the metrics (docs/sweeps.md, docs/metrics.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import { parseDuration } from '../../src/scenarios/duration.ts';
import { parseDimension, parseSeeds, parseVary, SweepSpecError, type Dimension } from '../../src/sweep/spec.ts';
import { sweepFileSchema } from '../../src/sweep/schema.ts';
import { BUILTIN_DIR, InputError } from '../load.ts';
import { runSweep, type SweepOptions } from '../sweep/runner.ts';
import { writePlots } from '../sweep/plots.ts';

interface Flags {
  file?: string;
  vary: string[];
  set: string[];
  seeds?: string;
  sample?: string;
  sampleSeed?: string;
  metrics?: string;
  until?: string;
  workers?: string;
  out?: string;
  resume?: boolean;
  force?: boolean;
  plots: boolean;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** Convert a spec mistake into the CLI's one-line error. */
function spec<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SweepSpecError) throw new InputError([e.message]);
    throw e;
  }
}

function wholeNumber(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min) throw new InputError([`${flag}: ${JSON.stringify(v)} must be a whole number, at least ${min}`]);
  return n;
}

function untilUs(flag: string, v: string | number): number {
  const us = parseDuration(v);
  if (us === null || us <= 0) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration above 0 (e.g. 300s, 2h)`]);
  return us;
}

/** A sweep file, turned into the same options the flags give (flags given too take precedence). */
function fromFile(file: string): Partial<SweepOptions> & { scenario: string } {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (e) {
    throw new InputError([`--file ${file}: ${(e as Error).message.split('\n')[0]}`]);
  }
  const r = sweepFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError([`--file ${file}: ${i ? `${i.path.join('.') || '(top)'}: ${i.message}` : 'invalid'}`]);
  }
  const f = r.data;
  const rel = join(dirname(file), f.scenario);
  const builtin = join(BUILTIN_DIR, `${f.scenario}.yaml`);
  // a path relative to the sweep file, else a built-in name
  const scenario = isAbsolute(f.scenario) || (!existsSync(rel) && existsSync(builtin)) ? f.scenario : rel;
  const dims = Object.entries(f.vary).map(([path, v]) => spec(() => parseDimension(path, typeof v === 'number' ? [v] : v, `--file ${file}: vary`)));
  return {
    scenario,
    dims,
    ...(f.set ? { set: Object.entries(f.set).map(([p, v]) => `${p}=${JSON.stringify(v)}`) } : {}),
    ...(f.seeds !== undefined ? { seeds: spec(() => parseSeeds(f.seeds as number | string | number[], `--file ${file}: seeds`)) } : {}),
    ...(f.sample !== undefined ? { sample: f.sample } : {}),
    ...(f.sampleSeed !== undefined ? { sampleSeed: f.sampleSeed } : {}),
    ...(f.metrics ? { metrics: f.metrics } : {}),
    ...(f.until !== undefined ? { until: untilUs(`--file ${file}: until`, f.until) } : {}),
  };
}

export function registerSweep(program: Command, out: (...s: string[]) => void): void {
  program
    .command('sweep')
    .description('run a scenario over many parameter values and seeds in parallel; report metrics per run and per point (docs/sweeps.md)')
    .argument('[scenario]', 'built-in name or scenario file (or give --file)')
    .option('--file <sweep.yaml>', 'a sweep file (scenario, set, vary, seeds, sample, metrics, until)')
    .option('--vary <path=spec>', 'a field and its values: lo..hi/step (30s..600s/30s, 0..0.05/0.01) or a,b,c (repeatable)', collect, [])
    .option('--set <path=value>', 'a fixed override, as for run (repeatable)', collect, [])
    .option('--seeds <K|a..b|a,b>', 'seeds per point: K means 1..K (default: the scenario seed)')
    .option('--sample <N>', 'draw N random points from the ranges instead of the full grid')
    .option('--sample-seed <n>', 'seed of the sampling stream (default 1)')
    .option('--metrics <names>', 'comma-separated metrics (or prefixes) to keep, docs/metrics.md (default: all)')
    .option('--until <duration>', 'run every scenario to this virtual time')
    .option('--workers <N>', 'worker threads (default: available cores)')
    .option('--out <prefix>', 'write <prefix>.jsonl (journal), <prefix>.csv, <prefix>.summary.txt and plots')
    .option('--resume', 'continue the sweep journaled at --out: run only the missing runs')
    .option('--force', 'overwrite an existing --out journal')
    .option('--no-plots', 'with --out: do not render plots')
    .action(async (ref: string | undefined, f: Flags) => {
      const file = f.file ? fromFile(f.file) : undefined;
      const scenario = ref ?? file?.scenario;
      if (!scenario) throw new InputError(['sweep: give a scenario (built-in name or file) or --file <sweep.yaml>']);
      const dims: Dimension[] = [...(file?.dims ?? []), ...f.vary.map((v) => spec(() => parseVary(v)))];
      const o: SweepOptions = {
        scenario,
        dims,
        set: [...(file?.set ?? []), ...f.set],
        progress: process.stderr.isTTY === true,
      };
      const seeds = f.seeds !== undefined ? spec(() => parseSeeds(f.seeds as string)) : file?.seeds;
      if (seeds) o.seeds = seeds;
      const sample = f.sample !== undefined ? wholeNumber('--sample', f.sample, 1) : file?.sample;
      if (sample !== undefined) o.sample = sample;
      const sampleSeed = f.sampleSeed !== undefined ? wholeNumber('--sample-seed', f.sampleSeed, 0) : file?.sampleSeed;
      if (sampleSeed !== undefined) o.sampleSeed = sampleSeed;
      const metrics = f.metrics !== undefined ? f.metrics.split(',').map((s) => s.trim()).filter(Boolean) : file?.metrics;
      if (metrics) o.metrics = metrics;
      const until = f.until !== undefined ? untilUs('--until', f.until) : file?.until;
      if (until !== undefined) o.until = until;
      if (f.workers !== undefined) o.workers = wholeNumber('--workers', f.workers, 1);
      if (f.out) o.out = f.out;
      if (f.resume) o.resume = true;
      if (f.force) o.force = true;
      const r = await runSweep(o);
      const plotted = f.out && f.plots ? await writePlots(r.rows, r.varied, f.out) : [];
      out(r.table.trimEnd());
      if (r.files.length || plotted.length) out('', `wrote ${[...r.files, ...plotted].join(', ')}`);
    });
}
