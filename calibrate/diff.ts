/**
 * Compare a real-kernel run with a simulated run of the same scenario (calibration, issue 10).
 *
 * Both runs are aligned on the client's connect() return (the first successful connect).
 * Then, per host:
 *  - calls: same sequence of (call, errno | result, pending); each return time within
 *    max(1 jiffy, G(t)) of the other (G = timer-wheel granularity, tolerance.ts);
 *  - packets at each vantage point: same sequence of (direction, flags, relative seq/ack,
 *    len, port roles); each packet's gap to the previous one within 1 jiffy when both are
 *    sent by a re-armed timer of the same wheel level, else within max(1 jiffy, G(gap)).
 * Sequences are aligned with a longest-common-subsequence match, so one extra or missing
 * packet shows as one row instead of shifting everything after it.
 */
import type { CallRecord, PacketRecord, RunJson } from '../src/scenarios/result.ts';
import { gapTolerance, wheelGranularity } from './tolerance.ts';

export interface DiffOptions {
  /** CONFIG_HZ for tolerances (default: the real run's first host's hz, else 250) */
  hz?: number;
  /** vantage points whose packets are compared (default: every host with packets in both runs) */
  vantage?: string[];
  /** skip the comparison of application calls */
  packetsOnly?: boolean;
}

export type Verdict = 'ok' | 'late' | 'early' | 'missing-in-sim' | 'extra-in-sim';

export interface DiffRow {
  section: 'call' | 'packet';
  /** vantage host (packets) or host (calls) */
  where: string;
  /** what both sides agree on, or the side that has it: "tx S. 0:1 len 0", "recv ETIMEDOUT" */
  what: string;
  /** display columns: packets [dir src>dst, flags, seq, ack, len]; calls [call, outcome] */
  cols: string[];
  real?: number;
  sim?: number;
  /** real − sim, aligned, in ms */
  deltaMs?: number;
  /** error of the measured gap (real gap − sim gap) in ms, for packets */
  gapErrMs?: number;
  tolMs?: number;
  verdict: Verdict;
}

export interface DiffResult {
  rows: DiffRow[];
  mismatches: number;
  notes: string[];
}

/** Events normalised for matching: key = what must be equal; t = aligned seconds. */
interface Item {
  key: string;
  cols: string[];
  t: number;
  /** sent by a timer re-armed from its own callback (keepalive/retransmission chain) */
  timer: boolean;
  /** previous packet of the same sender and flow (for re-armed timer gaps) */
  prevSame: number | undefined;
}

/** t of the first successful connect() return: the common origin of both runs. */
export function anchorOf(run: RunJson): number {
  const c = run.calls.find((x) => x.call === 'connect' && x.errno === undefined && x.pending !== true);
  return c?.t ?? 0;
}

/**
 * Whether tcpdump on the vantage interface would have seen a packet the simulator marks as
 * dropped. Convention for `dropped` (result.ts): a tx packet left the interface unless an
 * OUTPUT rule or a crash dropped it; an rx packet reached the interface only if what dropped
 * it was the host's INPUT chain or a crash (tcpdump taps before netfilter).
 */
export function visibleToTcpdump(p: PacketRecord): boolean {
  if (p.dropped === undefined) return true;
  if (p.dir === 'tx') return !/OUTPUT|crash/i.test(p.dropped);
  return /INPUT|crash/i.test(p.dropped);
}

/** Compare two runs; pure. */
export function diffRuns(real: RunJson, sim: RunJson, opts: DiffOptions = {}): DiffResult {
  const hz = opts.hz ?? Object.values(real.hosts)[0]?.hz ?? 250;
  const notes: string[] = [];
  const rows: DiffRow[] = [];
  const [ar, as] = [anchorOf(real), anchorOf(sim)];
  const end = Math.min(real.summary.endedAt - ar, sim.summary.endedAt - as);
  if (!opts.packetsOnly) {
    for (const host of unionHosts(real.calls, sim.calls)) {
      const r = callItems(real.calls.filter((c) => c.host === host), ar);
      const s = callItems(sim.calls.filter((c) => c.host === host), as);
      rows.push(...compare('call', host, r, s, hz));
    }
  }
  for (const v of vantagePoints(real, sim, opts, notes)) {
    const r = packetItems(real, v, ar, end);
    const s = packetItems(sim, v, as, end);
    rows.push(...compare('packet', v, r, s, hz));
  }
  return { rows, mismatches: rows.filter((x) => x.verdict !== 'ok').length, notes };
}

function unionHosts(a: CallRecord[], b: CallRecord[]): string[] {
  return [...new Set([...a, ...b].map((c) => c.host))];
}

function vantagePoints(real: RunJson, sim: RunJson, opts: DiffOptions, notes: string[]): string[] {
  const inReal = new Set(real.packets.map((p) => p.at));
  const inSim = new Set(sim.packets.map((p) => p.at));
  if (opts.vantage) return opts.vantage;
  for (const v of inReal) if (!inSim.has(v)) notes.push(`vantage ${v}: the simulator recorded no packets there; not compared`);
  for (const v of inSim) if (!inReal.has(v)) notes.push(`vantage ${v}: the kernel capture has no packets there; not compared`);
  return [...inReal].filter((v) => inSim.has(v));
}

function callItems(calls: CallRecord[], anchor: number): Item[] {
  return [...calls]
    .sort((a, b) => a.t - b.t)
    .map((c) => {
      const outcome = c.pending ? 'pending' : c.errno ?? `= ${String(c.result ?? '')}`;
      return { key: `${c.call} ${outcome}`, cols: [c.call, outcome], t: c.t - anchor, timer: false, prevSame: undefined };
    });
}

/**
 * The ports a scenario listens on keep their number; every other (ephemeral) port becomes
 * eph1, eph2… in order of appearance, since the kernel picks them at random.
 */
function portNamer(run: RunJson): (port: number) => string {
  const listen = new Set(run.scenario.apps.flatMap((a) => a.steps.flatMap((s) => (s.call === 'listen' ? [s.port] : []))));
  const eph = new Map<number, string>();
  return (port) => {
    if (listen.has(port)) return String(port);
    if (!eph.has(port)) eph.set(port, `eph${eph.size + 1}`);
    return eph.get(port) as string;
  };
}

function packetItems(run: RunJson, vantage: string, anchor: number, end: number): Item[] {
  const name = portNamer(run);
  const pkts = run.packets.filter((p) => p.at === vantage && visibleToTcpdump(p) && p.t - anchor <= end + 1e-9);
  const lastBySender = new Map<string, number>();
  const items: Item[] = [];
  pkts.forEach((p, i) => {
    const flow = `${p.src}>${p.dst}:${name(p.sport)}>${name(p.dport)}`;
    const prevSame = lastBySender.get(flow);
    const dir = `${p.dir} ${p.src}>${p.dst}`;
    items.push({
      key: `${dir} ${name(p.sport)}>${name(p.dport)} ${p.flags} ${p.seq}:${p.ack} len ${p.len}`,
      cols: [dir, p.flags, String(p.seq), String(p.ack), String(p.len)],
      t: p.t - anchor,
      timer: timerDriven(p, prevSame === undefined ? undefined : pkts[prevSame]),
      prevSame,
    });
    lastBySender.set(flow, i);
  });
  return items;
}

/**
 * Sent from a timer callback: probes and retransmissions (tcp_keepalive_timer,
 * tcp_retransmit_timer), and the RST|ACK of keepalive death, which follows a probe.
 */
function timerDriven(p: PacketRecord, prevSame: PacketRecord | undefined): boolean {
  if (p.kind === 'keepalive' || p.kind === 'retransmission' || p.kind === 'loss-probe') return true;
  return p.kind === 'reset' && prevSame?.kind === 'keepalive';
}

/**
 * Longest common subsequence of keys: pairs of indices (a, b), in order. Among alignments of
 * equal length the one with the smallest total `dist` wins, so an extra keepalive probe (all
 * probes have the same key) is reported as the one that is out of place in time.
 */
export function lcsPairs(a: readonly string[], b: readonly string[], dist: (i: number, j: number) => number = () => 0): [number, number][] {
  const n = a.length;
  const m = b.length;
  // best[i][j] = [matches, cost] of the suffixes a[i..], b[j..]
  const best: [number, number][][] = Array.from({ length: n + 1 }, () => Array.from({ length: m + 1 }, (): [number, number] => [0, 0]));
  const at = (i: number, j: number): [number, number] => best[i]?.[j] ?? [0, 0];
  const better = (x: [number, number], y: [number, number]): boolean => x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  const take = (i: number, j: number): [number, number] => {
    const [k, c] = at(i + 1, j + 1);
    return [k + 1, c + dist(i, j)];
  };
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      let v = better(at(i + 1, j), at(i, j + 1)) ? at(i + 1, j) : at(i, j + 1);
      if (a[i] === b[j] && !better(v, take(i, j))) v = take(i, j);
      (best[i] as [number, number][])[j] = v;
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    const here = at(i, j);
    if (a[i] === b[j] && same(take(i, j), here)) pairs.push([i++, j++]);
    else if (same(at(i + 1, j), here)) i++;
    else j++;
  }
  return pairs;
}

const same = (x: [number, number], y: [number, number]): boolean => x[0] === y[0] && Math.abs(x[1] - y[1]) < 1e-12;

function compare(section: DiffRow['section'], where: string, r: Item[], s: Item[], hz: number): DiffRow[] {
  const pairs = lcsPairs(r.map((x) => x.key), s.map((x) => x.key), (i, j) => Math.abs((r[i] as Item).t - (s[j] as Item).t));
  const rows: DiffRow[] = [];
  const matched = new Map(pairs);
  let [i, j] = [0, 0];
  let prev: [number, number] | undefined;
  for (const [pi, pj] of [...pairs, [r.length, s.length] as [number, number]]) {
    for (; i < pi; i++) rows.push(oneSided(section, where, r[i] as Item, 'real'));
    for (; j < pj; j++) rows.push(oneSided(section, where, s[j] as Item, 'sim'));
    if (pi === r.length && pj === s.length) break;
    rows.push(timed(section, where, r, s, [pi, pj], prev, matched, hz));
    prev = [pi, pj];
    [i, j] = [pi + 1, pj + 1];
  }
  return rows;
}

function oneSided(section: DiffRow['section'], where: string, x: Item, side: 'real' | 'sim'): DiffRow {
  return side === 'real'
    ? { section, where, what: x.key, cols: x.cols, real: x.t, verdict: 'missing-in-sim' }
    : { section, where, what: x.key, cols: x.cols, sim: x.t, verdict: 'extra-in-sim' };
}

/**
 * Time check of one matched pair. Calls: absolute aligned time, tolerance max(jiffy, G(t)).
 * Packets: the gap since the previous matched packet (or, for a re-armed timer, since the
 * same sender's previous packet of the chain), tolerance per gapTolerance().
 */
function timed(
  section: DiffRow['section'],
  where: string,
  r: Item[],
  s: Item[],
  [pi, pj]: [number, number],
  prev: [number, number] | undefined,
  matched: Map<number, number>,
  hz: number,
): DiffRow {
  const a = r[pi] as Item;
  const b = s[pj] as Item;
  const row: DiffRow = { section, where, what: a.key, cols: a.cols, real: a.t, sim: b.t, deltaMs: ms(a.t - b.t), verdict: 'ok' };
  let err = a.t - b.t;
  let tol = gapTolerance(b.t, hz, false);
  if (section === 'packet' && prev) {
    const [ri, si] = chainBase(r, s, pi, pj, prev, matched);
    const gapR = a.t - (r[ri] as Item).t;
    const gapS = b.t - (s[si] as Item).t;
    err = gapR - gapS;
    const d = nominal(gapR, gapS, hz);
    tol = gapTolerance(d, hz, alignedRearm(r, s, [pi, pj], [ri, si], d, hz));
    row.gapErrMs = ms(err);
  }
  row.tolMs = ms(tol);
  if (Math.abs(err) > tol + 1e-9) row.verdict = err > 0 ? 'late' : 'early';
  return row;
}

/** Reference packet for a gap: the sender's previous packet when it is timer-driven and matched on both sides. */
function chainBase(r: Item[], s: Item[], pi: number, pj: number, prev: [number, number], matched: Map<number, number>): [number, number] {
  const a = r[pi] as Item;
  const b = s[pj] as Item;
  if (a.timer && a.prevSame !== undefined && b.prevSame !== undefined && matched.get(a.prevSame) === b.prevSame) {
    return [a.prevSame, b.prevSame];
  }
  return prev;
}

/**
 * A gap is an aligned re-arm when this packet and its chain base were both sent by timers,
 * and the base's own timer ran at a bucket boundary at least as coarse as this gap's level.
 */
function alignedRearm(r: Item[], s: Item[], [pi, pj]: [number, number], [ri, si]: [number, number], d: number, hz: number): boolean {
  const a = r[pi] as Item;
  const b = s[pj] as Item;
  const baseR = r[ri] as Item;
  const baseS = s[si] as Item;
  if (!a.timer || !baseR.timer || a.prevSame !== ri || b.prevSame !== si) return false;
  if (baseR.prevSame === undefined || baseS.prevSame === undefined) return false;
  const baseD = nominal(baseR.t - (r[baseR.prevSame] as Item).t, baseS.t - (s[baseS.prevSame] as Item).t, hz);
  return wheelGranularity(baseD, hz) >= wheelGranularity(d, hz);
}

/**
 * Best estimate of a timer's nominal length from two measured firings: each lies in
 * [d + 1, d + G] jiffies (§6), so min − 1 jiffy is closest to d. Using the measured gap
 * would put e.g. a 2 s RTO (500 J, level 1) measured as 504 J into level 2.
 */
function nominal(gapR: number, gapS: number, hz: number): number {
  return Math.max(0, Math.min(gapR, gapS) - 1 / hz);
}

const ms = (s: number): number => Math.round(s * 1e6) / 1e3;
