/**
 * `npm run bench:nat`: how run time and memory grow with the number of connections through
 * one NAT. N client connections (one client host, `instances: N`, connects spread over the
 * first 10 s) through a Linux-conntrack NAT to one server, SO_KEEPALIVE with TCP_KEEPIDLE
 * 60 s / TCP_KEEPINTVL 10 s / TCP_KEEPCNT 3, for 1 h of virtual time, trace off. Built as a
 * scenario document and run by runScenario, so the cost is what a user's many-flow scenario
 * pays. Figures are printed, never asserted (house rule: no timed tests).
 *
 *   npm run bench:nat                 N = 100, 1000, 10000
 *   npm run bench:nat -- 100 5000     other sizes
 *
 * Each size also runs without the NAT (same hosts and apps), so the last two columns are what
 * the NAT itself adds: wall-time ratio and heap per connection (its entry, keys and timer).
 * Memory per connection = (heap used after the run, world still alive − heap before building
 * it) / N, after forced GCs (global.gc with --expose-gc, else enabled at runtime as in
 * bench/run.ts; without GC control the memory column is "-").
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { validateScenario } from '../src/scenarios/validate.ts';
import { runScenario } from '../src/scenarios/run.ts';

const SEC = 1_000_000;
const VIRTUAL = 3600 * SEC;
const SPREAD = 10 * SEC;

function acquireGc(): (() => void) | null {
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return g as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f: unknown = vm.runInNewContext('gc');
    if (typeof f === 'function') return f as () => void;
  } catch {
    // no GC control in this runtime
  }
  return null;
}
const gc = acquireGc();
const settle = (): void => {
  if (gc) {
    gc();
    gc();
  }
};

function scenario(n: number, nat: boolean): unknown {
  return {
    name: `bench-nat-${n}`,
    until: VIRTUAL / SEC, // a plain number is seconds
    hosts: {
      client: { socket: { SO_KEEPALIVE: true, TCP_KEEPIDLE: 60, TCP_KEEPINTVL: 10, TCP_KEEPCNT: 3 } },
      server: {},
    },
    path: { latency: '1ms', middleboxes: nat ? [{ type: 'nat', name: 'router', profile: 'linux-conntrack', table: Math.max(n, 1024) }] : [] },
    apps: [
      { host: 'server', steps: [{ call: 'listen', port: 8000, backlog: n + 1 }] },
      { host: 'client', name: 'c', instances: n, stagger: Math.max(1, Math.floor(SPREAD / n)) / SEC, steps: [{ call: 'connect', to: 'server', port: 8000 }, { call: 'recv' }] },
    ],
  };
}

const group = (x: number): string => String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

interface Measure {
  events: number;
  wall: number;
  /** heap bytes per connection, NaN without GC control */
  heap: number;
  established: number;
  entries: number;
}

function measure(n: number, nat: boolean): Measure {
  const v = validateScenario(scenario(n, nat));
  if (!v.ok) throw new Error(v.problems.join('\n'));
  settle();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const out = runScenario(v.scenario, { record: false });
  const wall = performance.now() - t0;
  settle();
  const after = process.memoryUsage().heapUsed;
  const established = [...out.world.host('client').connections()].filter((c) => c.state === 'ESTABLISHED').length;
  return { events: out.world.sim.steps, wall, heap: gc ? (after - before) / n : Number.NaN, established, entries: out.nats[0]?.size ?? 0 };
}

function one(n: number): string[] {
  const m = measure(n, true);
  const bare = measure(n, false); // the same run without the NAT: what the NAT itself costs
  const bytes = (x: number): string => (Number.isNaN(x) ? '-' : `${group(x)} B`);
  return [
    group(n), group(m.events), group(m.wall), group(m.events / (m.wall / 1000)), bytes(m.heap),
    `${m.established}/${n}`, group(m.entries), `${(m.wall / bare.wall).toFixed(2)}x`, bytes(m.heap - bare.heap),
  ];
}

const sizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x > 0);
const ns = sizes.length ? sizes : [100, 1000, 10_000];
console.log(`NAT bench: N connections through one linux-conntrack NAT, keepalive 60/10/3, 1 h virtual, trace off; GC ${gc ? 'on' : 'unavailable'}`);
measure(100, true); // warm-up (JIT), not printed
measure(100, false);
const headers = ['N', 'events', 'wall ms', 'events/s', 'heap/conn', 'established', 'NAT entries', 'wall vs no NAT', 'NAT heap/conn'];
const rows = ns.map(one);
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
console.log([line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
