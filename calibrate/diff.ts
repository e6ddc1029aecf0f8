/**
 * Compare a real-kernel run with a simulated run of the same scenario (calibration, issues 10
 * and 18), row by row:
 *  - calls, per host: the same sequence of (call, errno | result, pending);
 *  - packets at each vantage point: the same sequence of (direction, flags, relative seq/ack,
 *    len, port roles);
 *  - every matched row at the same scenario time within one jiffy + CAPTURE_SLACK.
 * Sequences are aligned with a longest-common-subsequence match, so one extra or missing row
 * shows as one row instead of shifting everything after it.
 *
 * The one-jiffy tolerance is only fair when the simulator ran the scenario as the kernel did:
 * with the real programs' call times, the real fault times and the kernel's jiffy phase. That
 * is calibrate/replay.ts and calibrate/fit.ts; `calibrateRun` (fit.ts) does all three.
 */
import type { CallRecord, PacketRecord, RunJson } from '../src/scenarios/result.ts';
import { ERRNO } from '../src/tcp/errno.ts';
import { scenarioOffset } from './replay.ts';
import { tolerance } from './tolerance.ts';

export interface DiffOptions {
  /** CONFIG_HZ of the real run (default: its first host's hz, else 250) */
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
  /** scenario time, seconds */
  real?: number;
  sim?: number;
  /** real − sim, ms */
  deltaMs?: number;
  tolMs?: number;
  verdict: Verdict;
  /** the host whose own action this row is: the sender of a tx packet at its own vantage, or the caller */
  actor?: string;
}

export interface DiffResult {
  rows: DiffRow[];
  mismatches: number;
  notes: string[];
}

/** Events normalised for matching: key = what must be equal; t = scenario seconds. */
interface Item {
  key: string;
  cols: string[];
  t: number;
  actor?: string;
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

/** Compare two runs in scenario time; pure. */
export function diffRuns(real: RunJson, sim: RunJson, opts: DiffOptions = {}): DiffResult {
  const hz = opts.hz ?? Object.values(real.hosts)[0]?.hz ?? 250;
  const tol = tolerance(hz);
  const notes: string[] = [];
  const rows: DiffRow[] = [];
  const [or, os] = [scenarioOffset(real), scenarioOffset(sim)];
  const end = Math.min(real.summary.endedAt + or, sim.summary.endedAt + os);
  if (!opts.packetsOnly) {
    for (const host of unionHosts(real.calls, sim.calls)) {
      const r = callItems(real.calls.filter((c) => c.host === host), or, end);
      const s = callItems(sim.calls.filter((c) => c.host === host), os, end);
      rows.push(...compare('call', host, r, s, tol));
    }
  }
  for (const v of vantagePoints(real, sim, opts, notes)) {
    const r = packetItems(real, v, or, end);
    const s = packetItems(sim, v, os, end);
    rows.push(...compare('packet', v, r, s, tol));
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

/** Program steps that are not socket calls: the real program logs them, the simulator does not. */
const NOT_SOCKET_CALLS = new Set(['sleep']);

/** errno numbers to names (Linux): getsockopt(SO_ERROR) returns a number, which the real program prints as its name. */
const ERRNO_NAME = new Map<number, string>(Object.entries(ERRNO).filter(([n]) => !n.startsWith('WSA')).map(([n, v]): [number, string] => [v, n]));
const resultOf = (c: CallRecord): string => {
  const r = c.result;
  if (c.call === 'getsockopt' && c.args?.['name'] === 'SO_ERROR' && typeof r === 'number' && r !== 0) return ERRNO_NAME.get(r) ?? String(r);
  return String(r ?? '');
};

function callItems(calls: CallRecord[], off: number, end: number): Item[] {
  return [...calls]
    .filter((c) => c.t + off <= end + 1e-9 && !NOT_SOCKET_CALLS.has(c.call))
    .sort((a, b) => a.t - b.t)
    .map((c) => {
      const outcome = c.pending ? 'pending' : c.errno ?? `= ${resultOf(c)}`;
      return { key: `${c.call} ${outcome}`, cols: [c.call, outcome], t: c.t + off, actor: c.host };
    });
}

/**
 * The ports a scenario listens on, and ports a program binds explicitly, keep their number;
 * every other (ephemeral) port becomes eph1, eph2… in order of appearance, since the kernel
 * picks them at random.
 */
function portNamer(run: RunJson): (port: number) => string {
  const fixed = new Set(
    run.scenario.apps.flatMap((a) =>
      a.steps.flatMap((s) => (s.call === 'listen' ? [s.port] : s.call === 'connect' && 'localPort' in s && typeof s.localPort === 'number' ? [s.localPort] : [])),
    ),
  );
  const eph = new Map<number, string>();
  return (port) => {
    if (fixed.has(port)) return String(port);
    if (!eph.has(port)) eph.set(port, `eph${eph.size + 1}`);
    return eph.get(port) as string;
  };
}

function packetItems(run: RunJson, vantage: string, off: number, end: number): Item[] {
  const name = portNamer(run);
  return run.packets
    .filter((p) => p.at === vantage && visibleToTcpdump(p) && p.t + off <= end + 1e-9)
    .map((p) => {
      const dir = `${p.dir} ${p.src}>${p.dst}`;
      return {
        key: `${dir} ${name(p.sport)}>${name(p.dport)} ${p.flags} ${p.seq}:${p.ack} len ${p.len}`,
        cols: [dir, p.flags, String(p.seq), String(p.ack), String(p.len)],
        t: p.t + off,
        ...(p.dir === 'tx' && p.src === vantage ? { actor: vantage } : {}),
      };
    });
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

function compare(section: DiffRow['section'], where: string, r: Item[], s: Item[], tol: number): DiffRow[] {
  const pairs = lcsPairs(
    r.map((x) => x.key),
    s.map((x) => x.key),
    (i, j) => Math.abs((r[i] as Item).t - (s[j] as Item).t),
  );
  const rows: DiffRow[] = [];
  let [i, j] = [0, 0];
  for (const [pi, pj] of [...pairs, [r.length, s.length] as [number, number]]) {
    for (; i < pi; i++) rows.push(oneSided(section, where, r[i] as Item, 'real'));
    for (; j < pj; j++) rows.push(oneSided(section, where, s[j] as Item, 'sim'));
    if (pi === r.length && pj === s.length) break;
    rows.push(timed(section, where, r[pi] as Item, s[pj] as Item, tol));
    [i, j] = [pi + 1, pj + 1];
  }
  return rows;
}

function oneSided(section: DiffRow['section'], where: string, x: Item, side: 'real' | 'sim'): DiffRow {
  const base = { section, where, what: x.key, cols: x.cols, ...(x.actor ? { actor: x.actor } : {}) };
  return side === 'real' ? { ...base, real: x.t, verdict: 'missing-in-sim' } : { ...base, sim: x.t, verdict: 'extra-in-sim' };
}

/** A matched pair: the same scenario time within one jiffy + capture slack. */
function timed(section: DiffRow['section'], where: string, a: Item, b: Item, tol: number): DiffRow {
  const err = a.t - b.t;
  const row: DiffRow = { section, where, what: a.key, cols: a.cols, real: a.t, sim: b.t, deltaMs: ms(err), tolMs: ms(tol), verdict: 'ok', ...(a.actor ? { actor: a.actor } : {}) };
  if (Math.abs(err) > tol + 1e-9) row.verdict = err > 0 ? 'late' : 'early';
  return row;
}

const ms = (s: number): number => Math.round(s * 1e6) / 1e3;
