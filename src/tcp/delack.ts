/**
 * Linux's delayed-ACK engine, where the calibration recordings show it at work: the ACK of a
 * FIN that moves ESTABLISHED to CLOSE_WAIT. tcp_fin() puts the socket in pingpong mode, so
 * __tcp_ack_snd_check() does not ACK at once but arms the delayed-ACK timer
 * (tcp_send_delayed_ack) for `ato` jiffies: 0 if no data ever arrived (the ACK leaves at the
 * next jiffy), else the interarrival estimate kept by tcp_event_data_recv (TCP_ATO_MIN = 40 ms
 * for sparse data). Any segment that carries the ACK first (a reply, a FIN) makes the timer's
 * ACK unnecessary (tcp_event_ack_sent). Other data is ACKed at once, as the recordings of
 * sparse writes (quickack mode after a gap longer than the RTO) show; see docs/calibration.md.
 */
import type { Conn } from './conn.ts';
import { sendAck } from './output.ts';

/** TCP_ATO_MIN = TCP_DELACK_MIN = HZ/25, TCP_DELACK_MAX = HZ/5 (include/net/tcp.h). */
const atoMin = (c: Conn): number => c.stack.tb.msecs(40);
const delackMax = (c: Conn): number => c.stack.tb.msecs(200);

/** tcp_event_data_recv(): new data arrived; keep the interarrival estimate `ato`. Call before lrcvtime moves. */
export function dataReceived(c: Conn): void {
  if (!c.stack.profile.tcp.delayedAck) return;
  const min = atoMin(c);
  if (c.ato === 0) {
    c.ato = min; // the first data packet received
    return;
  }
  const m = c.ticks() - c.lrcvtime;
  if (m <= min / 2) c.ato = Math.floor(c.ato / 2) + Math.floor(min / 2);
  else if (m < c.ato) c.ato = Math.min(Math.floor(c.ato / 2) + m, c.rto);
}

/** The ACK of a FIN received in ESTABLISHED: delayed on Linux (pingpong), at once elsewhere. */
export function ackFin(c: Conn): void {
  if (!c.stack.profile.tcp.delayedAck) {
    sendAck(c);
    return;
  }
  c.pingpong = true; // inet_csk_enter_pingpong_mode
  scheduleDelayedAck(c);
}

/** tcp_send_delayed_ack(). */
function scheduleDelayedAck(c: Conn): void {
  let ato = c.ato;
  if (ato > atoMin(c)) {
    let maxAto = c.stack.tb.msecs(500); // HZ/2
    if (c.pingpong) maxAto = delackMax(c);
    if (c.srttUs > 0) maxAto = Math.min(maxAto, Math.max(c.stack.tb.usecs(c.srttUs), atoMin(c)));
    ato = Math.min(ato, maxAto);
  }
  ato = Math.min(ato, delackMax(c)); // icsk_delack_max
  const at = c.stack.tb.fireTime(c.sim.now, ato);
  if (c.delackTimer !== null) {
    const pending = c.sim.timeOf(c.delackTimer);
    if (pending !== undefined && pending <= at) return; // the older, earlier timeout stands
    c.sim.cancel(c.delackTimer);
  }
  c.delackTimer = c.sim.at(at, () => delackTimer(c));
}

/** tcp_delack_timer_handler(): the ACK is still owed; a missed delayed ACK leaves pingpong mode. */
function delackTimer(c: Conn): void {
  c.delackTimer = null;
  if (c.done) return;
  if (c.pingpong) {
    c.pingpong = false;
    c.ato = atoMin(c);
  } else {
    c.ato = Math.min(c.ato * 2, c.rto);
  }
  if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'delayed-ack' });
  sendAck(c);
}

/** tcp_event_ack_sent(): a segment carried the ACK; the delayed one is not needed. */
export function ackSent(c: Conn): void {
  c.sim.cancel(c.delackTimer);
  c.delackTimer = null;
}
