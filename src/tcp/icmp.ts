/**
 * ICMP errors for a connection (tcp_v4_err, net/ipv4/tcp_ipv4.c; linux-keepalive.md §3).
 * The quoted sequence number must lie in [SND.UNA, SND.NXT] (so errors quoting a
 * keepalive probe, seq SND.UNA−1, are ignored). In SYN_SENT/SYN_RECV the error is hard:
 * connect() fails at once. Otherwise it is only remembered (sk_err_soft) and reported if
 * the connection later dies by timeout — EHOSTUNREACH instead of ETIMEDOUT. Net and host
 * unreachables also undo one RTO backoff step (RFC 6069).
 */
import type { IcmpPacket } from '../wire/segment.ts';
import { seqGe, seqLe } from '../wire/seq.ts';
import type { Conn } from './conn.ts';
import type { Errno } from './errno.ts';
import { tcpDone } from './close.ts';
import { revertRtoOnIcmp } from './rtx.ts';

// icmp_err_convert[]: net -> ENETUNREACH, host -> EHOSTUNREACH, port -> ECONNREFUSED.
const ICMP_ERRNO: Record<IcmpPacket['code'], Errno> = { net: 'ENETUNREACH', host: 'EHOSTUNREACH', port: 'ECONNREFUSED' };

export function icmpArrives(c: Conn, pkt: IcmpPacket): void {
  const q = pkt.quoted.seg.seq;
  if (!(seqGe(q, c.sndUna) && seqLe(q, c.sndNxt))) return; // OutOfWindowIcmps
  const errno = ICMP_ERRNO[pkt.code];
  if (c.state === 'SYN_SENT' || c.state === 'SYN_RECV') {
    tcpDone(c, errno, `ICMP ${pkt.code} unreachable`);
    return;
  }
  c.skErrSoft = errno;
  if (pkt.code === 'net' || pkt.code === 'host') revertRtoOnIcmp(c, q);
}
