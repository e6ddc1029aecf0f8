/**
 * Parsers for the CLI's flags, shared by the program definition (sim/cli.ts) and kept free
 * of heavy imports: a flag is checked before any command module loads, and a mistake is one
 * line naming the flag, what was given and what is allowed (exit 2).
 */
import { parseDuration } from '../src/scenarios/duration.ts';
import { NAT_PROFILE_NAMES, type NatProfileName } from '../src/net/nat/profiles.ts';
import { PROXY_PROFILE_NAMES, type ProxyProfileName } from '../src/net/proxy/profiles.ts';
import type { AdvisorOs, Triple } from '../src/advisor/model.ts';
import type { Agg } from '../src/report/plots.ts';
import { InputError } from './errors.ts';
import { MAX_DURATION_TEXT, MAX_DURATION_US } from '../src/scenarios/limits.ts';
import { clip, didYouMean, quote, show } from '../src/scenarios/show.ts';

/** Repeatable flags: commander's accumulator. */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** A decimal number as people type it (`3`, `0.25`, `-1`, `1e3`); not `''`, `0x10`, `Infinity` or ` `. */
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export function strictNumber(v: string): number | null {
  const t = v.trim();
  if (!NUMERIC.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A duration flag in µs (30, "30s", "1.5ms", "2h"), at most MAX_DURATION_US (docs/limits.md). */
export function durationArg(flag: string) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${quote(v)} is not a duration (e.g. 30, "30s", "1.5ms", "2h")`]);
    if (!(us <= MAX_DURATION_US)) throw new InputError([`${flag}: ${quote(v)} is longer than ${MAX_DURATION_TEXT}, the longest duration (docs/limits.md)`]);
    return us;
  };
}

/** A whole number within lo..hi: `"foo"` is not a number, `5000000000` is out of range. */
export function integerArg(flag: string, lo: number, hi: number, what = '') {
  return (v: string): number => {
    const range = `${lo}..${hi}${what ? ` ${what}` : ''}`;
    if (!/^\s*\d+\s*$/.test(v)) throw new InputError([`${flag}: ${quote(v)} is not a whole number (${range})`]);
    const n = Number(v);
    if (n < lo || n > hi) throw new InputError([`${flag}: ${clip(v.trim(), 30)} is out of range ${range}`]);
    return n;
  };
}

export const seedArg = integerArg('--seed', 0, 2 ** 32 - 1);

export const ladderMaxArg = integerArg('--ladder-max', 10, 100_000, '(arrows and notes drawn)');

export function wholeNumber(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return integerArg(flag, min, max)(v);
}

/** `-c/-d/-i`: a whole number, kept as text for the loader (which names the socket option). */
export function shorthandArg(flag: string) {
  return (v: string): string => String(integerArg(flag, 0, 2 ** 31 - 1)(v));
}

/** A file to write: not empty, no NUL byte, a length the file system takes. */
export function fileArg(flag: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new InputError([`${flag}: an empty file name`]);
    if (v.includes('\0')) throw new InputError([`${flag}: ${quote(v)}: a file name cannot contain a NUL byte`]);
    if (v.length > 4096) throw new InputError([`${flag}: a file name of ${v.length} characters (at most 4096, PATH_MAX)`]);
    return v;
  };
}

export function untilUs(flag: string, v: string | number): number {
  const us = parseDuration(v);
  if (us === null || us <= 0) throw new InputError([`${flag}: ${show(v)} is not a duration above 0 (e.g. 300s, 2h)`]);
  if (!(us <= MAX_DURATION_US)) throw new InputError([`${flag}: ${show(v)} is longer than ${MAX_DURATION_TEXT}, the longest duration (docs/limits.md)`]);
  return us;
}

/** A duration flag in seconds within lo..hi. */
export function seconds(flag: string, lo: number, hi: number) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${quote(v)} is not a duration (e.g. 30, "30s", "20ms", "2h")`]);
    const s = us / 1e6;
    if (!(s >= lo && s <= hi)) throw new InputError([`${flag}: ${clip(v, 30)} is out of range ${lo}..${hi} s`]);
    return s;
  };
}

export function number(flag: string, lo: number, hi: number, int = false) {
  return (v: string): number => {
    const n = strictNumber(v);
    if (n === null) throw new InputError([`${flag}: ${quote(v)} is not a number (${lo}..${hi}${int ? ', whole' : ''})`]);
    if (int && !Number.isInteger(n)) throw new InputError([`${flag}: ${clip(v, 30)} is not a whole number (${lo}..${hi})`]);
    if (n < lo || n > hi) throw new InputError([`${flag}: ${clip(v, 30)} is out of range ${lo}..${hi}`]);
    return n;
  };
}

/** A name from a fixed list, with a "did you mean" for a near miss. */
function oneOf<T extends string>(flag: string, what: string, allowed: readonly T[]) {
  return (v: string): T => {
    if (!(allowed as readonly string[]).includes(v)) throw new InputError([`${flag}: ${quote(v)} is not ${what}${didYouMean(v, allowed) || ` (one of: ${allowed.join(', ')})`}`]);
    return v as T;
  };
}

export const proxyProfile = oneOf<ProxyProfileName>('--proxy', 'a proxy profile', PROXY_PROFILE_NAMES);

export const natProfile = oneOf<NatProfileName>('--nat', 'a NAT profile', NAT_PROFILE_NAMES);

export const ADVISOR_OSES: AdvisorOs[] = ['linux', 'macos', 'freebsd', 'windows'];

export function osList(v: string): AdvisorOs[] {
  if (v === 'all') return ADVISOR_OSES;
  const names = v.split(',').map((x) => x.trim());
  for (const n of names) if (!(ADVISOR_OSES as string[]).includes(n)) throw new InputError([`--os: ${quote(n)} is not an OS profile${didYouMean(n, [...ADVISOR_OSES, 'all'])} (linux, macos, freebsd, windows, or all)`]);
  return [...new Set(names)] as AdvisorOs[];
}

/** `60/10/3` or `60/10/3/90000`, range-checked like Linux setsockopt (docs/model.md). */
export function triple(v: string): Triple & { userTimeoutMs?: number } {
  const parts = v.split('/').map((x) => (/^\s*\d+\s*$/.test(x) ? Number(x) : NaN));
  const [idle, intvl, cnt, ut] = parts;
  const bad = (why: string): never => {
    throw new InputError([`--check: ${quote(v, 40)} ${why}`]);
  };
  if (parts.length < 3 || parts.length > 4 || parts.some((x) => !Number.isInteger(x))) bad('is not idle/intvl/cnt[/user_timeout_ms] in whole numbers, e.g. 60/10/3');
  if ((idle as number) < 1 || (idle as number) > 32_767) bad(`: TCP_KEEPIDLE ${idle} is out of range 1..32767`);
  if ((intvl as number) < 1 || (intvl as number) > 32_767) bad(`: TCP_KEEPINTVL ${intvl} is out of range 1..32767`);
  if ((cnt as number) < 1 || (cnt as number) > 127) bad(`: TCP_KEEPCNT ${cnt} is out of range 1..127`);
  // TCP_USER_TIMEOUT is an int of milliseconds (include/uapi/linux/tcp.h; tcp_sock_set_user_timeout)
  if (ut !== undefined && (ut < 0 || ut > 2 ** 31 - 1)) bad(`: TCP_USER_TIMEOUT ${ut} is out of range 0..2147483647 (ms)`);
  return { idle: idle as number, intvl: intvl as number, cnt: cnt as number, ...(ut !== undefined ? { userTimeoutMs: ut } : {}) };
}

export const PLOT_KINDS = ['heatmap', 'cdf', 'pareto', 'line'] as const;
export const PLOT_AGGS: readonly Agg[] = ['mean', 'median', 'min', 'max', 'count', 'p95'];
export const PLOT_FORMATS = ['.svg', '.png', '.json'] as const;
