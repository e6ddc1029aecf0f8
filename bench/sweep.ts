/**
 * `npm run bench:sweep`: sweep throughput, one worker thread against all of them. 10,000 runs
 * of seed000-cable-pull (the pulled cable of seed 000; 220 s of virtual time, full trace
 * recorded because the metrics read the run document) with the client's TCP_KEEPIDLE
 * (1..60 s), TCP_KEEPINTVL (1..30 s) and TCP_KEEPCNT (1..10) drawn by the sweep's seeded
 * sampler, each run measured (src/metrics). Prints runs/s with 1 worker and with all
 * workers, the speed-up, and checks that both produced the same rows.
 *
 *   npm run bench:sweep                    10,000 runs
 *   npm run bench:sweep -- --runs 500      a quick check
 *   npm run bench:sweep -- --workers 4     "all workers" = 4 (default: available cores)
 *
 * Wall time includes starting the pool (each thread loads the sources through tsx), as a
 * user's sweep pays it. CPU time (all threads) is printed too: on a shared machine, cores
 * busy = cpu / wall shows what the sweep actually got. Figures are printed, never asserted
 * (house rule: no timed tests).
 */
import { createHash } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { runSweep } from '../sim/sweep/runner.ts';
import { parseVary } from '../src/sweep/spec.ts';

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

const runs = flag('--runs', 10_000);
const all = flag('--workers', availableParallelism());
const dims = ['hosts.client.socket.TCP_KEEPIDLE=1..60', 'hosts.client.socket.TCP_KEEPINTVL=1..30', 'hosts.client.socket.TCP_KEEPCNT=1..10'].map((s) => parseVary(s));

/** Wall time, and CPU time of the whole process (all threads): on a shared machine cpu/wall shows the cores actually obtained. */
async function time(workers: number): Promise<{ s: number; cpu: number; hash: string; detected: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runSweep({ scenario: 'seed000-cable-pull', dims, sample: runs, sampleSeed: 1, workers, maxRuns: runs });
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const hash = createHash('sha256').update(JSON.stringify(r.rows)).digest('hex').slice(0, 12);
  return { s, cpu: (c.user + c.system) / 1e6, hash, detected: r.rows.filter((x) => x['detect.first'] !== null).length };
}
const line = (label: string, x: { s: number; cpu: number; hash: string }): string =>
  `${label.padEnd(11)}${x.s.toFixed(1).padStart(6)} s  ${(runs / x.s).toFixed(0).padStart(5)} runs/s  cpu ${x.cpu.toFixed(1)} s (${(x.cpu / x.s).toFixed(2)} cores busy, ${((x.cpu / runs) * 1000).toFixed(2)} ms/run)  rows ${x.hash}`;

console.log(`sweep benchmark: ${runs} runs of seed000-cable-pull (client keepidle 1..60 s, intvl 1..30 s, cnt 1..10, sampled), node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
const one = await time(1);
console.log(line('1 worker', one));
const many = await time(all);
console.log(line(`${all} workers`, many));
console.log(`speed-up ×${(one.s / many.s).toFixed(2)} with ${all} workers; ${one.detected} of ${runs} runs detected the cut`);
if (one.hash !== many.hash) {
  console.log('!! the rows differ between 1 and all workers');
  process.exitCode = 1;
}
