/**
 * Scenario time 0 of a real-program run starts at a whole second of CLOCK_MONOTONIC.
 * mosquitto and OpenSSH time their heartbeats in whole monotonic seconds (src/apps/clock.ts),
 * so where those seconds begin relative to the traffic decides when they act; aligning t0
 * with a second boundary makes that phase 0 in every recording, and a calibration scenario
 * says `clockPhase: 0` to the models. CLOCK_MONOTONIC is shared by every process on the
 * machine, inside any network namespace.
 */
import { nowUs } from '../sh.ts';

/** CLOCK_MONOTONIC in µs (process.hrtime reads it on Linux). */
export const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * The CLOCK_REALTIME instant (µs since the epoch, like tcpdump's stamps) at which
 * CLOCK_MONOTONIC next starts a whole second, at least `leadUs` from now.
 */
export function nextMonoSecond(leadUs: number): { realUs: number; monoSec: number } {
  // sample both clocks back to back; the smallest bracket gives the offset to a few µs
  let best = { spread: Infinity, offset: 0 };
  for (let k = 0; k < 5; k++) {
    const m0 = monoUs();
    const r = nowUs();
    const m1 = monoUs();
    if (m1 - m0 < best.spread) best = { spread: m1 - m0, offset: r - (m0 + m1) / 2 };
  }
  const monoSec = Math.ceil((monoUs() + leadUs) / 1e6);
  return { realUs: Math.round(monoSec * 1e6 + best.offset), monoSec };
}
