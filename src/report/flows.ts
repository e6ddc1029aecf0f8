/**
 * Per-program outcomes of a run, for scenarios with many connections (`instances: N`,
 * docs/scenarios.md "Many flows"): each program either still has its connection at the end
 * (`ok`) or learned it was broken — the errno of its first fatal call and when. Derived
 * from the run document only (`summary.detections`), so it adds nothing to it.
 */
import type { RunJson } from '../scenarios/result.ts';

export interface FlowOutcome {
  host: string;
  app: string;
  /** `ok`, or the errno of the program's first fatal call (ETIMEDOUT, ECONNRESET, …) */
  outcome: string;
  /** seconds: when that call failed */
  t?: number;
}

/** One row per program that made a call, in order of its first call. */
export function flowOutcomes(json: RunJson): FlowOutcome[] {
  const rows = new Map<string, FlowOutcome>();
  for (const c of json.calls) {
    const k = `${c.host}|${c.app}`;
    if (!rows.has(k)) rows.set(k, { host: c.host, app: c.app, outcome: 'ok' });
  }
  for (const d of json.summary.detections) {
    const r = rows.get(`${d.host}|${d.app}`);
    if (r) Object.assign(r, { outcome: d.errno, t: d.t });
  }
  return [...rows.values()];
}

/** `idle#*` → a matcher: `*` matches any run of characters, everything else literally. */
export function globMatcher(glob: string): (name: string) => boolean {
  const re = new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => re.test(name);
}

/** Outcome → number of matching programs, e.g. `{ ok: 70, ETIMEDOUT: 30 }`. */
export function countOutcomes(rows: readonly FlowOutcome[], glob: string): Record<string, number> {
  const match = globMatcher(glob);
  const out: Record<string, number> = {};
  for (const r of rows) if (match(r.app)) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}
