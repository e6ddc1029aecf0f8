/**
 * `keepalive-lab worker`: a process that serves chunks of sweep points from the BullMQ queue
 * until it is stopped (SIGTERM/SIGINT: it finishes the chunks it holds, then exits; a second
 * signal stops at once and the chunks go back to the queue when their locks expire).
 *
 * The BullMQ Worker runs on the main thread, where it keeps renewing the locks of the chunks
 * it holds; the points run on a piscina pool (one thread per `--concurrency`), so a chunk of
 * long runs never starves the lock renewal. A worker that dies stops renewing: after
 * `--lock-duration` another worker's stalled-job check puts its chunk back in the queue
 * (BullMQ `maxStalledCount: 1`; a second loss fails it). A chunk whose thread crashes or throws
 * is retried once (`attempts: 2`, set by the coordinator); then the coordinator splits it into
 * single runs, so only the guilty point is reported failed.
 */
import { availableParallelism, hostname } from 'node:os';
import type { Job, Queue } from 'bullmq';
import { PlanIndex } from '../../../src/sweep/plan.ts';
import type { Row } from '../../../src/sweep/stats.ts';
import { FROM_SOURCE } from '../../paths.ts';
import { VERSION } from '../../version.ts';
import type { Batch } from '../worker.ts';
import { connect, redact, scrub } from './connection.ts';
import { BULL_PREFIX, chunkJobSchema, decodeSpec, keys, type Result, type Spec } from './protocol.ts';
import type { Faults } from './faults.ts';

export interface ServeOptions {
  url: string;
  queue: string;
  /** points run in parallel (threads); default: available cores */
  concurrency?: number;
  name?: string;
  /** ms without lock renewal after which a chunk is presumed lost */
  lockMs?: number;
  faults?: Faults;
  log: (line: string) => void;
  /** resolves when the worker should stop (default: SIGTERM or SIGINT) */
  stop?: Promise<'graceful' | 'now'>;
}

interface Loaded {
  spec: Spec;
  index: PlanIndex;
}

/** Serve until stopped; resolves with the number of runs done. */
export async function serve(o: ServeOptions): Promise<{ runs: number; chunks: number }> {
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const threads = o.concurrency ?? availableParallelism();
  const lockMs = o.lockMs ?? 30_000;
  const redis = await connect(o.url, `keepalive-lab worker ${name}`, o.log);
  const [{ Worker, Queue, UnrecoverableError }, { Piscina }] = await Promise.all([import('bullmq'), import('piscina')]);
  const pool = new Piscina<Batch, Row[]>({
    filename: new URL(FROM_SOURCE ? './thread.ts' : './engine-thread.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    execArgv: FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [],
    workerData: { kal: { faults: o.faults, started: new Int32Array(new SharedArrayBuffer(4)) } },
  });

  // specs by sweep token: fetched once, checked, planned once (a sampled plan draws its points)
  const specs = new Map<string, Promise<Loaded>>();
  const results = new Map<string, Queue>();
  const load = (token: string): Promise<Loaded> => {
    let p = specs.get(token);
    if (!p) {
      p = (async () => {
        const text = await redis.get(keys.spec(o.queue, token));
        if (text === null) throw new Error('gone');
        const spec = decodeSpec(text, token);
        if (spec.version !== VERSION) throw new Error(`sweep ${token} comes from keepalive-lab ${spec.version}, this worker is ${VERSION}: run the same version everywhere`);
        const { dims, seeds, sample, sampleSeed } = spec.plan;
        return { spec, index: new PlanIndex({ dims, seeds, ...(sample !== undefined ? { sample } : {}), ...(sampleSeed !== undefined ? { sampleSeed } : {}) }) };
      })();
      specs.set(token, p);
      p.catch(() => specs.delete(token));
      if (specs.size > 8) specs.delete(specs.keys().next().value as string);
    }
    return p;
  };

  let runs = 0;
  let chunks = 0;
  const worker = new Worker(
    o.queue,
    async (job: Job) => {
      const d = chunkJobSchema.safeParse(job.data);
      // a payload we do not understand is never retried, and never run
      if (!d.success) throw new UnrecoverableError(`invalid chunk job ${job.id ?? '?'}: ${d.error.issues[0]?.path.join('.') ?? ''} ${d.error.issues[0]?.message ?? ''}`);
      const { sweep, first, count } = d.data;
      // the coordinator deletes the spec when a sweep ends or is started over: skip its leftovers
      if ((await redis.exists(keys.spec(o.queue, sweep))) === 0) return 'cancelled';
      let s: Loaded;
      try {
        s = await load(sweep);
      } catch (e) {
        if ((e as Error).message === 'gone') return 'cancelled';
        throw new UnrecoverableError((e as Error).message);
      }
      if (first + count > s.index.total) throw new UnrecoverableError(`chunk ${job.id ?? '?'}: runs ${first}..${first + count - 1} are outside the plan of ${s.index.total} runs`);
      const t = s.spec.task;
      const batch: Batch = { raw: t.raw, set: t.set, runs: s.index.slice(first, count), ...(t.until !== undefined ? { until: t.until } : {}), ...(t.metrics ? { metrics: t.metrics } : {}) };
      const out = await pool.run(batch);
      const rows: Row[] = [];
      let invalid: Result['invalid'];
      for (const r of out as (Row | { run: number; error: string })[]) {
        if ('error' in r && typeof r.error === 'string' && !('point' in r)) invalid ??= { run: r.run as number, error: r.error };
        else rows.push(r as Row);
      }
      // the sweep may have ended meanwhile (this chunk was a duplicate): leave nothing behind in Redis
      if ((await redis.exists(keys.spec(o.queue, sweep))) === 0) return 'cancelled';
      let q = results.get(sweep);
      if (!q) {
        q = new Queue(keys.results(o.queue, sweep), { connection: redis, prefix: BULL_PREFIX });
        q.on('error', (e) => o.log(`worker ${name}: ${scrub(e.message, o.url)}`));
        results.set(sweep, q);
      }
      const result: Result = { v: 1, sweep, job: job.id ?? '', worker: name, started: job.attemptsStarted, rows, ...(invalid ? { invalid } : {}) };
      // the rows reach the coordinator through its results queue (at least once: a chunk re-run
      // after a lost lock sends them again, and the coordinator keeps the first copy of each run)
      await q.add('rows', result, { removeOnComplete: true, removeOnFail: false });
      runs += rows.length;
      chunks += 1;
      return 'done';
    },
    { connection: redis, prefix: BULL_PREFIX, concurrency: threads, name, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 1, autorun: false },
  );
  worker.on('error', (e) => o.log(`worker ${name}: ${scrub(e.message, o.url)}`));
  worker.on('failed', (job, e) => {
    if (job && !(e instanceof UnrecoverableError)) o.log(`worker ${name}: chunk ${job.id ?? '?'} failed (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${e.message}`);
    else o.log(`worker ${name}: ${e.message}`);
  });
  o.log(`worker ${name}: serving queue ${o.queue} at ${redact(o.url)} with ${threads} thread${threads === 1 ? '' : 's'}`);

  const stop =
    o.stop ??
    new Promise<'graceful' | 'now'>((resolve) => {
      let n = 0;
      const on = (): void => {
        n += 1;
        if (n === 1) o.log(`worker ${name}: stopping after the chunks it holds (again to stop now)`);
        resolve(n === 1 ? 'graceful' : 'now');
        if (n > 1) void worker.close(true);
      };
      process.on('SIGTERM', on);
      process.on('SIGINT', on);
    });
  const running = worker.run();
  const how = await stop;
  await worker.close(how === 'now');
  await running;
  await Promise.all([...results.values()].map((q) => q.close()));
  await pool.destroy();
  await redis.quit().catch(() => undefined);
  o.log(`worker ${name}: stopped after ${runs} runs in ${chunks} chunk${chunks === 1 ? '' : 's'}`);
  return { runs, chunks };
}
