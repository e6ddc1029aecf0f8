/**
 * Everything an endpoint puts on the wire: ACKs, data, FIN, RST, keepalive probes.
 * Segments are built here from the control block; the retransmission timer is armed
 * by rtx.ts when sequence space goes out.
 */
import { ACK, FIN, PSH, RST, SYN, type PacketTag, type Segment } from '../wire/segment.ts';
import { seqAdd, seqGt } from '../wire/seq.ts';
import type { Conn } from './conn.ts';
import { armRtxAfterSend } from './rtx.ts';
import { ackSent } from './delack.ts';
import { checkProbeTimer, stopPersist } from './persist.ts';

/** Send one segment from this connection. */
export function emit(c: Conn, seq: number, flags: number, len = 0, tag?: PacketTag, opts?: 'none' | 'ts'): void {
  // An OS without timestamps (Windows default) sends no options on any segment; a probe may differ (XNU).
  const o = opts ?? (c.stack.profile.tcp.timestamps === false ? 'none' : undefined);
  const seg: Segment = {
    sport: c.lport,
    dport: c.rport,
    seq,
    ack: flags & ACK ? c.rcvNxt : 0,
    flags,
    win: flags & RST && !(flags & ACK) ? 0 : receiveWindow(c),
    len,
    ...(o ? { opts: o } : {}),
  };
  if (flags & ACK && c.delackTimer !== null) ackSent(c); // this segment carries the owed ACK
  c.stack.transmit(tag ? { proto: 'tcp', src: c.lip, dst: c.rip, seg, tag } : { proto: 'tcp', src: c.lip, dst: c.rip, seg });
}

/** A pure ACK at SND.NXT. */
export function sendAck(c: Conn, tag?: PacketTag): void {
  emit(c, c.sndNxt, ACK, 0, tag);
}

export function sendSyn(c: Conn, tag?: PacketTag): void {
  emit(c, c.iss, SYN, 0, tag);
}

export function sendSynAck(c: Conn, tag?: PacketTag): void {
  emit(c, c.iss, SYN | ACK, 0, tag);
}

/**
 * Send as much queued data (and the FIN, once the data is out) as the peer's window and
 * the congestion window allow. Linux puts the FIN on the last data segment when it is
 * still unsent (tcp_send_fin), so a write followed by close() goes out as [FP.].
 */
export function pushData(c: Conn): void {
  const mss = boundToHalfWindow(c, c.stack.profile.tcp.mss);
  // After an RTO the congestion window is one segment (tcp_enter_loss: cwnd = in flight + 1)
  // and the retransmission occupies it (tcp_cwnd_test): later writes wait in the send queue
  // until an ACK arrives, and the next RTO again resends only the head. A lone FIN is exempt.
  const lossLimited = c.inLoss && c.inFlight > 0;
  let sent = false;
  for (;;) {
    const unsent = c.unsent;
    const room = Math.min(c.sndWnd, c.cwnd) - c.inFlight;
    if (unsent > 0) {
      if (room <= 0 || lossLimited) break;
      const len = Math.min(unsent, mss, room);
      const last = len === unsent;
      let flags = ACK | (last ? PSH : 0);
      if (last && c.finQueued && c.finSeq === null) flags |= FIN;
      transmitNew(c, len, flags);
      sent = true;
      continue;
    }
    if (c.finQueued && c.finSeq === null) {
      transmitNew(c, 0, FIN | ACK);
      sent = true;
    }
    break;
  }
  if (sent) {
    stopPersist(c); // the RTO takes over the shared timer (tcp_event_new_data_sent)
    armRtxAfterSend(c);
  } else if (c.unsent > 0 && c.inFlight === 0) checkProbeTimer(c); // shut out by the window
}

/**
 * The window this end offers. With SO_RCVBUF set (the size locked, no autotuning) the buffer
 * holds the initial window of tcp_select_initial_window — half the buffer (the default
 * scaling_ratio), rounded down to whole MSS — and offers what its unread data leaves of it;
 * recorded for SO_RCVBUF 1024, 1500 and 3000 on 6.18 (docs/calibration.md). Otherwise the
 * profile's fixed window.
 */
export function receiveWindow(c: Conn): number {
  const buf = c.opts.rcvbuf;
  if (buf === undefined) return c.stack.profile.tcp.window;
  const mss = c.stack.profile.tcp.mss;
  let space = Math.floor(buf / 2);
  if (space > mss) space -= space % mss;
  const initial = Math.min(space, 65535, 10 * mss);
  return Math.max(0, initial - c.rcvBuf);
}

/** tcp_bound_to_half_wnd(): no segment larger than half the largest window the peer offered. */
function boundToHalfWindow(c: Conn, mss: number): number {
  const w = c.maxWindow;
  if (w === 0) return mss;
  const cutoff = w > 536 ? Math.floor(w / 2) : w; // TCP_MSS_DEFAULT
  return mss > cutoff ? Math.max(cutoff, 68 - 32) : mss;
}

function transmitNew(c: Conn, len: number, flags: number): void {
  const seq = c.sndNxt;
  if (seq === c.sndUna) c.headSentAt = c.sim.now;
  emit(c, seq, flags, len);
  c.lastSeg = { seq, len, flags };
  if (flags & FIN) c.finSeq = seqAdd(seq, len);
  c.sndNxt = seqAdd(seq, len + (flags & FIN ? 1 : 0));
  if (c.sndMax === null || seqGt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
  if (c.rttSample === null && c.retransmits === 0) c.rttSample = { end: c.sndNxt, t: c.sim.now };
}

/**
 * Keepalive probe (tcp_xmit_probe_skb): zero-length ACK with seq = SND.UNA − 1. The profile
 * may move it to SND.NXT − 1 with one 0x00 byte (Windows, os-profiles.md §3.3) or drop its
 * options (XNU tcp_respond: bare 20-byte header, §1.3).
 */
export function sendKeepaliveProbe(c: Conn): void {
  const ka = c.stack.profile.keepalive;
  const len = ka.probeLen;
  const seq = seqAdd(ka.probeSeq === 'nxt' ? c.sndNxt : c.sndUna, -1);
  emit(c, seq, ACK, len, 'keepalive', ka.probeOptions); // payload bytes are zero-filled in captures (0x00)
}

/** Active reset (tcp_send_active_reset): RST|ACK at SND.NXT, ACK = RCV.NXT. */
export function sendActiveReset(c: Conn): void {
  emit(c, c.sndNxt, RST | ACK, 0, 'reset');
}

/** BSD tcp_drop → tcp_output in CLOSED: RST|ACK with seq = SND.MAX (XNU tcp_output.c L2768; os-profiles.md §1.4). */
export function sendResetAtMax(c: Conn): void {
  const max = c.sndMax !== null && seqGt(c.sndMax, c.sndNxt) ? c.sndMax : c.sndNxt;
  emit(c, max, RST | ACK, 0, 'reset');
}
