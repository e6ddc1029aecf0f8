/**
 * Check a run against its scenario's `expect` block, in the convention the built-in
 * scenarios use (sim/scenarios/*.yaml):
 *   host.call: OUTCOME       the last completed `call` on `host` returned/failed with OUTCOME
 *   host.call: [A, B, ...]   the completed `call`s on `host`, in order, had exactly these outcomes
 *   errors: none             no call failed
 * An outcome is the errno name of a failed call, else its result. Other keys are reported
 * as unchecked rather than failed.
 */
import type { CallRecord, RunJson } from '../src/scenarios/result.ts';

export interface ExpectReport {
  failures: string[];
  unchecked: string[];
}

const outcome = (c: CallRecord): unknown => c.errno ?? c.result;

export function checkExpect(run: RunJson, expect: Record<string, unknown> | undefined): ExpectReport {
  const report: ExpectReport = { failures: [], unchecked: [] };
  for (const [key, want] of Object.entries(expect ?? {})) {
    if (key === 'errors') {
      const failed = run.calls.filter((c) => c.errno !== undefined);
      if (want === 'none' && failed.length > 0) report.failures.push(`errors: none, but ${failed.map((c) => `${c.host}.${c.call} ${c.errno}`).join(', ')}`);
      continue;
    }
    const m = /^([A-Za-z][\w-]*)\.([a-z]+)$/.exec(key);
    if (!m) {
      report.unchecked.push(key);
      continue;
    }
    const got = run.calls.filter((c) => c.host === m[1] && c.call === m[2] && c.pending !== true).map(outcome);
    const ok = Array.isArray(want) ? JSON.stringify(got) === JSON.stringify(want) : got.at(-1) === want;
    if (!ok) report.failures.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(Array.isArray(want) ? got : got.at(-1))}`);
  }
  return report;
}
