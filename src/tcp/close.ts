/**
 * How connections end: orderly close (FIN, FIN_WAIT_2 and TIME_WAIT timers), aborts
 * (tcp_done with an error for the application), and incoming resets (tcp_reset).
 */
import type { Conn } from './conn.ts';
import type { Errno } from './errno.ts';
import { pushData, sendActiveReset, sendResetAtMax } from './output.ts';
import { stopRtx } from './rtx.ts';

/**
 * tcp_done() (after tcp_write_err / tcp_reset): CLOSED, every timer stopped, both
 * directions shut, the application woken; `errno` becomes the pending socket error.
 */
export function tcpDone(c: Conn, err: Errno | null, why: string): void {
  if (c.done) return;
  c.done = true;
  // the OS's own error names (Windows: WSAECONNRESET for ECONNRESET); Linux has no mapping
  const errno = err && c.stack.profile.errnoName ? c.stack.profile.errnoName(err) : err;
  if (errno) c.skErr = errno;
  stopRtx(c);
  c.sim.cancel(c.timeWaitTimer);
  c.sim.cancel(c.finWait2Timer);
  c.sim.cancel(c.delackTimer);
  c.sim.cancel(c.persistTimer);
  c.ka?.send({ type: 'DISABLE' });
  c.ka?.stop();
  c.ka = null;
  c.setState('CLOSED');
  c.rdShut = true;
  c.wrShut = true;
  if (errno && c.sim.trace.on.error) c.sim.trace.emit({ kind: 'error', t: c.sim.now, host: c.stack.name, conn: c.name, errno, detail: why });
  c.stack.removeConn(c);
  c.wake();
}

/** The host lost power: stop every timer, wake nobody (its applications died with it). */
export function forget(c: Conn): void {
  c.done = true;
  c.orphan = true;
  stopRtx(c);
  c.sim.cancel(c.timeWaitTimer);
  c.sim.cancel(c.finWait2Timer);
  c.sim.cancel(c.delackTimer);
  c.sim.cancel(c.persistTimer);
  c.ka?.stop();
  c.ka = null;
  c.dropWaiters();
}

/** tcp_reset(): an acceptable RST arrived. ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, else ECONNRESET. */
export function tcpReset(c: Conn): void {
  const errno: Errno | null =
    c.state === 'SYN_SENT' ? 'ECONNREFUSED' : c.state === 'CLOSE_WAIT' ? 'EPIPE' : c.orphan || c.state === 'TIME_WAIT' ? null : 'ECONNRESET';
  tcpDone(c, errno, 'connection reset by peer');
}

/**
 * Abort on keepalive death: RST|ACK first, then the error (tcp_keepalive_timer step 7a).
 * The profile may send no RST, put it at SND.MAX (BSD), ignore ICMP soft errors while
 * ESTABLISHED (BSD tcp_notify) and name its own errors (Windows 10052 then 10054).
 */
export function keepaliveAbort(c: Conn): void {
  const ka = c.stack.profile.keepalive;
  if (ka.rstOnDeath !== false) {
    if (ka.rstSeq === 'max') sendResetAtMax(c);
    else sendActiveReset(c);
  }
  const soft = ka.icmpSoftErrorEstablished === false && c.state === 'ESTABLISHED' ? null : c.skErrSoft;
  const d = ka.deathErrno?.(c.waiting);
  if (d?.after) c.stickyErr = d.after;
  tcpDone(c, soft ?? d?.now ?? 'ETIMEDOUT', 'keepalive timeout');
}

/** Queue a FIN after the data (shutdown(SHUT_WR) / close()) and move to the next state. */
export function queueFin(c: Conn): void {
  if (c.finQueued) return;
  c.finQueued = true;
  c.wrShut = true;
  if (c.state === 'ESTABLISHED') c.setState('FIN_WAIT_1');
  else if (c.state === 'CLOSE_WAIT') c.setState('LAST_ACK');
  pushData(c);
}

/** Our FIN was acknowledged. */
export function finAcked(c: Conn): void {
  if (c.state === 'FIN_WAIT_1') {
    c.setState('FIN_WAIT_2');
    if (c.orphan) armFinWait2(c);
  } else if (c.state === 'CLOSING') {
    enterTimeWait(c);
  } else if (c.state === 'LAST_ACK') {
    tcpDone(c, null, 'closed');
  }
}

/**
 * An orphaned FIN_WAIT_2 lasts tcp_fin_time() — tcp_fin_timeout, at least 3.5 RTO — then the
 * connection is forgotten. Linux turns it into a timewait socket in substate FIN_WAIT_2 whose
 * timer is an ordinary wheel timer (tcp_time_wait → inet_twsk_schedule), so the end is rounded
 * up like any timer; beyond TCP_TIMEWAIT_LEN the keepalive timer first waits out the excess
 * and then hands over a timewait socket for that excess again (tcp_keepalive_timer step 3).
 */
export function armFinWait2(c: Conn): void {
  const tb = c.stack.tb;
  const twLen = tb.usecs(c.stack.profile.tcp.timeWaitUs);
  const finTime = Math.max(tb.secs(c.stack.sysctl.tcp_fin_timeout), 4 * c.rto - Math.floor(c.rto / 2));
  const expire = (): void => {
    if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'fin-wait-2' });
    tcpDone(c, null, 'FIN_WAIT_2 timeout');
  };
  c.sim.cancel(c.finWait2Timer);
  c.lastOowAck = Number.NEGATIVE_INFINITY; // the timewait socket's own rate limit starts afresh
  if (finTime <= twLen) {
    c.finWait2Timer = c.sim.at(tb.fireTime(c.sim.now, finTime), expire);
    return;
  }
  c.finWait2Timer = c.sim.at(tb.fireTime(c.sim.now, finTime - twLen), () => {
    c.finWait2Timer = c.sim.at(tb.fireTime(c.sim.now, finTime - twLen), expire);
  });
}

/** TIME_WAIT for TCP_TIMEWAIT_LEN on the wheel (inet_twsk_schedule), from now. */
export function armTimeWait(c: Conn): void {
  c.sim.cancel(c.timeWaitTimer);
  c.timeWaitTimer = c.sim.at(c.stack.tb.fireTime(c.sim.now, c.stack.tb.usecs(c.stack.profile.tcp.timeWaitUs)), () => {
    if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'time-wait' });
    tcpDone(c, null, 'TIME_WAIT over');
  });
}

export function enterTimeWait(c: Conn): void {
  stopRtx(c);
  c.sim.cancel(c.finWait2Timer);
  c.lastOowAck = Number.NEGATIVE_INFINITY; // a fresh timewait socket: tw_last_oow_ack_time 0
  c.ka?.send({ type: 'DISABLE' });
  c.setState('TIME_WAIT');
  armTimeWait(c);
  c.wake();
}

/**
 * close() by the application (tcp_close): unread data -> RST (RFC 2525, peer sees
 * ECONNRESET); otherwise a FIN after the queued data. The connection is orphaned.
 */
export function appClose(c: Conn): void {
  c.orphan = true;
  c.rdShut = true;
  if (c.done) return;
  if (c.state === 'SYN_SENT') {
    tcpDone(c, null, 'closed in SYN_SENT'); // close-on-syn-sent.pkt: nothing is sent
    return;
  }
  // __tcp_close(): unread data in any state -> RST|ACK and CLOSE (RFC 2525 §2.17)
  if (c.rcvBuf > 0) {
    sendActiveReset(c);
    tcpDone(c, null, 'closed with unread data');
    return;
  }
  // SO_LINGER with l_linger 0: tcp_disconnect() — RST|ACK where tcp_need_reset() (or unsent
  // data in CLOSING/LAST_ACK), then CLOSE at once: no FIN, no TIME_WAIT
  if (c.opts.linger === 0) {
    const needReset = ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'SYN_RECV'].includes(c.state) || (c.unsent > 0 && (c.state === 'CLOSING' || c.state === 'LAST_ACK'));
    if (needReset) sendActiveReset(c);
    tcpDone(c, null, 'close with SO_LINGER 0');
    return;
  }
  switch (c.state) {
    case 'ESTABLISHED':
    case 'CLOSE_WAIT':
      queueFin(c);
      return;
    case 'FIN_WAIT_2':
      armFinWait2(c);
      return;
    default:
      return;
  }
}
