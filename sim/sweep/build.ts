/**
 * One run of a sweep, as the worker threads and the main thread both do it: the scenario's
 * raw document, the fixed `--set` overrides, then the point's values (the same `applyOverrides` as
 * `run --set`, src/scenarios/overrides.ts), validated, run, measured.
 */
import { validateScenario } from '../../src/scenarios/validate.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { computeMetrics, flattenMetrics } from '../../src/metrics/index.ts';
import type { Value } from '../../src/sweep/spec.ts';
import type { PlannedRun } from '../../src/sweep/plan.ts';
import type { Row } from '../../src/sweep/stats.ts';
import { selectMetrics } from '../../src/sweep/metrics.ts';
// pure imports only: the browser lab's sweep workers run this file too (lab/src/sweep.worker.ts)
import { InputError } from '../../src/scenarios/input-error.ts';
import { applyOverrides, parseAssignment } from '../../src/scenarios/overrides.ts';

/** The scenario with overrides applied, or the validation problems. */
export function buildScenario(raw: unknown, set: readonly string[], values: readonly [string, Value][]): { ok: true; scenario: Scenario } | { ok: false; problems: string[] } {
  const doc = structuredClone(raw);
  try {
    const overrides = set.map((a) => {
      const [path, value] = parseAssignment(a);
      return { label: a, path, value };
    });
    applyOverrides(doc, overrides);
    applyOverrides(doc, values.map(([path, value]) => ({ label: `${path}=${String(value)}`, path, value })), '--vary');
  } catch (e) {
    if (e instanceof InputError) return { ok: false, problems: e.problems };
    throw e;
  }
  const v = validateScenario(doc);
  return v.ok ? { ok: true, scenario: v.scenario } : { ok: false, problems: v.problems };
}

export interface RunTask {
  raw: unknown;
  set: readonly string[];
  until?: number;
  metrics?: readonly string[];
}

/** Run one planned run; a row, or the problem that stopped it. */
export function runOne(t: RunTask, r: PlannedRun): Row | { run: number; error: string } {
  const b = buildScenario(t.raw, t.set, r.values);
  if (!b.ok) return { run: r.run, error: `${r.values.map(([p, v]) => `${p}=${String(v)}`).join(' ')}: ${b.problems[0] ?? 'invalid'}` };
  const out = runScenario(b.scenario, { seed: r.seed, ...(t.until !== undefined ? { until: t.until } : {}) });
  const metrics = selectMetrics(flattenMetrics(computeMetrics(out.json)), t.metrics);
  return { run: r.run, point: r.point, ...Object.fromEntries(r.values), seed: r.seed, ...metrics };
}
