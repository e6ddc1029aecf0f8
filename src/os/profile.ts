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
  /** Linux 6.11+: floor of the computed RTO, µs (tcp_rto_min(); TCP_RTO_MIN when absent) */
  tcp_rto_min_us?: number;
  /** Linux: tail loss probes only when 3 or 4 (tcp_schedule_loss_probe); absent = the profile's tailLossProbe */
  tcp_early_retrans?: number;
}

/** What the keepalive death rule looks at when the timer fires (all in host ticks). */
export interface KeepaliveFacts {
  probesOut: number;
  keepCnt: number;
  /** ticks since the last receive */
  elapsed: number;
  /** TCP_USER_TIMEOUT in ticks, 0 = unset */
  userTimeout: number;
  /** keepidle and keepintvl in ticks (the BSD time-anchored rule reads them) */
  keepIdle?: number;
  keepIntvl?: number;
}

/** OS-specific socket options beyond the Linux set (os-profiles.md §1.1, §2.1, §3.1). */
export type OsSockOptName =
  | SockOptName
  | 'TCP_KEEPALIVE'
  | 'TCP_CONNECTIONTIMEOUT'
  | 'TCP_RXT_CONNDROPTIME'
  | 'TCP_KEEPINIT'
  | 'TCP_MAXUNACKTIME'
  | 'TCP_MAXRT'
  | 'SIO_KEEPALIVE_VALS'
  | SolSocketOptName;

/**
 * Socket-level options every OS has with the same meaning (SOL_SOCKET): SO_LINGER (l_linger
 * seconds with l_onoff 1, −1 = l_onoff 0) and SO_RCVBUF (bytes).
 */
export type SolSocketOptName = 'SO_LINGER' | 'SO_RCVBUF';

/**
 * What a successful setsockopt changes, in the endpoint's own units (seconds; `null` =
 * inherit the host-wide value). `rearm`: `from-now` re-arms the keepalive timer for the
 * full idle counted from now (XNU TCP_KEEPALIVE, FreeBSD TCP_KEEPIDLE: os-profiles.md §5.7).
 */
export interface SockOptEffect {
  keepalive?: boolean;
  keepIdle?: number | null;
  keepIntvl?: number | null;
  keepCnt?: number | null;
  /** drop after this long retransmitting, seconds (TCP_RXT_CONNDROPTIME, TCP_MAXUNACKTIME, TCP_MAXRT); null = off */
  rxtDrop?: number | null;
  /** connect timeout, seconds (XNU TCP_CONNECTIONTIMEOUT, FreeBSD TCP_KEEPINIT); null = the host's keepinit */
  connectTimeout?: number | null;
  rearm?: 'from-now';
}

/** One socket option of a non-Linux OS: its units, range and effect. */
export interface SockOptSpec {
  readonly unit: string;
  /** accepted range text for error messages */
  readonly range: string;
  readonly source: string;
  /** errno when the value is refused, else null */
  check(value: number): Errno | null;
  effect(value: number): SockOptEffect;
}

/** An RTO death by retransmission count over a backoff table (os-profiles.md §1.7, §2.7, §3.6). */
export interface RtoPolicy {
  /** multiplier per backoff shift (index = retransmissions so far; the last entry repeats) */
  readonly backoff: readonly number[];
  /** the connection is dropped at the RTO expiry after this many retransmissions */
  readonly maxRetransmissions: number;
  /** added to every RTO before clamping (TCPT_RANGESET slop), µs */
  readonly slopUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly initUs: number;
  /** XNU: after this many RTOs srtt is folded into rttvar and zeroed (t_rxtshift > TCP_MAXRXTSHIFT/4) */
  readonly srttResetAfter?: number;
  /** host-wide drop after this long unacknowledged, µs (FreeBSD net.inet.tcp.maxunacktime); absent = off */
  readonly dropAfterUs?: number;
  /** the error the application sees after an RTO death */
  readonly errno: Errno;
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
    /** probe sequence number: SND.UNA−1 (Linux, BSD) or SND.NXT−1 (Windows, os-profiles.md §3.3); default una */
    readonly probeSeq?: 'una' | 'nxt';
    /** states in which a firing may probe (BSD: ≤ CLOSING; XNU also FIN_WAIT_2); absent = Linux's applicable() */
    readonly probeStates?: readonly string[];
    /** TCP options on a probe in a capture: 'ts' (Linux, FreeBSD with timestamps), 'none' (XNU, Windows) */
    readonly probeOptions?: 'ts' | 'none';
    /**
     * BSD: the KEEP timer runs from ESTABLISHED whether or not SO_KEEPALIVE is on; a firing
     * with keepalive off re-arms it for keepidle (tcp_timers TCPT_KEEP, os-profiles.md §1.2, §2.2).
     */
    readonly timerAlwaysArmed?: boolean;
    /** keepalive on for every connection (net.inet.tcp.always_keepalive) */
    readonly always?: boolean;
    /** idle is measured from any segment reaching the PCB (XNU/FreeBSD t_rcvtime), not only data/acceptable ACKs */
    readonly idleFromAnySegment?: boolean;
    /** XNU tcp_keepalive_reset: every segment reaching an established PCB re-arms KEEP for keepidle from now (§1.2) */
    readonly rearmOnReceive?: boolean;
    /** death sends RST|ACK (default true) */
    readonly rstOnDeath?: boolean;
    /** what-if: every keepalive interval is this many ticks, whatever TCP_KEEPINTVL says (absent = keepintvl) */
    readonly intervalTicks?: number;
    /** RST seq on death: SND.NXT (Linux tcp_send_active_reset) or SND.MAX (BSD tcp_drop → tcp_output) */
    readonly rstSeq?: 'nxt' | 'max';
    /** ICMP host/net unreachable recorded as a soft error while ESTABLISHED (Linux yes; BSD tcp_notify no) */
    readonly icmpSoftErrorEstablished?: boolean;
    /** the error on death: `now` for the pending error, `after` for every later call (Windows 10052 then 10054) */
    deathErrno?(opInFlight: boolean): { now: Errno; after?: Errno };
    /** µs the timer fires after its deadline, drawn from `rng` (XNU 500 ms class, FreeBSD callout coalescing) */
    lateUs?(delayUs: number, rng: { next(): number }): number;
  };
  /** non-Linux socket options by name; absent on Linux (checkSockopt/sockoptRange serve it) */
  readonly sockopts?: Readonly<Partial<Record<OsSockOptName, SockOptSpec | { unsupported: Errno; instead: string }>>>;
  /** RTO death by count over a backoff table; absent = Linux's time-based tcp_retries2 model */
  readonly rto?: RtoPolicy;
  /**
   * BSD connect timeout (keepinit, µs): the KEEP timer runs in SYN_SENT and its firing drops
   * the connection with ETIMEDOUT (os-profiles.md §1.2 step 1, §2.2 step 2); absent on Linux
   * and Windows, where SYN retransmissions are counted.
   */
  readonly connectTimeoutUs?: number;
  /** the OS's error name for an errno the endpoint raised (Windows: WSA names) */
  errnoName?(e: Errno): Errno;
  /** the OS's number for an errno (SO_ERROR); absent = Linux numbers */
  errnoNumber?(e: Errno): number;
  /** the timer clock this OS's hosts get (absent = Linux jiffies) */
  readonly timer?: { readonly usPerTick: number; readonly label: string; readonly clock: 'xnu' | 'freebsd' | 'windows' };
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
    /** TCP timestamps on every segment (Linux, BSD default on; Windows default off): pcap options */
    readonly timestamps?: boolean;
    /** Linux's delayed-ACK engine where it shows (the ACK of a FIN in ESTABLISHED waits for the delack timer, src/tcp/delack.ts); absent = ACK at once */
    readonly delayedAck?: boolean;
  };
}
