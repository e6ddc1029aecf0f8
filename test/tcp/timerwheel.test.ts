/**
 * Linux timer-wheel rounding (linux-keepalive.md §6, kernel/time/timer.c calc_wheel_index /
 * calc_index): level L for d < 63·8^L, granularity 8^L, expiry (floor((J + d)/G) + 1)·G.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactTimerBase, linuxTimerBase, wheelExpiry, wheelGranularity } from '../../src/os/timerbase.ts';

/** Delay in µs of a timer of `seconds` re-armed at a jiffy aligned to its granularity (steady state). */
function alignedDelayUs(hz: number, seconds: number): number {
  const d = Math.round(seconds * hz);
  const g = wheelGranularity(d);
  const j = 1000 * g; // any multiple of G
  return ((wheelExpiry(j, d) - j) * 1e6) / hz;
}

describe('wheelGranularity: level boundaries LVL_START(n) = 63·8^(n−1)', () => {
  it.each([
    [0, 1],
    [62, 1],
    [63, 8],
    [503, 8],
    [504, 64],
    [4031, 64],
    [4032, 512],
    [32255, 512],
    [32256, 4096],
    [258047, 4096],
    [258048, 32768],
    [2064383, 32768],
    [2064384, 262144],
    [16515071, 262144],
    [16515072, 8 ** 7],
  ])('d = %i jiffies -> G = %i', (d, g) => {
    expect(wheelGranularity(d)).toBe(g);
  });
});

describe('wheelExpiry', () => {
  it('is always at least one jiffy late, even at level 0 (calc_index "+1")', () => {
    expect(wheelExpiry(100, 0)).toBe(101);
    expect(wheelExpiry(100, 1)).toBe(102);
    expect(wheelExpiry(100, 62)).toBe(163);
  });

  it('rounds up to the next multiple of G strictly greater than J + d', () => {
    expect(wheelExpiry(0, 63)).toBe(64); // L1, G 8: 63 -> 64
    expect(wheelExpiry(1, 63)).toBe(72); // 64 is a multiple of 8, so the next one
    expect(wheelExpiry(5, 1250)).toBe(1280); // L2, G 64
  });
});

describe('aligned re-arm worked examples (linux-keepalive.md §6)', () => {
  it.each([
    // [seconds, HZ 250 delay µs, HZ 1000 delay µs]
    [5, 5_120_000, 5_120_000],
    [3, 3_072_000, 3_008_000],
    [11, 11_008_000, 11_264_000],
    [2, 2_016_000, 2_048_000],
    [1, 1_024_000, 1_024_000],
    [120, 120_832_000, 122_880_000], // TCP_RTO_MAX (Cloudflare case 6: 120.832 s)
    [75, 75_776_000, 77_824_000], // default keepintvl
    [7200, 7_208_960_000, 7_340_032_000], // default keepidle
  ])('%i s -> %i µs at HZ 250, %i µs at HZ 1000', (s, hz250, hz1000) => {
    expect(alignedDelayUs(250, s)).toBe(hz250);
    expect(alignedDelayUs(1000, s)).toBe(hz1000);
  });

  it('5 s is 5.04 s at HZ 100', () => {
    expect(alignedDelayUs(100, 5)).toBe(5_040_000);
  });
});

describe('linuxTimerBase', () => {
  it('counts jiffies from the boot phase: tick j starts at j·tick − phase', () => {
    const tb = linuxTimerBase(250, 1_000); // jiffy boundary every 4 ms, offset by 1 ms
    expect(tb.ticks(0)).toBe(0);
    expect(tb.ticks(2_999)).toBe(0);
    expect(tb.ticks(3_000)).toBe(1);
    expect(tb.tickStart(1)).toBe(3_000);
    expect(tb.tickStart(tb.ticks(123_456))).toBeLessThanOrEqual(123_456);
  });

  it('converts like the kernel: secs × HZ, msecs/usecs rounded up, ticks to µs', () => {
    const tb = linuxTimerBase(250, 0);
    expect(tb.secs(5)).toBe(1250);
    expect(tb.msecs(5000)).toBe(1250);
    expect(tb.msecs(1)).toBe(1); // msecs_to_jiffies rounds up
    expect(tb.usecs(200_000)).toBe(50); // TCP_RTO_MIN = HZ/5
    expect(tb.usecs(4_001)).toBe(2);
    expect(tb.toMicros(768)).toBe(3_072_000);
  });

  it('fires a keepintvl of 3 s re-armed at an aligned jiffy exactly 3.072 s later (Cloudflare case 2)', () => {
    const tb = linuxTimerBase(250, 0);
    const now = tb.tickStart(64 * 1000); // a jiffy on a 64-jiffy boundary
    expect(tb.fireTime(now, tb.secs(3)) - now).toBe(3_072_000);
  });

  it('the first keepidle of 5 s lands in (5 s, 5.256 s] after arming, depending on the phase', () => {
    const delays = [0, 4_000, 100_000, 255_999, 1_234_567].map((phase) => {
      const tb = linuxTimerBase(250, phase);
      return tb.fireTime(777_777, tb.secs(5)) - 777_777;
    });
    for (const d of delays) {
      expect(d).toBeGreaterThan(5_000_000);
      expect(d).toBeLessThanOrEqual(5_256_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('property: a first arming is never early and at most one granularity late', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(100, 250, 1000),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 40_000_000 }),
        (hz, phase, now, d) => {
          const tb = linuxTimerBase(hz, phase);
          const tick = 1e6 / hz;
          const fire = tb.fireTime(now, d);
          const j = wheelExpiry(tb.ticks(now), d);
          expect(j % wheelGranularity(d)).toBe(0);
          expect(fire - now).toBeGreaterThan(d * tick);
          expect(fire - now).toBeLessThanOrEqual((d + wheelGranularity(d)) * tick);
          expect(tb.ticks(fire)).toBe(j); // the callback runs in the expiry jiffy
        },
      ),
    );
  });

  it('property: a re-arm from an aligned firing is exactly (floor(d/G) + 1)·G', () => {
    fc.assert(
      fc.property(fc.constantFrom(250, 1000), fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 1, max: 40_000_000 }), fc.nat({ max: 10_000 }), (hz, phase, d, k) => {
        const tb = linuxTimerBase(hz, phase);
        const g = wheelGranularity(d);
        const now = tb.tickStart(g * (k + Math.ceil(tb.ticks(0) / g) + 1));
        expect(tb.fireTime(now, d) - now).toBe(tb.toMicros((Math.floor(d / g) + 1) * g));
      }),
    );
  });
});

describe('exactTimerBase', () => {
  it('fires exactly on time in µs ticks; negative delays fire now', () => {
    const tb = exactTimerBase();
    expect(tb.mode).toBe('exact');
    expect(tb.ticks(123)).toBe(123);
    expect(tb.secs(3)).toBe(3_000_000);
    expect(tb.msecs(2.5)).toBe(2_500);
    expect(tb.fireTime(10, 5_000_000)).toBe(5_000_010);
    expect(tb.fireTime(10, -3)).toBe(10);
  });
});
