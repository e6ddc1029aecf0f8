/**
 * Turn a run's trace into the `keepalive-lab/run@1` document (src/scenarios/result.ts).
 * Sequence numbers become relative the way tcpdump makes them: per direction, from the
 * first SYN seen for that flow.
 */
import type { PacketEvent, TraceEvent } from '../engine/trace.ts';
import type { CallRecord, EventRecord, PacketRecord, RunJson, Summary } from '../scenarios/result.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { flagString, SYN, type TcpPacket } from '../wire/segment.ts';
import type { World } from '../world.ts';
import { summarize } from './summary.ts';

export const TOOL = 'keepalive-lab 0.1.0';
const sec = (us: number): number => us / 1e6;

/**
 * Remembers each flow direction's ISNs so sequence numbers can be printed relative. A 4-tuple
 * can carry several connections (a SYN from a rebooted host reusing the old port while the
 * peer still holds the old connection): each number is taken relative to the ISN of the
 * connection it belongs to, i.e. the known ISN that puts it closest above (relIsn).
 */
export class SeqBook {
  private isn = new Map<string, number[]>();

  private key(src: string, sport: number, dst: string, dport: number): string {
    return `${src}:${sport}>${dst}:${dport}`;
  }

  see(p: TcpPacket): void {
    const s = p.seg;
    if (!(s.flags & SYN)) return;
    const k = this.key(p.src, s.sport, p.dst, s.dport);
    const known = this.isn.get(k);
    if (!known) this.isn.set(k, [s.seq]);
    else if (!known.includes(s.seq)) known.push(s.seq);
  }

  /** [relative seq, relative ack]; absolute when the flow's SYN was never seen. */
  rel(p: TcpPacket): [number, number] {
    const s = p.seg;
    const seq = relIsn(s.seq, this.isn.get(this.key(p.src, s.sport, p.dst, s.dport)));
    const ack = s.flags & 0x10 ? relIsn(s.ack, this.isn.get(this.key(p.dst, s.dport, p.src, s.sport))) : 0;
    return [seq, ack];
  }

  bases(p: TcpPacket): { seqBase: number; ackBase: number } | undefined {
    const s = p.seg;
    const fwd = this.isn.get(this.key(p.src, s.sport, p.dst, s.dport));
    const rev = this.isn.get(this.key(p.dst, s.dport, p.src, s.sport));
    if (fwd === undefined && rev === undefined) return undefined;
    return { seqBase: fwd ? (s.seq - relIsn(s.seq, fwd)) >>> 0 : 0, ackBase: rev ? (s.ack - relIsn(s.ack, rev)) >>> 0 : 0 };
  }
}

/** `n` relative to the ISN (of `isns`) it lies closest above; `n` itself when there is none. */
export function relIsn(n: number, isns: readonly number[] | undefined): number {
  if (!isns || isns.length === 0) return n;
  let best = Infinity;
  for (const i of isns) best = Math.min(best, (n - i) >>> 0);
  return best;
}

/** One captured TCP packet as a record (relative seq/ack from `book`, which must have seen the flow's SYN). */
export function packetRecord(world: World, book: SeqBook, e: PacketEvent & { pkt: TcpPacket }): PacketRecord {
  const p = e.pkt;
  book.see(p);
  const [seq, ack] = book.rel(p);
  const s = p.seg;
  const rec: PacketRecord = {
    t: sec(e.t), at: e.at, dir: e.dir, src: world.net.nameOf(p.src), dst: world.net.nameOf(p.dst),
    sport: s.sport, dport: s.dport, flags: flagString(s.flags), seq, ack, win: s.win, len: s.len,
  };
  if (p.tag) rec.kind = p.tag;
  if (e.dropped) rec.dropped = e.dropped;
  if (e.side) rec.side = e.side;
  return rec;
}

export function packetRecords(world: World, events: readonly TraceEvent[]): PacketRecord[] {
  const book = new SeqBook();
  const out: PacketRecord[] = [];
  for (const e of events) if (e.kind === 'packet' && e.pkt.proto === 'tcp') out.push(packetRecord(world, book, e as PacketEvent & { pkt: TcpPacket }));
  return out;
}

/** Socket calls with their results; a blocking call that never returned is listed as pending. */
export function callRecords(events: readonly TraceEvent[]): CallRecord[] {
  const out: CallRecord[] = [];
  const waiting = new Map<string, CallRecord>();
  for (const e of events) {
    if (e.kind === 'fault' && e.killsApps) {
      // the host's programs died with it: their blocked calls will never return
      for (const [k, r] of waiting) {
        if (r.host !== e.host) continue;
        waiting.delete(k);
        out.splice(out.indexOf(r), 1);
      }
      continue;
    }
    if (e.kind !== 'call') continue;
    const key = `${e.host}|${e.app}|${e.call}|${e.start}`;
    if (e.blocked) {
      const r: CallRecord = { t: sec(e.start), start: sec(e.start), host: e.host, app: e.app, call: e.call, pending: true };
      waiting.set(key, r);
      out.push(r);
      continue;
    }
    const w = waiting.get(key);
    if (w) {
      waiting.delete(key);
      out.splice(out.indexOf(w), 1);
    }
    const r: CallRecord = { t: sec(e.t), start: sec(e.start), host: e.host, app: e.app, call: e.call };
    if (e.args) r.args = e.args;
    if (e.result !== undefined) r.result = e.result;
    if (e.errno) r.errno = e.errno;
    out.push(r);
  }
  return out;
}

/** The `events` record of a trace event, or null for kinds the document keeps elsewhere (packets, calls). */
export function eventRecord(world: World, e: TraceEvent): EventRecord | null {
  switch (e.kind) {
    case 'state':
      return { t: sec(e.t), host: e.host, kind: 'state', detail: `${e.conn} ${e.from} -> ${e.to}` };
    case 'machine':
      return { t: sec(e.t), host: e.host, kind: 'keepalive', detail: `${e.conn} ${e.from} -> ${e.to}` };
    case 'timer':
      return { t: sec(e.t), host: e.host, kind: 'timer', detail: `${e.conn} ${e.timer} timer fired${e.detail ? ` (${e.detail})` : ''}` };
    case 'fault':
      return { t: sec(e.t), ...(e.host ? { host: e.host } : {}), kind: 'fault', detail: e.detail };
    case 'error':
      return { t: sec(e.t), host: e.host, kind: 'error', detail: `${e.conn} ${e.errno}: ${e.detail}` };
    case 'nat':
      return { t: sec(e.t), host: e.nat, kind: 'nat', detail: e.detail };
    case 'app':
      return { t: sec(e.t), host: e.host, kind: 'app', detail: `${e.app} ${e.what}: ${e.detail}` };
    case 'packet':
      if (e.pkt.proto === 'icmp') return { t: sec(e.t), host: e.at, kind: 'note', detail: `${e.dir} ICMP ${e.pkt.code} unreachable ${world.net.nameOf(e.pkt.src)} > ${world.net.nameOf(e.pkt.dst)}` };
      return null;
    default:
      return null;
  }
}

export function eventRecords(world: World, events: readonly TraceEvent[]): EventRecord[] {
  const out: EventRecord[] = [];
  for (const e of events) {
    const r = eventRecord(world, e);
    if (r) out.push(r);
  }
  return out;
}

export function buildRunJson(world: World, sc: Scenario, seed: number): RunJson {
  const events = world.sim.trace.events;
  const calls = callRecords(events);
  const packets = packetRecords(world, events);
  const hosts: RunJson['hosts'] = {};
  for (const h of world.net.hosts.values()) {
    hosts[h.name] = { ip: h.ip, os: h.profile.name, hz: h.tb.mode === 'exact' ? 0 : h.tb.hz, timer: h.tb.mode, jiffyPhaseUs: h.tb.phaseUs };
  }
  const summary: Summary = summarize(world, events);
  return { format: 'keepalive-lab/run@1', tool: TOOL, scenario: { ...sc, seed }, seed, hosts, packets, calls, events: eventRecords(world, events), summary };
}
