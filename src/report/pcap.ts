/**
 * pcap / pcapng export: the packets one vantage point saw, as bytes Wireshark and tcpdump
 * open. Pure (no I/O, runs in a browser): returns the file as a Uint8Array.
 *
 * The simulator's packets carry no IP id, no options and often no payload bytes; what the
 * wire would have held is synthesised here like Linux does it (docs/pcap.md): IPv4 id per
 * sender, DF, TTL 64; MSS on SYNs; NOP NOP Timestamps on every segment except a RST
 * without ACK (Linux's socketless reset carries no options) with TSval = the sender's
 * clock in ms and TSecr = the last TSval that host received on the connection;
 * payload bytes zero-filled. Checksums are real, so tshark's checksum validation passes.
 */
import type { PacketEvent, TraceEvent } from '../engine/trace.ts';
import { ACK, RST, SYN, type IcmpPacket, type Packet, type Segment, type TcpPacket } from '../wire/segment.ts';

export interface PcapOptions {
  /** vantage point: a host name, or a middlebox name (`nat` for both sides, `nat:outside` for one) */
  at: string;
  format: 'pcap' | 'pcapng';
  /** raw = LINKTYPE_RAW 101 (IPv4 header first); ethernet = LINKTYPE_ETHERNET 1 (made-up MACs) */
  linktype?: 'raw' | 'ethernet';
  /** at a middlebox: only the packets seen on this interface */
  side?: 'inside' | 'outside';
}

const LINKTYPE = { raw: 101, ethernet: 1 } as const;
/** Linux advertises MTU 1500 − 40 on Ethernet (the profile's 1448 data MSS is this minus the 12-byte TS option) */
export const SYN_MSS = 1460;
const TTL = 64;
const SNAPLEN = 65535;

/** What the sender put on the wire beyond the simulator's packet. */
interface Wire {
  id: number;
  ts?: { val: number; ecr: number };
}

/** RFC 1071 Internet checksum over `bytes` (an odd last byte is padded with zero). */
export function internetChecksum(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += v.getUint16(i);
  if (bytes.length % 2) sum += v.getUint8(bytes.length - 1) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function addr(ip: string): number[] {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new RangeError(`pcap: not a dotted IPv4 address: ${ip}`);
  return p;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A 20-byte IPv4 header (no options) with its checksum. */
export function ipv4Header(o: { src: string; dst: string; proto: number; id: number; df: boolean; payloadLen: number }): Uint8Array {
  const h = new Uint8Array(20);
  const v = view(h);
  h[0] = 0x45; // version 4, IHL 5
  v.setUint16(2, 20 + o.payloadLen);
  v.setUint16(4, o.id & 0xffff);
  v.setUint16(6, o.df ? 0x4000 : 0);
  h[8] = TTL;
  h[9] = o.proto;
  h.set(addr(o.src), 12);
  h.set(addr(o.dst), 16);
  v.setUint16(10, internetChecksum(h));
  return h;
}

/** TCP header + options + payload, checksummed over the RFC 793 pseudo-header. */
export function tcpSegment(src: string, dst: string, seg: Segment, ts?: Wire['ts']): Uint8Array {
  const opts: number[] = [];
  if (seg.flags & SYN) opts.push(2, 4, SYN_MSS >> 8, SYN_MSS & 0xff);
  if (ts) opts.push(1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0);
  const hl = 20 + opts.length;
  const b = new Uint8Array(12 + hl + seg.len); // pseudo-header first, cut off at the end
  const v = view(b);
  b.set(addr(src), 0);
  b.set(addr(dst), 4);
  b[9] = 6;
  v.setUint16(10, hl + seg.len);
  const t = view(b.subarray(12));
  t.setUint16(0, seg.sport);
  t.setUint16(2, seg.dport);
  t.setUint32(4, seg.seq >>> 0);
  t.setUint32(8, seg.flags & ACK ? seg.ack >>> 0 : 0); // no ACK flag: ack field 0 (else tshark adds a Note)
  t.setUint8(12, (hl / 4) << 4);
  t.setUint8(13, seg.flags & 0x3f);
  t.setUint16(14, Math.min(seg.win, 0xffff));
  b.set(opts, 32);
  if (ts) {
    t.setUint32(hl - 8, ts.val >>> 0);
    t.setUint32(hl - 4, ts.ecr >>> 0);
  }
  if (seg.payload) b.set(seg.payload.subarray(0, seg.len), 12 + hl);
  t.setUint16(16, internetChecksum(b));
  return b.subarray(12);
}

const ICMP_CODE = { net: 0, host: 1, port: 3 } as const;

/** ICMP destination unreachable quoting the original's IP header and first 8 bytes (RFC 792). */
export function icmpUnreachable(p: IcmpPacket, quotedWire: Wire): Uint8Array {
  const q = p.quoted;
  const qTcp = tcpSegment(q.src, q.dst, q.seg, quotedWire.ts);
  const qIp = ipv4Header({ src: q.src, dst: q.dst, proto: 6, id: quotedWire.id, df: true, payloadLen: qTcp.length });
  const b = new Uint8Array(8 + 20 + 8);
  b[0] = 3;
  b[1] = ICMP_CODE[p.code];
  b.set(qIp, 8);
  b.set(qTcp.subarray(0, 8), 28);
  view(b).setUint16(2, internetChecksum(b));
  return b;
}

/** The IPv4 packet: header + TCP or ICMP. */
function ipPacket(pkt: Packet, w: Wire, quoted: Wire): Uint8Array {
  const body = pkt.proto === 'tcp' ? tcpSegment(pkt.src, pkt.dst, pkt.seg, w.ts) : icmpUnreachable(pkt, quoted);
  // Linux sends TCP with DF (PMTU discovery); its ICMP error socket does not set it
  const ip = ipv4Header({ src: pkt.src, dst: pkt.dst, proto: pkt.proto === 'tcp' ? 6 : 1, id: w.id, df: pkt.proto === 'tcp', payloadLen: body.length });
  return concat([ip, body]);
}

const mac = (ip: string): number[] => [0x02, 0x00, ...addr(ip)]; // locally administered, from the IP

function frame(ip: Uint8Array, pkt: Packet, linktype: 'raw' | 'ethernet'): Uint8Array {
  return linktype === 'raw' ? ip : concat([Uint8Array.from([...mac(pkt.dst), ...mac(pkt.src), 0x08, 0x00]), ip]);
}

/**
 * Assigns each packet its wire attributes once, when its sender transmits it, so every
 * vantage point (and a NAT's rewritten copy) shows the same IP id and timestamps.
 */
class Wires {
  private readonly byPkt = new WeakMap<Packet, Wire>();
  /** by content, with when it was made: a rewritten copy is seen within a path latency */
  private readonly bySig = new Map<string, Wire & { made: number }>();
  private lastSweep = 0;
  private readonly ids = new Map<string, number>();
  /** `host|local|remote` → last TSval received (Linux ts_recent) */
  private readonly recent = new Map<string, number>();

  see(e: PacketEvent): Wire {
    const p = e.pkt;
    const host = e.side === undefined;
    let w: Wire | undefined = host && e.dir === 'tx' ? undefined : (this.byPkt.get(p) ?? (p.proto === 'tcp' ? this.bySig.get(sig(p.seg)) : undefined));
    if (!w) w = this.originate(e, host && e.dir === 'tx');
    this.byPkt.set(p, w);
    if (p.proto === 'tcp') {
      const k = sig(p.seg);
      this.bySig.delete(k); // re-inserted last: the map stays ordered by when an entry was made
      this.bySig.set(k, { ...w, made: e.t });
    }
    // forget content matches older than a minute of virtual time (bounded memory on long runs)
    if (e.t - this.lastSweep > SIG_MEMORY_US) {
      this.lastSweep = e.t;
      for (const [k, v] of this.bySig) {
        if (e.t - v.made <= SIG_MEMORY_US) break;
        this.bySig.delete(k);
      }
    }
    if (host && e.dir === 'rx' && !e.dropped && p.proto === 'tcp' && w.ts) this.recent.set(connKey(e.at, p.dst, p.seg.dport, p.src, p.seg.sport), w.ts.val);
    return w;
  }

  /** Wire attributes of a quoted packet (ICMP): as sent if seen, else id 0 and no options. */
  quoted(p: TcpPacket): Wire {
    return this.byPkt.get(p) ?? this.bySig.get(sig(p.seg)) ?? { id: 0 };
  }

  private originate(e: PacketEvent, bySender: boolean): Wire {
    const p = e.pkt;
    const sender = bySender ? e.at : p.src;
    const id = (this.ids.get(sender) ?? 0) + 1;
    this.ids.set(sender, id);
    if (p.proto !== 'tcp') return { id };
    const s = p.seg;
    // a RST without ACK comes from tcp_v4_send_reset (no options); a middlebox's forged RST neither
    if (s.flags & RST && (!(s.flags & ACK) || !bySender)) return { id };
    // the sender's profile sent a bare header (XNU keepalive probe, Windows without timestamps: os-profiles.md §4)
    if (s.opts === 'none') return { id };
    const ecr = bySender && s.flags & ACK ? (this.recent.get(connKey(e.at, p.src, s.sport, p.dst, s.dport)) ?? 0) : 0;
    return { id, ts: { val: Math.floor(e.t / 1000) % 2 ** 32, ecr } };
  }
}

/** How long a packet's wire attributes can be found by its content (µs). */
const SIG_MEMORY_US = 60_000_000;

const sig = (s: Segment): string => `${s.seq}|${s.ack}|${s.flags}|${s.len}|${s.win}`;
const connKey = (host: string, lip: string, lport: number, rip: string, rport: number): string => `${host}|${lip}:${lport}|${rip}:${rport}`;

const TAG_TEXT = { keepalive: 'keepalive probe', 'keepalive-ack': 'keepalive ACK', retransmission: 'retransmission', 'loss-probe': 'tail loss probe', 'window-probe': 'zero-window probe', reset: 'reset' } as const;

/** The vantage points present in a trace: hosts, and `name:inside` / `name:outside` for middleboxes. */
export function vantagePoints(events: readonly TraceEvent[]): string[] {
  const s = new Set<string>();
  for (const e of events) if (e.kind === 'packet') s.add(e.side ? `${e.at}:${e.side}` : e.at);
  return [...s].sort();
}

/**
 * A capture written as the run goes (`run --stream --pcap`): the file header first, then one
 * record per packet seen at the vantage point, handed to `write` at once. What it keeps
 * grows with the number of connections and senders, not with time: wire attributes found by
 * content (a NAT's rewritten copy of a packet) are forgotten a minute of virtual time after
 * they were made, far longer than any path's latency.
 * Packets dropped by OUTPUT are left out (tcpdump would not see them); INPUT drops are kept
 * (capture precedes netfilter).
 */
export class PcapStream {
  private readonly at: string;
  private readonly side: string | undefined;
  private readonly linktype: 'raw' | 'ethernet';
  private readonly wires = new Wires();
  private readonly probes = new Map<string, number>();
  /** records written so far */
  count = 0;

  constructor(
    private readonly opts: PcapOptions,
    private readonly write: (bytes: Uint8Array) => void,
  ) {
    const [at, sideInAt] = opts.at.split(':') as [string, string | undefined];
    this.at = at;
    this.side = opts.side ?? sideInAt;
    if (this.side !== undefined && this.side !== 'inside' && this.side !== 'outside') throw new RangeError(`pcap: '${opts.at}': a middlebox side is inside or outside`);
    this.linktype = opts.linktype ?? 'raw';
    write(opts.format === 'pcap' ? pcapHeader(LINKTYPE[this.linktype]) : pcapngHeader(LINKTYPE[this.linktype], opts.at));
  }

  feed(e: TraceEvent): void {
    if (e.kind !== 'packet') return;
    const w = this.wires.see(e);
    if (e.at !== this.at || (this.side !== undefined && e.side !== this.side) || e.dropped === 'OUTPUT') return;
    const p = e.pkt;
    const data = frame(ipPacket(p, w, p.proto === 'icmp' ? this.wires.quoted(p.quoted) : { id: 0 }), p, this.linktype);
    this.write(this.opts.format === 'pcap' ? pcapRecord(e.t, data) : epb(e.t, data, comment(e, this.probes)));
    this.count++;
  }
}

/**
 * Write the packets seen at `opts.at` as a pcap or pcapng file (timestamps µs, virtual
 * time from 0). Throws RangeError for an unknown vantage point.
 */
export function toPcap(events: readonly TraceEvent[], opts: PcapOptions): Uint8Array {
  const [at, sideInAt] = opts.at.split(':') as [string, string | undefined];
  const side = opts.side ?? sideInAt;
  const points = vantagePoints(events);
  if ((side !== undefined && side !== 'inside' && side !== 'outside') || !points.some((p) => p === at || p.startsWith(`${at}:`))) {
    throw new RangeError(`pcap: no packets at '${opts.at}'; vantage points: ${points.join(', ') || 'none'}`);
  }
  const out: Uint8Array[] = [];
  const stream = new PcapStream(opts, (b) => out.push(b));
  for (const e of events) stream.feed(e);
  return concat(out);
}

/** pcapng comment: the sender's intent from the packet's tag, and any drop. */
function comment(e: PacketEvent, probes: Map<string, number>): string | undefined {
  const p = e.pkt;
  const parts: string[] = [];
  if (p.proto === 'tcp') {
    const fwd = `${p.src}:${p.seg.sport}>${p.dst}:${p.seg.dport}`;
    probes.delete(`${p.dst}:${p.seg.dport}>${p.src}:${p.seg.sport}`); // any ACK from the peer resets icsk_probes_out
    if (p.tag === 'keepalive') {
      const n = (probes.get(fwd) ?? 0) + 1;
      probes.set(fwd, n);
      parts.push(`keepalive probe #${n}`);
    } else if (p.tag) parts.push(TAG_TEXT[p.tag]);
  } else parts.push(`ICMP ${p.code} unreachable`);
  if (e.dropped) parts.push(e.dropped === 'INPUT' ? 'dropped by the INPUT firewall' : `dropped: ${e.dropped}`);
  return parts.length ? parts.join('; ') : undefined;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const b = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    b.set(p, o);
    o += p.length;
  }
  return b;
}

// ---- file formats (little-endian) ----

function pcapHeader(linktype: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = view(b);
  v.setUint32(0, 0xa1b2c3d4, true); // µs timestamps
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, linktype, true);
  return b;
}

function pcapRecord(t: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + data.length);
  const v = view(b);
  const us = Math.floor(t);
  v.setUint32(0, Math.floor(us / 1e6), true);
  v.setUint32(4, us % 1e6, true);
  v.setUint32(8, data.length, true);
  v.setUint32(12, data.length, true);
  b.set(data, 16);
  return b;
}

const utf8 = new TextEncoder();
const pad4 = (n: number): number => (n + 3) & ~3;

/** pcapng options: code, length, value padded to 32 bits, then opt_endofopt. */
function options(opts: readonly [number, Uint8Array][]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const b = new Uint8Array(opts.reduce((n, [, val]) => n + 4 + pad4(val.length), 4));
  const v = view(b);
  let o = 0;
  for (const [code, val] of opts) {
    v.setUint16(o, code, true);
    v.setUint16(o + 2, val.length, true);
    b.set(val, o + 4);
    o += 4 + pad4(val.length);
  }
  return b; // the last 4 bytes stay zero: opt_endofopt
}

/** A block: type, total length, body (padded), total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  const len = 12 + pad4(body.length);
  const b = new Uint8Array(len);
  const v = view(b);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  b.set(body, 8);
  v.setUint32(len - 4, len, true);
  return b;
}

function pcapngHeader(linktype: number, ifName: string): Uint8Array {
  const shb = new Uint8Array(16);
  const s = view(shb);
  s.setUint32(0, 0x1a2b3c4d, true); // byte-order magic
  s.setUint16(4, 1, true);
  s.setUint16(6, 0, true);
  s.setBigInt64(8, -1n, true); // section length unknown
  const idb = new Uint8Array(8);
  const i = view(idb);
  i.setUint16(0, linktype, true);
  i.setUint32(4, SNAPLEN, true);
  return concat([
    block(0x0a0d0d0a, concat([shb, options([[4, utf8.encode('keepalive-lab (simulated)')]])])),
    block(1, concat([idb, options([[2, utf8.encode(ifName)], [9, Uint8Array.of(6)]])])), // if_name, if_tsresol 10^-6
  ]);
}

function epb(t: number, data: Uint8Array, note: string | undefined): Uint8Array {
  const head = new Uint8Array(20);
  const v = view(head);
  v.setUint32(0, 0, true); // interface 0
  const us = Math.floor(t);
  v.setUint32(4, Math.floor(us / 2 ** 32), true);
  v.setUint32(8, us % 2 ** 32, true);
  v.setUint32(12, data.length, true);
  v.setUint32(16, data.length, true);
  const padded = new Uint8Array(pad4(data.length));
  padded.set(data);
  return block(6, concat([head, padded, options(note ? [[1, utf8.encode(note)]] : [])]));
}
