/**
 * Turn a run's trace into the `keepalive-lab/run@1` document (src/scenarios/result.ts).
 * Sequence numbers become relative the way tcpdump makes them: per direction, from the
 * first SYN seen for that flow.
 */
import type { TraceEvent } from '../engine/trace.ts';
import type { CallRecord, EventRecord, PacketRecord, RunJson, Summary } from '../scenarios/result.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { flagString, SYN, type TcpPacket } from '../wire/segment.ts';
import type { World } from '../world.ts';
import { summarize } from './summary.ts';

export const TOOL = 'keepalive-lab 0.1.0';
const sec = (us: number): number => us / 1e6;

/** Remembers each flow direction's ISN so sequence numbers can be printed relative. */
export class SeqBook {
  private isn = new Map<string, number>();

  private key(src: string, sport: number, dst: string, dport: number): string {
    return `${src}:${sport}>${dst}:${dport}`;
  }

  see(p: TcpPacket): void {
    const s = p.seg;
    const k = this.key(p.src, s.sport, p.dst, s.dport);
    if (s.flags & SYN) this.isn.set(k, s.seq);
  }

  /** [relative seq, relative ack]; absolute when the flow's SYN was never seen. */
  rel(p: TcpPacket): [number, number] {
    const s = p.seg;
    const fwd = this.isn.get(this.key(p.src, s.sport, p.dst, s.dport));
    const rev = this.isn.get(this.key(p.dst, s.dport, p.src, s.sport));
    const seq = fwd === undefined ? s.seq : (s.seq - fwd) >>> 0;
    const ack = s.flags & 0x10 ? (rev === undefined ? s.ack : (s.ack - rev) >>> 0) : 0;
    return [seq, ack];
  }

  bases(p: TcpPacket): { seqBase: number; ackBase: number } | undefined {
    const s = p.seg;
    const fwd = this.isn.get(this.key(p.src, s.sport, p.dst, s.dport));
    const rev = this.isn.get(this.key(p.dst, s.dport, p.src, s.sport));
    if (fwd === undefined && rev === undefined) return undefined;
    return { seqBase: fwd ?? 0, ackBase: rev ?? 0 };
  }
}

export function packetRecords(world: World, events: readonly TraceEvent[]): PacketRecord[] {
  const book = new SeqBook();
  const out: PacketRecord[] = [];
  for (const e of events) {
    if (e.kind !== 'packet' || e.pkt.proto !== 'tcp') continue;
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
    out.push(rec);
  }
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

export function eventRecords(world: World, events: readonly TraceEvent[]): EventRecord[] {
  const out: EventRecord[] = [];
  for (const e of events) {
    switch (e.kind) {
      case 'state':
        out.push({ t: sec(e.t), host: e.host, kind: 'state', detail: `${e.conn} ${e.from} -> ${e.to}` });
        break;
      case 'machine':
        out.push({ t: sec(e.t), host: e.host, kind: 'keepalive', detail: `${e.conn} ${e.from} -> ${e.to}` });
        break;
      case 'timer':
        out.push({ t: sec(e.t), host: e.host, kind: 'timer', detail: `${e.conn} ${e.timer} timer fired${e.detail ? ` (${e.detail})` : ''}` });
        break;
      case 'fault':
        out.push({ t: sec(e.t), ...(e.host ? { host: e.host } : {}), kind: 'fault', detail: e.detail });
        break;
      case 'error':
        out.push({ t: sec(e.t), host: e.host, kind: 'error', detail: `${e.conn} ${e.errno}: ${e.detail}` });
        break;
      case 'nat':
        out.push({ t: sec(e.t), host: e.nat, kind: 'nat', detail: e.detail });
        break;
      case 'app':
        out.push({ t: sec(e.t), host: e.host, kind: 'app', detail: `${e.app} ${e.what}: ${e.detail}` });
        break;
      case 'packet':
        if (e.pkt.proto === 'icmp')
          out.push({ t: sec(e.t), host: e.at, kind: 'note', detail: `${e.dir} ICMP ${e.pkt.code} unreachable ${world.net.nameOf(e.pkt.src)} > ${world.net.nameOf(e.pkt.dst)}` });
        break;
      default:
        break;
    }
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
  const records = eventRecords(world, events);
  const summary: Summary = summarize(world, events, packets, calls, records);
  return { format: 'keepalive-lab/run@1', tool: TOOL, scenario: { ...sc, seed }, seed, hosts, packets, calls, events: records, summary };
}
