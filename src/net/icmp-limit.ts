/**
 * A Linux router's ICMP rate limits (net/ipv4/icmp.c, 6.12+ order; net/ipv4/inetpeer.c), with
 * the router's net.ipv4 sysctls as names and defaults (per netns since 6.11):
 *
 *  1. icmpv4_mask_allow: only types whose bit is set in `icmp_ratemask` are limited
 *     (default 0x1818: destination unreachable 3, source quench 4, time exceeded 11, parameter
 *     problem 12); "fragmentation needed" never is. Mask 0 = no limit at all.
 *  2. icmp_global_allow: a host-wide token bucket of `icmp_msgs_per_sec` credits per second,
 *     at most `icmp_msgs_burst`, refilled (at most one second's worth) only when empty and at
 *     least HZ/50 jiffies after the last refill; allows while the credit is above 0.
 *  3. inet_peer_xrlim_allow: per destination, a bucket of jiffies: elapsed time accrues up to
 *     6 × `icmp_ratelimit` (XRLIM_BURST_FACTOR), each message costs `icmp_ratelimit`; a new
 *     peer starts full (rate_last = now − 60 s). `icmp_ratelimit` 0 = no per-destination limit.
 *  4. icmp_global_consume: a message that passed costs 0, 1 or 2 global credits at random
 *     (get_random_u32_below(3)); here from the router's own seeded stream.
 * Times are the router's jiffies: one kernel runs the hosts and the router in a calibration run,
 * so the simulated router reads the first host's jiffy clock.
 */
import type { Micros } from '../engine/time.ts';

/** The router's net.ipv4 ICMP sysctls (Documentation/networking/ip-sysctl.rst). */
export interface IcmpSysctls {
  /** ms between messages to one destination; 0 = no per-destination limit */
  icmp_ratelimit: number;
  /** bit i set = ICMP type i is rate-limited */
  icmp_ratemask: number;
  icmp_msgs_per_sec: number;
  icmp_msgs_burst: number;
}

/** A fresh netns on Linux 6.18 (icmp_sk_init; `sysctl net.ipv4.icmp_*` read back on the calibration kernel). */
export const LINUX_ICMP_DEFAULTS: Readonly<IcmpSysctls> = Object.freeze({ icmp_ratelimit: 1000, icmp_ratemask: 0x1818, icmp_msgs_per_sec: 1000, icmp_msgs_burst: 50 });

/** ICMP type numbers the simulator sends (RFC 792). */
export const ICMP_DEST_UNREACH = 3;
const NR_ICMP_TYPES = 18;
const XRLIM_BURST_FACTOR = 6;

export interface RouterClock {
  hz: number;
  ticks(t: Micros): number;
}

export class IcmpRateLimiter {
  private credit = 0;
  /** jiffy of the last global refill; null = never (the kernel's stamp is 0, long before now) */
  private stamp: number | null = null;
  private readonly peers = new Map<string, { tokens: number; last: number }>();

  constructor(
    readonly cfg: Readonly<IcmpSysctls>,
    private readonly clock: RouterClock,
    /** 0, 1 or 2 (icmp_global_consume) */
    private readonly randomCredits: () => number,
  ) {}

  /** May the router send an ICMP message of this type/code to `dst` now? Counts it if so. */
  allow(type: number, code: number, dst: string, now: Micros): boolean {
    if (this.unlimited(type, code)) return true;
    const j = this.clock.ticks(now);
    if (!this.globalAllow(j)) return false;
    if (!this.peerAllow(dst, j)) return false;
    this.credit -= this.randomCredits();
    return true;
  }

  private unlimited(type: number, code: number): boolean {
    if (type > NR_ICMP_TYPES) return true;
    if (type === ICMP_DEST_UNREACH && code === 4) return true; // ICMP_FRAG_NEEDED: PMTU discovery
    return ((1 << type) & this.cfg.icmp_ratemask) === 0;
  }

  private globalAllow(j: number): boolean {
    if (this.credit > 0) return true;
    const hz = this.clock.hz;
    const delta = this.stamp === null ? hz : Math.min(j - this.stamp, hz);
    if (delta < Math.floor(hz / 50)) return false;
    const incr = Math.floor((this.cfg.icmp_msgs_per_sec * delta) / hz);
    if (incr === 0) return false;
    this.stamp = j;
    this.credit = Math.min(this.credit + incr, this.cfg.icmp_msgs_burst);
    return true;
  }

  private peerAllow(dst: string, j: number): boolean {
    // proc_dointvec_ms_jiffies: the sysctl is ms, stored in jiffies
    const timeout = Math.ceil((this.cfg.icmp_ratelimit * this.clock.hz) / 1000);
    const p = this.peers.get(dst) ?? { tokens: 0, last: j - 60 * this.clock.hz };
    this.peers.set(dst, p);
    let token = Math.min(p.tokens + (j - p.last), XRLIM_BURST_FACTOR * timeout);
    p.last = j;
    const ok = token >= timeout;
    if (ok) token -= timeout;
    p.tokens = token;
    return ok;
  }
}
