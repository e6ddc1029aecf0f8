/**
 * What a sweep varies: one dimension per scenario field (a dotted path, as for `run --set`),
 * written as a range `lo..hi[/step]` (durations with units, or plain numbers; inclusive) or a
 * list `a,b,c` (each item read as YAML, like a `--set` value). Ranges of durations give
 * numbers of seconds, which every duration field and the seconds-valued socket options
 * (TCP_KEEPIDLE, TCP_KEEPINTVL) accept. Arithmetic is on integers (µs, or the numbers scaled
 * by their decimals), so `0.1` steps never drift.
 */
import YAML from 'yaml';
import { parseDuration } from '../scenarios/duration.ts';
import type { Rng } from '../engine/rng.ts';
import { FORBIDDEN_KEYS } from '../scenarios/document.ts';
import { MAX_DURATION_TEXT, MAX_DURATION_US } from '../scenarios/limits.ts';
import { clip, quote } from '../scenarios/show.ts';

/** A mistake in a sweep's description; `flag` names the CLI flag or file field. */
export class SweepSpecError extends Error {
  constructor(readonly flag: string, problem: string) {
    super(`${flag}: ${problem}`);
  }
}

export type Value = number | string | boolean;

export interface RangeDim {
  path: string;
  kind: 'range';
  /** the spec as written, for messages */
  text: string;
  /** endpoints and step as integers in `unit`s; values are `k * scale` */
  lo: number;
  hi: number;
  step: number;
  /** the value of one integer unit: 1e-6 for durations (µs → s), 10^-decimals for numbers */
  scale: number;
}

export interface ListDim {
  path: string;
  kind: 'list';
  text: string;
  values: Value[];
}

export type Dimension = RangeDim | ListDim;

const NUMBER = /^-?(\d+(\.\d+)?|\.\d+)$/;
const decimals = (s: string): number => (s.includes('.') ? (s.split('.')[1] as string).length : 0);

/** Parse `path=spec` (the `--vary` flag). */
export function parseVary(text: string, flag = '--vary'): Dimension {
  const i = text.indexOf('=');
  if (i <= 0) throw new SweepSpecError(flag, `${quote(text)} is not path=spec (e.g. hosts.client.socket.TCP_KEEPIDLE=30s..600s/30s)`);
  return parseDimension(text.slice(0, i).trim(), text.slice(i + 1).trim(), flag);
}

/** A dimension from its path and spec: `lo..hi[/step]`, or a list `a,b,c`, or a list of values (sweep files). */
export function parseDimension(path: string, spec: string | readonly Value[], flag = '--vary'): Dimension {
  const where = `${flag} ${clip(path, 80)}`;
  if (!/^[^.\s]+(\.[^.\s]+)*$/.test(path)) throw new SweepSpecError(flag, `${quote(path)} is not a field path like hosts.client.socket.TCP_KEEPIDLE`);
  const forbidden = path.split('.').find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden !== undefined) throw new SweepSpecError(flag, `${quote(path)}: ${quote(forbidden)} cannot be a field name (it would reach the object's prototype)`);
  if (typeof spec !== 'string') {
    if (spec.length === 0) throw new SweepSpecError(where, 'the list of values is empty');
    return { path, kind: 'list', text: spec.join(','), values: [...spec] };
  }
  const m = /^(.+?)\.\.(.+?)(?:\/(.+))?$/.exec(spec);
  if (!m) {
    const items = spec.split(',').map((s) => s.trim());
    if (spec === '' || items.some((s) => s === '')) throw new SweepSpecError(where, `${quote(spec)} has an empty item (expected a,b,c or lo..hi/step)`);
    return { path, kind: 'list', text: spec, values: items.map(scalar) };
  }
  const [lo, hi, step] = [m[1] as string, m[2] as string, m[3]];
  const plain = [lo, hi, ...(step === undefined ? [] : [step])].every((s) => NUMBER.test(s.trim()));
  let r: { lo: number; hi: number; step: number; scale: number };
  if (plain) {
    const d = Math.max(decimals(lo), decimals(hi), step === undefined ? 0 : decimals(step));
    const k = 10 ** d;
    r = { lo: Math.round(Number(lo) * k), hi: Math.round(Number(hi) * k), step: step === undefined ? 1 : Math.round(Number(step) * k), scale: 1 / k };
  } else {
    const us = [lo, hi, step ?? '0'].map((s) => parseDuration(s.trim()));
    const bad = [lo, hi, step].find((s, j) => s !== undefined && us[j] === null);
    if (bad !== undefined) throw new SweepSpecError(where, `${quote(bad)} is neither a number nor a duration (e.g. 30s, 1.5ms, 2h)`);
    const long = [lo, hi, step].find((s, j) => s !== undefined && (us[j] as number) > MAX_DURATION_US);
    if (long !== undefined) throw new SweepSpecError(where, `${quote(long)} is longer than ${MAX_DURATION_TEXT}, the longest duration (docs/limits.md)`);
    const [a, b] = [us[0] as number, us[1] as number];
    // no step: the coarsest unit in which both ends are whole (s, ms, µs)
    const res = step !== undefined ? (us[2] as number) : a % 1e6 === 0 && b % 1e6 === 0 ? 1e6 : a % 1e3 === 0 && b % 1e3 === 0 ? 1e3 : 1;
    r = { lo: a, hi: b, step: res, scale: 1e-6 };
  }
  if (![r.lo, r.hi, r.step].every(Number.isSafeInteger)) throw new SweepSpecError(where, `${quote(spec)}: the numbers are too large or too precise to step through exactly`);
  if (r.step <= 0) throw new SweepSpecError(where, `step ${quote(step ?? '')} must be more than 0`);
  if (r.hi < r.lo) throw new SweepSpecError(where, `empty range ${clip(spec, 60)} (the end is below the start)`);
  return { path, kind: 'range', text: spec, ...r };
}

/** A list item or a `--set` value: read as YAML (numbers, booleans, strings), else the text itself. */
function scalar(s: string): Value {
  try {
    // silent: a warning (an unresolved tag) would be printed by Node as several lines; the text is kept instead
    const doc = YAML.parseDocument(s, { logLevel: 'silent' });
    if (doc.errors.length || doc.warnings.length) return s;
    const v: unknown = doc.toJS({ maxAliasCount: 100 });
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  } catch {
    // not YAML: keep the text
  }
  return s;
}

/** Round away binary noise from `k * scale` (0.1 * 3 = 0.30000000000000004). */
const value = (d: RangeDim, k: number): number => Number((k * d.scale).toPrecision(12));

/** How many values a dimension has, computed (a range is never listed to count it). */
export function dimensionSize(d: Dimension): number {
  return d.kind === 'list' ? d.values.length : Math.floor((d.hi - d.lo) / d.step) + 1;
}

/** The i-th value of a dimension (0 ≤ i < dimensionSize). */
export function valueAt(d: Dimension, i: number): Value {
  return d.kind === 'list' ? (d.values[i] as Value) : value(d, d.lo + i * d.step);
}

/** Every value of a dimension, in order (a range: lo, lo+step, … ≤ hi). Check dimensionSize first. */
export function gridValues(d: Dimension): Value[] {
  if (d.kind === 'list') return d.values;
  return Array.from({ length: dimensionSize(d) }, (_, i) => valueAt(d, i));
}

/** One value drawn uniformly: a list item, or a grid point of the range. */
export function sampleValue(d: Dimension, rng: Rng): Value {
  return valueAt(d, rng.int(0, dimensionSize(d) - 1));
}

/**
 * `--seeds K` (seeds 1..K), `--seeds a..b` (inclusive), or `--seeds a,b,c`. At most
 * `max` seeds: the count is checked before any list is made.
 */
export function parseSeeds(spec: string | number | readonly number[], flag = '--seeds', max = Infinity): number[] {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 2 ** 32 - 1;
  const tooMany = (n: number): never => {
    throw new SweepSpecError(flag, `${n} seeds, more than the ${max} runs a sweep may plan (--max-points raises it; docs/limits.md)`);
  };
  let seeds: number[];
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new SweepSpecError(flag, `${spec} must be a whole number of seeds, at least 1`);
    if (spec > 2 ** 32) throw new SweepSpecError(flag, `${spec} seeds: seeds are 0..4294967295`);
    if (spec > max) tooMany(spec);
    seeds = Array.from({ length: spec }, (_, i) => i + 1);
  } else if (typeof spec !== 'string') seeds = [...spec];
  else if (/^\d+$/.test(spec.trim())) return parseSeeds(Number(spec), flag, max);
  else if (/^\d+\.\.\d+$/.test(spec.trim())) {
    const [a, b] = spec.split('..').map(Number) as [number, number];
    if (b < a) throw new SweepSpecError(flag, `empty range ${clip(spec, 60)} (the end is below the start)`);
    const bad = [a, b].find((s) => !ok(s));
    if (bad !== undefined) throw new SweepSpecError(flag, `seed ${bad} is out of range 0..4294967295`);
    if (b - a + 1 > max) tooMany(b - a + 1);
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (/^\d+(,\d+)*$/.test(spec.trim())) seeds = spec.split(',').map(Number);
  else throw new SweepSpecError(flag, `${quote(spec)} is not K, a..b or a,b,c (seeds are 0..4294967295)`);
  if (seeds.length === 0) throw new SweepSpecError(flag, 'no seeds');
  if (seeds.length > max) tooMany(seeds.length);
  const bad = seeds.find((s) => !ok(s));
  if (bad !== undefined) throw new SweepSpecError(flag, `seed ${bad} is out of range 0..4294967295`);
  if (new Set(seeds).size !== seeds.length) throw new SweepSpecError(flag, 'a seed is listed twice');
  return seeds;
}
