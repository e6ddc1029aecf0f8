/** Running small heartbeat scenarios from plain objects. */
import { runScenario } from '../../src/scenarios/run.ts';
import type { RunJson } from '../../src/scenarios/result.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';

export function run(raw: unknown): RunJson {
  const v = validateScenario(raw);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return runScenario(v.scenario).json;
}

export function problems(raw: unknown): string[] {
  const v = validateScenario(raw);
  return v.ok ? [] : v.problems;
}

/** `app` events (program decisions) as `host/app what @t`. */
export function decisions(j: RunJson): { host: string; label: string; t: number }[] {
  return j.events.filter((e) => e.kind === 'app').map((e) => ({ host: e.host ?? '', label: e.detail.split(': ')[0]?.split(' ').slice(1).join(' ') ?? '', t: e.t }));
}

/** Times of successful sends of `bytes` by `host`. */
export function sends(j: RunJson, host: string, bytes?: number): number[] {
  return j.calls.filter((c) => c.host === host && c.call === 'send' && !c.errno && (bytes === undefined || c.result === bytes)).map((c) => c.t);
}

/** Times of recv() calls on `host` that returned data. */
export function reads(j: RunJson, host: string): number[] {
  return j.calls.filter((c) => c.host === host && c.call === 'recv' && typeof c.result === 'number' && c.result > 0).map((c) => c.t);
}

export const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
