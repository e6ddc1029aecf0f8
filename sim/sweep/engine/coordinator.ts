/**
 * The coordinator of `keepalive-lab sweep … --engine bullmq`: it publishes the sweep, queues its
 * missing runs as chunk jobs, takes the rows back from the sweep's results queue into the
 * journal, and turns repeated failures into reported failed runs. The runner
 * (sim/sweep/runner.ts) validates, plans and writes the final files exactly as for a local
 * sweep, so the files are the same bytes.
 *
 * State and faults (docs/sweeps.md#distributed-sweeps):
 * - The journal is the truth. A restarted coordinator (`--resume`) reads it, takes the same
 *   token (sweep id + generation, kept in Redis), drains the results waiting for it, and
 *   queues only chunks with missing runs; a chunk job that still exists is not queued twice
 *   (job ids are fixed by the chunk; completed chunk jobs stay until their rows are journaled).
 * - A run's row is kept once: the first copy (re-runs after a lost lock send rows again).
 * - A chunk that failed twice (crash, exception, or its worker died twice) is split into
 *   single-run jobs; a single run that fails twice is reported failed with its error, and the
 *   sweep finishes without it.
 * - One coordinator per sweep: a lease in Redis (renewed every few seconds) keeps a second
 *   one from consuming half of the rows; a restarted coordinator waits for a killed one's
 *   lease to expire.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { PlannedRun } from '../../../src/sweep/plan.ts';
import type { Row } from '../../../src/sweep/stats.ts';
import { InputError } from '../../errors.ts';
import { connect, redact, scrub } from './connection.ts';
import { BULL_PREFIX, encodeSpec, jobId, keys, parseJobId, resultSchema, type Spec } from './protocol.ts';
import { EngineProgress } from './progress.ts';
import type { Faults } from './faults.ts';

export interface FailedRun {
  run: number;
  error: string;
}

export interface CoordinatorContext {
  url: string;
  queue: string;
  spec: Spec;
  /** the whole plan, indexed by run */
  runs: readonly PlannedRun[];
  /** runs still missing when the sweep starts */
  todo: readonly PlannedRun[];
  resume: boolean;
  has(run: number): boolean;
  /** number of rows held (journal + this session) */
  count(): number;
  /** journal and keep these new rows */
  record(rows: Row[]): void;
  log(line: string): void;
  tty: boolean;
  faults?: Faults;
}

export interface Outcome {
  failed: FailedRun[];
  /** a run whose combination of values is invalid stopped the sweep (as it does locally) */
  invalid?: string;
}

const LEASE_MS = 15_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** compare-and-renew: only the holder extends its lease */
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

const STALLED = /stalled more than allowable limit/;
const reason = (job: Job): string => {
  const r = job.failedReason || 'failed';
  return STALLED.test(r) ? `its worker process died twice while running it (${r})` : r;
};
/** retried and failed again, or refused at once (a payload or version a worker will not run) */
const how = (job: Job): string => (job.attemptsMade >= 2 || STALLED.test(job.failedReason) ? 'failed twice' : 'failed without retry');

/** Run the missing runs on the cluster; resolves when every run has a row or has failed twice. */
export async function coordinate(c: CoordinatorContext): Promise<Outcome> {
  const log = c.log;
  const redis = await connect(c.url, 'keepalive-lab coordinator', log);
  const { Queue, Worker } = await import('bullmq');
  const { text, id } = encodeSpec(c.spec);
  const q = c.queue;
  const chunk = c.spec.chunk;
  const total = c.spec.total;

  // 1. the sweep's token: the same one when resuming a sweep still published as it is now (same
  //    chunk size and version), else a new generation that withdraws the previous one
  let token: string | null = null;
  if (c.resume) {
    const g = await redis.get(keys.gen(q, id));
    if (g !== null && (await redis.get(keys.spec(q, `${id}-${g}`))) === text) token = `${id}-${g}`;
  }
  const points = new Queue(q, { connection: redis, prefix: BULL_PREFIX });
  points.on('error', (e) => log(`sweep ${id}: ${scrub(e.message, c.url)}`));
  if (token === null) {
    const g = await redis.incr(keys.gen(q, id));
    if (g > 1) await withdraw(`${id}-${g - 1}`); // the previous run of this sweep, started over
    token = `${id}-${g}`;
    await redis.set(keys.spec(q, token), text);
  }
  const tok = token;

  // 2. the lease: one coordinator per sweep
  const me = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  for (let waited = false; (await redis.set(keys.lease(q, tok), me, 'PX', LEASE_MS, 'NX')) !== 'OK'; waited = true) {
    if (!waited) log(`sweep ${tok}: another coordinator holds this sweep (${(await redis.get(keys.lease(q, tok))) ?? '?'}); waiting for it to stop or for its lease to expire (${LEASE_MS / 1000} s after it died)`);
    await sleep(1000);
  }
  let lost = false;
  const renew = setInterval(() => {
    redis.eval(RENEW, 1, keys.lease(q, tok), me, String(LEASE_MS)).then(
      (r) => void (r === 0 && (lost = true)),
      () => undefined,
    );
  }, LEASE_MS / 3);

  // 3. rows come back on the sweep's results queue
  const perWorker = new Map<string, number>();
  let rerun = 0;
  let invalid: string | undefined;
  let stray: string | undefined;
  const leftovers = new Set<string>();
  const session0 = c.count();
  const results = new Worker(
    keys.results(q, tok),
    async (job: Job) => {
      const p = resultSchema.safeParse(job.data);
      if (!p.success || p.data.sweep !== tok) {
        log(`sweep ${tok}: ignored malformed result ${job.id ?? '?'}`);
        return;
      }
      const r = p.data;
      const fresh: Row[] = [];
      for (const row of r.rows) {
        const run = row['run'];
        const plan = typeof run === 'number' ? c.runs[run] : undefined;
        if (plan === undefined || plan.run !== run || row['point'] !== plan.point || row['seed'] !== plan.seed || !plan.values.every(([k, v]) => row[k] === v)) {
          stray ??= `worker ${r.worker} returned run ${String(run)} with values other than planned (a worker of another keepalive-lab version?)`;
          return;
        }
        if (!c.has(run as number) && !fresh.some((x) => x['run'] === run)) fresh.push(row);
      }
      if (fresh.length) c.record(fresh);
      perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + fresh.length);
      if (r.started > 1) {
        rerun += 1;
        const at = parseJobId(r.job);
        log(`sweep ${tok}: chunk ${at ? `${at.chunk}${at.run !== undefined ? ` run ${at.run}` : ''}` : r.job} ran again on ${r.worker} (start ${r.started}: its previous worker was lost or crashed)`);
      }
      if (r.invalid && invalid === undefined) invalid = r.invalid.error;
      // its chunk job was kept (completed) so a restarted coordinator does not queue it again
      await points.remove(r.job).then(
        (n) => void (n === 0 && leftovers.add(r.job)),
        () => leftovers.add(r.job),
      );
      if (c.faults?.killAfter !== undefined && c.count() - session0 >= c.faults.killAfter) process.kill(process.pid, 'SIGKILL');
    },
    { connection: redis, prefix: BULL_PREFIX, concurrency: 4, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1_000_000, removeOnComplete: { count: 0 }, autorun: false },
  );
  results.on('error', (e) => log(`sweep ${tok}: results: ${scrub(e.message, c.url)}`));
  const consuming = results.run();

  // 4. the missing chunks (existing job ids are left as they are)
  const missing = [...new Set(c.todo.map((r) => Math.floor(r.run / chunk)))];
  const enqueued: string[] = [];
  const chunkJob = (k: number, first: number, count: number, run?: number) => {
    const jid = jobId(tok, k, run);
    enqueued.push(jid);
    return { name: 'chunk', data: { v: 1, sweep: tok, first, count }, opts: { jobId: jid, attempts: 2, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: false } };
  };
  for (let i = 0; i < missing.length; i += 1000) {
    await points.addBulk(missing.slice(i, i + 1000).map((k) => chunkJob(k, k * chunk, Math.min(chunk, total - k * chunk))));
  }
  log(`sweep ${tok}: ${c.todo.length} of ${total} runs to do in ${missing.length} chunks of up to ${chunk} on queue ${q} at ${redact(c.url)}; start workers with: npx keepalive-lab worker --queue ${q}`);

  // 5. wait: progress, failed chunks split, failed single runs reported
  const failed = new Map<number, FailedRun>();
  const handled = new Set<string>();
  const progress = new EngineProgress(total, session0, log, c.tty);
  await progress.start();
  const state = () => ({ done: c.count(), failed: [...failed.keys()].filter((r) => !c.has(r)).length, perWorker, rerun });
  let checks = 0;
  let gone = false;
  while (invalid === undefined && stray === undefined && !lost && !gone) {
    const s = state();
    if (s.done + s.failed >= total) break;
    progress.update(s);
    await sleep(250);
    checks += 1;
    if (checks % 4 === 0) {
      for (const jid of await points.getRanges(['failed'], 0, -1)) {
        if (handled.has(jid) || !jid.startsWith(`${tok}.`)) continue;
        const job = await points.getJob(jid);
        const at = parseJobId(jid);
        if (!job || !at) continue;
        handled.add(jid);
        if (at.run !== undefined) {
          failed.set(at.run, { run: at.run, error: reason(job) });
          if (!c.has(at.run)) log(`sweep ${tok}: run ${at.run} ${how(job)}: ${reason(job)}`);
          continue;
        }
        const d = job.data as { first: number; count: number };
        const left = c.runs.slice(d.first, d.first + d.count).filter((r) => !c.has(r.run));
        log(`sweep ${tok}: chunk ${at.chunk} ${how(job)} (${reason(job)}); running its ${left.length} missing runs one by one`);
        await points.addBulk(left.map((r) => chunkJob(at.chunk, r.run, 1, r.run)));
      }
    }
    if (checks % 20 === 0 && (await redis.exists(keys.spec(q, tok))) === 0) gone = true;
  }
  progress.finish(state());

  // 6. done (or stopped): nothing of this sweep is left in Redis, except on a lost lease
  clearInterval(renew);
  await results.close();
  await consuming;
  if (lost || gone) {
    await points.close();
    await redis.quit().catch(() => undefined);
    throw new InputError([`sweep ${tok}: ${gone ? "the sweep's state vanished from Redis (started over elsewhere with --force, or Redis restarted empty)" : 'this coordinator lost its lease to another one'}; this one stops (rows so far are in the journal: --resume continues)`]);
  }
  if (stray !== undefined) log(`sweep ${tok}: ${stray}`);
  await withdraw(tok, [...enqueued, ...handled, ...leftovers]);
  await redis.del(keys.gen(q, id), keys.lease(q, tok));
  await points.close();
  await redis.quit().catch(() => undefined);
  if (stray !== undefined) throw new InputError([`--engine bullmq: ${stray}: run the same keepalive-lab version everywhere`]);
  return { failed: [...failed.values()].filter((f) => !c.has(f.run)).sort((a, b) => a.run - b.run), ...(invalid !== undefined ? { invalid } : {}) };

  /** Take a sweep generation off the cluster: its spec (workers skip its leftover jobs), results and jobs. */
  async function withdraw(t: string, ids: Iterable<string> = []): Promise<void> {
    await redis.del(keys.spec(q, t));
    const r = new Queue(keys.results(q, t), { connection: redis, prefix: BULL_PREFIX });
    r.on('error', () => undefined); // best effort: the spec is gone already
    await r.obliterate({ force: true }).catch(() => undefined);
    await r.close();
    const all = new Set(ids);
    for (const jid of await points.getRanges(['failed', 'completed'], 0, -1)) if (jid.startsWith(`${t}.`)) all.add(jid);
    const list = [...all];
    for (let i = 0; i < list.length; i += 500) await Promise.all(list.slice(i, i + 500).map((j) => points.remove(j).catch(() => 0)));
  }
}
