/**
 * The persist timer: probing a zero window (net/ipv4/tcp_timer.c tcp_probe_timer,
 * net/ipv4/tcp_output.c tcp_send_probe0 / tcp_write_wakeup, net/ipv4/tcp_input.c
 * tcp_ack_probe; calibrate: zw-persist, zw-retries2, zw-user-timeout).
 *
 *  - armed when data waits for window and nothing is in flight (tcp_check_probe_timer), for
 *    tcp_probe0_base = max(RTO, TCP_RTO_MIN);
 *  - each firing sends a probe — a zero-length ACK at SND.UNA − 1 while the window is shut,
 *    like a keepalive probe (tcp_xmit_probe_skb) — counts it in probes_out (shared with
 *    keepalive, zeroed by every acceptable ACK), backs off (icsk_backoff, up to
 *    tcp_retries2) and re-arms for base << backoff, at most TCP_RTO_MAX;
 *  - an ACK that leaves the window shut re-arms it from the ACK (tcp_ack_probe); one that opens
 *    it stops probing and the data goes;
 *  - the connection dies (ETIMEDOUT or the soft error, no RST) at a firing that finds
 *    probes_out >= tcp_retries2 — only unanswered probes count — or, with TCP_USER_TIMEOUT, at
 *    a firing that long after the first probe (icsk_probes_tstamp), each interval clamped to
 *    what is left (tcp_clamp_probe0_to_user_timeout). Keepalive never fires meanwhile: data
 *    waits (tcp_keepalive_timer step 5).
 */
import type { Conn } from './conn.ts';
import { tcpDone } from './close.ts';
import { emit } from './output.ts';
import { seqAdd } from '../wire/seq.ts';
import { ACK } from '../wire/segment.ts';

/** ilog2(TCP_RTO_MAX / TCP_RTO_MIN) + 1: the largest shift tcp_probe0_when applies. */
const MAX_SHIFT = 10;

/** tcp_probe0_base(): max(icsk_rto, TCP_RTO_MIN), ticks. */
function base(c: Conn): number {
  return Math.max(c.rto, c.stack.tb.usecs(c.stack.profile.tcp.rtoMinUs));
}

/** tcp_probe0_when(): base << backoff, at most TCP_RTO_MAX. */
function probe0When(c: Conn): number {
  return Math.min(base(c) * 2 ** Math.min(c.backoff, MAX_SHIFT), c.stack.tb.usecs(c.stack.profile.tcp.rtoMaxUs));
}

/** tcp_clamp_probe0_to_user_timeout(). */
function clampToUserTimeout(c: Conn, when: number): number {
  const ut = c.opts.userTimeout;
  if (ut <= 0 || c.probesTstamp === null) return when;
  const elapsed = Math.max(0, c.ticks() - c.probesTstamp);
  const remaining = Math.max(c.stack.tb.msecs(ut) - elapsed, 2); // at least TCP_TIMEOUT_MIN
  return Math.min(remaining, when);
}

function arm(c: Conn, ticks: number): void {
  c.sim.cancel(c.persistTimer);
  c.persistTimer = c.sim.at(c.stack.tb.fireTime(c.sim.now, ticks), () => probeTimer(c));
}

export function stopPersist(c: Conn): void {
  c.sim.cancel(c.persistTimer);
  c.persistTimer = null;
}

/** The window stopped queued data and nothing is in flight: start probing (tcp_check_probe_timer). */
export function checkProbeTimer(c: Conn): void {
  if (c.inFlight > 0 || c.unsent === 0 || c.persistTimer !== null || c.rtxTimer !== null || c.done) return;
  arm(c, base(c));
}

/** An acceptable ACK arrived with nothing in flight (tcp_ack_probe). */
export function ackProbe(c: Conn): void {
  if (c.unsent === 0) return;
  if (sendWindowRoom(c) >= Math.min(c.unsent, c.stack.profile.tcp.mss)) {
    // a usable window: the head segment fits; stop probing, the data goes
    c.backoff = 0;
    c.probesTstamp = null;
    stopPersist(c);
    return;
  }
  arm(c, clampToUserTimeout(c, probe0When(c)));
}

const sendWindowRoom = (c: Conn): number => Math.max(0, c.sndWnd - c.inFlight);

/** tcp_probe_timer(). */
function probeTimer(c: Conn): void {
  c.persistTimer = null;
  if (c.done) return;
  if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'persist', detail: `probes_out ${c.probesOut}, backoff ${c.backoff}` });
  if (c.inFlight > 0 || c.unsent === 0) {
    c.probesOut = 0;
    c.probesTstamp = null;
    return;
  }
  const now = c.ticks();
  const ut = c.opts.userTimeout;
  if (c.probesTstamp === null) c.probesTstamp = now;
  else if (ut > 0 && now - c.probesTstamp >= c.stack.tb.msecs(ut)) return abort(c);
  if (c.probesOut >= c.stack.sysctl.tcp_retries2) return abort(c);
  sendProbe0(c);
}

function abort(c: Conn): void {
  tcpDone(c, c.skErrSoft ?? 'ETIMEDOUT', 'zero-window probes unanswered'); // tcp_write_err: no RST
}

/** tcp_send_probe0(): a window probe, then the backed-off re-arm. */
function sendProbe0(c: Conn): void {
  // tcp_write_wakeup: the window is shut (a usable one would have sent the data), so the probe
  // is tcp_xmit_probe_skb's zero-length ACK at SND.UNA − 1
  emit(c, seqAdd(c.sndUna, -1), ACK, 0, 'window-probe');
  c.probesOut++;
  if (c.backoff < c.stack.sysctl.tcp_retries2) c.backoff++;
  arm(c, clampToUserTimeout(c, probe0When(c)));
}
