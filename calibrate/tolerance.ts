/**
 * How far a real-kernel time may differ from the simulator's: one jiffy, plus capture slack.
 *
 * Both hosts of a calibration run share one kernel and so one jiffy clock. Once the simulator
 * runs with that clock's phase (fit.ts) and with the real programs' call times (replay.ts),
 * every timer the kernel arms lands in the same wheel bucket in both runs (kernel/time/timer.c;
 * linux-keepalive.md §6): a timer of d jiffies armed at jiffy J fires at the first multiple of
 * G(d) strictly after J + d on both sides. What is left is the clock itself: an event can sit
 * anywhere inside its jiffy (an application's call, a packet's arrival), and a timer callback
 * can run a jiffy late when the CPU was idle (NO_HZ). So one jiffy, never G(d).
 */

/**
 * Measurement slack added to the tolerance: tcpdump stamps a packet when it crosses the
 * interface, a few tens of µs after the timer callback or the system call that sent it, and a
 * Python program reports a call a few hundred µs after the kernel finished it.
 */
export const CAPTURE_SLACK = 0.0005;

/** The tolerance, seconds, for a kernel with CONFIG_HZ = hz. */
export function tolerance(hz: number): number {
  return 1 / hz + CAPTURE_SLACK;
}

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
 * Linux's expiry for a d-jiffy timer armed at jiffy `armedAt`: the first multiple of G(d)
 * strictly after armedAt + d (calc_index rounds up, always at least one jiffy late).
 * Used by tests and the docs to state expected kernel times.
 */
export function wheelExpiry(armedAt: number, d: number): number {
  const g = wheelGranularityJiffies(d);
  return (Math.floor((armedAt + d) / g) + 1) * g;
}
