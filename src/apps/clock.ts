/**
 * The clocks real programs read. Several of them time their heartbeats in whole seconds of
 * CLOCK_MONOTONIC (`tv_sec` only): mosquitto's `mosquitto_time()` (lib/time_mosq.c) and
 * OpenSSH's `monotime()` (misc.c). Such a program cannot tell 10.0 s from 10.9 s, so when it
 * acts depends on where the clock's second boundaries fall relative to the traffic: the
 * *phase* of the host's monotonic clock, which a program shares with every other program on
 * its host. In a real fleet that phase is arbitrary, so by default it is drawn from the run's
 * seed (one stream per host); a calibration scenario pins it (`clockPhase: 0`), because the
 * real-program harness starts scenario time at a whole second of CLOCK_MONOTONIC
 * (calibrate/programs/clock.ts).
 */
import type { Micros } from '../engine/time.ts';
import type { Ctx } from './program.ts';

const S = 1_000_000;

/** Whole seconds of a monotonic clock whose seconds begin at scenario times `phase + k s`. */
export class WholeSeconds {
  constructor(readonly phase: Micros) {}

  /** the clock's `tv_sec` at scenario time `t` (may be negative before the first boundary) */
  sec(t: Micros): number {
    return Math.floor((t - this.phase) / S);
  }

  /** scenario time at which the clock reads `s` for the first time */
  at(s: number): Micros {
    return this.phase + s * S;
  }
}

/** The host's monotonic clock: the program's `clockPhase`, else drawn from the seed for the host. */
export function hostClock(ctx: Ctx, clockPhase: Micros | undefined): WholeSeconds {
  return new WholeSeconds(clockPhase ?? ctx.sim.rng.fork(`monotonic:${ctx.host.name}`).int(0, S - 1));
}
