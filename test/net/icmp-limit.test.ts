/**
 * The router's ICMP rate limits (src/net/icmp-limit.ts) against net/ipv4/icmp.c and
 * net/ipv4/inetpeer.c: the per-destination bucket of 6 × icmp_ratelimit, the host-wide
 * icmp_msgs_per_sec / icmp_msgs_burst bucket, icmp_ratemask, and 0 switching a limit off.
 */
import { describe, expect, it } from 'vitest';
import { ICMP_DEST_UNREACH, IcmpRateLimiter, LINUX_ICMP_DEFAULTS, type IcmpSysctls } from '../../src/net/icmp-limit.ts';

const HZ = 250;
const clock = { hz: HZ, ticks: (t: number): number => Math.floor((t * HZ) / 1e6) };
const limiter = (o: Partial<IcmpSysctls> = {}, credits = (): number => 1): IcmpRateLimiter => new IcmpRateLimiter({ ...LINUX_ICMP_DEFAULTS, ...o }, clock, credits);
/** Which of `n` host-unreachables sent every `everyUs` (from 1 s) pass. */
const passed = (l: IcmpRateLimiter, n: number, everyUs: number, dst = '10.77.0.1'): number[] =>
  Array.from({ length: n }, (_, i) => i).filter((i) => l.allow(ICMP_DEST_UNREACH, 1, dst, 1_000_000 + i * everyUs));

describe('IcmpRateLimiter', () => {
  it('lets a burst of 6 through to one destination, then one per icmp_ratelimit (1 s)', () => {
    // every 204 ms = 51 jiffies (an RTO at its floor): the full bucket (1500 J) pays for 7 at
    // 250 J each while 51 J accrue per message, then one whenever 250 J have accrued again
    expect(passed(limiter(), 20, 204_000)).toEqual([0, 1, 2, 3, 4, 5, 6, 10, 15]);
  });

  it('keeps one bucket per destination', () => {
    const l = limiter();
    expect(passed(l, 8, 1000, '10.77.0.1')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(passed(l, 8, 1000, '10.77.0.9')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('icmp_ratelimit 0 switches the per-destination limit off', () => {
    expect(passed(limiter({ icmp_ratelimit: 0 }), 20, 204_000)).toHaveLength(20);
  });

  it('only limits the types in icmp_ratemask (0: none)', () => {
    expect(passed(limiter({ icmp_ratemask: 0 }), 20, 1000)).toHaveLength(20);
    const l = limiter({ icmp_ratemask: 1 << 11 }); // time exceeded only
    expect(Array.from({ length: 20 }, (_, i) => l.allow(ICMP_DEST_UNREACH, 1, 'x', i * 1000)).every(Boolean)).toBe(true);
    expect(l.allow(ICMP_DEST_UNREACH, 4, 'x', 0)).toBe(true); // fragmentation needed: never limited
  });

  it('spends the host-wide burst, then refills icmp_msgs_per_sec per second (at most once per HZ/50)', () => {
    // no per-destination limit, burst 3, 10 per second, every message costs one credit
    const l = limiter({ icmp_ratelimit: 0, icmp_msgs_burst: 3, icmp_msgs_per_sec: 10 });
    const at = (ms: number): boolean => l.allow(ICMP_DEST_UNREACH, 1, 'x', ms * 1000);
    expect([0, 1, 2, 3, 4].map((ms) => at(ms))).toEqual([true, true, true, false, false]);
    expect(at(10)).toBe(false); // 2 jiffies since the refill at 0 < HZ/50 = 5
    expect(at(100)).toBe(true); // 25 jiffies: 10 × 25 / 250 = 1 credit
    expect(at(101)).toBe(false);
  });

  it('icmp_msgs_per_sec 0 stops every limited message (nothing ever refills)', () => {
    expect(passed(limiter({ icmp_msgs_per_sec: 0 }), 5, 1000)).toEqual([]);
  });
});
