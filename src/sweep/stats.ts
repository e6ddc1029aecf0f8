/**
 * Summary statistics of a sweep, per parameter point: for numbers the median, the 95th
 * percentile, min and max (nulls left out and counted); for booleans the proportion true
 * with a Wilson 95 % score interval, which stays inside [0, 1] and is honest for small n
 * and proportions near 0 or 1 (Wilson 1927; Brown, Cai & DasGupta 2001, "Interval
 * Estimation for a Binomial Proportion", Statist. Sci. 16(2) — recommended over the Wald
 * interval). Percentiles interpolate linearly between order statistics (Hyndman & Fan
 * 1996 definition 7, the default of R's quantile() and numpy.percentile).
 */
import type { FlatValue } from '../metrics/index.ts';

export type Row = Record<string, FlatValue>;

/** Quantile q in [0, 1] of sorted numbers (definition 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval for k successes in n trials. */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export type MetricSummary =
  | { metric: string; kind: 'number'; n: number; nulls: number; median: number; p95: number; min: number; max: number }
  | { metric: string; kind: 'bool'; n: number; nulls: number; yes: number; proportion: number; ci95: [number, number] }
  | { metric: string; kind: 'text'; n: number; nulls: number; mode: string; modeCount: number }
  | { metric: string; kind: 'null'; n: 0; nulls: number };

export function summarizeValues(metric: string, values: readonly FlatValue[]): MetricSummary {
  const present = values.filter((v): v is Exclude<FlatValue, null> => v !== null && v !== undefined);
  const nulls = values.length - present.length;
  if (present.length === 0) return { metric, kind: 'null', n: 0, nulls };
  if (present.every((v) => typeof v === 'number')) {
    const s = (present as number[]).slice().sort((a, b) => a - b);
    return { metric, kind: 'number', n: s.length, nulls, median: quantile(s, 0.5), p95: quantile(s, 0.95), min: s[0] as number, max: s[s.length - 1] as number };
  }
  if (present.every((v) => typeof v === 'boolean')) {
    const yes = present.filter((v) => v === true).length;
    return { metric, kind: 'bool', n: present.length, nulls, yes, proportion: yes / present.length, ci95: wilson(yes, present.length) };
  }
  const counts = new Map<string, number>();
  for (const v of present) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  // the most frequent; ties go to the first in sorted order, so the answer never depends on row order
  const [mode, modeCount] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] as [string, number];
  return { metric, kind: 'text', n: present.length, nulls, mode, modeCount };
}

export interface PointSummary {
  point: number;
  values: Record<string, FlatValue>;
  runs: number;
  metrics: MetricSummary[];
}

/** Group rows by `point` (rows carry `point` and the varied paths) and summarise each metric. */
export function summarizePoints(rows: readonly Row[], varied: readonly string[], metrics: readonly string[]): PointSummary[] {
  const groups = new Map<number, Row[]>();
  for (const r of rows) {
    const p = r['point'] as number;
    const g = groups.get(p) ?? [];
    g.push(r);
    groups.set(p, g);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((point) => {
      const g = groups.get(point) as Row[];
      const first = g[0] as Row;
      return {
        point,
        values: Object.fromEntries(varied.map((v) => [v, first[v] ?? null])),
        runs: g.length,
        metrics: metrics.map((m) => summarizeValues(m, g.map((r) => r[m] ?? null))),
      };
    });
}
