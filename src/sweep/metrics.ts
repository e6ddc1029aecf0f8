/**
 * Choosing metrics for a sweep: names from the catalogue (src/metrics/catalogue.ts), a
 * concrete `detect.<host>`, or a prefix (`overhead`, `exposure`, `detect`).
 */
import { METRICS, type FlatValue } from '../metrics/index.ts';
import { SweepSpecError } from './spec.ts';

/** The metrics the summary table shows by default (when present in some row). */
export const SUMMARY_DEFAULT = ['detect.first', 'abort.first', 'falseAlarm', 'nat.survived', 'overhead.packetsPerHour', 'overhead.keepaliveProbesPerHour', 'exposure.seconds'];

const known = (m: string): boolean =>
  METRICS.some((x) => x.name === m || x.name.startsWith(`${m}.`) || (x.name === 'detect.<host>' && /^detect\.[^.]+$/.test(m)));

export function checkMetricNames(wanted: readonly string[], flag = '--metrics'): void {
  const bad = wanted.find((m) => !known(m));
  if (bad !== undefined) throw new SweepSpecError(flag, `unknown metric ${JSON.stringify(bad)} (names: ${METRICS.map((x) => x.name).join(', ')}; see docs/metrics.md)`);
}

export const wants = (wanted: readonly string[] | undefined, k: string): boolean => !wanted || wanted.some((m) => k === m || k.startsWith(`${m}.`));

export function selectMetrics(flat: Record<string, FlatValue>, wanted: readonly string[] | undefined): Record<string, FlatValue> {
  if (!wanted) return flat;
  return Object.fromEntries(Object.entries(flat).filter(([k]) => wants(wanted, k)));
}
