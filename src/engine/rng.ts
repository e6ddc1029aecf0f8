/**
 * Seeded randomness in named streams (style.md rule 7). One root seed per run; every
 * consumer forks its own stream by name (`link:client->server`, `iss:server`), derived
 * from the root seed and the name alone, so adding a consumer never perturbs another.
 */
import seedrandom from 'seedrandom';

export class Rng {
  private readonly gen: seedrandom.PRNG;

  constructor(readonly seed: string) {
    // alea: fast, good statistical quality, fully determined by the seed string.
    this.gen = seedrandom.alea(seed);
  }

  /** A root stream for a run. */
  static root(seed: number | string): Rng {
    return new Rng(`keepalive-lab:${seed}`);
  }

  /** An independent stream named `name`, derived from this stream's seed only. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.gen();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.gen() * (hi - lo + 1));
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    return this.gen.int32() >>> 0;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.gen() < p;
  }
}
