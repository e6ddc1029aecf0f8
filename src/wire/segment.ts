/**
 * TCP segments and IP packets as immutable values (style.md rule 5): the wire knows
 * nothing about timers or states. Payload bytes are optional; lengths always count.
 */
import { formatSeconds } from '../scenarios/duration.ts';
import type { Micros } from '../engine/time.ts';
import { seqDiff, type Seq } from './seq.ts';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface Segment {
  readonly sport: number;
  readonly dport: number;
  readonly seq: Seq;
  readonly ack: Seq;
  readonly flags: number;
  readonly win: number;
  /** payload length in bytes */
  readonly len: number;
  readonly payload?: Uint8Array;
  /** TCP options in a capture when they differ from the Linux default (timestamps): `none` = bare header */
  readonly opts?: 'none' | 'ts';
}

export interface TcpPacket {
  readonly proto: 'tcp';
  readonly src: string;
  readonly dst: string;
  readonly seg: Segment;
  /** simulator bookkeeping for readers (not on the wire): what the sender meant */
  readonly tag?: PacketTag;
}

/** ICMP destination unreachable quoting the TCP header that caused it (RFC 792). */
export interface IcmpPacket {
  readonly proto: 'icmp';
  readonly src: string;
  readonly dst: string;
  readonly code: 'net' | 'host' | 'port';
  /** the offending packet as sent (its src is our host) */
  readonly quoted: TcpPacket;
}

export type Packet = TcpPacket | IcmpPacket;

export type PacketTag = 'keepalive' | 'keepalive-ack' | 'retransmission' | 'loss-probe' | 'window-probe' | 'reset';

/** Segment length in sequence space: payload + SYN + FIN. */
export const segSeqLen = (s: Segment): number => s.len + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);

/** tcpdump's flag string: F S R P then '.' for ACK (tcpdump print-tcp.c order). */
export function flagString(flags: number): string {
  let s = '';
  if (flags & FIN) s += 'F';
  if (flags & SYN) s += 'S';
  if (flags & RST) s += 'R';
  if (flags & PSH) s += 'P';
  if (flags & ACK) s += '.';
  return s === '' ? 'none' : s;
}

/** Bases for relative sequence numbers: the ISN of each direction, as tcpdump keeps them. */
export interface SeqBases {
  seqBase: Seq;
  ackBase: Seq;
}

/**
 * One line, like `tcpdump -n` with relative sequence numbers:
 * `12.345678 client.40000 > server.80: Flags [.], seq 0, ack 1, win 65535, length 0`.
 * Unlike tcpdump, `seq` is printed on pure ACKs too: a keepalive probe's seq = SND.UNA−1
 * is the point of many lessons.
 */
export function formatPacket(t: Micros, src: string, dst: string, s: Segment, bases?: SeqBases): string {
  const seq = bases ? seqDiff(s.seq, bases.seqBase) >>> 0 : s.seq;
  const seqText = s.len > 0 ? `${seq}:${(seq + s.len) >>> 0}` : String(seq);
  const parts = [`Flags [${flagString(s.flags)}]`, `seq ${seqText}`];
  if (s.flags & ACK) parts.push(`ack ${bases ? seqDiff(s.ack, bases.ackBase) >>> 0 : s.ack}`);
  parts.push(`win ${s.win}`, `length ${s.len}`);
  return `${formatSeconds(t)} ${src}.${s.sport} > ${dst}.${s.dport}: ${parts.join(', ')}`;
}

/** Build a segment; omitted fields are zero. */
export function segment(fields: Partial<Segment> & Pick<Segment, 'sport' | 'dport'>): Segment {
  return { seq: 0, ack: 0, flags: 0, win: 0, len: 0, ...fields };
}
