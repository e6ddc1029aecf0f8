/**
 * Retransmission: the RTT estimator, the retransmit timer (RTO and Linux's tail loss
 * probe share it, as icsk_retransmit_timer), and death by retransmission timeout.
 * Linux rules: linux-keepalive.md §3 (net/ipv4/tcp_timer.c tcp_retransmit_timer,
 * tcp_write_timeout, retransmits_timed_out; tcp_output.c tcp_schedule_loss_probe).
 */
import { modelTimeoutUs } from '../os/linux/profile.ts';
import type { RtoPolicy } from '../os/profile.ts';
import { rexmtValUs, rtoAtShiftUs } from '../os/rto.ts';
import type { Conn } from './conn.ts';
import { tcpDone } from './close.ts';
import { emit, sendSyn, sendSynAck } from './output.ts';
import { seqAdd } from '../wire/seq.ts';
import { ACK, FIN, PSH } from '../wire/segment.ts';

/** RTO in ticks from the estimator: SRTT + max(4·RTTVAR, RTO_MIN) (tcp_set_rto, RFC 6298 (2.3)). */
export function computeRto(c: Conn): number {
  const p = c.stack.profile.tcp;
  const pol = c.stack.profile.rto;
  if (pol) return c.stack.tb.usecs(rtoAtShiftUs(pol, rexmtValUs(pol, c.srttUs, c.rttvarUs), 0)); // TCPT_RANGESET
  if (c.srttUs === 0) return c.stack.tb.usecs(p.rtoInitUs);
  // tcp_rto_min(): the route's or net.ipv4.tcp_rto_min_us (6.11+); TLP and tcp_retries2 keep TCP_RTO_MIN
  const us = Math.min(p.rtoMaxUs, c.srttUs + Math.max(4 * c.rttvarUs, c.stack.sysctl.tcp_rto_min_us ?? p.rtoMinUs));
  return c.stack.tb.usecs(us);
}

/** Feed one RTT measurement (tcp_rtt_estimator; first sample: SRTT = R, RTTVAR = R/2). */
export function rttSample(c: Conn, rUs: number): void {
  const r = Math.max(1, rUs);
  if (c.srttUs === 0) {
    c.srttUs = r;
    c.rttvarUs = r / 2;
  } else {
    c.rttvarUs = 0.75 * c.rttvarUs + 0.25 * Math.abs(c.srttUs - r);
    c.srttUs = 0.875 * c.srttUs + 0.125 * r;
  }
  c.rto = computeRto(c);
}

function arm(c: Conn, kind: 'rto' | 'tlp', ticks: number): void {
  c.sim.cancel(c.rtxTimer);
  c.rtxKind = kind;
  const at = c.stack.tb.fireTime(c.sim.now, Math.max(1, ticks));
  c.rtxTimer = c.sim.at(at, () => onRtxTimer(c));
}

export function stopRtx(c: Conn): void {
  c.sim.cancel(c.rtxTimer);
  c.rtxTimer = null;
  c.rtxKind = null;
}

/** After new sequence space was sent: schedule a loss probe, else make sure an RTO is armed. */
export function armRtxAfterSend(c: Conn): void {
  if (scheduleLossProbe(c, false)) return;
  if (c.rtxTimer === null) arm(c, 'rto', clampToUserTimeout(c, c.rto));
}

/** On an ACK that advanced SND.UNA (tcp_set_xmit_timer): re-arm or stop. */
export function rearmAfterAck(c: Conn): void {
  if (c.inFlight === 0) {
    stopRtx(c);
    return;
  }
  if (!scheduleLossProbe(c, true)) arm(c, 'rto', clampToUserTimeout(c, c.rto));
}

/**
 * tcp_schedule_loss_probe(): PTO = 2·SRTT, plus RTO_MIN when a single segment is out
 * (room for a delayed ACK), else plus 2 jiffies; never later than the RTO would fire — the
 * full RTO from now after an ACK (advancing_rto), else the head's RTO (tcp_rto_delta_us).
 * Re-armed at every send and every ACK, as the kernel does.
 */
function scheduleLossProbe(c: Conn, advancingRto: boolean): boolean {
  const p = c.stack.profile.tcp;
  const early = c.stack.sysctl.tcp_early_retrans;
  if (!p.tailLossProbe || (early !== undefined && early !== 3 && early !== 4) || c.inLoss || c.srttUs === 0) return false;
  // no TCP-state condition in tcp_schedule_loss_probe: a FIN in LAST_ACK or FIN_WAIT_1 gets a
  // loss probe too (calibrate: time-wait-fin-retransmit); SYN_SENT/SYN_RECV have no RTT sample
  if (c.state === 'SYN_SENT' || c.state === 'SYN_RECV') return false;
  const tb = c.stack.tb;
  const single = c.inFlight <= p.mss;
  let pto = tb.usecs(2 * c.srttUs) + (single ? tb.usecs(p.rtoMinUs) : tb.usecs(2 * (1e6 / tb.hz)));
  const rtoDelta = advancingRto ? c.rto : c.rto - tb.usecs(Math.max(0, c.sim.now - c.headSentAt));
  if (rtoDelta > 0) pto = Math.min(pto, rtoDelta);
  arm(c, 'tlp', pto);
  return true;
}

/** tcp_clamp_rto_to_user_timeout(): never sleep past TCP_USER_TIMEOUT. */
function clampToUserTimeout(c: Conn, rto: number): number {
  const ut = c.opts.userTimeout;
  if (ut <= 0 || c.retransStamp === null) return rto;
  const remainingUs = ut * 1000 - (c.sim.now - c.retransStamp);
  if (remainingUs <= 0) return 1;
  return Math.min(rto, Math.max(1, c.stack.tb.usecs(remainingUs)));
}

function onRtxTimer(c: Conn): void {
  c.rtxTimer = null;
  const kind = c.rtxKind;
  c.rtxKind = null;
  if (c.done) return;
  if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: kind === 'tlp' ? 'loss-probe' : c.state === 'SYN_SENT' ? 'syn' : 'rto' });
  if (kind === 'tlp') return sendLossProbe(c);
  retransmitTimer(c);
}

/** tcp_send_loss_probe(): new data if any fits, else the last segment again; then arm the RTO. */
function sendLossProbe(c: Conn): void {
  if (c.inFlight === 0) return;
  const { seq, len, flags } = c.lastSeg;
  emit(c, seq, flags | ACK, len, 'loss-probe');
  arm(c, 'rto', clampToUserTimeout(c, c.rto));
}

/**
 * RFC 6069 (tcp_ld_RTO_revert, net/ipv4/tcp_ipv4.c): an ICMP net/host unreachable for the
 * head segment during RTO backoff undoes one backoff step; if the shorter RTO has already
 * run out since the head was sent, retransmit now.
 */
export function revertRtoOnIcmp(c: Conn, quotedSeq: number): void {
  if (quotedSeq !== c.sndUna || c.retransmits === 0 || c.backoff === 0 || c.rtxKind !== 'rto') return;
  const tb = c.stack.tb;
  c.backoff--;
  c.rto = Math.min(computeRto(c) * 2 ** c.backoff, tb.usecs(c.stack.profile.tcp.rtoMaxUs));
  const remaining = c.rto - tb.usecs(c.sim.now - c.headSentAt);
  if (remaining > 0) arm(c, 'rto', remaining);
  else {
    stopRtx(c);
    retransmitTimer(c);
  }
}

/** tcp_retransmit_timer(). */
function retransmitTimer(c: Conn): void {
  if (c.state === 'SYN_RECV') return synAckTimer(c);
  if (c.inFlight === 0 && c.state !== 'SYN_SENT') return;
  const pol = c.stack.profile.rto;
  if (pol && c.state !== 'SYN_SENT') return countedRetransmit(c, pol);
  if (writeTimeout(c)) return;
  const tb = c.stack.tb;
  const p = c.stack.profile.tcp;
  // Save the stamp of the first retransmission of the episode (tcp_retransmit_skb).
  if (c.retransStamp === null) c.retransStamp = c.sim.now;
  c.retransmits++;
  c.inLoss = true;
  c.rttSample = null;
  retransmitHead(c);
  if (c.state === 'SYN_SENT' && c.retransmits <= c.stack.sysctl.tcp_syn_linear_timeouts) {
    // 6.5+: the first tcp_syn_linear_timeouts SYN retransmissions keep the initial RTO.
    c.backoff = 0;
  } else {
    c.backoff++;
    c.rto = Math.min(c.rto * 2, tb.usecs(p.rtoMaxUs));
  }
  arm(c, 'rto', clampToUserTimeout(c, c.rto));
}

/**
 * BSD/Windows RTO expiry (XNU/FreeBSD tcp_timer_rexmt, os-profiles.md §1.7, §2.7, §3.6):
 * drop when `++t_rxtshift > maxRetransmissions` or the per-socket / host-wide drop time has
 * passed since the first retransmission (TCP_RXT_CONNDROPTIME, TCP_MAXUNACKTIME, TCP_MAXRT);
 * otherwise resend the head with RTO = clamp(V·backoff[shift] + slop, min, max).
 */
function countedRetransmit(c: Conn, pol: RtoPolicy): void {
  const dropAfterUs = c.opts.rxtDrop !== undefined ? c.opts.rxtDrop * 1e6 : pol.dropAfterUs;
  const overTime = dropAfterUs !== undefined && c.retransStamp !== null && c.sim.now - c.retransStamp >= dropAfterUs;
  if (c.retransmits >= c.stack.sysctl.tcp_retries2 || overTime) {
    tcpDone(c, c.skErrSoft ?? pol.errno, 'retransmission timeout');
    return;
  }
  if (c.retransStamp === null) c.retransStamp = c.sim.now;
  c.retransmits++;
  c.inLoss = true;
  c.rttSample = null;
  if (pol.srttResetAfter !== undefined && c.retransmits > pol.srttResetAfter && c.srttUs > 0) {
    // XNU: t_rttvar += t_srtt >> TCP_RTT_SHIFT; t_srtt = 0 (scaled fields: rttvar += srtt/16)
    c.rttvarUs += c.srttUs / 16;
    c.srttUs = 0;
  }
  c.backoff = c.retransmits;
  c.rto = c.stack.tb.usecs(rtoAtShiftUs(pol, rexmtValUs(pol, c.srttUs, c.rttvarUs), c.backoff));
  retransmitHead(c);
  arm(c, 'rto', c.rto);
}

/** Resend the first unacknowledged segment (after tcp_enter_loss everything is resent from SND.UNA). */
function retransmitHead(c: Conn): void {
  if (c.state === 'SYN_SENT') return sendSyn(c, 'retransmission');
  const mss = c.stack.profile.tcp.mss;
  const dataEnd = c.finSeq ?? c.sndNxt;
  const len = Math.min(mss, (dataEnd - c.sndUna) >>> 0);
  let flags = ACK;
  if (len > 0 && seqAdd(c.sndUna, len) === dataEnd) flags |= PSH;
  if (c.finSeq !== null && seqAdd(c.sndUna, len) === c.finSeq) flags |= FIN;
  // Go back: the rest is resent as ACKs open the window again.
  c.sndNxt = seqAdd(c.sndUna, len + (flags & FIN ? 1 : 0));
  c.cwnd = mss;
  emit(c, c.sndUna, flags, len, 'retransmission');
  c.lastSeg = { seq: c.sndUna, len, flags };
  c.headSentAt = c.sim.now;
}

/**
 * tcp_write_timeout() / retransmits_timed_out(): checked at every RTO firing before
 * retransmitting. Never on the first firing (icsk_retransmits == 0). SYN_SENT also dies
 * by count: syn_retries (+ syn_linear_timeouts). Death sends no RST.
 */
function writeTimeout(c: Conn): boolean {
  const s = c.stack.sysctl;
  const ut = c.opts.userTimeout;
  let expired = false;
  let boundary = s.tcp_retries2;
  let rtoBaseUs = c.stack.profile.tcp.rtoMinUs;
  if (c.state === 'SYN_SENT') {
    boundary = c.opts.synCnt ?? s.tcp_syn_retries;
    rtoBaseUs = c.stack.profile.tcp.rtoInitUs;
    expired = c.retransmits >= boundary + s.tcp_syn_linear_timeouts;
  }
  if (!expired && c.retransmits > 0 && c.retransStamp !== null) {
    const timeoutUs = ut > 0 ? ut * 1000 : modelTimeoutUs(boundary, rtoBaseUs, c.stack.profile.tcp.rtoMaxUs);
    // Linux compares millisecond timestamps (tcp_time_stamp_ms).
    const elapsedMs = Math.floor(c.sim.now / 1000) - Math.floor(c.retransStamp / 1000);
    expired = elapsedMs >= timeoutUs / 1000;
  }
  if (!expired) return false;
  tcpDone(c, c.skErrSoft ?? 'ETIMEDOUT', 'retransmission timeout');
  return true;
}

/** Request-socket timer (reqsk_timer_handler): SYN-ACK again with doubling timeout, then give up. */
function synAckTimer(c: Conn): void {
  if (c.synAckRetries >= c.stack.sysctl.tcp_synack_retries) {
    tcpDone(c, null, 'SYN-ACK retries exhausted');
    return;
  }
  c.synAckRetries++;
  sendSynAck(c, 'retransmission');
  c.rto = Math.min(c.rto * 2, c.stack.tb.usecs(c.stack.profile.tcp.rtoMaxUs));
  arm(c, 'rto', c.rto);
}

/** The SYN timer re-armed for TCP_TIMEOUT_MIN (2 jiffies) from now (tcp_rcv_synsent_state_process). */
export function rearmSynSoon(c: Conn): void {
  arm(c, 'rto', 2);
}

/** Arm the SYN (or SYN-ACK) timer with the initial RTO (tcp_connect, inet_csk_reqsk_queue_hash_add). */
export function armSynTimer(c: Conn): void {
  c.rto = c.stack.tb.usecs(c.stack.profile.tcp.rtoInitUs);
  if (c.state === 'SYN_SENT') {
    c.retransStamp = c.sim.now; // tcp_connect sets retrans_stamp
    armConnectTimeout(c);
  }
  arm(c, 'rto', c.rto);
}

/**
 * BSD connect timeout: in SYN_SENT the KEEP timer holds keepinit (per socket:
 * TCP_CONNECTIONTIMEOUT / TCP_KEEPINIT) and its firing drops the connection — ETIMEDOUT, no RST
 * since no SYN was received (XNU tcp_timers TCPT_KEEP step 1 `dropit`, FreeBSD tcp_timer_keep;
 * os-profiles.md §1.2, §2.2). Setting the option in SYN_SENT re-arms it from now. No-op on
 * profiles without one (Linux, Windows count SYN retransmissions).
 */
export function armConnectTimeout(c: Conn): void {
  const base = c.stack.profile.connectTimeoutUs;
  if (base === undefined) return;
  const us = c.opts.connectTimeout !== undefined ? c.opts.connectTimeout * 1e6 : base;
  const token = (c.connectTimer = (c.connectTimer ?? 0) + 1);
  c.sim.after(us, () => {
    if (c.connectTimer !== token || c.done || c.state !== 'SYN_SENT') return;
    if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'syn', detail: 'connect timeout (keepinit)' });
    tcpDone(c, 'ETIMEDOUT', 'connection timeout (keepinit)');
  });
}
