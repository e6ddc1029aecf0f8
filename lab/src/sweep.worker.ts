/**
 * A sweep worker: runs planned runs with the CLI sweep's own code (sim/sweep/build.ts
 * runOne: overrides, validation, run, metrics), so a row here equals the row
 * `keepalive-lab sweep` writes for the same point and seed.
 */
import { runOne, type RunTask } from '../../sim/sweep/build.ts';
import type { PlannedRun } from '../../src/sweep/plan.ts';

export interface Job {
  task: RunTask;
  runs: PlannedRun[];
}

self.onmessage = (e: MessageEvent<Job>) => {
  for (const r of e.data.runs) self.postMessage({ row: runOne(e.data.task, r) });
  self.postMessage({ done: true });
};
