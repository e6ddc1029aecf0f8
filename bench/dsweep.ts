/**
 * `npm run bench:dsweep`: distributed sweeps (docs/sweeps.md#distributed-sweeps) against the local
 * pool, in one run on this machine. The same sampled sweep as bench/sweep.ts (seed000-cable-pull,
 * client keepidle 1..60 s × intvl 1..30 s × cnt 1..10), run:
 *
 * - on the local piscina pool with 1 thread and with all cores (`keepalive-lab sweep --workers N`);
 * - through BullMQ on a redis-server started here (free loopback port, no persistence) with 1, 2
 *   and 4 `keepalive-lab worker` processes of one thread each (the compiled CLI, as on a
 *   cluster node; started and warmed up before the clock starts, as long-running workers are);
 * - once more with 1 worker and chunks of 4 runs instead of 64, to price one job.
 *
 * Every pass runs the compiled CLI as a user would (`npm run build` first), the coordinator
 * too. Printed: wall time, runs/s, CPU of every process involved (the sweep command from this
 * process's children's CPU in /proc/self/stat, workers from /proc/<pid>/stat, redis-server from
 * INFO cpu), and the engine's overhead per run: CPU beyond the local 1-thread pass, per run; the
 * price of one job from the chunk-4 pass. Every pass must give the same rows (hashed).
 *
 *   npm run bench:dsweep                  # 5,000 runs
 *   npm run bench:dsweep -- --runs 1000   # a quick check
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../test/support/redis.ts';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${name}: ${process.argv[i + 1]} must be a whole number, at least 1\n`);
    process.exit(2);
  }
  return n;
}

const runs = flag('--runs', 5000);
const BIN = join(import.meta.dirname, '..', 'bin', 'keepalive-lab.mjs');
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s on Linux
const dir = mkdtempSync(join(tmpdir(), 'kal-bench-dsweep-'));
const sweepFile = (n: number, seed: number): string => {
  const f = join(dir, `s${n}-${seed}.yaml`);
  writeFileSync(f, `scenario: seed000-cable-pull\nvary:\n  hosts.client.socket.TCP_KEEPIDLE: 1..60\n  hosts.client.socket.TCP_KEEPINTVL: 1..30\n  hosts.client.socket.TCP_KEEPCNT: 1..10\nsample: ${n}\nsampleSeed: ${seed}\n`);
  return f;
};
const FILE = sweepFile(runs, 1);

interface Pass {
  label: string;
  s: number;
  cpu: number;
  hash: string;
  jobs: number;
  /** CPU by process kind, for the engine passes */
  parts?: { sweep: number; workers: number; redis: number };
}

const hashFile = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 12);
const stat = (pid: number | 'self'): string[] => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return f.slice(f.lastIndexOf(')') + 2).split(' ');
};
/** utime + stime of a live process */
const procCpu = (pid: number): number => (Number(stat(pid)[11]) + Number(stat(pid)[12])) / TICK;
/** cutime + cstime: CPU of this process's children that have exited */
const childCpu = (): number => (Number(stat('self')[13]) + Number(stat('self')[14])) / TICK;

/** `keepalive-lab …` to its end; throws on a non-zero exit. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`keepalive-lab ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}
const redisCpu = (r: TestRedis): number => {
  const info = r.cli('info', 'cpu');
  const v = (k: string): number => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_user') + v('used_cpu_sys');
};

async function local(threads: number): Promise<Pass> {
  const out = join(dir, `local${threads}`);
  const c0 = childCpu();
  const t0 = performance.now();
  await cli(['sweep', '--file', FILE, '--workers', String(threads), '--out', out, '--no-plots'], process.env);
  const s = (performance.now() - t0) / 1000;
  return { label: `local pool, ${threads} thread${threads > 1 ? 's' : ''}`, s, cpu: childCpu() - c0, hash: hashFile(`${out}.jsonl`), jobs: 0 };
}

async function engine(r: TestRedis, workers: number, chunk: number): Promise<Pass> {
  const env: NodeJS.ProcessEnv = { ...process.env, KEEPALIVE_LAB_REDIS_URL: r.url };
  delete env['KEEPALIVE_LAB_FAULTS'];
  const procs: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const p = spawn(process.execPath, [BIN, 'worker', '--concurrency', '1', '--name', `w${i}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(p);
    ready.push(new Promise((resolve) => p.stderr?.on('data', (b: Buffer) => b.toString().includes('serving queue') && resolve())));
  }
  await Promise.all(ready);
  // warm-up: a small sweep of one-run chunks, so every worker's thread has loaded and compiled the simulator
  await cli(['sweep', '--file', sweepFile(20 * workers, 99), '--engine', 'bullmq', '--chunk', '1'], env);
  const out = join(dir, `bullmq${workers}-${chunk}`);
  const w0 = procs.map((p) => procCpu(p.pid as number));
  const r0 = redisCpu(r);
  const c0 = childCpu();
  const t0 = performance.now();
  await cli(['sweep', '--file', FILE, '--engine', 'bullmq', '--chunk', String(chunk), '--out', out, '--no-plots'], env);
  const s = (performance.now() - t0) / 1000;
  const wcpu = procs.reduce((n, p, i) => n + procCpu(p.pid as number) - (w0[i] as number), 0);
  const parts = { sweep: childCpu() - c0, workers: wcpu, redis: redisCpu(r) - r0 };
  const cpu = parts.sweep + parts.workers + parts.redis;
  await Promise.all(procs.map((p) => new Promise((resolve) => (p.once('close', resolve), p.kill('SIGTERM')))));
  return { label: `bullmq, ${workers} worker${workers > 1 ? 's' : ''}${chunk !== 64 ? `, chunk ${chunk}` : ''}`, s, cpu, hash: hashFile(`${out}.jsonl`), jobs: Math.ceil(runs / chunk), parts };
}

const line = (x: Pass): string =>
  `${x.label.padEnd(27)}${x.s.toFixed(1).padStart(6)} s ${(runs / x.s).toFixed(0).padStart(6)} runs/s   cpu ${x.cpu.toFixed(1).padStart(5)} s (${((x.cpu / runs) * 1000).toFixed(2)} ms/run)   rows ${x.hash}` +
  (x.parts ? `   [coordinator ${x.parts.sweep.toFixed(1)} s, workers ${x.parts.workers.toFixed(1)} s, redis ${x.parts.redis.toFixed(1)} s]` : '');

console.log(`distributed sweep benchmark: ${runs} runs of seed000-cable-pull (sampled keepalive triples), node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0]?.toFixed(1)}`);
const passes: Pass[] = [];
const show = (p: Pass): void => void (passes.push(p), console.log(line(p)));
show(await local(1));
const all = availableParallelism();
if (all > 1) show(await local(all));
const r = await startRedis();
try {
  for (const n of [1, 2, 4]) show(await engine(r, n, 64));
  show(await engine(r, 1, 4));
} finally {
  await r.stop();
  rmSync(dir, { recursive: true, force: true });
}
const l1 = passes[0] as Pass;
const e1 = passes.find((p) => p.label === 'bullmq, 1 worker') as Pass;
const e4 = passes.find((p) => p.label.endsWith('chunk 4')) as Pass;
const perRun = ((e1.cpu - l1.cpu) / runs) * 1000;
const perJob = ((e4.cpu - e1.cpu) / (e4.jobs - e1.jobs)) * 1000;
console.log(`engine overhead at chunk 64: ${perRun.toFixed(3)} ms CPU per run over the local 1-thread pass (${((100 * perRun) / ((l1.cpu / runs) * 1000)).toFixed(1)} % of a run), wall ${(((e1.s - l1.s) / runs) * 1000).toFixed(3)} ms per run`);
console.log(`one job (fetch, lock, result, journal, removal; all processes): ${perJob.toFixed(2)} ms CPU, from the chunk-4 pass (${e4.jobs} jobs) against chunk 64 (${e1.jobs} jobs) = ${(perJob / 64).toFixed(3)} ms per run at chunk 64`);
console.log(`load average after: ${loadavg()[0]?.toFixed(1)} (figures on a shared machine move with it)`);
if (new Set(passes.map((p) => p.hash)).size !== 1) {
  console.log('!! the rows differ between passes');
  process.exitCode = 1;
}
