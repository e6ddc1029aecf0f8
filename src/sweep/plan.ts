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

/** The grid's axes, after the checks every plan gets (no path twice, at most MAX_RUNS runs). */
function gridAxes(o: PlanOptions): Value[][] {
  const paths = o.dims.map((d) => d.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup !== undefined) throw new SweepSpecError(`--vary ${dup}`, 'the same path is varied twice');
  if (o.sample !== undefined) return [];
  const axes = o.dims.map(gridValues);
  const total = axes.reduce((n, a) => n * a.length, 1) * Math.max(1, o.seeds.length);
  if (total > MAX_RUNS) throw new SweepSpecError('--vary', `the grid has ${total} runs, more than ${MAX_RUNS}: narrow it or use --sample N`);
  return axes;
}

export function planPoints(o: PlanOptions): Point[] {
  const axes = gridAxes(o);
  if (o.sample !== undefined) {
    if (!Number.isInteger(o.sample) || o.sample < 1) throw new SweepSpecError('--sample', `${o.sample} must be a whole number of points, at least 1`);
    // one named stream for the whole sweep: point i's values depend on the seed and i only
    const rng = Rng.root(o.sampleSeed ?? 1).fork('sweep-sample');
    return Array.from({ length: o.sample }, (_, index) => ({ index, values: o.dims.map((d): [string, Value] => [d.path, sampleValue(d, rng)]) }));
  }
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
