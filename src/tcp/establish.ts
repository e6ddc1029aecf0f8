/**
 * Entering ESTABLISHED (tcp_finish_connect on the active side, child creation on the
 * passive side): receive timestamps start now, the keepalive timer is armed when
 * SO_KEEPALIVE is on, and whoever waits (connect, accept) is told.
 */
import type { Conn } from './conn.ts';
import { stopRtx, computeRto } from './rtx.ts';
import { enableKeepalive } from './keepalive/bind.ts';

export function establish(c: Conn): void {
  stopRtx(c);
  c.retransmits = 0;
  c.backoff = 0;
  c.retransStamp = null;
  c.rto = computeRto(c);
  c.cwnd = 10 * c.stack.profile.tcp.mss; // initial window IW10 (RFC 6928, Linux default)
  c.writeSeq = c.sndNxt;
  const now = c.ticks();
  c.lrcvtime = now;
  c.rcvTstamp = now;
  c.setState('ESTABLISHED');
  if (c.opts.keepalive || c.stack.profile.keepalive.timerAlwaysArmed) enableKeepalive(c); // BSD: KEEP armed at ESTABLISHED
  const cb = c.onEstablished;
  c.onEstablished = null;
  cb?.(c);
  c.wake();
}
