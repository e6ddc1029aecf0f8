/**
 * `keepalive-lab worker`: serve the points of distributed sweeps (docs/sweeps.md#distributed-sweeps).
 * The queue URL comes from the environment or a file (sim/sweep/engine/connection.ts), never
 * from the command line.
 */
import { durationArg, wholeNumber } from '../args.ts';
import { InputError } from '../errors.ts';
import { redisUrl } from '../sweep/engine/connection.ts';
import { readFaults } from '../sweep/engine/faults.ts';
import { queueName } from './sweep.ts';

export interface WorkerFlags {
  engine: 'bullmq';
  queue?: string;
  concurrency?: string;
  name?: string;
  redisUrlFile?: string;
  lockDuration?: string;
}

export async function workerAction(f: WorkerFlags, log: (line: string) => void): Promise<void> {
  const queue = queueName(f.queue);
  const concurrency = f.concurrency !== undefined ? wholeNumber('--concurrency', f.concurrency, 1, 256) : undefined;
  if (f.name !== undefined && !/^[\w.:@-]{1,100}$/.test(f.name)) throw new InputError([`--name: ${JSON.stringify(f.name)} must be 1..100 letters, digits or . : @ _ -`]);
  let lockMs: number | undefined;
  if (f.lockDuration !== undefined) {
    lockMs = durationArg('--lock-duration')(f.lockDuration) / 1000;
    if (lockMs < 1000 || lockMs > 3_600_000) throw new InputError([`--lock-duration: ${f.lockDuration} is out of range 1s..1h`]);
  }
  const { url } = redisUrl(f.redisUrlFile !== undefined ? { file: f.redisUrlFile } : {});
  const faults = readFaults();
  const { serve } = await import('../sweep/engine/serve.ts');
  await serve({ url, queue, log, ...(concurrency !== undefined ? { concurrency } : {}), ...(f.name !== undefined ? { name: f.name } : {}), ...(lockMs !== undefined ? { lockMs } : {}), ...(faults ? { faults } : {}) });
}
