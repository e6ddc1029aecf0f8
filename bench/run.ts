/**
 * `npm run bench`: events per second of the bare event queue and of the full stack,
 * against a bare typed-array heap measured in the same process. Speed targets are read
 * from the ratios printed here, never asserted in unit tests (house rule).
 *
 *   npm run bench                       default, about 1.5 min on 2 cores
 *   npm run bench -- --quick            about 10 s, one timed run per case
 *   npm run bench -- --full             the literal sizes (1k pairs x 24 h at 60 s keepalive,
 *                                       10k pairs x 1 h): several minutes
 *   node --expose-gc --import tsx bench/run.ts [flags]
 *
 * Memory figures need a forced GC. `global.gc` is used when node runs with --expose-gc;
 * otherwise it is enabled at runtime (v8.setFlagsFromString + vm, as jest's leak detector
 * does); `--no-gc` skips the memory figures instead. See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { makeHold, prepareArrayHeap, prepareEventQueue, prepareSim, type HoldWorkload, type Prepared } from './queue.ts';
import { buildStack, runStack, stackResult, type StackResult, type StackSpec } from './stack.ts';
import { bigCases, caseRow, CASE_HEADERS, runCase } from './big-cases.ts';

// ---------------------------------------------------------------- options

type Mode = 'quick' | 'default' | 'full';
const argv = process.argv.slice(2);
const known = new Set(['--quick', '--full', '--no-gc', '--help', '-h']);
for (const a of argv) {
  if (!known.has(a)) {
    console.error(`unknown argument ${a}; usage: tsx bench/run.ts [--quick | --full] [--no-gc]`);
    process.exit(2);
  }
}
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: tsx bench/run.ts [--quick | --full] [--no-gc]   (see bench/README.md)');
  process.exit(0);
}
if (argv.includes('--quick') && argv.includes('--full')) {
  console.error('--quick and --full exclude each other');
  process.exit(2);
}
const mode: Mode = argv.includes('--quick') ? 'quick' : argv.includes('--full') ? 'full' : 'default';

const SEC = 1_000_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const KA60 = { tcp_keepalive_time: 60, tcp_keepalive_intvl: 10, tcp_keepalive_probes: 3 };

/** Sizes and repetitions per mode; virtual durations in µs. */
interface Plan {
  /** timed runs per queue case (after a warm-up run of each) */
  queueReps: number;
  /** timed runs of the other full-stack cases (trace on/off, Linux defaults) */
  stackReps: number;
  /** 1k pairs, keepalive 60/10/3, trace off */
  ka60Virtual: number;
  ka60Reps: number;
  /** 1k pairs, keepalive 60/10/3, trace on (and off, when it differs from ka60Virtual) */
  traceVirtual: number;
  /** 1k pairs, Linux default keepalive 7200/75/9 */
  defaultVirtual: number;
  /** the large case: bigPairs over bigClients client hosts, keepalive 60/10/3 */
  bigPairs: number;
  bigClients: number;
  bigVirtual: number;
  bigReps: number;
  /** how long the memory worlds run before the heap is measured */
  memVirtual: number;
}

const PLANS: Record<Mode, Plan> = {
  quick: { queueReps: 1, stackReps: 1, ka60Virtual: 10 * MIN, ka60Reps: 1, traceVirtual: 10 * MIN, defaultVirtual: 24 * HOUR, bigPairs: 10_000, bigClients: 10, bigVirtual: 1 * MIN, bigReps: 1, memVirtual: 2 * MIN },
  default: { queueReps: 5, stackReps: 3, ka60Virtual: 1 * HOUR, ka60Reps: 3, traceVirtual: 1 * HOUR, defaultVirtual: 24 * HOUR, bigPairs: 10_000, bigClients: 10, bigVirtual: 5 * MIN, bigReps: 3, memVirtual: 2 * MIN },
  full: { queueReps: 5, stackReps: 3, ka60Virtual: 24 * HOUR, ka60Reps: 1, traceVirtual: 1 * HOUR, defaultVirtual: 24 * HOUR, bigPairs: 10_000, bigClients: 10, bigVirtual: 1 * HOUR, bigReps: 1, memVirtual: 2 * MIN },
};
const plan = PLANS[mode];

// ---------------------------------------------------------------- GC and formatting

function acquireGc(): { gc: (() => void) | null; how: string } {
  if (argv.includes('--no-gc')) return { gc: null, how: 'off (--no-gc)' };
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return { gc: g as () => void, how: 'global.gc (--expose-gc)' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const f: unknown = vm.runInNewContext('gc');
    if (typeof f === 'function') return { gc: f as () => void, how: 'enabled at runtime (v8.setFlagsFromString)' };
  } catch {
    // fall through: no GC control in this runtime
  }
  return { gc: null, how: 'unavailable' };
}
const { gc, how: gcHow } = acquireGc();
/** Collect garbage left by the previous case so it is not charged to the next one. */
const settle = (): void => {
  if (gc) {
    gc();
    gc();
  }
};

const group = (n: number): string => {
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};
const fixed = (n: number, d: number): string => n.toFixed(d);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >>> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const virt = (us: number): string => (us % HOUR === 0 ? `${us / HOUR} h` : us % MIN === 0 ? `${us / MIN} min` : `${us / SEC} s`);
const mib = (bytes: number): string => `${fixed(bytes / 2 ** 20, 1)} MiB`;

function table(headers: string[], rows: string[][], leftCols = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Row {
  name: string;
  events: number;
  /** wall ms of every timed run */
  walls: number[];
  /** CPU ms (this process, all threads) of every timed run: the rates use it, so other jobs on the machine disturb them less */
  cpus: number[];
  check: string;
  /** events per CPU second of the array heap this row is compared with */
  base?: number;
}
/** events per CPU second */
const evps = (r: Row): number => r.events / (median(r.cpus) / 1000);
/** CPU time and wall time of `f`, ms */
function timed<T>(f: () => T): { value: T; cpu: number; wall: number } {
  const c = process.cpuUsage();
  const a = performance.now();
  const value = f();
  const wall = performance.now() - a;
  const u = process.cpuUsage(c);
  return { value, cpu: (u.user + u.system) / 1000, wall };
}
const spread = (r: Row): string => {
  if (r.walls.length < 2) return '-';
  const m = median(r.cpus);
  return `±${fixed((100 * (Math.max(...r.cpus) - Math.min(...r.cpus))) / 2 / m, 1)}%`;
};
function printRows(rows: Row[]): void {
  console.log(
    table(
      ['case', 'events', 'wall ms', 'CPU ms', 'spread', 'events/CPU s', 'vs heap', 'check'],
      rows.map((r) => [
        r.name,
        group(r.events),
        fixed(median(r.walls), 1),
        fixed(median(r.cpus), 1),
        spread(r),
        group(evps(r)),
        r.base ? `${fixed(evps(r) / r.base, 3)}x` : '-',
        r.check,
      ]),
    ),
  );
}

let failures = 0;
function fail(msg: string): void {
  failures++;
  console.log(`!! ${msg}`);
}

// ---------------------------------------------------------------- header

const t0 = performance.now();
const cpus = os.cpus();
console.log(`keepalive-lab bench, mode ${mode}`);
console.log(`node ${process.version}, v8 ${process.versions.v8}, ${process.platform}/${process.arch}, ${cpus.length} x ${cpus[0]?.model.trim() ?? '?'}`);
console.log(`gc: ${gcHow}`);
console.log('');

// ---------------------------------------------------------------- 1-3: queues

const HOLD = { population: 100_000, events: 1_000_000, meanGapUs: 100, seed: 'keepalive-lab-bench' };
const hold0 = makeHold({ ...HOLD, cancelShare: 0 });
const hold20 = makeHold({ ...HOLD, cancelShare: 0.2 });
// JIT warm-up on a smaller instance of the same workloads (the code paths are the same)
const WARM = { population: 10_000, events: 200_000, meanGapUs: 100, seed: 'keepalive-lab-bench-warm-up' };
const warm0 = makeHold({ ...WARM, cancelShare: 0 });
const warm20 = makeHold({ ...WARM, cancelShare: 0.2 });
console.log(
  `queue workload (ns-3 bench-scheduler hold model): population ${group(HOLD.population)}, ${group(HOLD.events)} events executed,` +
    ` gap = round(Exp(mean ${HOLD.meanGapUs} us)) integer us (ns-3: mean 100 ns in integer ns, the same in ticks), alea seed "${HOLD.seed}";` +
    ` cancel variant re-arms a random pending event (${group(hold20.cancelled)} of ${group(hold20.scheduled)} scheduled = ${fixed((100 * hold20.cancelled) / hold20.scheduled, 1)}% cancelled).`,
);
console.log(
  `timed: the hold loop only (population pre-scheduled); each case warmed up on a ${group(WARM.population)}/${group(WARM.events)} instance,` +
    ` then ${plan.queueReps} timed run(s) per case, round-robin, median reported.`,
);
console.log('');

interface QueueCase {
  name: string;
  w: HoldWorkload;
  prepare: (w: HoldWorkload) => Prepared;
  row: Row;
}
const qcase = (name: string, w: HoldWorkload, prepare: (w: HoldWorkload) => Prepared): QueueCase => ({
  name,
  w,
  prepare,
  row: { name, events: w.events, walls: [], cpus: [], check: '' },
});
const queueCases: QueueCase[] = [
  qcase('array-heap (baseline)', hold0, prepareArrayHeap),
  qcase('EventQueue', hold0, prepareEventQueue),
  qcase('Sim.at/run', hold0, prepareSim),
  qcase('array-heap, 20% cancelled', hold20, prepareArrayHeap),
  qcase('EventQueue, 20% cancelled', hold20, prepareEventQueue),
  qcase('Sim.at/run, 20% cancelled', hold20, prepareSim),
];

function timeQueue(c: QueueCase, w: HoldWorkload): { ms: number; cpu: number; check: string } {
  settle();
  const p = c.prepare(w);
  const t = timed(() => p.run());
  return { ms: t.wall, cpu: t.cpu, check: p.check() };
}
for (let rep = -1; rep < plan.queueReps; rep++) {
  for (const c of queueCases) {
    if (rep < 0) {
      timeQueue(c, c.w === hold0 ? warm0 : warm20); // warm-up
      continue;
    }
    const { ms, cpu, check } = timeQueue(c, c.w);
    c.row.walls.push(ms);
    c.row.cpus.push(cpu);
    if (c.row.check !== '' && c.row.check !== check) fail(`${c.name}: order checksum changed between runs (${c.row.check} vs ${check})`);
    c.row.check = check;
  }
}
const baseline = queueCases[0] as QueueCase;
const baselineCancel = queueCases[3] as QueueCase;
for (const c of queueCases) {
  const b = c.w === hold0 ? baseline : baselineCancel;
  c.row.base = evps(b.row);
  if (c.row.check !== b.row.check) fail(`${c.name}: events fired in a different order than the array heap (${c.row.check} vs ${b.row.check})`);
}
printRows(queueCases.map((c) => c.row));
console.log('vs heap: events/s divided by the array heap\'s on the same workload (>1 is faster). spread: half the min-max range of the timed runs, relative to the median.');
console.log('check: hash of the order in which slots fired @ final virtual time (us); equal for every queue on a workload.');
console.log('');

// ---------------------------------------------------------------- 4-6: full stack

interface StackCase {
  name: string;
  spec: StackSpec;
  reps: number;
  row: Row;
  result?: StackResult;
}
const scase = (name: string, spec: StackSpec, reps: number): StackCase => ({ name, spec, reps, row: { name, events: 0, walls: [], cpus: [], check: '' } });
const ka = (s: StackSpec): string => (s.keepalive ? `ka ${s.keepalive.tcp_keepalive_time}/${s.keepalive.tcp_keepalive_intvl}/${s.keepalive.tcp_keepalive_probes}` : 'ka 7200/75/9');
const spec = (pairs: number, clientHosts: number, keepalive: StackSpec['keepalive'], virtualUs: number, record = false): StackSpec => ({
  pairs,
  clientHosts,
  virtualUs,
  record,
  seed: 1,
  ...(keepalive ? { keepalive } : {}),
});
const named = (s: StackSpec, extra = ''): string =>
  `${group(s.pairs / 1000)}k pairs, ${ka(s)}, ${virt(s.virtualUs)}${s.clientHosts > 1 ? `, ${s.clientHosts} clients` : ''}${extra}`;

const ka60 = spec(1000, 1, KA60, plan.ka60Virtual);
const ka60Trace = spec(1000, 1, KA60, plan.traceVirtual, true);
const ka60SameAsTrace = plan.traceVirtual === plan.ka60Virtual ? null : spec(1000, 1, KA60, plan.traceVirtual);
const kaDefault = spec(1000, 1, undefined, plan.defaultVirtual);
const big = spec(plan.bigPairs, plan.bigClients, KA60, plan.bigVirtual);
const stackCases: StackCase[] = [
  scase(named(ka60), ka60, plan.ka60Reps),
  ...(ka60SameAsTrace ? [scase(named(ka60SameAsTrace), ka60SameAsTrace, plan.stackReps)] : []),
  scase(named(ka60Trace, ', trace on'), ka60Trace, plan.stackReps),
  scase(named(kaDefault), kaDefault, plan.stackReps),
  scase(named(big), big, plan.bigReps),
];

console.log(
  'full stack: idle connection pairs, SO_KEEPALIVE on both ends, keepalive sysctls on every host, Linux timer wheel (HZ 250),' +
    ' one path per client host (500 us, no loss), connects spread over the first 10 s, trace off unless stated.',
);
console.log('timed: building the world and running it; events = Sim.steps (executed events).');
{
  // warm-up: compile the TCP, keepalive and xstate paths before anything is timed
  settle();
  runStack(spec(200, 1, KA60, 30 * MIN));
  runStack(spec(200, 1, undefined, 3 * HOUR));
}
for (const c of stackCases) {
  for (let rep = 0; rep < c.reps; rep++) {
    settle();
    const t = timed(() => runStack(c.spec));
    const { result } = t.value;
    c.row.walls.push(t.wall);
    c.row.cpus.push(t.cpu);
    c.row.events = result.events;
    if (c.row.check !== '' && c.row.check !== result.checksum) fail(`${c.name}: packet counts changed between runs (${c.row.check} vs ${result.checksum})`);
    c.row.check = result.checksum;
    c.row.base = evps(baseline.row);
    c.result = result;
    if (result.established !== 2 * c.spec.pairs) fail(`${c.name}: ${result.established} of ${2 * c.spec.pairs} endpoints ESTABLISHED at the end`);
  }
}
console.log('');
printRows(stackCases.map((c) => c.row));
console.log('vs heap: against the array heap on the plain hold workload. check: hash of Sim.steps and per-direction packet counts; equal on every run.');
console.log('');
console.log(
  table(
    ['case', 'packets', 'lost', 'established', 'trace records', 'virtual s / CPU s', 'runs'],
    stackCases.map((c) => {
      const r = c.result as StackResult;
      return [c.name, group(r.packets), group(r.lost), `${group(r.established)}/${group(2 * c.spec.pairs)}`, group(r.traceRecords), group(c.spec.virtualUs / 1000 / median(c.row.cpus)), String(c.row.walls.length)];
    }),
  ),
);

// trace cost: same spec with record on and off
const traceOn = stackCases.find((c) => c.spec === ka60Trace) as StackCase;
const traceOff = stackCases.find((c) => c.spec === (ka60SameAsTrace ?? ka60)) as StackCase;
if (traceOn.row.check !== traceOff.row.check) fail('recording the trace changed the simulation (checksums differ)');
console.log('');
console.log(
  `trace cost (${named(ka60Trace)}): record on runs at ${fixed(evps(traceOn.row) / evps(traceOff.row), 3)}x the events/s of record off` +
    ` (${fixed(median(traceOn.row.cpus), 0)} vs ${fixed(median(traceOff.row.cpus), 0)} ms CPU), ${group((traceOn.result as StackResult).traceRecords)} records kept.`,
);
const ka60Case = stackCases[0] as StackCase;
if (ka60.virtualUs < 24 * HOUR) {
  const projected = (median(ka60Case.row.cpus) / 1000) * ((24 * HOUR) / ka60.virtualUs);
  console.log(`projected CPU time for 1k pairs, ka 60/10/3, 24 h at this rate: ${fixed(projected, 0)} s (run --full to measure it).`);
}

// ---------------------------------------------------------------- memory

console.log('');
if (!gc) {
  console.log(`memory: skipped (gc ${gcHow}); run  node --expose-gc --import tsx bench/run.ts  for heap per connection pair.`);
} else {
  const heap = (): number => {
    settle();
    return process.memoryUsage().heapUsed;
  };
  const memSpec = spec(1000, 1, KA60, plan.memVirtual);
  const before = heap();
  const w = buildStack(memSpec);
  w.run(memSpec.virtualUs);
  const after = heap();
  const off = stackResult(w);
  const traced = buildStack({ ...memSpec, record: true });
  traced.run(memSpec.virtualUs);
  const afterTraced = heap();
  const on = stackResult(traced);
  if (on.checksum !== off.checksum) fail('memory runs: trace on and off disagree');
  const perPair = (after - before) / memSpec.pairs;
  // the traced world holds a second copy of the connections besides its records
  const traceBytes = afterTraced - after - (after - before);
  const perRecord = traceBytes / Math.max(1, on.traceRecords);
  console.log(
    `memory (${named(memSpec)}, heapUsed after forced GC): ${group(perPair)} bytes per connection pair` +
      ` (${mib(after - before)} for ${group(memSpec.pairs)} pairs, ${group(off.established)} endpoints);` +
      ` trace: ${group(perRecord)} bytes per record (${group(on.traceRecords)} records, ${mib(traceBytes)}).`,
  );
}

// ---------------------------------------------------------------- big runs through the CLI

{
  const dir = mkdtempSync(join(os.tmpdir(), 'kal-bench-big-'));
  const quickForms = mode !== 'full';
  console.log('');
  console.log(`big runs through the CLI (bin/keepalive-lab.mjs, compiled), one process each, ${quickForms ? 'quick forms (--full: the literal sizes)' : 'literal sizes'}; vs heap against the array heap above (${group(evps(baseline.row))} events per CPU s):`);
  const rows: string[][] = [];
  for (const [i, c] of bigCases(quickForms, dir).entries()) rows.push(caseRow(c, await runCase(c, i, dir), evps(baseline.row)));
  console.log(table(CASE_HEADERS, rows, 1));
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- determinism summary

let h = 0x811c9dc5;
for (const c of [...queueCases.map((q) => q.row), ...stackCases.map((s) => s.row)]) for (const ch of c.check) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
console.log('');
console.log(`determinism checksum (all check columns, mode ${mode}): ${(h >>> 0).toString(16).padStart(8, '0')}`);
console.log(`bench wall time: ${fixed((performance.now() - t0) / 1000, 1)} s`);
if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exitCode = 1;
}
