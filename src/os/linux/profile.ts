/**
 * The Linux profile (6.x). Defaults and ranges: linux-keepalive.md §2, from
 * include/net/tcp.h and net/ipv4/tcp.c `do_tcp_setsockopt`.
 */
import type { KeepaliveFacts, OsProfile, SockOptName, Sysctls } from '../profile.ts';

/** net.ipv4 defaults, re-initialised in every netns by tcp_sk_init(). */
export const LINUX_DEFAULTS: Readonly<Sysctls> = Object.freeze({
  tcp_keepalive_time: 7200, // TCP_KEEPALIVE_TIME
  tcp_keepalive_intvl: 75, // TCP_KEEPALIVE_INTVL
  tcp_keepalive_probes: 9, // TCP_KEEPALIVE_PROBES
  tcp_retries2: 15, // TCP_RETR2
  tcp_syn_retries: 6, // TCP_SYN_RETRIES
  tcp_synack_retries: 5, // TCP_SYNACK_RETRIES
  tcp_fin_timeout: 60, // TCP_FIN_TIMEOUT
  tcp_syn_linear_timeouts: 4, // 6.5+ (commit "tcp: add tcp_syn_linear_timeouts")
  tcp_rto_min_us: 200_000, // 6.11+ net.ipv4.tcp_rto_min_us (TCP_RTO_MIN)
  tcp_early_retrans: 3, // TLP on (net/ipv4/tcp_output.c tcp_schedule_loss_probe: 3 or 4)
});

// do_tcp_setsockopt: MAX_TCP_KEEPIDLE/MAX_TCP_KEEPINTVL 32767, MAX_TCP_KEEPCNT/MAX_TCP_SYNCNT 127.
const RANGES: Record<SockOptName, [number, number]> = {
  SO_KEEPALIVE: [-(2 ** 31), 2 ** 31 - 1],
  TCP_KEEPIDLE: [1, 32767],
  TCP_KEEPINTVL: [1, 32767],
  TCP_KEEPCNT: [1, 127],
  TCP_USER_TIMEOUT: [0, 2 ** 31 - 1],
  TCP_SYNCNT: [1, 127],
};

export const linuxProfile: OsProfile = {
  name: 'linux',
  defaults: LINUX_DEFAULTS,
  checkSockopt(name, value) {
    const [lo, hi] = RANGES[name];
    return Number.isInteger(value) && value >= lo && value <= hi ? null : 'EINVAL';
  },
  sockoptRange(name) {
    const [lo, hi] = RANGES[name];
    return name === 'TCP_USER_TIMEOUT' ? '>= 0' : name === 'SO_KEEPALIVE' ? 'any int' : `${lo}..${hi}`;
  },
  keepalive: {
    probeLen: 0, // tcp_xmit_probe_skb: zero-length ACK, seq SND.UNA−1
    probeWhileUnacked: false,
    isDead(f: KeepaliveFacts): boolean {
      // tcp_keepalive_timer: with TCP_USER_TIMEOUT the count is ignored entirely.
      if (f.userTimeout > 0) return f.elapsed >= f.userTimeout && f.probesOut > 0;
      return f.probesOut >= f.keepCnt;
    },
  },
  tcp: {
    mss: 1448, // 1500 MTU − 40 (IP+TCP) − 12 (timestamps option, on by default)
    window: 65535,
    rtoMinUs: 200_000, // TCP_RTO_MIN = HZ/5
    rtoMaxUs: 120_000_000, // TCP_RTO_MAX
    rtoInitUs: 1_000_000, // TCP_TIMEOUT_INIT
    tailLossProbe: true, // tcp_early_retrans = 3
    invalidRatelimitUs: 500_000, // tcp_invalid_ratelimit = HZ/2
    timeWaitUs: 60_000_000, // TCP_TIMEWAIT_LEN
    delayedAck: true, // tcp_fin → pingpong → tcp_send_delayed_ack (calibrate: fin-ack-delayed)
  },
};

/**
 * tcp_model_timeout(): the time `boundary` retransmissions take with exponential backoff
 * from `rtoBase` capped at RTO_MAX (net/ipv4/tcp_timer.c). retries2 = 15, 200 ms -> 924.6 s.
 */
export function modelTimeoutUs(boundary: number, rtoBaseUs: number, rtoMaxUs: number): number {
  const thresh = Math.floor(Math.log2(rtoMaxUs / rtoBaseUs));
  if (boundary <= thresh) return (2 ** (boundary + 1) - 1) * rtoBaseUs;
  return (2 ** (thresh + 1) - 1) * rtoBaseUs + (boundary - thresh) * rtoMaxUs;
}
