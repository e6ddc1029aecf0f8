/**
 * Timer clocks of the non-Linux profiles (os-profiles.md §1.6, §2.6, §3.5, §5.9). Each counts
 * fixed ticks from a boot phase drawn from the seed and fires a timer on the first tick
 * boundary at or after its deadline; the keepalive timer may fire later still, by an amount
 * drawn from the host's own rng stream (`keepalive-timer:<host>`), so runs stay reproducible.
 *
 * - XNU: `tcp_now` counts ms (TCP_RETRANSHZ 1000); KEEP is a 500 ms-class timer on the one
 *   global tcp_timer_list, so it fires up to ≈0.5 s late; it is re-armed from the actual
 *   firing, so lateness accumulates [I].
 * - FreeBSD: `ticks` at hz (1000; 100 under a hypervisor); callout_when() lets a callout be
 *   deferred by up to delay >> tc_precexp (= delay/16) for coalescing [V/I].
 * - Windows: a ≈15.625 ms system tick [I, xmrig#3300 capture]; no extra lateness.
 */
import type { Micros } from '../engine/time.ts';
import type { TimerBase } from './timerbase.ts';

export interface TickClockOptions {
  mode: 'xnu' | 'freebsd' | 'windows';
  usPerTick: number;
  phaseUs: Micros;
  /** lateness of a keepalive firing for a timer of `delayUs`; absent = none */
  late?: (delayUs: Micros) => Micros;
}

export function tickTimerBase(o: TickClockOptions): TimerBase {
  const u = o.usPerTick;
  const ticks = (t: Micros): number => Math.floor((t + o.phaseUs) / u);
  const tickStart = (j: number): Micros => Math.ceil(j * u) - o.phaseUs;
  const base: TimerBase = {
    hz: 1e6 / u,
    mode: 'linux', // "the OS's own timer" as opposed to exact (report/json.ts shows it as `timer`)
    clock: o.mode,
    phaseUs: o.phaseUs,
    ticks,
    tickStart,
    // a timer due d ticks from now fires on the first tick boundary at or after that instant (never early)
    fireTime: (now, d) => Math.max(now, tickStart(Math.ceil((now + Math.max(0, d) * u + o.phaseUs) / u))),
    secs: (s) => Math.round((s * 1e6) / u),
    msecs: (ms) => Math.ceil((ms * 1000) / u),
    usecs: (us) => Math.ceil(us / u),
    toMicros: (d) => Math.round(d * u),
  };
  return o.late ? { ...base, keepaliveLateUs: o.late } : base;
}
