/**
 * How far a real run strayed from its own schedule, measured in scenario time: programs
 * starting their timed steps late, faults applied late or slowly, timer callbacks running
 * away from the jiffy boundary. A run made while the machine stalled (a program starting
 * seconds late, an iptables command taking 200 ms, timer softirqs deferred to ksoftirqd) is
 * not a recording of the scenario; record.ts records again rather than keep it.
 */
import type { Scenario } from '../src/scenarios/schema.ts';
import type { KernelRunJson } from './convert.ts';
import { jiffyBoundary } from './fit.ts';
import { appName, recordedFaults, scenarioOffset } from './replay.ts';

/** What a quiet machine achieves (docs/calibration.md "Recording"). */
export const LATENESS_LIMITS = {
  /** a program's timed step after its `at`, ms */
  programMs: 20,
  /** the harness beginning a fault after its `at`, ms */
  faultStartMs: 20,
  /** an iptables command (cut, firewall, icmp) in effect after it began, ms */
  faultCommandMs: 100,
  /** a timer packet after the earliest sub-jiffy position of the run's timer packets, ms */
  timerJitterMs: 1,
};

export interface Lateness {
  programMs: number;
  faultStartMs: number;
  faultCommandMs: number;
  timerJitterMs: number;
  /** the worst offender, in words */
  worst: string;
}

export function lateness(sc: Scenario, real: KernelRunJson): Lateness {
  const off = scenarioOffset(real);
  const out: Lateness = { programMs: 0, faultStartMs: 0, faultCommandMs: 0, timerJitterMs: 0, worst: 'nothing' };
  let worstRatio = 0;
  const see = (k: keyof typeof LATENESS_LIMITS, ms: number, what: string): void => {
    if (ms > out[k]) out[k] = ms;
    const ratio = ms / LATENESS_LIMITS[k];
    if (ratio > worstRatio) [worstRatio, out.worst] = [ratio, `${what}: ${ms.toFixed(1)} ms`];
  };
  sc.apps.forEach((a, k) => {
    const name = appName(sc, k);
    const calls = real.calls.filter((c) => c.app === name && c.host === a.host).sort((x, y) => x.start - y.start);
    for (const st of a.steps) {
      if (st.at === undefined) continue;
      // the program's first call at or after `at` (the step itself, or the setsockopts before it)
      const first = calls.find((c) => (c.start + off) * 1e6 >= st.at! - 1);
      if (first) see('programMs', ((first.start + off) * 1e6 - st.at) / 1000, `${name} ${st.call} at ${st.at / 1e6} s started late`);
    }
  });
  const byAt = new Map(sc.faults.map((f) => [f.at, f]));
  for (const f of recordedFaults(real)) {
    see('faultStartMs', (f.start - f.scheduled) * 1000, `fault at ${f.scheduled} s began late`);
    // a reboot takes its downtime plus ~0.1-0.2 s by design; the replay uses its recorded times
    if (f.undo || byAt.get(f.scheduled * 1e6)?.type !== 'reboot') see('faultCommandMs', (f.end - f.start) * 1000, `fault at ${f.scheduled} s took`);
  }
  const timers = real.packets.filter((p) => p.dir === 'tx' && p.at === p.src && (p.kind === 'keepalive' || p.kind === 'retransmission' || p.kind === 'loss-probe'));
  const tick = 1e6 / (real.kernel.hz > 0 ? real.kernel.hz : 250);
  const times = timers.map((p) => Math.round((p.t + off) * 1e6));
  const b = jiffyBoundary(times, tick);
  for (const t of times) see('timerJitterMs', ((((t - b) % tick) + tick) % tick) / 1000, `timer packet at ${(t / 1e6).toFixed(6)} s after its jiffy boundary`);
  return out;
}

/** The limits this run exceeds, in words (empty = a recording worth keeping). */
export function overLimits(l: Lateness): string[] {
  return (Object.keys(LATENESS_LIMITS) as (keyof typeof LATENESS_LIMITS)[]).filter((k) => l[k] > LATENESS_LIMITS[k]).map((k) => `${k} ${l[k].toFixed(1)} > ${LATENESS_LIMITS[k]}`);
}
