/**
 * A sweep's plan: the parameter points (a full grid, or N points sampled from a seeded
 * stream) and the runs (each point × each seed). Run indexes are fixed by the plan alone
 * — point-major, seeds in the order given — so a resumed or parallel sweep numbers its runs
 * the same way.
 */
import { Rng } from '../engine/rng.ts';
import { dimensionSize, gridValues, sampleValue, SweepSpecError, type Dimension, type Value } from './spec.ts';
import { DEFAULT_MAX_RUNS, HARD_MAX_RUNS } from './limits.ts';

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
  /** refuse plans of more runs than this (default DEFAULT_MAX_RUNS, `--max-points`) */
  maxRuns?: number;
}

/** The number of runs a plan would have, computed without listing them. */
export function countRuns(o: PlanOptions): { points: number; runs: number } {
  const points = o.sample ?? o.dims.reduce((n, d) => n * dimensionSize(d), 1);
  return { points, runs: points * Math.max(1, o.seeds.length) };
}

const fmt = (n: number): string => (n < 1e15 ? n.toLocaleString('en-US') : n.toPrecision(3));

/** The grid's axes, after the checks every plan gets (no path twice, at most MAX_RUNS runs). */
function gridAxes(o: PlanOptions): Value[][] {
  const paths = o.dims.map((d) => d.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup !== undefined) throw new SweepSpecError(`--vary ${dup}`, 'the same path is varied twice');
  checkSize(o);
  return o.sample !== undefined ? [] : o.dims.map(gridValues);
}

export function planPoints(o: PlanOptions): Point[] {
  const axes = gridAxes(o);
  if (o.sample !== undefined) {
    // one named stream for the whole sweep: point i's values depend on the seed and i only
    const rng = Rng.root(o.sampleSeed ?? 1).fork('sweep-sample');
    return Array.from({ length: o.sample }, (_, index) => ({ index, values: o.dims.map((d): [string, Value] => [d.path, sampleValue(d, rng)]) }));
  }
  let grid: [string, Value][][] = [[]];
  o.dims.forEach((d, i) => {
    const axis = axes[i] as Value[];
    // the last dimension varies fastest
    grid = grid.flatMap((p) => axis.map((v): [string, Value][] => [...p, [d.path, v]]));
  });
  return grid.map((values, index) => ({ index, values }));
}

/** Refuse a plan larger than its limit, naming the count and the limit (nothing is listed to count it). */
export function checkSize(o: PlanOptions): void {
  if (o.sample !== undefined && (!Number.isInteger(o.sample) || o.sample < 1)) throw new SweepSpecError('--sample', `${o.sample} must be a whole number of points, at least 1`);
  const max = o.maxRuns ?? DEFAULT_MAX_RUNS;
  const { points, runs } = countRuns(o);
  if (runs > max) {
    const how = o.sample !== undefined ? 'sample fewer points or use fewer seeds' : 'narrow the ranges, use --sample N';
    throw new SweepSpecError(o.sample !== undefined ? '--sample' : '--vary', `the sweep has ${fmt(runs)} runs (${fmt(points)} point${points === 1 ? '' : 's'} × ${o.seeds.length} seed${o.seeds.length === 1 ? '' : 's'}), more than the limit of ${fmt(max)}: ${how}, or raise the limit with --max-points ${runs <= HARD_MAX_RUNS ? runs : `(at most ${fmt(HARD_MAX_RUNS)})`}`);
  }
}

export function planRuns(points: readonly Point[], seeds: readonly number[]): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const p of points) seeds.forEach((seed, i) => out.push({ run: p.index * seeds.length + i, point: p.index, seed, values: p.values }));
  return out;
}

/**
 * Random access to a plan's runs without building all of them: what a distributed worker
 * needs for one chunk of a sweep of millions of runs. `slice(first, count)` is exactly
 * `planRuns(planPoints(o), o.seeds).slice(first, first + count)` (test/sweep/plan.test.ts).
 * A grid point's values come from its index in mixed radix, the last dimension fastest (as
 * planPoints builds the grid); a sample's points are drawn once, since its stream is sequential.
 */
export class PlanIndex {
  readonly total: number;
  private readonly axes: Value[][];
  private readonly sampled: Point[] | null;

  constructor(private readonly o: PlanOptions) {
    if (o.seeds.length === 0) throw new SweepSpecError('--seeds', 'no seeds');
    // a distributed worker indexes a plan its coordinator already sized (--max-points there)
    o = { ...o, maxRuns: o.maxRuns ?? Number.POSITIVE_INFINITY };
    this.axes = gridAxes(o);
    this.sampled = o.sample !== undefined ? planPoints(o) : null;
    const points = this.sampled ? this.sampled.length : this.axes.reduce((n, a) => n * a.length, 1);
    this.total = points * o.seeds.length;
  }

  /** The values of point `p`. */
  point(p: number): [string, Value][] {
    if (this.sampled) return (this.sampled[p] as Point).values;
    const values: [string, Value][] = new Array(this.axes.length);
    let rest = p;
    for (let d = this.axes.length - 1; d >= 0; d--) {
      const axis = this.axes[d] as Value[];
      values[d] = [(this.o.dims[d] as Dimension).path, axis[rest % axis.length] as Value];
      rest = Math.floor(rest / axis.length);
    }
    return values;
  }

  /** Runs first .. first+count-1 (clipped to the plan). */
  slice(first: number, count: number): PlannedRun[] {
    const out: PlannedRun[] = [];
    const n = this.o.seeds.length;
    const end = Math.min(this.total, first + count);
    let values: [string, Value][] = [];
    for (let run = Math.max(0, first); run < end; run++) {
      const point = Math.floor(run / n);
      if (run === first || run % n === 0) values = this.point(point);
      out.push({ run, point, seed: this.o.seeds[run % n] as number, values });
    }
    return out;
  }
}
