/**
 * `npm run bench:big`: the workloads of the throughput issue run the way a user runs them —
 * `npx keepalive-lab run <scenario> --summary` (or `--stream` with files) in a process of its
 * own — with wall time, CPU time and peak RSS of that process, the events it simulated, and
 * its events per CPU second against a bare typed-array heap measured in this process in the
 * same run. Figures are printed, never asserted (house rule: no timed tests).
 *
 *   npm run bench:big                 the literal sizes (several minutes on 2 cores)
 *   npm run bench:big -- --quick      smaller forms of each (about a minute)
 *
 * Peak RSS comes from the child itself (process.resourceUsage at exit, through a preloaded
 * hook, bench/rss-hook.mjs), so no outside tool is needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHold, prepareArrayHeap } from './queue.ts';
import { bigCases, caseRow, CASE_HEADERS, runCase } from './big-cases.ts';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'kal-bench-big-'));
const f1 = (x: number): string => x.toFixed(1);

/** Events per CPU second of the bare heap on the hold workload (100,000 pending), best of 3. */
function heapRate(): number {
  const w = makeHold({ population: 100_000, events: 1_000_000, meanGapUs: 100, seed: 'keepalive-lab-bench', cancelShare: 0 });
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const p = prepareArrayHeap(w);
    const c = process.cpuUsage();
    p.run();
    const u = process.cpuUsage(c);
    best = Math.min(best, (u.user + u.system) / 1e6);
  }
  return 1e6 / best;
}

const heap0 = heapRate();
console.log(`big runs through the CLI (bin/keepalive-lab.mjs, compiled), one process each, ${quick ? 'quick forms' : 'literal sizes'}; node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? '?'}`);
console.log(`bare typed-array heap in this process: ${f1(heap0 / 1e6)} M events per CPU second (hold model, 100,000 pending)`);
console.log('');
const rows: string[][] = [];
for (const [i, c] of bigCases(quick, dir).entries()) {
  const m = await runCase(c, i, dir);
  rows.push(caseRow(c, m, heap0));
  console.log(`${c.name}: ${f1(m.wall)} s wall, ${f1(m.cpu)} s CPU, peak RSS ${Math.round(m.rssMiB)} MiB, ${m.events} events`);
}
const heap1 = heapRate();
console.log('');
const widths = CASE_HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
console.log([line(CASE_HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
console.log(`vs heap: events per CPU second of the run / the bare heap's (${f1(heap0 / 1e6)} M before the runs, ${f1(heap1 / 1e6)} M after).`);
rmSync(dir, { recursive: true, force: true });
