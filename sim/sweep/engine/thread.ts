/**
 * A distributed worker's thread (piscina): the local sweep's batch runner (sim/sweep/worker.ts,
 * so a point is run by the very same code in both modes), plus the fault injection that CI
 * uses to kill a worker at a known point instead of at a moment in time (faults.ts).
 */
import { workerData } from 'node:worker_threads';
import type { Batch } from '../worker.ts';
import { runOne } from '../build.ts';
import type { Faults } from './faults.ts';

interface ThreadData {
  faults?: Faults;
  /** points started by all threads of this process (Int32Array over a SharedArrayBuffer) */
  started?: Int32Array;
}

const data = ((workerData as { [k: string]: unknown } | null)?.['kal'] ?? {}) as ThreadData;

export default function runBatch(b: Batch): ReturnType<typeof runOne>[] {
  const f = data.faults;
  if (!f || (f.killAfter === undefined && !f.crashRuns?.length)) return b.runs.map((r) => runOne(b, r));
  return b.runs.map((r) => {
    if (f.crashRuns?.includes(r.run)) process.exit(86); // ends this thread only: "the point crashed its worker"
    if (f.killAfter !== undefined && data.started && Atomics.add(data.started, 0, 1) >= f.killAfter) process.kill(process.pid, 'SIGKILL');
    return runOne(b, r);
  });
}
