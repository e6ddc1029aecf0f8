/**
 * The per-point summary table (stdout and `<prefix>.summary.txt`) and the CSV of rows.
 * Pure text: the runner writes it.
 */
import type { FlatValue } from '../metrics/index.ts';
import type { MetricSummary, PointSummary, Row } from './stats.ts';

/** A number as a short text: at most 6 decimals, no trailing zeros. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(6))) : String(x);
}

function cells(m: MetricSummary): [string, string, string, string, string] {
  switch (m.kind) {
    case 'number':
      return [String(m.n), fmt(m.median), fmt(m.p95), fmt(m.min), fmt(m.max)];
    case 'bool':
      return [String(m.n), `${m.yes}/${m.n} = ${fmt(Number(m.proportion.toFixed(3)))}`, `[${fmt(Number(m.ci95[0].toFixed(3)))}, ${fmt(Number(m.ci95[1].toFixed(3)))}]`, '', ''];
    case 'text':
      return [String(m.n), `${m.mode} (${m.modeCount}/${m.n})`, '', '', ''];
    case 'null':
      return ['0', '-', '', '', ''];
  }
}

/** Short column names for varied paths: the last segment, or more when two would clash. */
export function shortNames(paths: readonly string[]): string[] {
  return paths.map((p) => {
    const parts = p.split('.');
    for (let n = 1; n <= parts.length; n++) {
      const s = parts.slice(-n).join('.');
      if (paths.filter((q) => q === s || q.endsWith(`.${s}`)).length === 1) return s;
    }
    return p;
  });
}

const show = (v: FlatValue | undefined): string => (v === null || v === undefined ? '' : typeof v === 'number' ? fmt(v) : String(v));

/**
 * One line per point and metric. Numbers: n, median, p95, min, max. Booleans: n, the share
 * true (`k/n = p`) in the median column and its Wilson 95 % interval in the p95 column.
 * Text: the most frequent value. Nulls (e.g. no detection) are left out of n.
 */
export function formatSummary(points: readonly PointSummary[], varied: readonly string[]): string {
  if (points.every((p) => p.runs === 1)) return formatSingle(points, varied);
  const head = ['point', ...shortNames(varied), 'runs', 'metric', 'n', 'median|share', 'p95|95% CI', 'min', 'max'];
  const lines: string[][] = [head];
  for (const p of points) {
    p.metrics.forEach((m, i) => {
      const lead = i === 0 ? [String(p.point), ...varied.map((v) => show(p.values[v])), String(p.runs)] : ['', ...varied.map(() => ''), ''];
      lines.push([...lead, m.metric, ...cells(m)]);
    });
  }
  return align(lines);
}

/** One run per point: one line per point, one column per metric (its value; empty = null). */
function formatSingle(points: readonly PointSummary[], varied: readonly string[]): string {
  const metrics = points[0]?.metrics.map((m) => m.metric) ?? [];
  const lines: string[][] = [['point', ...shortNames(varied), ...metrics]];
  for (const p of points) {
    lines.push([String(p.point), ...varied.map((v) => show(p.values[v])), ...p.metrics.map(single)]);
  }
  return align(lines);
}

function single(m: MetricSummary): string {
  switch (m.kind) {
    case 'number':
      return fmt(m.median);
    case 'bool':
      return String(m.yes === 1);
    case 'text':
      return m.mode;
    case 'null':
      return '-';
  }
}

function align(lines: readonly string[][]): string {
  const head = lines[0] ?? [];
  const widths = head.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  return lines.map((l) => l.map((s, c) => s.padEnd(widths[c] as number)).join('  ').trimEnd()).join('\n') + '\n';
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: FlatValue | undefined): string {
  const s = show(v === undefined ? null : v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns: every key, in first-seen order over the rows (rows sorted by run first). */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function toCsv(rows: readonly Row[]): string {
  const cols = columnsOf(rows);
  return [cols.map(csvField).join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n';
}
