/**
 * The advisor's analytic model of Linux TCP keepalive: the bounds a keepalive triple
 * (idle, intvl, cnt) implies, used to choose candidates that the simulator then checks
 * (./evidence.ts). Every rule cites linux-keepalive.md; the simulator itself, not this
 * model, is the judge — the model only has to be a sound upper bound.
 *
 * - Probe k at `last_rx + idle + (k−1)·intvl`, death (RST, ETIMEDOUT) at
 *   `last_rx + idle + cnt·intvl` (§1 "Consequences"); each arming is rounded up by the
 *   timer wheel: at most one granularity of the timer's level plus one jiffy late (§6,
 *   src/os/timerbase.ts). So after a failure at f ≥ last_rx, detection comes at most
 *   `idle + cnt·intvl + lateness` later.
 * - A responsive peer sees probes spaced ≈ max(idle + RTT, intvl) (§1): that is the refresh
 *   period a NAT sees on an idle connection (refreshBound).
 * - A live peer is declared dead only if `cnt` probes in a row go unanswered (§1
 *   `icsk_probes_out`: any ACK zeroes it). With independent loss p per packet and
 *   direction, one probe fails with q = 1 − (1 − p)², a cycle ends in a false alarm with
 *   q^cnt, and there are ≈ year / idle cycles a year.
 */
import { wheelGranularity } from '../os/timerbase.ts';

export const YEAR_S = 365 * 86_400;
/** IPv4 + TCP header with the timestamp option (Linux default), no payload: a probe or its ACK. */
export const PROBE_IP_BYTES = 20 + 20 + 12;

export interface Triple {
  /** TCP_KEEPIDLE, seconds */
  idle: number;
  /** TCP_KEEPINTVL, seconds */
  intvl: number;
  /** TCP_KEEPCNT */
  cnt: number;
}

export interface ModelEnv {
  /** CONFIG_HZ of the host (timer wheel); 0 = exact timers */
  hz: number;
  /** round-trip time, seconds */
  rtt: number;
  /** independent loss probability per packet, each direction */
  loss: number;
}

/** Worst lateness (s) of one keepalive arming of `secs` seconds: one wheel granularity + one jiffy (§6). */
export function armLateness(secs: number, hz: number): number {
  if (hz <= 0) return 0;
  const d = Math.round(secs * hz);
  return (wheelGranularity(d) + 1) / hz;
}

/** Longest time (s) from a failure to the keepalive abort: idle + cnt·intvl, each arming rounded up. */
export function detectionBound(t: Triple, env: ModelEnv): number {
  return t.idle + armLateness(t.idle, env.hz) + t.cnt * (t.intvl + armLateness(t.intvl, env.hz));
}

/**
 * Longest gap (s) between two packets of an idle, live connection: the refresh period a NAT
 * sees. After a probe the timer is re-armed for intvl (§1 step 7b); when it fires, the probe's
 * ACK came RTT after the probe, so if intvl ≥ idle the next probe goes at once (period intvl,
 * rounded), else the timer is re-armed for the rest of idle (period idle + RTT, rounded).
 * So max(intvl, idle + RTT) plus one rounding — intvl > idle makes the period intvl, a trap
 * (KEEPIDLE 60 with the default 75 s interval refreshes every ≈ 77 s and loses a 60 s NAT).
 */
export function refreshBound(t: Triple, env: ModelEnv): number {
  return Math.max(t.intvl + armLateness(t.intvl, env.hz), t.idle + env.rtt + armLateness(t.idle, env.hz));
}

/** Expected false alarms per connection-year on a live path with independent loss. */
export function falseAlarmsPerYear(t: Triple, env: ModelEnv): number {
  if (env.loss <= 0) return 0;
  const q = 1 - (1 - env.loss) ** 2;
  return q ** t.cnt * (YEAR_S / Math.max(t.idle + env.rtt, t.intvl));
}

/** Keepalive packets (probe + ACK) and IP bytes per hour on an idle live connection. */
export function overheadPerHour(t: Triple, env: ModelEnv): { packets: number; bytes: number } {
  const cycles = 3600 / Math.max(t.idle + env.rtt, t.intvl);
  return { packets: 2 * cycles, bytes: 2 * cycles * PROBE_IP_BYTES };
}

export interface Constraints {
  /** the idle timeout of the NAT / stateful firewall on the path, seconds (none: Infinity) */
  natIdle: number;
  /** a dead peer must be noticed within this many seconds */
  detectWithin: number;
  /** false alarms per connection-year the user accepts */
  falseAlarmBudget: number;
  /** shortest probe interval worth using, seconds (several RTTs, at least 1 s) */
  minIntvl?: number;
  /** fixed interval and count (e.g. Node.js setKeepAlive forces 1 s and 10) */
  fixed?: { intvl: number; cnt: number };
}

export interface Candidate extends Triple {
  detectBound: number;
  refreshBound: number;
  falseAlarmsPerYear: number;
  packetsPerHour: number;
  bytesPerHour: number;
}

export function describe(t: Triple, env: ModelEnv): Candidate {
  const o = overheadPerHour(t, env);
  return { ...t, detectBound: detectionBound(t, env), refreshBound: refreshBound(t, env), falseAlarmsPerYear: falseAlarmsPerYear(t, env), packetsPerHour: o.packets, bytesPerHour: o.bytes };
}

/** Linux setsockopt ranges (linux-keepalive.md §2): TCP_KEEPIDLE/INTVL 1..32767 s, TCP_KEEPCNT 1..127. */
export const LINUX_MAX = { idle: 32_767, intvl: 32_767, cnt: 127 } as const;

/**
 * The cheapest triple (longest idle, hence fewest probes an hour) whose bounds meet the
 * constraints, or null. Among triples with that idle: the fewest probes that keep false
 * alarms within budget (at least 3, so one lost probe and its retry are never fatal), spread
 * as widely as the detection target allows (a wider interval rides out short outages), and
 * no wider than the Linux default interval of 75 s.
 */
export function bestTriple(c: Constraints, env: ModelEnv): Candidate | null {
  const minIntvl = Math.max(1, Math.ceil(c.minIntvl ?? 3 * env.rtt));
  const maxIdle = Math.min(LINUX_MAX.idle, Math.floor(c.detectWithin));
  for (let idle = maxIdle; idle >= 1; idle--) {
    const base = { idle, intvl: c.fixed?.intvl ?? minIntvl, cnt: c.fixed?.cnt ?? 1 };
    if (refreshBound(base, env) >= c.natIdle) continue;
    const t = c.fixed ? base : pickProbes(idle, c, env, minIntvl);
    if (!t) continue;
    const d = describe(t, env);
    if (d.detectBound <= c.detectWithin && d.falseAlarmsPerYear <= c.falseAlarmBudget && d.refreshBound < c.natIdle) return d;
  }
  return null;
}

function pickProbes(idle: number, c: Constraints, env: ModelEnv, minIntvl: number): Triple | null {
  for (let cnt = 3; cnt <= LINUX_MAX.cnt; cnt++) {
    if (falseAlarmsPerYear({ idle, intvl: minIntvl, cnt }, env) > c.falseAlarmBudget) continue;
    // widest interval whose detection bound still fits
    for (let intvl = Math.min(75, LINUX_MAX.intvl); intvl >= minIntvl; intvl--) {
      const t = { idle, intvl, cnt };
      if (detectionBound(t, env) <= c.detectWithin && refreshBound(t, env) < c.natIdle) return t;
    }
    return null; // more probes only lengthen detection
  }
  return null;
}
