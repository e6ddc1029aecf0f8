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

/** The OS profiles the advisor knows (docs/os-profiles.md). */
export type AdvisorOs = 'linux' | 'macos' | 'freebsd' | 'windows';

export interface ModelEnv {
  /** the hosts' OS (default linux) */
  os?: AdvisorOs;
  /** CONFIG_HZ of a Linux host (timer wheel); 0 = exact timers */
  hz: number;
  /** round-trip time, seconds */
  rtt: number;
  /** independent loss probability per packet, each direction */
  loss: number;
}

/**
 * Worst lateness (s) of one keepalive timer firing armed for `secs` seconds.
 * Linux: one wheel granularity + one jiffy (linux-keepalive.md §6). macOS: the 500 ms timer
 * class (os-profiles.md §1.6, profile keepTimerLateMs) + the 1 ms tcp_now tick. FreeBSD: callout
 * coalescing up to delay/16 (§2.6, profile calloutSlackDivisor) + a 1 ms tick. Windows: one
 * 15.625 ms tick (§3.5).
 */
export function armLateness(secs: number, hz: number, os: AdvisorOs = 'linux'): number {
  switch (os) {
    case 'macos':
      return 0.501;
    case 'freebsd':
      return secs / 16 + 0.001;
    case 'windows':
      return 0.015625;
    default: {
      if (hz <= 0) return 0;
      const d = Math.round(secs * hz);
      return (wheelGranularity(d) + 1) / hz;
    }
  }
}

/** macOS and FreeBSD decide death by elapsed time, Linux and Windows by probe count (os-profiles.md §1.2, §2.2, §3.2). */
const timeAnchored = (os: AdvisorOs | undefined): boolean => os === 'macos' || os === 'freebsd';

const late = (secs: number, env: ModelEnv): number => armLateness(secs, env.hz, env.os);

/**
 * Longest time (s) from a failure to the keepalive abort.
 * Count-based (Linux, Windows): idle + cnt·intvl, each arming late.
 * Time-anchored (BSDs): death at the first firing at or after last_rx + idle + cnt·intvl, which
 * is at most one interval (late) after that deadline — or the first firing itself, if it is so
 * late that it already passes the deadline.
 */
export function detectionBound(t: Triple, env: ModelEnv): number {
  if (timeAnchored(env.os)) return Math.max(t.idle + late(t.idle, env), t.idle + t.cnt * t.intvl + t.intvl + late(t.intvl, env));
  return t.idle + late(t.idle, env) + t.cnt * (t.intvl + late(t.intvl, env));
}

/**
 * Longest gap (s) between two packets of an idle, live connection: the refresh period a NAT
 * sees. Linux: after a probe the timer is re-armed for intvl (§1 step 7b); when it fires, the
 * probe's ACK came RTT after the probe, so if intvl ≥ idle the next probe goes at once (period
 * intvl, rounded), else the timer is re-armed for the rest of idle (period idle + RTT, rounded).
 * So max(intvl, idle + RTT) plus one rounding — intvl > idle makes the period intvl, a trap
 * (KEEPIDLE 60 with the default 75 s interval refreshes every ≈ 77 s and loses a 60 s NAT).
 * BSDs: every segment re-arms KEEP to a full idle (os-profiles.md §1.2 tcp_keepalive_reset),
 * so the period is idle + RTT. Windows: assumed as Linux (§3.2 [?]).
 */
export function refreshBound(t: Triple, env: ModelEnv): number {
  if (timeAnchored(env.os)) return t.idle + env.rtt + late(t.idle, env);
  return Math.max(t.intvl + late(t.intvl, env), t.idle + env.rtt + late(t.idle, env));
}

/**
 * Unanswered probes it takes to declare a live peer dead: cnt where death counts probes; on the
 * BSDs only the probes that fit before the time deadline — fewer when firings are late, none
 * when the first firing is already past it (FreeBSD with idle/16 ≥ cnt·intvl: a live peer dies
 * without a probe, docs/os-profiles.md).
 */
export function probesToDeath(t: Triple, env: ModelEnv): number {
  if (!timeAnchored(env.os)) return t.cnt;
  const room = t.cnt * t.intvl - late(t.idle, env);
  return room <= 0 ? 0 : Math.ceil(room / (t.intvl + late(t.intvl, env)));
}

/** Expected false alarms per connection-year on a live path with independent loss. */
export function falseAlarmsPerYear(t: Triple, env: ModelEnv): number {
  const cycles = YEAR_S / Math.max(t.idle + env.rtt, t.intvl);
  const n = probesToDeath(t, env);
  if (n === 0) return cycles;
  if (env.loss <= 0) return 0;
  const q = 1 - (1 - env.loss) ** 2;
  return q ** n * cycles;
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

/** The model figures of a triple; over several OSes, the worst of each. */
export function describe(t: Triple, env: ModelEnv | readonly ModelEnv[]): Candidate {
  const envs = Array.isArray(env) ? env : [env as ModelEnv];
  const worst = (f: (t: Triple, e: ModelEnv) => number): number => Math.max(...envs.map((e) => f(t, e)));
  return {
    ...t,
    detectBound: worst(detectionBound),
    refreshBound: worst(refreshBound),
    falseAlarmsPerYear: worst(falseAlarmsPerYear),
    packetsPerHour: worst((x, e) => overheadPerHour(x, e).packets),
    bytesPerHour: worst((x, e) => overheadPerHour(x, e).bytes),
  };
}

/** Linux setsockopt ranges (linux-keepalive.md §2): TCP_KEEPIDLE/INTVL 1..32767 s, TCP_KEEPCNT 1..127. */
export const LINUX_MAX = { idle: 32_767, intvl: 32_767, cnt: 127 } as const;
/** Widest interval the advisor proposes: the Linux default, 75 s. */
const INTVL_CAP = 75;

/**
 * The cheapest triple (longest idle, hence fewest probes an hour) whose bounds meet the
 * constraints on every OS given, or null. Among triples with that idle: the fewest probes that
 * keep false alarms within budget (at least 3, so one lost probe and its retry are never fatal),
 * spread as widely as the detection target allows (a wider interval rides out short outages),
 * and no wider than the Linux default interval of 75 s.
 */
export function bestTriple(c: Constraints, env: ModelEnv | readonly ModelEnv[]): Candidate | null {
  const envs = Array.isArray(env) ? env : [env as ModelEnv];
  const minIntvl = Math.max(1, Math.ceil(c.minIntvl ?? 3 * Math.max(...envs.map((e) => e.rtt))));
  const maxIdle = Math.min(LINUX_MAX.idle, Math.floor(c.detectWithin));
  const meets = (t: Triple): Candidate | null => {
    const d = describe(t, envs);
    return d.detectBound <= c.detectWithin && d.falseAlarmsPerYear <= c.falseAlarmBudget && d.refreshBound < c.natIdle ? d : null;
  };
  for (let idle = maxIdle; idle >= 1; idle--) {
    if (c.fixed) {
      const d = meets({ idle, ...c.fixed });
      if (d) return d;
      continue;
    }
    if (describe({ idle, intvl: minIntvl, cnt: 1 }, envs).refreshBound >= c.natIdle) continue;
    const d = pickProbes(idle, c, envs, minIntvl, meets);
    if (d) return d;
  }
  return null;
}

function pickProbes(idle: number, c: Constraints, envs: readonly ModelEnv[], minIntvl: number, meets: (t: Triple) => Candidate | null): Candidate | null {
  for (let cnt = 3; cnt <= LINUX_MAX.cnt; cnt++) {
    // the fastest this count can detect; more probes only lengthen detection
    if (describe({ idle, intvl: minIntvl, cnt }, envs).detectBound > c.detectWithin) return null;
    // false alarms fall with the count; with the widest interval on the BSDs (more probes fit)
    if (describe({ idle, intvl: INTVL_CAP, cnt }, envs).falseAlarmsPerYear > c.falseAlarmBudget && describe({ idle, intvl: minIntvl, cnt }, envs).falseAlarmsPerYear > c.falseAlarmBudget) continue;
    for (let intvl = INTVL_CAP; intvl >= minIntvl; intvl--) {
      const d = meets({ idle, intvl, cnt });
      if (d) return d;
    }
  }
  return null;
}
