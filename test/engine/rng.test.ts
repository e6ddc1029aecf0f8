/**
 * Named, seeded random streams (style.md rule 7): a fork depends only on the root seed
 * and its name, so adding or consuming another stream never perturbs it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng.ts';
import { Sim } from '../../src/engine/sim.ts';

const take = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.next());

describe('Rng', () => {
  it('the root stream is named after the seed; a number and its string give the same stream', () => {
    expect(Rng.root(7).seed).toBe('keepalive-lab:7');
    expect(take(Rng.root(7), 5)).toEqual(take(Rng.root('7'), 5));
  });

  it('the same seed and fork name reproduce the same sequence', () => {
    expect(take(Rng.root(1).fork('link:a->b'), 20)).toEqual(take(Rng.root(1).fork('link:a->b'), 20));
  });

  it('a fork is independent of other forks being created and consumed, and of the parent being consumed', () => {
    // Arrange: a reference stream from an untouched root
    const reference = take(Rng.root(3).fork('iss:server'), 10);
    // Act: consume the root and another fork heavily before forking again
    const root = Rng.root(3);
    take(root, 1000);
    const other = root.fork('loss:client->server');
    take(other, 1000);
    const again = root.fork('iss:server');
    // Assert
    expect(take(again, 10)).toEqual(reference);
  });

  it('different names and different seeds give different streams', () => {
    const a = take(Rng.root(1).fork('a'), 4);
    expect(take(Rng.root(1).fork('b'), 4)).not.toEqual(a);
    expect(take(Rng.root(2).fork('a'), 4)).not.toEqual(a);
  });

  it('a Sim owns its root stream: two sims with one seed draw the same numbers', () => {
    expect(take(new Sim({ seed: 99 }).rng.fork('x'), 5)).toEqual(take(new Sim({ seed: 99 }).rng.fork('x'), 5));
    expect(new Sim().rng.seed).toBe('keepalive-lab:1');
  });

  it('next() is in [0, 1), uint32() in [0, 2^32), int(lo, hi) inclusive at both ends', () => {
    const r = Rng.root('ranges');
    const ints = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const u = r.uint32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const k = r.int(-2, 2);
      expect(Number.isInteger(k) && k >= -2 && k <= 2).toBe(true);
      ints.add(k);
    }
    expect([...ints].sort()).toEqual([-1, -2, 0, 1, 2].sort());
  });

  it('chance(0) is never true, chance(1) always', () => {
    const r = Rng.root('chance');
    for (let i = 0; i < 500; i++) {
      expect(r.chance(0)).toBe(false);
      expect(r.chance(1)).toBe(true);
    }
  });

  it('property: any fork is reproducible from (seed, name) whatever else was drawn first', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.nat({ max: 50 }), (seed, name, other, burn) => {
        fc.pre(name !== other);
        const want = take(Rng.root(seed).fork(name), 5);
        const root = Rng.root(seed);
        take(root, burn);
        take(root.fork(other), burn);
        expect(take(root.fork(name), 5)).toEqual(want);
      }),
    );
  });
});
