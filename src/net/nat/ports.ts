/**
 * Outside port allocation (Linux get_unique_tuple / nf_nat_l4proto_unique_tuple, nat.md §2.5):
 * keep the inside source port when the resulting outside tuple is free (port preservation),
 * else start at a seeded random offset in the range and probe linearly. Uniqueness is per
 * full tuple, so one outside port can serve several destinations (nat.md §2.5 step 1).
 */
import type { Rng } from '../../engine/rng.ts';

/** A free port in [lo, hi] for which `taken` is false, or null when the range is exhausted. */
export function allocatePort(wanted: number, range: readonly [number, number], preserve: boolean, taken: (port: number) => boolean, rng: Rng): number | null {
  const [lo, hi] = range;
  if (preserve && wanted >= lo && wanted <= hi && !taken(wanted)) return wanted;
  const n = hi - lo + 1;
  const start = rng.int(0, n - 1);
  for (let i = 0; i < n; i++) {
    const port = lo + ((start + i) % n);
    if (!taken(port)) return port;
  }
  return null;
}
