/**
 * A sweep's plan: the parameter points (a full grid, or N points sampled from a seeded
 * stream) and the runs (each point × each seed). Run indexes are fixed by the plan alone
 * — point-major, seeds in the order given — so a resumed or parallel sweep numbers its runs
 * the same way.
 */
import { Rng } from '../engine/rng.ts';
import { gridValues, sampleValue, SweepSpecError, type Dimension, type Value } from './spec.ts';

export interface Point {
  index: number;
  /** [path, value] in dimension order */
  values: [string, Value][];
}

export interface PlannedRun {
  run: number;
  point: number;
  seed: number;
  values: [string, Value][];
}

export interface PlanOptions {
  dims: readonly Dimension[];
  seeds: readonly number[];
  /** draw this many points instead of the full grid */
  sample?: number;
  /** root of the sampling stream (default 1) */
  sampleSeed?: number;
}

/** Grids larger than this are refused (use `--sample`). */
export const MAX_RUNS = 10_000_000;

export function planPoints(o: PlanOptions): Point[] {
  const paths = o.dims.map((d) => d.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup !== undefined) throw new SweepSpecError(`--vary ${dup}`, 'the same path is varied twice');
  if (o.sample !== undefined) {
    if (!Number.isInteger(o.sample) || o.sample < 1) throw new SweepSpecError('--sample', `${o.sample} must be a whole number of points, at least 1`);
    // one named stream for the whole sweep: point i's values depend on the seed and i only
    const rng = Rng.root(o.sampleSeed ?? 1).fork('sweep-sample');
    return Array.from({ length: o.sample }, (_, index) => ({ index, values: o.dims.map((d): [string, Value] => [d.path, sampleValue(d, rng)]) }));
  }
  const axes = o.dims.map(gridValues);
  const total = axes.reduce((n, a) => n * a.length, 1) * Math.max(1, o.seeds.length);
  if (total > MAX_RUNS) throw new SweepSpecError('--vary', `the grid has ${total} runs, more than ${MAX_RUNS}: narrow it or use --sample N`);
  let points: [string, Value][][] = [[]];
  o.dims.forEach((d, i) => {
    const axis = axes[i] as Value[];
    // the last dimension varies fastest
    points = points.flatMap((p) => axis.map((v): [string, Value][] => [...p, [d.path, v]]));
  });
  return points.map((values, index) => ({ index, values }));
}

export function planRuns(points: readonly Point[], seeds: readonly number[]): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const p of points) seeds.forEach((seed, i) => out.push({ run: p.index * seeds.length + i, point: p.index, seed, values: p.values }));
  return out;
}
