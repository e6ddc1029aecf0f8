/**
 * Fault injection for testing the distributed mode at a known point of the work rather than
 * at a moment in time (a test that kills a process "after 2 s" passes or fails with the
 * machine's load). Read from KEEPALIVE_LAB_FAULTS by `keepalive-lab worker` and by the
 * coordinator of `sweep --engine bullmq`, never from the queue:
 *
 * - `kill-after:N` — worker: SIGKILL its own process when its threads start their point N+1
 *   (it dies holding a chunk); coordinator: SIGKILL itself once N rows of this session are in
 *   the journal.
 * - `crash-run:R[+R…]` — worker: the thread running run R exits (code 86) as it starts it, as a
 *   point that crashes its worker would.
 */
import { InputError } from '../../errors.ts';

export const FAULTS_ENV = 'KEEPALIVE_LAB_FAULTS';

export interface Faults {
  killAfter?: number;
  crashRuns?: number[];
}

export function readFaults(env: NodeJS.ProcessEnv = process.env): Faults | undefined {
  const text = env[FAULTS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  const f: Faults = {};
  for (const item of text.split(',').map((s) => s.trim())) {
    const m = /^(kill-after|crash-run):(\d+(?:\+\d+)*)$/.exec(item);
    if (!m) throw new InputError([`${FAULTS_ENV}: ${JSON.stringify(item)} is not kill-after:N or crash-run:R[+R…]`]);
    const ns = (m[2] as string).split('+').map(Number);
    if (m[1] === 'kill-after') f.killAfter = ns[0] as number;
    else f.crashRuns = ns;
  }
  return f;
}
