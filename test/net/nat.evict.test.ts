/**
 * Table-full policies as pure functions (style.md rule 8; nat.md §2.4, §5): LRU, Linux
 * early drop of non-ASSURED entries, RFC 6888 refusal; expired entries are reaped first.
 */
import { describe, expect, it } from 'vitest';
import { admit, timedOut, type EvictView } from '../../src/net/nat/evict.ts';
import { allocatePort } from '../../src/net/nat/ports.ts';
import { Rng } from '../../src/engine/rng.ts';

const e = (seq: number, lastUsed: number, assured = true, expiresAt = 1e12): EvictView => ({ seq, lastUsed, assured, expiresAt });
const NOW = 1000;

describe('timedOut', () => {
  it('is false before the deadline and true from it on (nf_ct_is_expired)', () => {
    const T = 350_000_000;
    const entry = { expiresAt: 10 + T };
    expect([timedOut(entry, 10 + T / 2), timedOut(entry, 10 + T - 1), timedOut(entry, 10 + T), timedOut(entry, 10 + 2 * T)]).toEqual([false, false, true, true]);
  });
});

describe('admit', () => {
  it('admits without eviction while the table has room', () => {
    expect(admit([e(1, 5)], 2, 'refuse', NOW)).toEqual({ ok: true, victim: null });
  });

  it('reaps an entry past its deadline first, under every policy', () => {
    const stale = e(2, 900, true, NOW);
    for (const policy of ['lru', 'early-drop', 'refuse'] as const) {
      expect(admit([e(1, 5), stale], 2, policy, NOW)).toEqual({ ok: true, victim: stale, why: 'expired' });
    }
  });

  it('lru evicts the least recently used entry, the oldest serial among equals', () => {
    const a = e(1, 50);
    const b = e(2, 10);
    const c = e(3, 10);
    expect(admit([a, c, b], 3, 'lru', NOW)).toEqual({ ok: true, victim: b, why: 'lru' });
  });

  it('early-drop evicts a non-ASSURED entry (the least recently used) and never an ASSURED one', () => {
    const idleAssured = e(1, 1);
    const half = e(2, 40, false);
    const half2 = e(3, 30, false);
    expect(admit([idleAssured, half, half2], 3, 'early-drop', NOW)).toEqual({ ok: true, victim: half2, why: 'early-drop' });
  });

  it('early-drop refuses the new flow when every entry is ASSURED ("table full, dropping packet")', () => {
    expect(admit([e(1, 1), e(2, 2)], 2, 'early-drop', NOW)).toEqual({ ok: false });
  });

  it('refuse never deletes a mapping to make room (RFC 6888 REQ-11)', () => {
    expect(admit([e(1, 1, false), e(2, 2, false)], 2, 'refuse', NOW)).toEqual({ ok: false });
  });
});

describe('allocatePort', () => {
  const rng = (): Rng => Rng.root(1).fork('nat:test');

  it('keeps the inside port when the outside tuple is free (port preservation)', () => {
    expect(allocatePort(40000, [1024, 65535], true, () => false, rng())).toBe(40000);
  });

  it('picks a seeded port in the range when the inside port is taken, the same for the same seed', () => {
    const taken = (p: number): boolean => p === 40000;
    const p1 = allocatePort(40000, [1024, 65535], true, taken, rng());
    const p2 = allocatePort(40000, [1024, 65535], true, taken, rng());
    expect(p1).toBe(p2);
    expect(p1).not.toBe(40000);
    expect(p1).toBeGreaterThanOrEqual(1024);
  });

  it('does not preserve a port outside the range, or when preservation is off', () => {
    expect(allocatePort(80, [1024, 1030], true, () => false, rng())).toBeGreaterThanOrEqual(1024);
    const got = new Set(Array.from({ length: 20 }, (_, i) => allocatePort(1025, [1024, 1030], false, () => false, Rng.root(i))));
    expect(got.size).toBeGreaterThan(1);
  });

  it('finds the last free port, and returns null when the range is exhausted', () => {
    expect(allocatePort(5000, [1024, 1027], true, (p) => p !== 1026, rng())).toBe(1026);
    expect(allocatePort(5000, [1024, 1027], true, () => true, rng())).toBeNull();
  });
});

describe('admit: aggressive aging (nat.md §5, Juniper SRX)', () => {
  const aging = { highWater: 2, earlyAgeout: 20 };

  it('below the high-water mark nothing is aged out', () => {
    expect(admit([e(1, 0)], 4, 'aggressive-aging', NOW, aging)).toEqual({ ok: true, victim: null });
  });

  it('above the mark the least recently used entry idle >= early-ageout goes, even with room left', () => {
    const old = e(1, NOW - 500);
    const older = e(2, NOW - 900);
    const busy = e(3, NOW - 5);
    expect(admit([old, busy, older], 4, 'aggressive-aging', NOW, aging)).toEqual({ ok: true, victim: older, why: 'aggressive-aging' });
  });

  it('an entry idle just under early-ageout stays; a full table then refuses', () => {
    const a = e(1, NOW - 19);
    const b = e(2, NOW - 10);
    expect(admit([a, b], 3, 'aggressive-aging', NOW, aging)).toEqual({ ok: true, victim: null });
    expect(admit([a, b], 2, 'aggressive-aging', NOW, aging)).toEqual({ ok: false });
    expect(admit([e(1, NOW - 20), b], 2, 'aggressive-aging', NOW, aging)).toMatchObject({ ok: true, why: 'aggressive-aging' });
  });
});

