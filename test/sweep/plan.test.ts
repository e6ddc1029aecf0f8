/**
 * PlanIndex (src/sweep/plan.ts): a distributed worker computes only its chunk's runs, and
 * they must be exactly the runs the coordinator planned, for grids and samples alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanIndex, planPoints, planRuns, type PlanOptions } from '../../src/sweep/plan.ts';
import { parseVary, SweepSpecError } from '../../src/sweep/spec.ts';

const dim = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 })).map(([lo, n, step]) => `${lo}..${lo + n * step}/${step}`),
  fc.array(fc.constantFrom('a', 'b', 'true', '1.5', '350s'), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(',')),
);
const plan = fc
  .record({
    specs: fc.array(dim, { minLength: 1, maxLength: 3 }),
    seeds: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 3 }),
    sample: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    sampleSeed: fc.integer({ min: 0, max: 9 }),
  })
  .map(({ specs, seeds, sample, sampleSeed }): PlanOptions => ({
    dims: specs.map((s, i) => parseVary(`p.d${i}=${s}`)),
    seeds,
    sampleSeed,
    ...(sample !== undefined ? { sample } : {}),
  }));

describe('PlanIndex', () => {
  it('slice(first, count) equals the same slice of planRuns, for grids and samples', () => {
    fc.assert(
      fc.property(plan, fc.nat(), fc.integer({ min: 1, max: 40 }), (o, at, count) => {
        const all = planRuns(planPoints(o), o.seeds);
        const index = new PlanIndex(o);
        expect(index.total).toBe(all.length);
        const first = at % all.length;
        expect(index.slice(first, count)).toEqual(all.slice(first, first + count));
      }),
    );
  });

  it('refuses a path twice; sized by its coordinator, it indexes a plan over the default limit without listing it, and refuses one over a limit it is given', () => {
    const d = parseVary('p.a=1..3');
    expect(() => new PlanIndex({ dims: [d, d], seeds: [1] })).toThrow(SweepSpecError);
    const big = parseVary('p.b=1..100000');
    const index = new PlanIndex({ dims: [big, parseVary('p.c=1..1000')], seeds: [1] });
    expect(index.total).toBe(100_000_000);
    expect(index.slice(99_999_999, 1).map((r) => r.values)).toEqual([[['p.b', 100000], ['p.c', 1000]]]);
    expect(() => new PlanIndex({ dims: [big, parseVary('p.c=1..1000')], seeds: [1], maxRuns: 250_000 })).toThrow('more than the limit of 250,000');
  });
});
