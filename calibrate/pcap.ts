/**
 * A minimal reader for the classic pcap files tcpdump -w writes: Ethernet (or Linux cooked)
 * frames carrying IPv4/TCP. Only the TCP header fields the run JSON needs are decoded.
 * Reading the binary file avoids depending on tcpdump's text format, which changes between
 * versions (relative vs absolute seq, option printing).
 */

/** One captured TCP segment, as raw numbers. */
export interface RawTcp {
  /** capture time, µs since the epoch (the kernel's stamp when the packet crossed the interface) */
  tsUs: number;
  srcIp: string;
  dstIp: string;
  sport: number;
  dport: number;
  /** TCP flag bits: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80 */
  flags: number;
  seq: number;
  ack: number;
  win: number;
  /** TCP payload length (from the IP total length, so it is right even with a short snaplen) */
  len: number;
}

/** One captured ICMP message (destination unreachable and friends). */
export interface RawIcmp {
  tsUs: number;
  srcIp: string;
  dstIp: string;
  type: number;
  code: number;
}

/** Everything decoded from one pcap file. */
export interface Capture {
  tcp: RawTcp[];
  icmp: RawIcmp[];
}

export const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;

/** Parse a whole pcap file; frames other than IPv4 TCP/ICMP are skipped. */
export function parsePcap(buf: Buffer): Capture {
  const out: Capture = { tcp: [], icmp: [] };
  if (buf.length < 24) return out;
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && !be) throw new Error('not a pcap file (bad magic)');
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0xffff;
  for (let off = 24; off + 16 <= buf.length; ) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const start = off + 16;
    off = start + incl;
    if (off > buf.length) break; // truncated last record (capture killed mid-write)
    const tsUs = sec * 1_000_000 + (nano ? Math.floor(frac / 1000) : frac);
    const pkt = decodeFrame(buf.subarray(start, start + incl), linktype, tsUs);
    if (pkt && 'sport' in pkt) out.tcp.push(pkt);
    else if (pkt) out.icmp.push(pkt);
  }
  return out;
}

function decodeFrame(f: Buffer, linktype: number, tsUs: number): RawTcp | RawIcmp | null {
  let ipOff: number;
  if (linktype === LINKTYPE_ETHERNET) {
    if (f.length < 14 || f.readUInt16BE(12) !== 0x0800) return null;
    ipOff = 14;
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    if (f.length < 16 || f.readUInt16BE(14) !== 0x0800) return null;
    ipOff = 16;
  } else {
    throw new Error(`pcap link type ${linktype} not supported`);
  }
  return decodeIpv4(f.subarray(ipOff), tsUs);
}

function decodeIpv4(ip: Buffer, tsUs: number): RawTcp | RawIcmp | null {
  if (ip.length < 20) return null;
  const vihl = ip.readUInt8(0);
  const proto = ip.readUInt8(9);
  if (vihl >> 4 !== 4) return null;
  const ihl = (vihl & 0x0f) * 4;
  if (proto === 1 && ip.length >= ihl + 2) {
    return { tsUs, srcIp: dotted(ip, 12), dstIp: dotted(ip, 16), type: ip.readUInt8(ihl), code: ip.readUInt8(ihl + 1) };
  }
  if (proto !== 6) return null;
  const total = ip.readUInt16BE(2);
  const t = ip.subarray(ihl);
  if (t.length < 20) return null;
  const doff = (t.readUInt8(12) >> 4) * 4;
  return {
    tsUs,
    srcIp: dotted(ip, 12),
    dstIp: dotted(ip, 16),
    sport: t.readUInt16BE(0),
    dport: t.readUInt16BE(2),
    seq: t.readUInt32BE(4),
    ack: t.readUInt32BE(8),
    flags: t.readUInt8(13),
    win: t.readUInt16BE(14),
    len: Math.max(0, total - ihl - doff),
  };
}

const dotted = (b: Buffer, o: number): string => [0, 1, 2, 3].map((i) => b.readUInt8(o + i)).join('.');

const UNREACH_CODES: Record<number, string> = { 0: 'net', 1: 'host', 3: 'port', 13: 'admin-prohibited' };

/** "host unreachable", "time exceeded", … for an ICMP type/code. */
export function icmpName(type: number, code: number): string {
  if (type === 3) return `${UNREACH_CODES[code] ?? `code ${code}`} unreachable`;
  if (type === 11) return 'time exceeded';
  return `type ${type} code ${code}`;
}

/** tcpdump's flag string: F S R P then '.' for ACK, in print-tcp.c's tcp_flag_values order. */
export function flagString(flags: number): string {
  const order: [number, string][] = [
    [TH.FIN, 'F'], [TH.SYN, 'S'], [TH.RST, 'R'], [TH.PSH, 'P'], [TH.ACK, '.'], [TH.URG, 'U'], [TH.ECE, 'E'], [TH.CWR, 'W'],
  ];
  const s = order.filter(([bit]) => (flags & bit) !== 0).map(([, c]) => c).join('');
  return s === '' ? 'none' : s;
}
