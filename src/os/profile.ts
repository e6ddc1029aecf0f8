/**
 * An OS profile: everything about keepalive and retransmission that differs between
 * operating systems, kept out of the TCP endpoint (DEVELOPERS.md). Linux is the first;
 * macOS, FreeBSD and Windows differ in kind (death by elapsed time rather than probe
 * count, probing while data is unacked, a 1-byte probe), and each of those is a field here.
 */
import type { Errno } from '../tcp/errno.ts';

export type SockOptName = 'SO_KEEPALIVE' | 'TCP_KEEPIDLE' | 'TCP_KEEPINTVL' | 'TCP_KEEPCNT' | 'TCP_USER_TIMEOUT' | 'TCP_SYNCNT';

/** Host-wide settings (Linux: net.ipv4.* sysctls). Durations in seconds, as the sysctls. */
export interface Sysctls {
  tcp_keepalive_time: number;
  tcp_keepalive_intvl: number;
  tcp_keepalive_probes: number;
  tcp_retries2: number;
  tcp_syn_retries: number;
  tcp_synack_retries: number;
  tcp_fin_timeout: number;
  tcp_syn_linear_timeouts: number;
}

/** What the keepalive death rule looks at when the timer fires (all in host ticks). */
export interface KeepaliveFacts {
  probesOut: number;
  keepCnt: number;
  /** ticks since the last receive */
  elapsed: number;
  /** TCP_USER_TIMEOUT in ticks, 0 = unset */
  userTimeout: number;
}

export interface OsProfile {
  readonly name: string;
  readonly defaults: Readonly<Sysctls>;
  /** Check a setsockopt value; the errno to fail with, or null when accepted. */
  checkSockopt(name: SockOptName, value: number): Errno | null;
  /** The "allowed range" text for error messages, e.g. `1..32767`. */
  sockoptRange(name: SockOptName): string;
  readonly keepalive: {
    /** payload bytes in a probe (Linux 0; RFC 1122 MAY-6 garbage octet = 1) */
    readonly probeLen: 0 | 1;
    /** Linux never probes while data is unacknowledged (tcp_keepalive_timer step 5) */
    readonly probeWhileUnacked: boolean;
    /** true when the connection must be aborted at this firing */
    isDead(f: KeepaliveFacts): boolean;
  };
  readonly tcp: {
    /** payload bytes per segment */
    readonly mss: number;
    /** advertised receive window (no window scaling modelled) */
    readonly window: number;
    /** RTO bounds and initial value, µs */
    readonly rtoMinUs: number;
    readonly rtoMaxUs: number;
    readonly rtoInitUs: number;
    /** Linux tail loss probe (RFC 8985 TLP) before the first RTO */
    readonly tailLossProbe: boolean;
    /** minimum gap between dupACKs to out-of-window segments (tcp_invalid_ratelimit), µs */
    readonly invalidRatelimitUs: number;
    /** TIME_WAIT length, µs */
    readonly timeWaitUs: number;
  };
}
