/**
 * `keepalive-lab compare <file>`: run one base scenario under each strategy × situation of
 * a compare file (src/apps/compare-schema.ts, docs/heartbeats.md "Compare files") and print
 * the table seed 003 concludes with, measured: time to detect, who detects, false alarms,
 * packets and bytes per hour per connection, whether the flow survived the middlebox.
 * Every figure comes from computeMetrics() (src/metrics/); nothing is defined here.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { compareSchema, type CompareSpec } from '../../src/apps/compare-schema.ts';
import { computeMetrics, flattenMetrics, type FlatValue } from '../../src/metrics/index.ts';
import { parseDuration } from '../../src/scenarios/duration.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { applyOverrides, COMPARE_DIR, InputError, namesIn, readRaw, resolveRef } from '../load.ts';
import { readDocument } from '../read.ts';
import { issueText } from '../../src/scenarios/messages.ts';
import { clip } from '../../src/scenarios/show.ts';
import { DEFAULT_MAX_RUNS } from '../../src/sweep/limits.ts';

export interface CellSummary {
  /** median seconds from the failure to the first detection, over the runs that detected */
  detect: number | null;
  /** runs that detected / runs */
  detected: number;
  who: string;
  falseAlarms: number;
  packetsPerHour: number | null;
  bytesPerHour: number | null;
  /** proportion of runs in which no middlebox broke the flow; null without a middlebox */
  survived: number | null;
}

export interface Cell {
  strategy: string;
  situation: string;
  seeds: number[];
  runs: Record<string, FlatValue>[];
  summary: CellSummary;
}

export function compareNames(): string[] {
  return namesIn(COMPARE_DIR);
}

export function loadCompare(ref: string): { spec: CompareSpec; source: string } {
  const path = resolveRef(ref, COMPARE_DIR, 'built-in compare file', `built-in: ${compareNames().join(', ') || 'none'}`);
  const raw = readDocument(path);
  const r = compareSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw new InputError(r.error.issues.map((i) => `${clip(basename(path), 60)}: ${issueText(i, compareSchema)}`));
  return { spec: r.data, source: path };
}

/** Replace every string equal to `$name` by vars[name], deep. */
function substitute(v: unknown, vars: Record<string, unknown>): unknown {
  if (typeof v === 'string' && v.startsWith('$') && Object.hasOwn(vars, v.slice(1))) return vars[v.slice(1)];
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, vars)]));
  return v;
}

/** Every cell's scenario, validated before anything runs. */
export function buildCells(spec: CompareSpec, source: string): { strategy: string; situation: string; seeds: number; scenario: Scenario }[] {
  const local = isAbsolute(spec.base) ? spec.base : join(dirname(source), spec.base);
  const base = readRaw(existsSync(local) && statSync(local).isFile() ? local : spec.base).raw;
  const file = basename(source);
  const problems: string[] = [];
  const out: ReturnType<typeof buildCells> = [];
  for (const st of spec.strategies) {
    for (const si of spec.situations) {
      const where = `${file}: strategy ${st.name} × situation ${si.name}`;
      const vars = { ...spec.vars, ...si.vars };
      const raw = structuredClone(base) as Record<string, unknown>;
      try {
        const sets = [...Object.entries(st.set), ...Object.entries(si.set)];
        applyOverrides(raw, sets.map(([k, v]) => ({ label: k, path: k, value: substitute(structuredClone(v), vars) })), 'set');
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(...e.problems.map((p) => `${where}: ${p}`));
        continue;
      }
      if (spec.until !== undefined) raw.until = spec.until;
      raw.name = `${st.name} × ${si.name}`;
      delete raw.expect;
      const v = validateScenario(raw);
      if (!v.ok) problems.push(...v.problems.map((p) => `${where}: ${p}`));
      else out.push({ strategy: st.name, situation: si.name, seeds: si.seeds, scenario: v.scenario });
    }
  }
  if (problems.length) throw new InputError(problems);
  return out;
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const nums = (runs: Record<string, FlatValue>[], k: string): number[] => runs.map((r) => r[k]).filter((x): x is number => typeof x === 'number');

export function summarizeCell(runs: Record<string, FlatValue>[]): CellSummary {
  const detects = nums(runs, 'detect.first');
  const whos = new Map<string, number>();
  for (const r of runs) whos.set(String(r['detect.who']), (whos.get(String(r['detect.who'])) ?? 0) + 1);
  const who = [...whos.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
  const surv = runs.map((r) => r['nat.survived']).filter((x): x is boolean => typeof x === 'boolean');
  return {
    detect: median(detects),
    detected: detects.length,
    who,
    falseAlarms: runs.filter((r) => r['falseAlarm'] === true).length / runs.length,
    packetsPerHour: median(nums(runs, 'overhead.packetsPerHour')),
    bytesPerHour: median(nums(runs, 'overhead.bytesPerHour')),
    survived: surv.length ? surv.filter(Boolean).length / surv.length : null,
  };
}

export function runCompare(spec: CompareSpec, source: string): Cell[] {
  return buildCells(spec, source).map((c) => {
    const seeds = Array.from({ length: c.seeds }, (_, i) => i + 1);
    const runs = seeds.map((seed) => flattenMetrics(computeMetrics(runScenario(c.scenario, { seed }).json)));
    return { strategy: c.strategy, situation: c.situation, seeds, runs, summary: summarizeCell(runs) };
  });
}

const fmt = (x: number | null, d = 1): string => (x === null ? '-' : x.toFixed(d));
const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function compareTable(cells: Cell[]): string[] {
  const head = ['strategy', 'situation', 'detect (s)', 'who', 'false alarms', 'pkts/h', 'bytes/h', 'NAT/proxy ok'];
  const rows = cells.map((c) => {
    const s = c.summary;
    const n = c.runs.length;
    const detect = s.detect === null ? 'never' : `${fmt(s.detect, 3)}${n > 1 ? ` (${s.detected}/${n})` : ''}`;
    return [c.strategy, c.situation, detect, s.who, n > 1 ? `${pct(s.falseAlarms)} of ${n}` : s.falseAlarms ? 'yes' : 'no', fmt(s.packetsPerHour, 0), fmt(s.bytesPerHour, 0), s.survived === null ? '-' : n > 1 ? pct(s.survived) : s.survived ? 'yes' : 'no'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((x, i) => x.padEnd(widths[i] as number)).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  let prev = '';
  for (const [i, r] of rows.entries()) {
    const st = cells[i]?.strategy ?? '';
    if (prev && st !== prev) out.push('');
    prev = st;
    out.push(line(r));
  }
  return out;
}

export function compareAction(ref: string, o: { json?: boolean }, out: (...s: string[]) => void): void {
  const { spec, source } = loadCompare(ref);
  if (spec.until !== undefined && parseDuration(spec.until) === null) throw new InputError([`${basename(source)}: until: not a duration`]);
  // the same ceiling as a sweep's default (docs/limits.md): a compare table is meant to be read
  const runs = spec.strategies.length * spec.situations.reduce((n, s) => n + s.seeds, 0);
  if (runs > DEFAULT_MAX_RUNS) throw new InputError([`${clip(basename(source), 60)}: ${runs.toLocaleString('en-US')} runs (${spec.strategies.length} strategies × ${spec.situations.length} situations with their seeds), more than ${DEFAULT_MAX_RUNS.toLocaleString('en-US')}: use a sweep for grids this large (docs/sweeps.md)`]);
  const cells = runCompare(spec, source);
  const name = spec.name ?? basename(source, '.yaml');
  if (o.json) {
    out(JSON.stringify({ format: 'keepalive-lab/compare@1', name, description: spec.description, base: spec.base, cells }, null, 1));
    return;
  }
  out(`# ${name}${spec.description ? `: ${spec.description}` : ''}`, `# base ${spec.base}; detect = seconds from the failure to the first detection (median over seeds); per hour per connection`, '');
  out(...compareTable(cells));
}
