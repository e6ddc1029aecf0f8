/**
 * The throughput issue's big workloads (bench/big.ts, `npm run bench -- --quick|--full`), each run
 * the way a user runs it: `npx keepalive-lab run <scenario> --summary` (or `--stream` with files)
 * in a process of its own, measuring its wall time, CPU time and peak RSS (bench/rss-hook.mjs).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench -> package root
const BIN = join(root, 'bin', 'keepalive-lab.mjs');
const HOOK = join(root, 'bench', 'rss-hook.mjs');

export interface Case {
  name: string;
  /** what the issue asks of it */
  target: string;
  doc: object;
  args: string[];
  /** files the run writes (their sizes are reported) */
  outputs?: string[];
}

const SEC = 1;
const DAY = 86_400 * SEC;

/** n client programs connecting over `spread` seconds, blocked in recv; the server only listens (the kernel completes the handshakes). */
export function fleet(o: { name: string; n: number; until: number; clientKa: [number, number, number] | null; serverKa: boolean; nat: boolean; ports?: number }): object {
  const ports = o.ports ?? 1;
  const per = Math.ceil(o.n / ports);
  const ka = o.clientKa ? { SO_KEEPALIVE: true, TCP_KEEPIDLE: o.clientKa[0], TCP_KEEPINTVL: o.clientKa[1], TCP_KEEPCNT: o.clientKa[2] } : {};
  return {
    name: o.name,
    until: o.until,
    hosts: { client: { socket: ka }, server: { socket: o.serverKa ? { SO_KEEPALIVE: true } : {} } },
    path: { latency: '1ms', middleboxes: o.nat ? [{ type: 'nat', name: 'router', profile: 'linux-conntrack', table: o.n + 1024 }] : [] },
    apps: [
      ...Array.from({ length: ports }, (_, i) => ({ host: 'server', name: `listen${i}`, steps: [{ call: 'listen', port: 8000 + i, backlog: per + 1 }] })),
      ...Array.from({ length: ports }, (_, i) => ({
        host: 'client',
        name: `c${i}`,
        instances: Math.min(per, o.n - i * per),
        stagger: 10 / o.n,
        steps: [{ call: 'connect', to: 'server', port: 8000 + i }, { call: 'recv' }],
      })),
    ],
  };
}

const year = 365 * DAY;

/** The workloads: the literal sizes, or (quick) smaller forms of each. Files go to `dir`. */
export function bigCases(quick: boolean, dir: string): Case[] {
  return [
  {
    name: `10k connections × ${quick ? '1 h' : '24 h'} through one linux-conntrack NAT (client keepalive 60/10/3)`,
    target: '< 20 s wall, < 1 GiB RSS (24 h)',
    doc: fleet({ name: 'nat-10k', n: 10_000, until: quick ? 3600 : DAY, clientKa: [60, 10, 3], serverKa: false, nat: true }),
    args: ['--summary'],
  },
  {
    name: `1,000 pairs × ${quick ? '30 days' : '1 year'} at Linux defaults 7200/75/9, keepalive on both ends`,
    target: '< 10 s (1 year)',
    doc: fleet({ name: 'year-1000', n: 1000, until: quick ? 30 * DAY : year, clientKa: [7200, 75, 9], serverKa: true, nat: false }),
    args: ['--summary'],
  },
  {
    name: '1 pair × 1 year at 60/10/3, keepalive on both ends',
    target: '< 1 s',
    doc: {
      ...fleet({ name: 'year-1', n: 1, until: year, clientKa: [60, 10, 3], serverKa: true, nat: false }),
      hosts: { client: { sysctl: { tcp_keepalive_time: 60, tcp_keepalive_intvl: 10, tcp_keepalive_probes: 3 }, socket: { SO_KEEPALIVE: true } }, server: { sysctl: { tcp_keepalive_time: 60, tcp_keepalive_intvl: 10, tcp_keepalive_probes: 3 }, socket: { SO_KEEPALIVE: true } } },
    },
    args: ['--summary'],
  },
  {
    name: `${quick ? '10k' : '100k'} connections × 1 h through one NAT (keepalive 60/10/3; 4 server ports)`,
    target: '< 1 GiB RSS (100k)',
    doc: fleet({ name: 'conn-100k', n: quick ? 10_000 : 100_000, until: 3600, clientKa: [60, 10, 3], serverKa: false, nat: true, ports: 4 }),
    args: ['--summary'],
  },
  {
    name: `1 pair × ${quick ? '30 days' : '1 year'} at 60/10/3, every packet streamed (--stream --jsonl --pcap)`,
    target: 'memory for one record at a time (was 2.85 GB kept in memory)',
    doc: {
      ...fleet({ name: 'year-1-stream', n: 1, until: quick ? 30 * DAY : year, clientKa: [60, 10, 3], serverKa: true, nat: false }),
      hosts: { client: { sysctl: { tcp_keepalive_time: 60, tcp_keepalive_intvl: 10, tcp_keepalive_probes: 3 }, socket: { SO_KEEPALIVE: true } }, server: { sysctl: { tcp_keepalive_time: 60, tcp_keepalive_intvl: 10, tcp_keepalive_probes: 3 }, socket: { SO_KEEPALIVE: true } } },
    },
    args: ['--stream', '--jsonl', join(dir, 'year.jsonl'), '--pcap', join(dir, 'year.pcap')],
    outputs: [join(dir, 'year.jsonl'), join(dir, 'year.pcap')],
  },
  {
    name: '1,000 connections × 24 h through a NAT as JSON (--summary --json)',
    target: 'no out-of-memory (was killed after 5 min with --json)',
    doc: fleet({ name: 'nat-1k-json', n: 1000, until: DAY, clientKa: [60, 10, 3], serverKa: false, nat: true }),
    args: ['--summary', '--json'],
  },
];
}

export interface Measured {
  wall: number;
  cpu: number;
  rssMiB: number;
  events: number;
  stdoutBytes: number;
  code: number;
}

export function runCase(c: Case, i: number, dir: string): Promise<Measured> {
  const file = join(dir, `case${i}.json`);
  const usage = join(dir, `case${i}.usage.json`);
  writeFileSync(file, JSON.stringify(c.doc));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', HOOK, BIN, 'run', file, ...c.args], { env: { ...process.env, KAL_USAGE_FILE: usage }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      if (out.length < 1 << 20) out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) {
        reject(new Error(`${c.name}: exit ${code}: ${err.slice(0, 500)}`));
        return;
      }
      const u = JSON.parse(readFileSync(usage, 'utf8')) as { maxRSS: number; userCPUTime: number; systemCPUTime: number };
      const events = Number((/"events": (\d+)/.exec(out) ?? /([\d,]+) events simulated/.exec(out))?.[1]?.replace(/,/g, '') ?? NaN);
      resolve({ wall, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rssMiB: u.maxRSS / 1024, events, stdoutBytes: bytes, code: code ?? 0 });
    });
  });
}


/** The table row of a measured case: rates against the bare heap's events per CPU second. */
export function caseRow(c: Case, m: Measured, heapRate: number): string[] {
  const group = (x: number): string => String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rate = Number.isFinite(m.events) ? m.events / m.cpu : Number.NaN;
  const out = (c.outputs ?? []).map((f) => `${f.split('/').pop()} ${group(statSync(f).size / 2 ** 20)} MiB`).join(', ');
  const known = Number.isFinite(rate); // a streamed run prints its trace, not its event count
  return [c.name, m.wall.toFixed(1), m.cpu.toFixed(1), group(m.rssMiB), known ? group(m.events) : '-', known ? group(rate) : '-', known ? (rate / heapRate).toFixed(3) : '-', c.target, out || `stdout ${group(m.stdoutBytes / 1024)} KiB`];
}

export const CASE_HEADERS = ['workload', 'wall s', 'CPU s', 'peak RSS MiB', 'events', 'events/CPU s', 'vs heap', 'target', 'output'];
