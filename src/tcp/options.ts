/**
 * Per-socket options. An unset option (undefined) reads the host's sysctl at every use,
 * so a socket that never set TCP_KEEPIDLE follows later sysctl changes
 * (include/net/tcp.h keepalive_time_when(): `tp->keepalive_time ? : sysctl`).
 */
export interface SockOpts {
  keepalive: boolean;
  /** seconds */
  keepIdle: number | undefined;
  /** seconds */
  keepIntvl: number | undefined;
  keepCnt: number | undefined;
  /** milliseconds, 0 = off */
  userTimeout: number;
  synCnt: number | undefined;
  /** BSD/Windows: drop after this many seconds of retransmission (TCP_RXT_CONNDROPTIME, TCP_MAXUNACKTIME, TCP_MAXRT) */
  rxtDrop: number | undefined;
  /** BSD: connect timeout in seconds (TCP_CONNECTIONTIMEOUT, TCP_KEEPINIT) */
  connectTimeout: number | undefined;
  /** values of OS-specific options as set, for getsockopt */
  osOpts: Record<string, number> | undefined;
  /** SO_LINGER with l_onoff 1: l_linger seconds (only 0 is modelled: close() sends RST) */
  linger: number | undefined;
  /** SO_RCVBUF as the kernel stores it (twice the value asked for, at least SOCK_MIN_RCVBUF) */
  rcvbuf: number | undefined;
}

// Every field is always present (undefined when unset) so every options record has one shape:
// the keepalive timer reads them at each firing, and V8 keeps such reads monomorphic.
export const defaultSockOpts = (): SockOpts => ({
  keepalive: false,
  keepIdle: undefined,
  keepIntvl: undefined,
  keepCnt: undefined,
  userTimeout: 0,
  synCnt: undefined,
  rxtDrop: undefined,
  connectTimeout: undefined,
  osOpts: undefined,
  linger: undefined,
  rcvbuf: undefined,
});

/** Accepted children inherit the listener's options (sk_clone copies tcp_sock). */
export const cloneSockOpts = (o: SockOpts): SockOpts => ({ ...o, osOpts: o.osOpts ? { ...o.osOpts } : undefined });
