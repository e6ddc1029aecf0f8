/**
 * The sweep worker (a piscina thread, loaded through tsx): runs a batch of planned runs and
 * returns their rows. The scenario document travels once per batch; results depend only
 * on the task, never on which thread ran it.
 */
import type { PlannedRun } from '../../src/sweep/plan.ts';
import { runOne, type RunTask } from './build.ts';

export interface Batch extends RunTask {
  runs: PlannedRun[];
}

export default function runBatch(b: Batch): ReturnType<typeof runOne>[] {
  return b.runs.map((r) => runOne(b, r));
}
