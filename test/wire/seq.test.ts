/**
 * 32-bit modular sequence arithmetic (RFC 9293 §3.4): comparisons by signed 32-bit
 * difference, valid while values are less than 2^31 apart, across the 2^32 wrap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt } from '../../src/wire/seq.ts';

const MAX = 0xffff_ffff;
const u32 = fc.integer({ min: 0, max: MAX });
/** a distance that keeps two values comparable (|n| < 2^31) */
const dist = fc.integer({ min: -(2 ** 31 - 1), max: 2 ** 31 - 1 });

describe('sequence arithmetic', () => {
  it('adds modulo 2^32 in both directions', () => {
    expect(seqAdd(MAX, 1)).toBe(0);
    expect(seqAdd(MAX - 4, 10)).toBe(5);
    expect(seqAdd(0, -1)).toBe(MAX);
    expect(seqAdd(3, -5)).toBe(MAX - 1);
  });

  it('seqDiff is the signed distance across the wrap', () => {
    expect(seqDiff(0, MAX)).toBe(1);
    expect(seqDiff(MAX, 0)).toBe(-1);
    expect(seqDiff(5, MAX - 4)).toBe(10);
    expect(seqDiff(100, 100)).toBe(0);
  });

  it('comparisons hold across the wrap (0xFFFFFFF0 < 5)', () => {
    expect(seqLt(0xffff_fff0, 5)).toBe(true);
    expect(seqGt(5, 0xffff_fff0)).toBe(true);
    expect(seqLe(7, 7)).toBe(true);
    expect(seqGe(7, 7)).toBe(true);
    expect(seqLt(7, 7)).toBe(false);
    expect(seqGt(7, 7)).toBe(false);
  });

  it('seqInWindow is lo <= x < lo + len, including a window that straddles 2^32', () => {
    const lo = MAX - 9; // window of 20 covers MAX-9 .. 9
    expect(seqInWindow(lo, lo, 20)).toBe(true);
    expect(seqInWindow(MAX, lo, 20)).toBe(true);
    expect(seqInWindow(0, lo, 20)).toBe(true);
    expect(seqInWindow(9, lo, 20)).toBe(true);
    expect(seqInWindow(10, lo, 20)).toBe(false); // right edge excluded
    expect(seqInWindow(lo - 1, lo, 20)).toBe(false);
    expect(seqInWindow(lo, lo, 0)).toBe(false); // an empty window holds nothing
  });

  it('property: seqDiff(seqAdd(a, n), a) === n for |n| < 2^31, and the result is a uint32', () => {
    fc.assert(
      fc.property(u32, dist, (a, n) => {
        const b = seqAdd(a, n);
        expect(Number.isInteger(b) && b >= 0 && b <= MAX).toBe(true);
        expect(seqDiff(b, a)).toBe(n);
      }),
    );
  });

  it('property: a < a + n exactly when n > 0, and the comparisons are mutually consistent', () => {
    fc.assert(
      fc.property(u32, dist, (a, n) => {
        const b = seqAdd(a, n);
        expect(seqLt(a, b)).toBe(n > 0);
        expect(seqGt(b, a)).toBe(n > 0);
        expect(seqLe(a, b)).toBe(!seqGt(a, b));
        expect(seqGe(a, b)).toBe(!seqLt(a, b));
        expect(seqLt(a, b) && seqLt(b, a)).toBe(false);
      }),
    );
  });

  it('property: seqInWindow(lo + k, lo, len) iff 0 <= k < len', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 2 ** 30 }), (lo, k, len) => {
        expect(seqInWindow(seqAdd(lo, k), lo, len)).toBe(k >= 0 && k < len);
      }),
    );
  });
});
