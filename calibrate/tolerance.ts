/**
 * How far a real-kernel time may legitimately differ from the simulator's, derived from the
 * timer wheel (kernel/time/timer.c; linux-keepalive.md §6).
 *
 * A timer of d jiffies armed at jiffy J fires at the first multiple of G(d) strictly after
 * J + d, so its delay lies in [d + 1, d + G(d)] jiffies depending on J mod G(d) — the boot
 * phase of the jiffy clock, which differs between the kernel and the simulator. A timer
 * re-armed from a callback that ran on a bucket boundary of granularity >= G(d) has an exact
 * delay, (floor(d / G) + 1) · G, on both sides; then only one jiffy of slack is fair.
 */

/**
 * Measurement slack added to every tolerance: tcpdump stamps a packet when it crosses the
 * interface, a few tens of µs after the timer callback, and the callback itself may run one
 * jiffy late when the CPU was idle (NO_HZ); 0.5 ms covers the stamping, not a whole jiffy.
 */
export const CAPTURE_SLACK = 0.0005;

/** Granularity of the timer-wheel level a d-jiffy timer lands in: 8^L jiffies (LVL_START(n) = 63·8^(n−1)). */
export function wheelGranularityJiffies(d: number): number {
  let level = 0;
  let start = 63;
  // 9 levels (LVL_DEPTH) when HZ > 100; the last level catches everything longer.
  while (level < 8 && d >= start) {
    level += 1;
    start *= 8;
  }
  return 8 ** level;
}

/** Granularity in seconds of the wheel level for a delay of `seconds` at `hz`. */
export function wheelGranularity(seconds: number, hz: number): number {
  const d = Math.max(0, Math.round(Math.abs(seconds) * hz));
  return wheelGranularityJiffies(d) / hz;
}

/**
 * Tolerance (seconds) for a gap of nominal length `gap`: one jiffy for an aligned re-arm,
 * else max(one jiffy, G(gap)) — a first arming may land anywhere in its bucket window —
 * plus CAPTURE_SLACK.
 */
export function gapTolerance(gap: number, hz: number, aligned: boolean): number {
  const tick = 1 / hz;
  return (aligned ? tick : Math.max(tick, wheelGranularity(gap, hz))) + CAPTURE_SLACK;
}

/**
 * Linux's expiry for a d-jiffy timer armed at jiffy `armedAt`: the first multiple of G(d)
 * strictly after armedAt + d (calc_index rounds up, always at least one jiffy late).
 * Used by tests and the docs to state expected kernel times.
 */
export function wheelExpiry(armedAt: number, d: number): number {
  const g = wheelGranularityJiffies(d);
  return (Math.floor((armedAt + d) / g) + 1) * g;
}
