/**
 * The metrics of one run, defined once and used by sweeps, plots and the advisor
 * (docs/metrics.md documents each; METRICS is the catalogue). They are computed from the
 * run document alone (`keepalive-lab/run@1`, src/scenarios/result.ts), so a run saved with
 * `run --json` gives the same figures as a live one. All times are seconds of virtual time,
 * rounded to the microsecond.
 *
 * - failure instant (`failureAt`): the earliest of the first injected fault (`events` of
 *   kind `fault`) and the first middlebox action that breaks a working flow (NAT expiry or
 *   eviction of a live mapping, NAT refusal of a new flow, proxy idle close; see
 *   middlebox.ts). The brief said "the fault, or without one the first break"; the earliest
 *   of the two is used because a NAT that silently dropped a mapping before a cable was
 *   pulled had already broken the connection, and detection is measured from that moment.
 * - `detect.<host>`: seconds from the failure instant to the first detection on that host
 *   at or after it (`summary.detections`: a failed call's errno, an EOF, or a program's own
 *   decision). `detect.first` is the smallest; `detect.who` the hosts that detected, in
 *   scenario order, joined with `+`, or `none`.
 * - `abort.first`: seconds from the failure instant to the first kernel abort
 *   (`summary.aborts`), whether or not an application was asking.
 * - `falseAlarm`: a detection or an abort before the failure instant, or with none (a live
 *   connection declared dead, e.g. on a lossy path); `falseAlarm.at` the first such time.
 * - `overhead.*` per connection: see overhead.ts.
 * - `nat.survived` / `nat.brokeAt`: with a NAT or proxy on the path, whether no middlebox
 *   broke a working flow before the horizon, and when the first one did (absolute time).
 * - `exposure.*`: see exposure.ts.
 */
import type { RunJson } from '../scenarios/result.ts';
import { exposure, type Exposure } from './exposure.ts';
import { middleboxBreaks, type BreakKind } from './middlebox.ts';
import { overhead, type Overhead } from './overhead.ts';
import { round6 } from './round.ts';

export { METRICS, type MetricInfo } from './catalogue.ts';
export { middleboxBreaks, natMappings, type MiddleboxBreak, type BreakKind } from './middlebox.ts';
export type { Exposure } from './exposure.ts';
export type { Overhead } from './overhead.ts';

export interface RunMetrics {
  /** the failure instant (s), or null when nothing failed */
  failureAt: number | null;
  /** what failed first: `fault`, or a middlebox action (`expire`, `evict`, `refuse`, `idle`) */
  failureCause: 'fault' | BreakKind | null;
  detect: {
    /** per end host (scenario order): seconds from the failure to its first detection, or null */
    byHost: Record<string, number | null>;
    first: number | null;
    /** hosts that detected, joined with `+`, or `none` */
    who: string;
  };
  abort: { first: number | null };
  falseAlarm: boolean;
  falseAlarmAt: number | null;
  overhead: Overhead;
  nat: { survived: boolean | null; brokeAt: number | null };
  exposure: Exposure;
}

export function computeMetrics(run: RunJson): RunMetrics {
  const fault = run.events.find((e) => e.kind === 'fault');
  const breaks = middleboxBreaks(run.events);
  const brk = breaks[0];
  let failureAt: number | null = null;
  let failureCause: RunMetrics['failureCause'] = null;
  if (fault && (!brk || fault.t <= brk.t)) [failureAt, failureCause] = [fault.t, 'fault'];
  else if (brk) [failureAt, failureCause] = [brk.t, brk.kind];

  const hosts = Object.keys(run.hosts);
  const byHost: Record<string, number | null> = {};
  for (const h of hosts) byHost[h] = null;
  let falseAlarmAt: number | null = null;
  const alarm = (t: number): void => {
    if (falseAlarmAt === null || t < falseAlarmAt) falseAlarmAt = t;
  };
  for (const d of run.summary.detections) {
    if (failureAt === null || d.t < failureAt) {
      alarm(d.t);
      continue;
    }
    const dt = round6(d.t - failureAt);
    const cur = byHost[d.host];
    if (cur === undefined || cur === null || dt < cur) byHost[d.host] = dt;
  }
  let abortFirst: number | null = null;
  for (const a of run.summary.aborts) {
    if (failureAt === null || a.t < failureAt) {
      alarm(a.t);
      continue;
    }
    const dt = round6(a.t - failureAt);
    if (abortFirst === null || dt < abortFirst) abortFirst = dt;
  }
  const found = hosts.filter((h) => byHost[h] !== null);
  const first = found.length ? Math.min(...found.map((h) => byHost[h] as number)) : null;

  const hasBox = run.scenario.path.middleboxes.length > 0;
  return {
    failureAt,
    failureCause,
    detect: { byHost, first, who: found.length ? found.join('+') : 'none' },
    abort: { first: abortFirst },
    falseAlarm: falseAlarmAt !== null,
    falseAlarmAt,
    overhead: overhead(run),
    nat: { survived: hasBox ? breaks.length === 0 : null, brokeAt: hasBox && brk ? brk.t : null },
    exposure: exposure(run, failureAt),
  };
}

export type FlatValue = number | boolean | string | null;

/** One flat record with dotted names (the columns of a sweep's CSV; METRICS names them). */
export function flattenMetrics(m: RunMetrics): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = { failureAt: m.failureAt, failureCause: m.failureCause };
  for (const [h, v] of Object.entries(m.detect.byHost)) out[`detect.${h}`] = v;
  out['detect.first'] = m.detect.first;
  out['detect.who'] = m.detect.who;
  out['abort.first'] = m.abort.first;
  out['falseAlarm'] = m.falseAlarm;
  out['falseAlarm.at'] = m.falseAlarmAt;
  for (const [k, v] of Object.entries(m.overhead)) out[`overhead.${k}`] = v;
  out['nat.survived'] = m.nat.survived;
  out['nat.brokeAt'] = m.nat.brokeAt;
  for (const [k, v] of Object.entries(m.exposure)) out[`exposure.${k}`] = v;
  return out;
}
