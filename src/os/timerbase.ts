/**
 * A host's timer clock. Linux hosts count jiffies (CONFIG_HZ) from an arbitrary boot
 * phase and arm timers on the hierarchical timer wheel, which rounds every expiry up
 * (linux-keepalive.md §6, kernel/time/timer.c `calc_wheel_index`/`calc_index`):
 * a timer of d jiffies armed at jiffy J lands in level L (d < 63·8^L), granularity
 * G = 8^L, and fires at (floor((J + d) / G) + 1)·G — always at least one jiffy late.
 * This is what spaces seed 000's probes 5.12 s apart for a 5 s interval.
 *
 * `exact` mode counts microseconds and fires timers exactly on time: the textbook model.
 */
import type { Micros } from '../engine/time.ts';

export interface TimerBase {
  /** ticks per second: HZ for a Linux clock, 1e6 for exact */
  readonly hz: number;
  readonly mode: 'linux' | 'exact';
  /** the OS clock behind a non-exact base (absent = Linux jiffies); `mode` is then 'linux' = "the OS's own timer" */
  readonly clock?: 'xnu' | 'freebsd' | 'windows';
  /** µs to add to virtual time to get the host's clock (boot phase) */
  readonly phaseUs: Micros;
  /** the current tick (jiffy) at virtual time t */
  ticks(t: Micros): number;
  /** the first virtual instant of tick j */
  tickStart(j: number): Micros;
  /** virtual time at which a timer armed at `now` for `d` ticks fires */
  fireTime(now: Micros, d: number): Micros;
  /** seconds -> ticks (`val * HZ`, as setsockopt TCP_KEEPIDLE stores it) */
  secs(s: number): number;
  /** milliseconds -> ticks, rounded up like msecs_to_jiffies() */
  msecs(ms: number): number;
  /** microseconds -> ticks, rounded up like usecs_to_jiffies() */
  usecs(us: number): number;
  /** ticks -> µs (a duration) */
  toMicros(d: number): Micros;
  /** extra lateness of a keepalive timer firing (XNU/FreeBSD), drawn from the host's named rng stream */
  keepaliveLateUs?(delayUs: Micros): Micros;
}

/** Timer-wheel expiry for a timer of `d` jiffies armed at jiffy `j` (HZ > 100: 9 levels). */
export function wheelExpiry(j: number, d: number): number {
  const delta = Math.max(0, d);
  let level = 0;
  let start = 63; // LVL_START(1) = 63 << 0
  while (delta >= start && level < 8) {
    level++;
    start *= 8; // LVL_START(n) = 63 << 3(n-1)
  }
  const g = 8 ** level;
  return (Math.floor((j + delta) / g) + 1) * g;
}

/** Wheel granularity (jiffies) for a timer of d jiffies. */
export function wheelGranularity(d: number): number {
  let level = 0;
  let start = 63;
  while (d >= start && level < 8) {
    level++;
    start *= 8;
  }
  return 8 ** level;
}

/** Called for every timer armed on a clock (calibration reads the wheel level of each firing). */
export type TimerObserver = (now: Micros, ticks: number, at: Micros) => void;

export function linuxTimerBase(hz: number, phaseUs: Micros, observe?: TimerObserver): TimerBase {
  const usPerTick = 1e6 / hz;
  const ticks = (t: Micros): number => Math.floor(((t + phaseUs) * hz) / 1e6);
  const tickStart = (j: number): Micros => Math.ceil((j * 1e6) / hz) - phaseUs;
  const fireTime = (now: Micros, d: number): Micros => Math.max(now, tickStart(wheelExpiry(ticks(now), d)));
  return {
    hz,
    mode: 'linux',
    phaseUs,
    ticks,
    tickStart,
    fireTime: observe
      ? (now, d) => {
          const at = fireTime(now, d);
          observe(now, d, at);
          return at;
        }
      : fireTime,
    secs: (s) => Math.round(s * hz),
    msecs: (ms) => Math.ceil((ms * hz) / 1000),
    usecs: (us) => Math.ceil((us * hz) / 1e6),
    toMicros: (d) => Math.round(d * usPerTick),
  };
}

export function exactTimerBase(): TimerBase {
  return {
    hz: 1e6,
    mode: 'exact',
    phaseUs: 0,
    ticks: (t) => t,
    tickStart: (j) => j,
    fireTime: (now, d) => now + Math.max(0, d),
    secs: (s) => Math.round(s * 1e6),
    msecs: (ms) => Math.round(ms * 1000),
    usecs: (us) => Math.ceil(us),
    toMicros: (d) => d,
  };
}
