/**
 * A real-program recording against a simulated run of the same scenario (issue 19).
 *
 * "Scheduling" in the tolerances: the fixtures were recorded on a shared 2-core machine,
 * where a program (or the harness's Python client) can wake 20-30 ms late.
 *
 * What is compared: on each vantage host of the scenario, the packets that carry the
 * programs' decisions — every segment with payload, SYN, FIN or RST, and the kernel's
 * keepalive probes and their ACKs (pure ACKs are the kernel's business, calibrated by
 * calibrate/diff.ts) — keyed `at dir src>dst flags len`, with listening ports kept and
 * ephemeral ones numbered eph1, eph2… in order of appearance; and the programs' own
 * decisions (`app` events, keyed by host, app and label). Both runs are put on scenario
 * time (the real run's t0 is a whole second of CLOCK_MONOTONIC, see ./clock.ts), aligned
 * by longest common subsequence (calibrate/diff.ts lcsPairs), and each matched pair must be
 * within the tolerance of the profiles involved (PROFILE_TOLERANCE: what each program's own
 * clock allows), plus a timer-wheel granularity for packets the kernel's timers send.
 * `from` (seconds of scenario time) leaves out what the model does not play, e.g. the SSH
 * key exchange.
 */
import type { PacketRecord, RunJson } from '../../src/scenarios/result.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { lcsPairs } from '../diff.ts';
import { CAPTURE_SLACK, wheelGranularity } from '../tolerance.ts';

/**
 * How precisely each profile can be held to its recording (seconds), and why. A program
 * that acts in whole seconds is still held to milliseconds once the model knows the phase
 * of its clock; what it cannot be held to is the latency of its own event loop.
 */
export const PROFILE_TOLERANCE: Record<string, { s: number; why: string }> = {
  'mosquitto-2.0': { s: 0.13, why: 'its main loop wakes at least every 100 ms (epoll_wait timeout 100 in mux_epoll.c) and the keepalive check runs at the first wake-up after the whole second; + 30 ms of scheduling' },
  'openssh-9.2': { s: 0.03, why: 'poll() deadlines at whole monotonic seconds, truncated to ms (misc.c ptimeout_get_ms); + 30 ms of scheduling' },
  'haproxy-2.6': { s: 0.03, why: 'millisecond ticks (now_ms) and one task-scheduler pass; + 30 ms of scheduling' },
  'dante-1.4': { s: 0.03, why: 'relays as data arrives, its keepalive is the kernel\'s; + 30 ms of scheduling' },
  'grpc-1.51': { s: 0.05, why: 'gRPC core timers in milliseconds, run by its own poller threads; + 30 ms of scheduling' },
  spec: { s: 0.03, why: 'the specification has no clock of its own: held to the harness\'s own timing (30 ms of scheduling)' },
};

export interface ProgramRow {
  key: string;
  real?: number;
  sim?: number;
  tol: number;
  verdict: 'ok' | 'late' | 'early' | 'missing-in-sim' | 'extra-in-sim';
}

export interface ProgramDiff {
  rows: ProgramRow[];
  mismatches: number;
  tolerance: number;
  profiles: string[];
  /** largest |real − sim| among matched rows (s) */
  worst: number;
}

export interface ProgramDiffOptions {
  /** compare only from this scenario time (s) */
  from?: number;
  /** override the tolerance (s) */
  tolerance?: number;
}

/** The profiles of a scenario's programs and proxy (spec-less kinds count as their model only). */
export function profilesOf(sc: Scenario): string[] {
  const out = new Set<string>();
  for (const a of sc.apps) if (a.program && 'profile' in a.program) out.add(String(a.program.profile));
  for (const m of sc.path.middleboxes) if (m.type === 'proxy') out.add(m.profile);
  return [...out];
}

export function toleranceOf(sc: Scenario): number {
  const ts = profilesOf(sc).map((p) => PROFILE_TOLERANCE[p]?.s ?? 0.01);
  return Math.max(0.01, ...ts) + CAPTURE_SLACK;
}

interface Item {
  key: string;
  t: number;
  timer: boolean;
}

const offsetOf = (run: RunJson): number => (run as { timeBase?: { scenarioOffset: number } }).timeBase?.scenarioOffset ?? 0;

function items(run: RunJson, vantage: readonly string[], listening: Set<number>, from: number): Item[] {
  const off = offsetOf(run);
  const eph = new Map<number, string>();
  const port = (p: number): string => {
    if (listening.has(p)) return String(p);
    if (!eph.has(p)) eph.set(p, `eph${eph.size + 1}`);
    return eph.get(p) as string;
  };
  const shown = (p: PacketRecord): boolean => p.len > 0 || /[SFR]/.test(p.flags) || p.kind === 'keepalive' || p.kind === 'keepalive-ack';
  const out: Item[] = [];
  for (const p of run.packets) {
    if (!vantage.includes(p.at) || p.side !== undefined || p.dropped) continue;
    const t = p.t + off;
    if (t < from || !shown(p)) continue;
    out.push({ t, key: `${p.at} ${p.dir} ${p.src}:${port(p.sport)}>${p.dst}:${port(p.dport)} ${p.flags} ${p.len}${p.kind ? ` ${p.kind}` : ''}`, timer: p.kind === 'keepalive' || p.kind === 'keepalive-ack' || p.kind === 'retransmission' || p.kind === 'loss-probe' });
  }
  for (const e of run.events) {
    if (e.kind !== 'app' || e.t + off < from) continue;
    const label = /^(\S+) ([A-Z_]+(?: [a-z_]+)?):/.exec(e.detail);
    out.push({ t: e.t + off, key: `${e.host ?? '?'} app ${label ? `${label[1]} ${label[2]}` : e.detail}`, timer: false });
  }
  return out.sort((a, b) => a.t - b.t);
}

export function listeningPorts(sc: Scenario): Set<number> {
  const ports = new Set<number>();
  for (const a of sc.apps) {
    if (a.program && 'port' in a.program && !('to' in a.program)) ports.add(a.program.port);
    for (const st of a.steps) if (st.call === 'listen') ports.add(st.port);
  }
  for (const m of sc.path.middleboxes) if (m.type === 'proxy') ports.add(m.listen).add(m.target.port);
  return ports;
}

export function diffPrograms(real: RunJson, sim: RunJson, o: ProgramDiffOptions = {}): ProgramDiff {
  const sc = sim.scenario;
  const vantage = sc.vantage && sc.vantage.length > 0 ? sc.vantage : Object.keys(sc.hosts);
  const ports = listeningPorts(sc);
  const from = o.from ?? 0;
  const end = Math.min(real.summary.endedAt + offsetOf(real), sim.summary.endedAt);
  // packets in one alignment; each program's decisions in another (a program logs its
  // decision after, or before, the packets it sends — the order between the two is noise)
  const cut = cutWindows(sc);
  const split = (xs: Item[]): [Item[], Item[]] => [xs.filter((x) => !x.key.includes(' app ') && !cut(x.t, x.key)), xs.filter((x) => x.key.includes(' app '))];
  const [pa, da] = split(items(real, vantage, ports, from).filter((x) => x.t <= end));
  const [pb, db] = split(items(sim, vantage, ports, from).filter((x) => x.t <= end));
  const tolerance = o.tolerance ?? toleranceOf(sc);
  const hz = real.hosts[Object.keys(real.hosts)[0] ?? '']?.hz || 250;
  // one alignment per connection (the order of packets of different connections a few ms
  // apart is noise) and per program's decisions
  const stream = (x: Item): string => (x.key.includes(' app ') ? x.key.split(' ').slice(0, 3).join(' ') : connOf(x.key));
  const groups = [...new Set([...pa, ...pb, ...da, ...db].map(stream))];
  const rows = groups.flatMap((g) => align([...pa, ...da].filter((x) => stream(x) === g), [...pb, ...db].filter((x) => stream(x) === g), tolerance, hz));
  rows.sort((x, y) => (x.real ?? x.sim ?? 0) - (y.real ?? y.sim ?? 0));
  const worst = Math.max(0, ...rows.filter((r) => r.real !== undefined && r.sim !== undefined).map((r) => Math.abs((r.real as number) - (r.sim as number))));
  return { rows, mismatches: rows.filter((r) => r.verdict !== 'ok').length, tolerance, profiles: profilesOf(sc), worst };
}

/**
 * While the path is cut, what leaves a host is TCP's loss recovery — the kernel
 * calibration's business (calibrate/diff.ts) — not the program's; the program's part is
 * when it gives up, which is a decision row. (Known kernel-model gap these recordings show:
 * Linux holds data written during RTO backoff, the simulator sends it and later coalesces
 * it into the retransmissions.)
 */
/** `broker client:eph1>broker:1883 …` -> `broker broker:1883|client:eph1`: one connection, either direction, at one vantage. */
function connOf(key: string): string {
  const [at, , ends] = key.split(' ');
  return `${at} ${(ends ?? '').split('>').sort().join('|')}`;
}

function cutWindows(sc: Scenario): (t: number, key: string) => boolean {
  const spans: [number, number][] = [];
  let open: number | null = null;
  for (const f of [...sc.faults].sort((a, b) => a.at - b.at)) {
    if (f.type === 'cut' && open === null) open = f.at / 1e6;
    if (f.type === 'restore' && open !== null) {
      spans.push([open, f.at / 1e6]);
      open = null;
    }
  }
  if (open !== null) spans.push([open, Infinity]);
  // beyond a proxy the cut is between the proxy and its target: the client's leg still
  // carries comparable packets (the seed 003 trap: its probes are still answered)
  const proxy = sc.path.middleboxes.find((m) => m.type === 'proxy');
  const hit = (key: string): boolean => !proxy || key.includes(`${proxy.target.host}:`);
  return (t, key) => hit(key) && spans.some(([a, b]) => t >= a && t < b);
}

function align(a: Item[], b: Item[], tolerance: number, hz: number): ProgramRow[] {
  const pairs = lcsPairs(a.map((x) => x.key), b.map((x) => x.key), (i, j) => Math.abs((a[i]?.t ?? 0) - (b[j]?.t ?? 0)));
  const rows: ProgramRow[] = [];
  let i = 0;
  let j = 0;
  const lastTimer = new Map<string, number>();
  for (const [pi, pj] of [...pairs, [a.length, b.length] as [number, number]]) {
    for (; i < pi; i++) rows.push({ key: (a[i] as Item).key, real: (a[i] as Item).t, tol: tolerance, verdict: 'missing-in-sim' });
    for (; j < pj; j++) rows.push({ key: (b[j] as Item).key, sim: (b[j] as Item).t, tol: tolerance, verdict: 'extra-in-sim' });
    const x = a[pi];
    const y = b[pj];
    if (!x || !y) break;
    // a kernel timer (probe, retransmission) may fire anywhere in its wheel bucket
    const sender = x.key.split(' ').slice(0, 3).join(' ');
    const tol = tolerance + (x.timer ? wheelGranularity(x.t - (lastTimer.get(sender) ?? 0), hz) : 0);
    if (x.timer) lastTimer.set(sender, x.t);
    const d = x.t - y.t;
    rows.push({ key: x.key, real: x.t, sim: y.t, tol, verdict: Math.abs(d) <= tol ? 'ok' : d > 0 ? 'late' : 'early' });
    i = pi + 1;
    j = pj + 1;
  }
  return rows;
}

/** The side-by-side table. */
export function renderProgramDiff(d: ProgramDiff, title: string): string {
  const f = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(6)).padStart(11);
  const lines = [title, `profiles: ${d.profiles.join(', ') || '(none)'}; tolerance ${(d.tolerance * 1000).toFixed(1)} ms (+ wheel granularity for kernel timers)`, `${'real'.padStart(11)} ${'sim'.padStart(11)} ${'Δ ms'.padStart(9)}  verdict         what`];
  for (const r of d.rows) {
    const delta = r.real !== undefined && r.sim !== undefined ? ((r.real - r.sim) * 1000).toFixed(1) : '';
    lines.push(`${f(r.real)} ${f(r.sim)} ${delta.padStart(9)}  ${r.verdict.padEnd(15)} ${r.key}`);
  }
  lines.push(d.mismatches === 0 ? `MATCH (${d.rows.length} rows, worst ${(d.worst * 1000).toFixed(1)} ms)` : `MISMATCH: ${d.mismatches} of ${d.rows.length} rows`);
  return lines.join('\n');
}
