/**
 * What XNU and FreeBSD share (os-profiles.md §1, §2, §5): the time-anchored keepalive death
 * (`idle_time >= KEEPIDLE + KEEPCNT·KEEPINTVL` at a firing), BSD errno numbers, and the
 * seconds-valued per-socket options where 0 means "use the global".
 */
import type { Errno } from '../tcp/errno.ts';
import type { KeepaliveFacts, SockOptEffect, SockOptSpec } from './profile.ts';

/**
 * tcp_timers TCPT_KEEP (XNU tcp_timer.c L1479-1591) / tcp_timer_keep (FreeBSD):
 * `if (idle_time >= TCP_CONN_KEEPIDLE(tp) + TCP_CONN_MAXIDLE(tp)) goto dropit;`
 */
export function elapsedDeath(f: KeepaliveFacts): boolean {
  return f.elapsed >= (f.keepIdle ?? 0) + f.keepCnt * (f.keepIntvl ?? 0);
}

/** Probe count-anchored death (Linux rule without TCP_USER_TIMEOUT; Windows [?]). */
export function countDeath(f: KeepaliveFacts): boolean {
  return f.probesOut >= f.keepCnt;
}

/** <sys/errno.h> numbers shared by XNU and FreeBSD (4.4BSD lineage). */
export const BSD_ERRNO: Partial<Record<Errno, number>> = {
  EPERM: 1,
  EBADF: 9,
  EAGAIN: 35,
  EINVAL: 22,
  EPIPE: 32,
  ENOPROTOOPT: 42,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETUNREACH: 51,
  ECONNRESET: 54,
  EISCONN: 56,
  ENOTCONN: 57,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  EHOSTDOWN: 64,
  EHOSTUNREACH: 65,
};

/** A seconds-valued option `0..max` (0 = inherit the sysctl) with EINVAL outside. */
export function secondsOpt(max: number, source: string, effect: (v: number) => SockOptEffect): SockOptSpec {
  return {
    unit: 'seconds, 0 = use the sysctl',
    range: `0..${max}`,
    source,
    check: (v) => (Number.isInteger(v) && v >= 0 && v <= max ? null : 'EINVAL'),
    effect,
  };
}

/** A count/bool option with EINVAL outside `lo..hi`. */
export function intOpt(lo: number, hi: number, unit: string, source: string, effect: (v: number) => SockOptEffect, err: Errno = 'EINVAL'): SockOptSpec {
  return { unit, range: `${lo}..${hi}`, source, check: (v) => (Number.isInteger(v) && v >= lo && v <= hi ? null : err), effect };
}

/** SO_KEEPALIVE on a BSD socket only flips the bit in so_options (XNU uipc_socket.c L4936). */
export const bsdSoKeepalive: SockOptSpec = intOpt(-(2 ** 31), 2 ** 31 - 1, 'bool (any int)', 'uipc_socket.c sosetoptlock SO_KEEPALIVE', (v) => ({ keepalive: v !== 0 }));

/** `0` (inherit) → null, else the value. */
export const orInherit = (v: number): number | null => (v === 0 ? null : v);

/** Lateness for a jittered timer: uniform integer µs in [0, maxUs). */
export const uniformLate = (maxUs: number, r: { next(): number }): number => (maxUs > 0 ? Math.floor(r.next() * maxUs) : 0);
