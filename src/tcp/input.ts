/**
 * Segment arrival, dispatched by state (gVisor dispatcher.go style): SYN_SENT,
 * SYN_RECV, and the synchronized states. Linux rules: tcp_rcv_state_process,
 * tcp_validate_incoming (RFC 5961 RST/SYN checks), tcp_ack, tcp_data_queue, tcp_fin.
 */
import { ACK, FIN, RST, SYN, type Segment } from '../wire/segment.ts';
import { seqAdd, seqDiff, seqGt, seqLt } from '../wire/seq.ts';
import type { Conn } from './conn.ts';
import { armTimeWait, enterTimeWait, finAcked, tcpDone, tcpReset } from './close.ts';
import { establish } from './establish.ts';
import { emit, pushData, sendAck } from './output.ts';
import { rearmAfterAck, rearmSynSoon, rttSample } from './rtx.ts';
import { RECEIVES_DATA } from './state.ts';
import { ackFin, dataReceived } from './delack.ts';
import { ackProbe } from './persist.ts';

/** Outcome for the host: 'reset' asks it to answer with a no-socket style RST (seq = SEG.ACK). */
export type InputResult = 'ok' | 'reset';

export function segmentArrives(c: Conn, s: Segment): InputResult {
  switch (c.state) {
    case 'SYN_SENT':
      return synSent(c, s);
    case 'SYN_RECV':
      return synRecv(c, s);
    case 'CLOSED':
    case 'LISTEN':
      return 'reset';
    default:
      return synchronized(c, s);
  }
}

/** RFC 9293 §3.10.7.3. */
function synSent(c: Conn, s: Segment): InputResult {
  const ackOk = (s.flags & ACK) !== 0 && s.ack === seqAdd(c.iss, 1);
  if (s.flags & ACK && !ackOk) {
    if (s.flags & RST) return 'ok';
    // tcp_rcv_synsent_state_process: an unacceptable ACK (a challenge ACK from a peer that still
    // holds this 4-tuple) gets a RST, and the SYN is resent TCP_TIMEOUT_MIN later ("Previous
    // FIN/ACK or RST/ACK might be ignored") if it was not retransmitted yet
    if (c.retransmits === 0) rearmSynSoon(c);
    return 'reset';
  }
  if (s.flags & RST) {
    if (ackOk) tcpReset(c);
    return 'ok';
  }
  if (!(s.flags & SYN) || !ackOk) return 'ok'; // simultaneous open is not modelled
  c.irs = s.seq;
  c.rcvNxt = seqAdd(s.seq, 1);
  c.sndUna = s.ack;
  c.sndWnd = s.win;
  c.maxWindow = Math.max(c.maxWindow, s.win);
  if (c.retransmits === 0) rttSample(c, c.sim.now - (c.rttSample?.t ?? c.sim.now));
  c.rttSample = null;
  sendAck(c); // the handshake's final ACK leaves before anything connect()'s caller writes
  establish(c);
  return 'ok';
}

/** The passive side before the final ACK (a Linux request socket). */
function synRecv(c: Conn, s: Segment): InputResult {
  if (s.flags & RST) {
    if (s.seq === c.rcvNxt) tcpDone(c, null, 'reset in SYN_RECV');
    return 'ok';
  }
  if (s.flags & SYN) {
    if (s.seq === c.irs) emit(c, c.iss, SYN | ACK, 0, 'retransmission');
    return 'ok';
  }
  if (!(s.flags & ACK)) return 'ok';
  if (s.ack !== seqAdd(c.iss, 1)) return 'reset';
  c.sndUna = s.ack;
  c.sndWnd = s.win;
  c.maxWindow = Math.max(c.maxWindow, s.win);
  if (c.synAckRetries === 0 && c.rttSample) rttSample(c, c.sim.now - c.rttSample.t);
  c.rttSample = null;
  establish(c);
  return synchronized(c, s);
}

/**
 * A segment for a connection in TIME_WAIT (tcp_timewait_state_process, the TIME_WAIT
 * substate): a RST ends it (tcp_rfc1337 = 0); a bare ACK at RCV.NXT only restarts the timer;
 * anything else — a retransmitted FIN, a probe — is answered with a duplicate ACK, at most one
 * per tcp_invalid_ratelimit (tcp_timewait_check_oow_rate_limit), and with ACK set restarts
 * the TCP_TIMEWAIT_LEN timer (inet_twsk_reschedule).
 */
function timeWait(c: Conn, s: Segment): InputResult {
  if (s.flags & RST) {
    tcpDone(c, null, 'RST in TIME_WAIT');
    return 'ok';
  }
  if (s.flags & ACK) armTimeWait(c);
  if (s.seq === c.rcvNxt && s.len === 0 && !(s.flags & (SYN | FIN))) return 'ok';
  oowAck(c, s);
  return 'ok';
}

function synchronized(c: Conn, s: Segment): InputResult {
  if (c.state === 'TIME_WAIT') return timeWait(c, s);
  // XNU/FreeBSD: t_rcvtime is set for every segment reaching the PCB, before validation (os-profiles.md §5.3)
  if (c.stack.profile.keepalive.idleFromAnySegment) {
    c.rcvTstamp = c.ticks();
    if (c.stack.profile.keepalive.rearmOnReceive) c.ka?.send({ type: 'KEEPIDLE_RESET' }); // XNU tcp_keepalive_reset
  }
  const seqLen = s.len + (s.flags & FIN ? 1 : 0);
  const end = seqAdd(s.seq, seqLen);
  // tcp_reset_check(): after the peer's FIN, a RST at RCV.NXT−1 (its FIN's number) is accepted
  // too, even though it is left of the window (tcp_validate_incoming checks it in both branches).
  const afterFin = c.finRcvd && (c.state === 'CLOSE_WAIT' || c.state === 'LAST_ACK' || c.state === 'CLOSING');
  if (s.flags & RST && afterFin && s.seq === seqAdd(c.rcvNxt, -1)) {
    tcpReset(c);
    return 'ok';
  }
  // tcp_sequence(): entirely below RCV.NXT (a keepalive probe) or beyond the window.
  if (seqLt(end, c.rcvNxt) || seqGt(s.seq, seqAdd(c.rcvNxt, c.stack.profile.tcp.window))) {
    if (!(s.flags & RST)) oowAck(c, s);
    return 'ok';
  }
  if (s.flags & RST) {
    // RFC 5961 §3.2: only an exact RCV.NXT resets; in-window otherwise -> challenge ACK.
    if (s.seq === c.rcvNxt) tcpReset(c);
    else challengeAck(c);
    return 'ok';
  }
  if (s.flags & SYN) {
    challengeAck(c); // RFC 5961 §4
    return 'ok';
  }
  if (!(s.flags & ACK)) return 'ok';
  if (!ackArrives(c, s)) return 'ok';
  if (c.done) return 'ok';
  // Data after close() (tcp_rcv_state_process, FIN_WAIT1/2 with RCV_SHUTDOWN): reset it.
  if (c.orphan && s.len > 0 && seqGt(seqAdd(s.seq, s.len), c.rcvNxt) && (c.state === 'FIN_WAIT_1' || c.state === 'FIN_WAIT_2')) {
    tcpDone(c, null, 'data after close');
    return 'reset';
  }
  dataArrives(c, s, end);
  return 'ok';
}

/** tcp_send_challenge_ack(): rate-limited per socket together with out-of-window dupACKs. */
function challengeAck(c: Conn): void {
  const now = c.sim.now;
  if (now - c.lastOowAck < c.stack.profile.tcp.invalidRatelimitUs) return;
  c.lastOowAck = now;
  sendAck(c);
}

/** Out-of-window segment: duplicate ACK, at most one per tcp_invalid_ratelimit. */
function oowAck(c: Conn, s: Segment): void {
  const now = c.sim.now;
  const pure = s.len === 0 && !(s.flags & (SYN | FIN));
  if (pure && now - c.lastOowAck < c.stack.profile.tcp.invalidRatelimitUs) return;
  c.lastOowAck = now;
  const probe = s.len <= 1 && s.seq === seqAdd(c.rcvNxt, -1) && !(s.flags & (SYN | FIN | RST));
  sendAck(c, probe ? 'keepalive-ack' : undefined);
}

/** tcp_ack(). Returns false when the segment must be dropped. */
function ackArrives(c: Conn, s: Segment): boolean {
  if (seqGt(s.ack, c.sndNxt)) {
    sendAck(c); // acks something never sent
    return false;
  }
  if (seqLt(s.ack, c.sndUna)) return true; // old ACK: ignore its ACK field, keep its data
  // An acceptable ACK: the peer is alive (rcv_tstamp), probes_out and soft errors reset.
  c.rcvTstamp = c.ticks();
  c.skErrSoft = null;
  if (c.probesOut > 0) {
    c.probesOut = 0;
    // The machine reads probes_out itself at its next firing; the event moves the shown state
    // probing -> idle at the moment of the answer. Sent whether or not a trace is watched, so
    // the machine's state is the same in traced and untraced runs.
    c.ka?.send({ type: 'PROBE_ANSWERED' });
  }
  const priorInFlight = c.inFlight;
  c.sndWnd = s.win;
  c.maxWindow = Math.max(c.maxWindow, s.win);
  if (priorInFlight === 0) ackProbe(c); // tcp_ack_probe: a shut window re-arms the persist timer
  const acked = seqDiff(s.ack, c.sndUna);
  if (acked === 0 && c.unsent > 0) pushData(c); // a window update may let queued data go
  if (acked > 0) {
    c.sndUna = s.ack;
    if (c.rttSample && !seqLt(s.ack, c.rttSample.end)) {
      rttSample(c, c.sim.now - c.rttSample.t);
      c.rttSample = null;
    }
    c.retransmits = 0;
    c.backoff = 0;
    c.retransStamp = null;
    c.cwnd += Math.min(acked, c.stack.profile.tcp.mss);
    if (c.inFlight === 0) c.inLoss = false;
    rearmAfterAck(c);
    if (c.finSeq !== null && s.ack === seqAdd(c.finSeq, 1)) finAcked(c);
    if (c.done) return false;
    pushData(c);
    c.wake();
  }
  return true;
}

function dataArrives(c: Conn, s: Segment, end: number): void {
  let fresh = 0;
  if (s.len > 0 && RECEIVES_DATA.has(c.state) && !c.finRcvd) {
    if (seqGt(s.seq, c.rcvNxt)) {
      sendAck(c); // out of order: no reassembly queue is modelled; the sender will resend
      return;
    }
    fresh = seqDiff(seqAdd(s.seq, s.len), c.rcvNxt);
    if (fresh > 0) {
      c.rcvNxt = seqAdd(c.rcvNxt, fresh);
      if (!c.rdShut) c.rcvBuf += fresh;
      dataReceived(c); // tcp_event_data_recv: the interarrival estimate, before lrcvtime moves
      c.lrcvtime = c.ticks();
    }
  }
  if (s.flags & FIN && end === seqAdd(c.rcvNxt, 1) && !c.finRcvd) {
    finArrives(c); // ACKs, then wakes the reader
    return;
  }
  // The ACK leaves in softirq context before the woken application can answer (real-kernel
  // calibration: the kernel ACKs at once, then the reply follows as its own segment).
  if (s.len > 0 || s.flags & FIN) sendAck(c); // new data, or a retransmission: ACK now
  if (fresh > 0) c.wake();
}

/** tcp_fin(). */
function finArrives(c: Conn): void {
  c.rcvNxt = seqAdd(c.rcvNxt, 1);
  c.finRcvd = true;
  c.rdShut = true;
  switch (c.state) {
    case 'ESTABLISHED':
      c.setState('CLOSE_WAIT');
      ackFin(c); // pingpong: the delayed-ACK timer, unless a reply carries it first (delack.ts)
      c.wake();
      return;
    case 'FIN_WAIT_1':
      c.setState('CLOSING');
      break;
    case 'FIN_WAIT_2':
      enterTimeWait(c);
      break;
    default:
      break;
  }
  sendAck(c);
  c.wake();
}
