/**
 * Plot specs for sweep results, as Vega-Lite (https://vega.github.io/vega-lite/) JSON: pure
 * builders over rows (plain objects with flat keys, one per run, as the sweep writes them:
 * `{ run, seed, "hosts.client.socket.TCP_KEEPIDLE": 60, "detect.first": 91.4, "nat.survived": true, … }`).
 * Aggregation, CDFs and the Pareto front are computed here, so a spec carries its data and
 * renders identically anywhere (sim/plot/render.ts: SVG/PNG without a browser; Jupyter; the
 * Vega editor). Axis titles take their units from the metric catalogue (src/metrics).
 */
import { METRICS } from '../metrics/catalogue.ts';

export type Row = Record<string, unknown>;
export type Spec = Record<string, unknown>;
export type Agg = 'mean' | 'median' | 'min' | 'max' | 'count' | 'p95';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const BASE = { $schema: SCHEMA, background: 'white', config: { font: 'DejaVu Sans, sans-serif', view: { stroke: null } } };

/** A number from a row value: booleans count as 1/0 (so a mean is a proportion); null/text → undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (v === 'true') return 1;
  if (v === 'false') return 0;
  return undefined;
}

/** Every key present in some row, in first-seen order. */
export function fieldsOf(rows: readonly Row[]): string[] {
  const s = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) s.add(k);
  return [...s];
}

const metricPattern = (name: string): RegExp => new RegExp(`^${name.replace(/\./g, '\\.').replace('<host>', '[^.]+')}$`);

/** Whether a row field is a metric of the catalogue (as opposed to a parameter, `run` or `seed`). */
export function isMetric(field: string): boolean {
  return METRICS.some((m) => metricPattern(m.name).test(field));
}

/** The parameter fields that take more than one value in the rows: what a sweep varied. */
export function variedFields(rows: readonly Row[]): string[] {
  return fieldsOf(rows).filter((f) => !['run', 'seed', 'point'].includes(f) && !isMetric(f) && new Set(rows.map((r) => JSON.stringify(r[f]))).size > 1);
}

/** `detect.first` → `detect.first (s)`; parameter paths keep their last two segments. */
export function title(field: string): string {
  const m = METRICS.find((x) => metricPattern(x.name).test(field));
  if (m) return m.unit === 'bool' || m.unit === 'text' ? field : `${field} (${m.unit})`;
  return short(field);
}

/** A parameter path's last named segment with its index: `path.middleboxes.0.established` → `middleboxes.0.established`, `hosts.client.socket.TCP_KEEPIDLE` → `client TCP_KEEPIDLE`. */
export function short(field: string): string {
  const parts = field.split('.');
  if (parts.length <= 2) return field;
  const last = parts[parts.length - 1] as string;
  if (parts[0] === 'hosts') return `${parts[1]} ${last}`;
  let i = parts.length - 2;
  while (i > 0 && /^\d+$/.test(parts[i] as string)) i--;
  return parts.slice(i).join('.');
}

export function aggregate(values: readonly number[], agg: Agg): number | null {
  if (agg === 'count') return values.length;
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  switch (agg) {
    case 'mean':
      return v.reduce((a, b) => a + b, 0) / v.length;
    case 'min':
      return v[0] as number;
    case 'max':
      return v[v.length - 1] as number;
    case 'median':
      return v.length % 2 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
    case 'p95':
      return v[Math.min(v.length - 1, Math.ceil(0.95 * v.length) - 1)] as number; // nearest-rank
  }
}

export interface HeatmapOptions {
  x: string;
  y: string;
  color: string;
  /** per cell; default `mean` (a proportion for boolean fields such as nat.survived) */
  agg?: Agg;
}

/** One cell per (x, y): the aggregate of `color` over the runs there, with the value printed in the cell. */
export function heatmapSpec(rows: readonly Row[], o: HeatmapOptions): Spec {
  const agg = o.agg ?? 'mean';
  const cells = new Map<string, { x: unknown; y: unknown; v: number[]; n: number }>();
  for (const r of rows) {
    const k = JSON.stringify([r[o.x], r[o.y]]);
    const c = cells.get(k) ?? { x: r[o.x], y: r[o.y], v: [], n: 0 };
    const v = num(r[o.color]);
    if (v !== undefined) c.v.push(v);
    c.n++;
    cells.set(k, c);
  }
  const values = [...cells.values()].map((c) => ({ x: c.x, y: c.y, value: aggregate(c.v, agg), runs: c.n }));
  const sortNum = (f: 'x' | 'y'): unknown[] => [...new Set(values.map((v) => v[f]))].sort((a, b) => (num(a) ?? 0) - (num(b) ?? 0) || String(a).localeCompare(String(b)));
  const label = `${agg}(${o.color})`;
  const nums = values.map((v) => v.value).filter((v): v is number => v !== null);
  const mid = nums.length ? (Math.min(...nums) + Math.max(...nums)) / 2 : 0;
  return {
    ...BASE,
    title: `${label} over ${title(o.x)} × ${title(o.y)}`,
    width: { step: 44 },
    height: { step: 30 },
    data: { values },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: title(o.x), sort: sortNum('x') },
      y: { field: 'y', type: 'ordinal', title: title(o.y), sort: [...sortNum('y')].reverse() },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', title: label, scale: { scheme: 'viridis' } }, tooltip: [{ field: 'x' }, { field: 'y' }, { field: 'value', format: '.3~f' }, { field: 'runs' }] } },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.2~f' }, color: { condition: { test: `datum.value > ${mid}`, value: 'black' }, value: 'white' } } },
    ],
  };
}

export interface CdfOptions {
  value: string;
  group?: string;
}

/** Empirical CDF points per group: (v, p) steps; runs with no value (never detected) keep the curve below 1. */
export function ecdf(rows: readonly Row[], o: CdfOptions): { group: string; v: number; p: number }[] {
  const groups = new Map<string, { vals: number[]; n: number }>();
  for (const r of rows) {
    const g = o.group ? String(r[o.group]) : 'all';
    const e = groups.get(g) ?? { vals: [], n: 0 };
    const v = num(r[o.value]);
    if (v !== undefined) e.vals.push(v);
    e.n++;
    groups.set(g, e);
  }
  const out: { group: string; v: number; p: number }[] = [];
  for (const [group, e] of groups) {
    e.vals.sort((a, b) => a - b);
    e.vals.forEach((v, i) => {
      if (e.vals[i + 1] !== v) out.push({ group, v, p: (i + 1) / e.n });
    });
  }
  return out;
}

/** Distributions of one value (e.g. detect.first) per group (e.g. loss rate) as step CDFs. */
export function cdfSpec(rows: readonly Row[], o: CdfOptions): Spec {
  const values = ecdf(rows, o);
  return {
    ...BASE,
    title: `distribution of ${o.value}${o.group ? ` by ${title(o.group)}` : ''}`,
    width: 480,
    height: 300,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', point: true },
    encoding: {
      x: { field: 'v', type: 'quantitative', title: title(o.value) },
      y: { field: 'p', type: 'quantitative', title: 'proportion of runs ≤ x', scale: { domain: [0, 1] } },
      color: { field: 'group', type: o.group && rows.every((r) => num(r[o.group as string]) !== undefined) ? 'ordinal' : 'nominal', title: o.group ? title(o.group) : null },
    },
  };
}

/**
 * Points not dominated by any other when both coordinates are to be minimised (overhead and
 * detection time): p is on the front iff no q has q.x ≤ p.x and q.y ≤ p.y with one strict.
 * Returned sorted by x.
 */
export function paretoFront<T extends { x: number; y: number }>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  const front: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.y < best) {
      front.push(p);
      best = p.y;
    }
  }
  return front;
}

export interface ParetoOptions {
  x: string;
  y: string;
  /** field(s) naming a point (the parameter setting); rows with the same label are aggregated by median */
  label?: string | string[];
  /**
   * a boolean field that must not be false for a setting to be on the front (`nat.survived`):
   * a setting whose connection a NAT or proxy broke is cheap only because it stopped working
   */
  valid?: string;
}

/** One point per setting (median over seeds): `broken` when some run of it has `valid` false. */
export function paretoPoints(rows: readonly Row[], o: ParetoOptions): { label: string; x: number; y: number; front: boolean; broken?: true }[] {
  const labels = o.label === undefined ? [] : Array.isArray(o.label) ? o.label : [o.label];
  const groups = new Map<string, { xs: number[]; ys: number[]; broken: boolean }>();
  rows.forEach((r, i) => {
    const k = labels.length ? labels.map((l) => `${(l.split('.').pop() ?? l)}=${String(r[l])}`).join(' ') : `#${i}`;
    const g = groups.get(k) ?? { xs: [], ys: [], broken: false };
    const x = num(r[o.x]);
    const y = num(r[o.y]);
    if (x !== undefined && y !== undefined) {
      g.xs.push(x);
      g.ys.push(y);
    }
    if (o.valid !== undefined && num(r[o.valid]) === 0) g.broken = true;
    groups.set(k, g);
  });
  const points = [...groups].filter(([, g]) => g.xs.length).map(([label, g]) => ({ label, x: aggregate(g.xs, 'median') as number, y: aggregate(g.ys, 'median') as number, broken: g.broken }));
  const front = new Set(paretoFront(points.filter((p) => !p.broken)));
  return points.map((p) => ({ label: p.label, x: p.x, y: p.y, front: front.has(p), ...(p.broken ? { broken: true as const } : {}) }));
}

/** Trade-off scatter (one point per setting, median over seeds) with the Pareto front drawn and labelled. */
export function paretoSpec(rows: readonly Row[], o: ParetoOptions): Spec {
  const points = paretoPoints(rows, o);
  const anyBroken = points.some((v) => v.broken);
  // with a broken setting, three kinds of point: the front, the dominated, and the cheap-because-dead
  const values = anyBroken ? points.map((p) => ({ ...p, status: p.broken ? 'middlebox broke the flow' : p.front ? 'on the Pareto front' : 'dominated' })) : points;
  const enc = { x: { field: 'x', type: 'quantitative', title: title(o.x) }, y: { field: 'y', type: 'quantitative', title: title(o.y) } };
  const color = anyBroken
    ? { field: 'status', type: 'nominal', title: null, scale: { domain: ['on the Pareto front', 'dominated', 'middlebox broke the flow'], range: ['#d62728', '#9e9e9e', '#1f77b4'] } }
    : { field: 'front', type: 'nominal', title: 'on the Pareto front', scale: { domain: [true, false], range: ['#d62728', '#9e9e9e'] } };
  return {
    ...BASE,
    title: `${o.y} vs ${o.x}: Pareto front (lower is better on both)`,
    width: 480,
    height: 320,
    data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 40 }, encoding: { ...enc, color, ...(anyBroken ? { shape: { field: 'status', type: 'nominal', legend: null, scale: { domain: ['on the Pareto front', 'dominated', 'middlebox broke the flow'], range: ['circle', 'circle', 'cross'] } } } : {}), tooltip: [{ field: 'label' }, { field: 'x' }, { field: 'y' }] } },
      { transform: [{ filter: 'datum.front' }], mark: { type: 'line', color: '#d62728', interpolate: 'step-after' }, encoding: { ...enc, order: { field: 'x' } } },
      { transform: [{ filter: 'datum.front' }], mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 9 }, encoding: { ...enc, text: { field: 'label' } } },
    ],
  };
}

/** Median (over seeds) of a metric against one parameter. */
export function lineSpec(rows: readonly Row[], o: { x: string; y: string; group?: string }): Spec {
  const cells = new Map<string, { x: number; g: string; v: number[] }>();
  for (const r of rows) {
    const x = num(r[o.x]);
    const y = num(r[o.y]);
    if (x === undefined || y === undefined) continue;
    const g = o.group ? String(r[o.group]) : 'all';
    const k = `${x}|${g}`;
    const c = cells.get(k) ?? { x, g, v: [] };
    c.v.push(y);
    cells.set(k, c);
  }
  const values = [...cells.values()].map((c) => ({ x: c.x, group: c.g, y: aggregate(c.v, 'median') })).sort((a, b) => a.x - b.x);
  return {
    ...BASE,
    title: `${o.y} (median over seeds) vs ${title(o.x)}`,
    width: 480,
    height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: { x: { field: 'x', type: 'quantitative', title: title(o.x) }, y: { field: 'y', type: 'quantitative', title: title(o.y) }, ...(o.group ? { color: { field: 'group', type: 'nominal', title: title(o.group) } } : {}) },
  };
}

const has = (rows: readonly Row[], f: string): boolean => rows.some((r) => num(r[f]) !== undefined);

const distinct = (rows: readonly Row[], f: string): number => new Set(rows.map((r) => num(r[f])).filter((v) => v !== undefined)).size;

/**
 * Plots that fit a sweep's varied parameters: keepidle × NAT idle timeout → survival heatmap;
 * a loss rate → detection-time CDFs per rate; an overhead metric (packets, probes or bytes per
 * hour, in that preference) and detection present → Pareto plot over the settings; otherwise each metric against each numeric varied parameter.
 */
export function autoPlotSpecs(rows: readonly Row[], varied: readonly string[]): { name: string; spec: Spec }[] {
  return autoPlots(rows, varied).plots;
}

/**
 * autoPlotSpecs with the plots it skipped and why: a plot that would show nothing (a Pareto
 * "trade-off" where every setting costs the same, a CDF or heatmap without a value) is
 * left out with a note instead of drawn.
 */
export function autoPlots(rows: readonly Row[], varied: readonly string[]): { plots: { name: string; spec: Spec }[]; skipped: { name: string; why: string }[] } {
  const out: { name: string; spec: Spec }[] = [];
  const skipped: { name: string; why: string }[] = [];
  const detect = has(rows, 'detect.first') ? 'detect.first' : undefined;
  const survived = has(rows, 'nat.survived') ? 'nat.survived' : undefined;
  const overhead = ['overhead.packetsPerHour', 'overhead.keepaliveProbesPerHour', 'overhead.bytesPerHour'].find((f) => has(rows, f));
  const keepidle = varied.find((v) => /KEEPIDLE|keepalive_time/i.test(v));
  const natIdle = varied.find((v) => v !== keepidle && /middleboxes\.\d+\.(established|idleTimeout|timeout|timeoutClient|timeoutServer)$|idle/i.test(v));
  const loss = varied.find((v) => /loss/i.test(v));
  if (survived && keepidle && natIdle) out.push({ name: 'survival-heatmap', spec: heatmapSpec(rows, { x: keepidle, y: natIdle, color: survived }) });
  if (detect && loss) out.push({ name: 'detection-cdf', spec: cdfSpec(rows, { value: detect, group: loss }) });
  if (detect && overhead && varied.length) {
    const o = { x: overhead, y: detect, label: [...varied], ...(survived ? { valid: survived } : {}) };
    const pts = paretoPoints(rows, o);
    const xs = new Set(pts.map((p) => p.x));
    if (pts.length < 2) skipped.push({ name: 'pareto', why: `fewer than two settings have both ${overhead} and ${detect}` });
    else if (xs.size < 2) skipped.push({ name: 'pareto', why: `every setting has the same ${overhead} (${[...xs][0]}): no trade-off to draw` });
    else if (new Set(pts.map((p) => p.y)).size < 2) skipped.push({ name: 'pareto', why: `every setting has the same ${detect} (${pts[0]?.y}): no trade-off to draw` });
    else out.push({ name: 'pareto', spec: paretoSpec(rows, o) });
  }
  if (!out.length) {
    for (const v of varied.filter((f) => has(rows, f))) {
      for (const m of [detect, survived, overhead].filter((x): x is string => x !== undefined)) {
        const name = `${m}-vs-${v.split('.').pop() ?? v}`;
        if (distinct(rows.filter((r) => num(r[m]) !== undefined), v) < 2) skipped.push({ name, why: `${m} is known at fewer than two values of ${v}` });
        else out.push({ name, spec: lineSpec(rows, { x: v, y: m }) });
      }
    }
  }
  return { plots: out, skipped };
}
