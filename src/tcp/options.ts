/**
 * Per-socket options. An unset option (undefined) reads the host's sysctl at every use,
 * so a socket that never set TCP_KEEPIDLE follows later sysctl changes
 * (include/net/tcp.h keepalive_time_when(): `tp->keepalive_time ? : sysctl`).
 */
export interface SockOpts {
  keepalive: boolean;
  /** seconds */
  keepIdle?: number;
  /** seconds */
  keepIntvl?: number;
  keepCnt?: number;
  /** milliseconds, 0 = off */
  userTimeout: number;
  synCnt?: number;
  /** BSD/Windows: drop after this many seconds of retransmission (TCP_RXT_CONNDROPTIME, TCP_MAXUNACKTIME, TCP_MAXRT) */
  rxtDrop?: number;
  /** BSD: connect timeout in seconds (TCP_CONNECTIONTIMEOUT, TCP_KEEPINIT) */
  connectTimeout?: number;
  /** values of OS-specific options as set, for getsockopt */
  osOpts?: Record<string, number>;
  /** SO_LINGER with l_onoff 1: l_linger seconds (only 0 is modelled: close() sends RST) */
  linger?: number;
  /** SO_RCVBUF as the kernel stores it (twice the value asked for, at least SOCK_MIN_RCVBUF) */
  rcvbuf?: number;
}

export const defaultSockOpts = (): SockOpts => ({ keepalive: false, userTimeout: 0 });

/** Accepted children inherit the listener's options (sk_clone copies tcp_sock). */
export const cloneSockOpts = (o: SockOpts): SockOpts => ({ ...o, ...(o.osOpts ? { osOpts: { ...o.osOpts } } : {}) });
