/**
 * setsockopt on a non-Linux profile: the option's spec (src/os/<os>/profile.ts) checks the
 * value in the OS's own units and says what changes; this applies it to the socket's options
 * and the keepalive timer, re-arming the way that OS does (os-profiles.md §5.7):
 * XNU TCP_KEEPALIVE / FreeBSD TCP_KEEPIDLE re-arm for the full new idle from now; on the BSDs
 * SO_KEEPALIVE only flips a bit (the KEEP timer already runs); elsewhere as Linux.
 */
import type { SockOptEffect } from '../os/profile.ts';
import type { Conn } from './conn.ts';
import { enableKeepalive } from './keepalive/bind.ts';
import { armConnectTimeout } from './rtx.ts';
import type { SockOpts } from './options.ts';

function set(o: SockOpts, k: 'keepIdle' | 'keepIntvl' | 'keepCnt' | 'rxtDrop' | 'connectTimeout', v: number | null | undefined): boolean {
  if (v === undefined) return false;
  o[k] = v === null ? undefined : v;
  return true;
}

export function applySockoptEffect(o: SockOpts, c: Conn | null, e: SockOptEffect, name: string, raw: number): void {
  o.osOpts = { ...o.osOpts, [name]: raw };
  const live = c !== null && !c.done;
  const always = live && c.stack.profile.keepalive.timerAlwaysArmed === true;
  if (e.keepalive !== undefined && e.keepalive !== o.keepalive) {
    o.keepalive = e.keepalive;
    if (live && !always) {
      if (e.keepalive) enableKeepalive(c);
      else c.ka?.send({ type: 'DISABLE' });
    }
  }
  const idle = set(o, 'keepIdle', e.keepIdle);
  set(o, 'keepIntvl', e.keepIntvl);
  set(o, 'keepCnt', e.keepCnt);
  set(o, 'rxtDrop', e.rxtDrop);
  // XNU re-arms t_keepinit on a socket in SYN_SENT/SYN_RECEIVED (os-profiles.md §1.1)
  if (set(o, 'connectTimeout', e.connectTimeout) && live && c.state === 'SYN_SENT') armConnectTimeout(c);
  if (!idle || !live) return;
  if (e.rearm === 'from-now') {
    // XNU: only once ESTABLISHED; FreeBSD: LISTEN < state ≤ CLOSING (the timer is armed from ESTABLISHED here)
    if (c.state !== 'SYN_SENT' && c.state !== 'SYN_RECV') c.ka?.send({ type: 'KEEPIDLE_RESET' });
  } else if (o.keepalive) c.ka?.send({ type: 'KEEPIDLE_CHANGED' });
}
