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
  if (i <= 0) throw new SweepSpecError(flag, `${JSON.stringify(text)} is not path=spec (e.g. hosts.client.socket.TCP_KEEPIDLE=30s..600s/30s)`);
  return parseDimension(text.slice(0, i).trim(), text.slice(i + 1).trim(), flag);
}

/** A dimension from its path and spec: `lo..hi[/step]`, or a list `a,b,c`, or a list of values (sweep files). */
export function parseDimension(path: string, spec: string | readonly Value[], flag = '--vary'): Dimension {
  const where = `${flag} ${path}`;
  if (!/^[^.\s]+(\.[^.\s]+)*$/.test(path)) throw new SweepSpecError(flag, `${JSON.stringify(path)} is not a field path like hosts.client.socket.TCP_KEEPIDLE`);
  if (typeof spec !== 'string') {
    if (spec.length === 0) throw new SweepSpecError(where, 'the list of values is empty');
    return { path, kind: 'list', text: spec.join(','), values: [...spec] };
  }
  const m = /^(.+?)\.\.(.+?)(?:\/(.+))?$/.exec(spec);
  if (!m) {
    const items = spec.split(',').map((s) => s.trim());
    if (spec === '' || items.some((s) => s === '')) throw new SweepSpecError(where, `${JSON.stringify(spec)} has an empty item (expected a,b,c or lo..hi/step)`);
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
    if (bad !== undefined) throw new SweepSpecError(where, `${JSON.stringify(bad)} is neither a number nor a duration (e.g. 30s, 1.5ms, 2h)`);
    const [a, b] = [us[0] as number, us[1] as number];
    // no step: the coarsest unit in which both ends are whole (s, ms, µs)
    const res = step !== undefined ? (us[2] as number) : a % 1e6 === 0 && b % 1e6 === 0 ? 1e6 : a % 1e3 === 0 && b % 1e3 === 0 ? 1e3 : 1;
    r = { lo: a, hi: b, step: res, scale: 1e-6 };
  }
  if (r.step <= 0) throw new SweepSpecError(where, `step ${JSON.stringify(step)} must be more than 0`);
  if (r.hi < r.lo) throw new SweepSpecError(where, `empty range ${spec} (the end is below the start)`);
  return { path, kind: 'range', text: spec, ...r };
}

/** A list item or a `--set` value: read as YAML (numbers, booleans, strings), else the text itself. */
function scalar(s: string): Value {
  try {
    const v: unknown = YAML.parse(s);
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  } catch {
    // not YAML: keep the text
  }
  return s;
}

/** Round away binary noise from `k * scale` (0.1 * 3 = 0.30000000000000004). */
const value = (d: RangeDim, k: number): number => Number((k * d.scale).toPrecision(12));

/** Every value of a dimension, in order (a range: lo, lo+step, … ≤ hi). */
export function gridValues(d: Dimension): Value[] {
  if (d.kind === 'list') return d.values;
  const out: number[] = [];
  for (let k = d.lo; k <= d.hi; k += d.step) out.push(value(d, k));
  return out;
}

/** One value drawn uniformly: a list item, or a grid point of the range. */
export function sampleValue(d: Dimension, rng: Rng): Value {
  if (d.kind === 'list') return d.values[rng.int(0, d.values.length - 1)] as Value;
  const n = Math.floor((d.hi - d.lo) / d.step);
  return value(d, d.lo + rng.int(0, n) * d.step);
}

/** `--seeds K` (seeds 1..K), `--seeds a..b` (inclusive), or `--seeds a,b,c`. */
export function parseSeeds(spec: string | number | readonly number[], flag = '--seeds'): number[] {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 2 ** 32 - 1;
  let seeds: number[];
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new SweepSpecError(flag, `${spec} must be a whole number of seeds, at least 1`);
    seeds = Array.from({ length: spec }, (_, i) => i + 1);
  } else if (typeof spec !== 'string') seeds = [...spec];
  else if (/^\d+$/.test(spec.trim())) return parseSeeds(Number(spec), flag);
  else if (/^\d+\.\.\d+$/.test(spec.trim())) {
    const [a, b] = spec.split('..').map(Number) as [number, number];
    if (b < a) throw new SweepSpecError(flag, `empty range ${spec} (the end is below the start)`);
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (/^\d+(,\d+)*$/.test(spec.trim())) seeds = spec.split(',').map(Number);
  else throw new SweepSpecError(flag, `${JSON.stringify(spec)} is not K, a..b or a,b,c (seeds are 0..4294967295)`);
  if (seeds.length === 0) throw new SweepSpecError(flag, 'no seeds');
  const bad = seeds.find((s) => !ok(s));
  if (bad !== undefined) throw new SweepSpecError(flag, `seed ${bad} is out of range 0..4294967295`);
  if (new Set(seeds).size !== seeds.length) throw new SweepSpecError(flag, 'a seed is listed twice');
  return seeds;
}
