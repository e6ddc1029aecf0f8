/**
 * Capture + application logs of a real-kernel run -> the run JSON contract (RunJson,
 * src/scenarios/result.ts), so a kernel run and a simulator run can be diffed field by field.
 *
 * Times are seconds relative to the moment the client's connect() returned (the first
 * successful connect of the run); `timeBase.scenarioOffset` says where that moment lies in
 * scenario time, so a reader can re-align to scenario time if needed.
 */
import type { CallRecord, EventRecord, PacketRecord, RunJson } from '../src/scenarios/result.ts';
import type { FaultSpec, Scenario } from '../src/scenarios/schema.ts';
import type { AppLogLine } from './apps.ts';
import { flagString, icmpName, TH, type RawIcmp, type RawTcp } from './pcap.ts';
import { relIsn } from '../src/report/json.ts';
import { buildSummary } from './summary.ts';

/** Where t = 0 of a kernel run lies. */
export interface TimeBase {
  origin: 'connect-return' | 'scenario-start';
  /** seconds of scenario time at t = 0 */
  scenarioOffset: number;
}

/**
 * One fault as the harness applied it, in run seconds (like every other time of the run).
 * Older fixtures lack these; calibrate/replay.ts reads their fault events instead.
 */
export interface RecordedFault {
  /** the scenario's `at` (s) this action was scheduled for (an icmp-unreachable's end: its `until`) */
  scheduled: number;
  /** when the harness began and finished applying it */
  start: number;
  end: number;
  /** a reboot: when the re-created host answered again (the router stopped dropping for it) */
  up?: number;
  /** the end of an icmp-unreachable (`until`) */
  undo?: boolean;
}

/** RunJson plus what only a real-kernel run knows. */
export interface KernelRunJson extends RunJson {
  kernel: { release: string; hz: number; python?: string };
  timeBase: TimeBase;
  faults?: RecordedFault[];
}

export interface AppResult {
  name: string;
  host: string;
  log: AppLogLine[];
  killedByFault: boolean;
}

export interface FaultResult {
  fault: FaultSpec;
  startUs: number;
  endUs: number;
  /** a reboot: when the router forwarded to the re-created host again */
  upUs?: number;
  /** the end of an icmp-unreachable */
  undo?: boolean;
  detail: string;
}

/** Everything a kernel run collected, in absolute µs since the epoch. */
export interface KernelRunData {
  scenario: Scenario;
  t0Us: number;
  endUs: number;
  hostIps: Record<string, string>;
  kernel: { release: string; hz: number; python?: string };
  /** packets per vantage host (the host whose interface tcpdump listened on) */
  packets: Record<string, RawTcp[]>;
  /** ICMP messages per vantage host */
  icmp: Record<string, RawIcmp[]>;
  /** the router's address, to name ICMP it sends */
  routerIp: string;
  /** other addresses with a name in the trace: a NAT's outside address -> its name (as the simulator names it) */
  aliases?: Record<string, string>;
  apps: AppResult[];
  faults: FaultResult[];
  notes: string[];
}

const flowKey = (p: RawTcp): string => `${p.srcIp}:${p.sport}>${p.dstIp}:${p.dport}`;
const reverseKey = (p: RawTcp): string => `${p.dstIp}:${p.dport}>${p.srcIp}:${p.sport}`;

/**
 * Initial sequence numbers of every flow direction, with the time each was first seen: the
 * seq of each distinct SYN any vantage saw (a reused 4-tuple carries several connections),
 * else the earliest seq seen. The simulator numbers the same way (src/report/json.ts SeqBook).
 */
export function initialSeqs(all: RawTcp[]): Map<string, { isn: number; tsUs: number }[]> {
  const isn = new Map<string, { isn: number; tsUs: number }[]>();
  const sorted = [...all].sort((a, b) => a.tsUs - b.tsUs);
  for (const p of sorted) {
    if (!(p.flags & TH.SYN)) continue;
    const list = isn.get(flowKey(p)) ?? [];
    if (!list.some((x) => x.isn === p.seq)) list.push({ isn: p.seq, tsUs: p.tsUs });
    isn.set(flowKey(p), list);
  }
  for (const p of sorted) if (!isn.has(flowKey(p))) isn.set(flowKey(p), [{ isn: p.seq, tsUs: p.tsUs }]);
  return isn;
}

/** `n` relative to the ISN known by `tsUs` that puts it closest above. */
function relative(n: number, list: { isn: number; tsUs: number }[] | undefined, tsUs: number): number {
  const known = (list ?? []).filter((x) => x.tsUs <= tsUs);
  return relIsn(n, known.length > 0 ? known.map((x) => x.isn) : list?.slice(0, 1).map((x) => x.isn));
}

/** Convert one vantage point's capture; `rel` maps absolute µs to run seconds. */
export function toPacketRecords(
  vantage: string,
  raw: RawTcp[],
  isn: Map<string, { isn: number; tsUs: number }[]>,
  ipToHost: (ip: string) => string,
  rel: (us: number) => number,
): PacketRecord[] {
  return raw.map((p) => {
    const src = ipToHost(p.srcIp);
    const rec: PacketRecord = {
      t: rel(p.tsUs),
      at: vantage,
      dir: src === vantage ? 'tx' : 'rx',
      src,
      dst: ipToHost(p.dstIp),
      sport: p.sport,
      dport: p.dport,
      flags: flagString(p.flags),
      seq: relative(p.seq, isn.get(flowKey(p)), p.tsUs),
      ack: p.flags & TH.ACK ? relative(p.ack, isn.get(reverseKey(p)), p.tsUs) : 0,
      win: p.win,
      len: p.len,
    };
    return rec;
  });
}

/**
 * Mark packets like Wireshark's TCP analysis, made exact for Linux:
 *  - keepalive: zero length (Linux never sends the one-garbage-octet variant,
 *    tcp_xmit_probe_skb), seq = next expected − 1 = peer's ack − 1 (SND.UNA − 1), no SYN/FIN/RST;
 *    Wireshark also accepts 1 byte, which would flag every retransmitted 1-byte write;
 *  - keepalive-ack: the first pure ACK the other side sends after a probe;
 *  - loss-probe: the first retransmission of data after new data was sent (Linux sends a tail
 *    loss probe first whenever SACK is on and the connection is in Open state; its PTO is
 *    capped by the RTO, tcp_schedule_loss_probe); later ones are retransmissions;
 *  - reset: any RST.
 * Works on one vantage point's packets in capture order; relative seq/ack must be set.
 */
export function classify(packets: PacketRecord[]): void {
  const next = new Map<string, number>();
  const acked = new Map<string, number>();
  const pendingProbe = new Map<string, boolean>();
  const probed = new Map<string, boolean>(); // a retransmission already happened since the last new data
  for (const p of packets) {
    const dirKey = `${p.src}:${p.sport}>${p.dst}:${p.dport}`;
    const revKey = `${p.dst}:${p.dport}>${p.src}:${p.sport}`;
    let kind = kindOf(p, next.get(dirKey), acked.get(dirKey), pendingProbe.get(revKey) === true);
    if (kind === 'retransmission' && p.len > 0 && probed.get(dirKey) === false) kind = 'loss-probe';
    if (kind !== undefined) p.kind = kind;
    pendingProbe.set(revKey, false);
    pendingProbe.set(dirKey, kind === 'keepalive');
    if (p.flags.includes('R')) continue;
    const end = p.seq + p.len + (p.flags.includes('S') ? 1 : 0) + (p.flags.includes('F') ? 1 : 0);
    if (p.len > 0 && end > (next.get(dirKey) ?? 0)) probed.set(dirKey, false);
    else if (kind === 'retransmission' || kind === 'loss-probe') probed.set(dirKey, true);
    next.set(dirKey, Math.max(next.get(dirKey) ?? 0, end));
    if (p.flags.includes('.')) acked.set(revKey, Math.max(acked.get(revKey) ?? 0, p.ack));
  }
}

function kindOf(p: PacketRecord, expected: number | undefined, una: number | undefined, answersProbe: boolean): PacketRecord['kind'] {
  const syn = p.flags.includes('S');
  const fin = p.flags.includes('F');
  if (p.flags.includes('R')) return 'reset';
  if (expected === undefined) return undefined;
  const probeShape = !syn && !fin && p.len === 0 && p.seq === expected - 1;
  if (probeShape && (una === undefined || p.seq === una - 1)) return 'keepalive';
  if ((p.len > 0 || syn || fin) && p.seq < expected) return 'retransmission';
  if (p.flags === '.' && p.len === 0 && answersProbe) return 'keepalive-ack';
  return undefined;
}

/** App log lines -> call records. A start with no end is a call still blocked at the horizon. */
export function toCallRecords(app: AppResult, rel: (us: number) => number): CallRecord[] {
  const out: CallRecord[] = [];
  let open: AppLogLine | null = null;
  const sec = (x: number | undefined): number => rel(Math.round((x ?? 0) * 1e6));
  const base = (l: AppLogLine): CallRecord => ({ t: 0, start: 0, host: app.host, app: app.name, call: l.call ?? '?', ...(l.args ? { args: l.args } : {}) });
  for (const l of app.log) {
    if (l.ev === 'start') open = l;
    if (l.ev !== 'end') continue;
    open = null;
    const rec: CallRecord = { ...base(l), t: sec(l.t), start: sec(l.start) };
    if (l.errno !== undefined) rec.errno = l.errno;
    else if (l.result !== undefined) rec.result = l.result;
    out.push(rec);
  }
  // A call blocked when a crash/reboot killed the program did not "remain pending at the end
  // of the run": the process is gone. Like the simulator, report nothing for it.
  if (open && !app.killedByFault) out.push({ ...base(open), t: sec(open.t), start: sec(open.t), pending: true });
  return out;
}

/** Absolute µs of the first successful connect() return, if any. */
export function connectReturnUs(apps: AppResult[]): number | undefined {
  const ends = apps.flatMap((a) => a.log).filter((l) => l.ev === 'end' && l.call === 'connect' && l.errno === undefined);
  const times = ends.map((l) => Math.round((l.t ?? 0) * 1e6));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** Build the full run JSON of a kernel run. */
export function toRunJson(d: KernelRunData): KernelRunJson {
  const anchorUs = connectReturnUs(d.apps) ?? d.t0Us;
  const rel = (us: number): number => Math.round(us - anchorUs) / 1e6;
  const byIp = new Map([...Object.entries(d.aliases ?? {}), ...Object.entries(d.hostIps).map(([h, ip]): [string, string] => [ip, h])]);
  const ipToHost = (ip: string): string => byIp.get(ip) ?? ip;
  const isn = initialSeqs(Object.values(d.packets).flat());
  const packets: PacketRecord[] = [];
  for (const [vantage, raw] of Object.entries(d.packets)) {
    const recs = toPacketRecords(vantage, raw, isn, ipToHost, rel);
    classify(recs);
    packets.push(...recs);
  }
  packets.sort((a, b) => a.t - b.t);
  const calls = d.apps.flatMap((a) => toCallRecords(a, rel)).sort((a, b) => a.t - b.t);
  const events = buildEvents(d, rel, (ip) => (ip === d.routerIp ? 'router' : ipToHost(ip)));
  const hosts = Object.fromEntries(
    Object.entries(d.hostIps).map(([h, ip]) => [h, { ip, os: 'linux', hz: d.kernel.hz, timer: 'linux' as const, jiffyPhaseUs: 0 }]),
  );
  return {
    format: 'keepalive-lab/run@1',
    tool: 'keepalive-lab calibrate (real kernel)',
    scenario: d.scenario,
    seed: d.scenario.seed,
    hosts,
    packets,
    calls,
    events,
    summary: buildSummary({ hosts: Object.keys(d.hostIps), packets, calls, faultAt: faultAt(d, rel), endedAt: rel(d.endUs) }),
    kernel: d.kernel,
    faults: d.faults.map((f) => ({
      scheduled: f.fault.at / 1e6,
      start: rel(f.startUs),
      end: rel(f.endUs),
      ...(f.upUs !== undefined ? { up: rel(f.upUs) } : {}),
      ...(f.undo ? { undo: true } : {}),
    })),
    timeBase: { origin: anchorUs === d.t0Us ? 'scenario-start' : 'connect-return', scenarioOffset: (anchorUs - d.t0Us) / 1e6 },
  };
}

function buildEvents(d: KernelRunData, rel: (us: number) => number, name: (ip: string) => string): EventRecord[] {
  const events: EventRecord[] = d.notes.map((n) => ({ t: rel(d.t0Us), kind: 'note' as const, detail: n }));
  // Same wording as the simulator's ICMP notes (src/report/json.ts eventRecords).
  for (const [host, list] of Object.entries(d.icmp)) {
    for (const m of list) {
      const dir = d.hostIps[host] === m.srcIp ? 'tx' : 'rx';
      events.push({ t: rel(m.tsUs), host, kind: 'note', detail: `${dir} ICMP ${icmpName(m.type, m.code)} ${name(m.srcIp)} > ${name(m.dstIp)}` });
    }
  }
  for (const f of d.faults) {
    const ms = ((f.endUs - f.startUs) / 1000).toFixed(1);
    const host = 'host' in f.fault ? f.fault.host : undefined;
    events.push({ t: rel(f.startUs), kind: 'fault', ...(host ? { host } : {}), detail: `${f.detail} (scheduled ${f.fault.at / 1e6} s, took ${ms} ms)` });
  }
  for (const a of d.apps) {
    if (!a.killedByFault) continue;
    const f = d.faults.find((x) => (x.fault.type === 'crash' || x.fault.type === 'reboot') && x.fault.host === a.host);
    events.push({ t: rel(f?.startUs ?? d.endUs), host: a.host, kind: 'note', detail: `app ${a.name} killed by the ${f?.fault.type ?? 'fault'}; its blocked call never returns` });
  }
  return events.sort((a, b) => a.t - b.t);
}

function faultAt(d: KernelRunData, rel: (us: number) => number): number | undefined {
  return d.faults.length > 0 ? rel(Math.min(...d.faults.map((f) => f.startUs))) : undefined;
}
