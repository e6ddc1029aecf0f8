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

/** Repeatable flags: commander's accumulator. */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** A duration flag in µs (30, "30s", "1.5ms", "2h"). */
export function durationArg(flag: string) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration (e.g. 30, "30s", "1.5ms", "2h")`]);
    return us;
  };
}

export function seedArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new InputError([`--seed: ${JSON.stringify(v)} is out of range 0..4294967295`]);
  return n;
}

export function ladderMaxArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 100_000) throw new InputError([`--ladder-max: ${JSON.stringify(v)} is out of range 10..100000 (arrows and notes drawn)`]);
  return n;
}

export function wholeNumber(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min) throw new InputError([`${flag}: ${JSON.stringify(v)} must be a whole number, at least ${min}`]);
  return n;
}

export function untilUs(flag: string, v: string | number): number {
  const us = parseDuration(v);
  if (us === null || us <= 0) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration above 0 (e.g. 300s, 2h)`]);
  return us;
}

/** A duration flag in seconds within lo..hi. */
export function seconds(flag: string, lo: number, hi: number) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration (e.g. 30, "30s", "20ms", "2h")`]);
    const s = us / 1e6;
    if (s < lo || s > hi) throw new InputError([`${flag}: ${v} is out of range ${lo}..${hi} s`]);
    return s;
  };
}

export function number(flag: string, lo: number, hi: number, int = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi || (int && !Number.isInteger(n))) throw new InputError([`${flag}: ${JSON.stringify(v)} is out of range ${lo}..${hi}${int ? ' (an integer)' : ''}`]);
    return n;
  };
}

export function proxyProfile(v: string): ProxyProfileName {
  if (!(PROXY_PROFILE_NAMES as readonly string[]).includes(v)) throw new InputError([`--proxy: ${JSON.stringify(v)} is not a proxy profile (one of: ${PROXY_PROFILE_NAMES.join(', ')})`]);
  return v as ProxyProfileName;
}

export function natProfile(v: string): NatProfileName {
  if (!(NAT_PROFILE_NAMES as readonly string[]).includes(v)) throw new InputError([`--nat: ${JSON.stringify(v)} is not a NAT profile (one of: ${NAT_PROFILE_NAMES.join(', ')})`]);
  return v as NatProfileName;
}

export const ADVISOR_OSES: AdvisorOs[] = ['linux', 'macos', 'freebsd', 'windows'];

export function osList(v: string): AdvisorOs[] {
  if (v === 'all') return ADVISOR_OSES;
  const names = v.split(',').map((x) => x.trim());
  for (const n of names) if (!(ADVISOR_OSES as string[]).includes(n)) throw new InputError([`--os: ${JSON.stringify(n)} is not an OS profile (linux, macos, freebsd, windows, or all)`]);
  return [...new Set(names)] as AdvisorOs[];
}

/** `60/10/3` or `60/10/3/90000`, range-checked like Linux setsockopt (docs/model.md). */
export function triple(v: string): Triple & { userTimeoutMs?: number } {
  const parts = v.split('/').map(Number);
  const [idle, intvl, cnt, ut] = parts;
  const bad = (why: string): never => {
    throw new InputError([`--check: ${JSON.stringify(v)} ${why}`]);
  };
  if (parts.length < 3 || parts.length > 4 || parts.some((x) => !Number.isInteger(x))) bad('is not idle/intvl/cnt[/user_timeout_ms] in whole numbers, e.g. 60/10/3');
  if ((idle as number) < 1 || (idle as number) > 32_767) bad(`: TCP_KEEPIDLE ${idle} is out of range 1..32767`);
  if ((intvl as number) < 1 || (intvl as number) > 32_767) bad(`: TCP_KEEPINTVL ${intvl} is out of range 1..32767`);
  if ((cnt as number) < 1 || (cnt as number) > 127) bad(`: TCP_KEEPCNT ${cnt} is out of range 1..127`);
  if (ut !== undefined && ut < 0) bad(`: TCP_USER_TIMEOUT ${ut} is out of range 0..`);
  return { idle: idle as number, intvl: intvl as number, cnt: cnt as number, ...(ut !== undefined ? { userTimeoutMs: ut } : {}) };
}

export const PLOT_KINDS = ['heatmap', 'cdf', 'pareto', 'line'] as const;
export const PLOT_AGGS: readonly Agg[] = ['mean', 'median', 'min', 'max', 'count', 'p95'];
export const PLOT_FORMATS = ['.svg', '.png', '.json'] as const;
