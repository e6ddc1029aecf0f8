/**
 * The event queue orders by (time, insertion seq) and nothing else; cancellation is lazy
 * and compaction must not disturb that order (style.md rule 2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type Callback, type Handle } from '../../src/engine/queue.ts';

const noop = (): void => {};

/** Pop everything, returning the (time, seq) pairs in pop order. */
function drain(q: EventQueue): [number, number][] {
  const out: [number, number][] = [];
  for (let fn = q.pop(); fn !== undefined; fn = q.pop()) out.push([q.lastTime, q.lastSeq]);
  return out;
}

/** A queue that remembers each handle's (time, seq): seq is the push count, as the queue numbers them. */
function recording() {
  const q = new EventQueue();
  const info = new Map<Handle, { time: number; seq: number }>();
  let seq = 0;
  const push = (t: number, fn: () => void = noop): Handle => {
    const h = q.push(t, fn);
    info.set(h, { time: t, seq: seq++ });
    return h;
  };
  return { q, push, info: (h: Handle) => info.get(h) as { time: number; seq: number } };
}

describe('EventQueue', () => {
  it('pops events scheduled for the same time in insertion order (FIFO)', () => {
    // Arrange
    const q = new EventQueue();
    const labels: string[] = [];
    for (const l of ['a', 'b', 'c', 'd', 'e']) q.push(10, () => labels.push(l));
    // Act
    for (let fn = q.pop(); fn; fn = q.pop()) (fn as () => void)();
    // Assert
    expect(labels).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('orders by time first, then by insertion sequence', () => {
    const q = new EventQueue();
    q.push(30, noop); // seq 0
    q.push(10, noop); // seq 1
    q.push(20, noop); // seq 2
    q.push(10, noop); // seq 3
    q.push(0, noop); // seq 4
    q.push(30, noop); // seq 5
    expect(drain(q)).toEqual([
      [0, 4],
      [10, 1],
      [10, 3],
      [20, 2],
      [30, 0],
      [30, 5],
    ]);
  });

  it('gives every entry a fresh, increasing seq, and distinct handles that are never 0', () => {
    const q = new EventQueue();
    const hs = [q.push(5, noop), q.push(1, noop), q.push(5, noop)];
    expect(new Set(hs).size).toBe(3);
    expect(hs.every((h) => h > 0)).toBe(true);
    expect(drain(q)).toEqual([[1, 1], [5, 0], [5, 2]]);
  });

  it('a handle outlives its event: once run or cancelled it is not pending, even after its slot is reused', () => {
    const q = new EventQueue();
    const a = q.push(1, noop);
    expect(q.isPending(a)).toBe(true);
    expect(q.timeOf(a)).toBe(1);
    q.pop();
    expect(q.isPending(a)).toBe(false);
    expect(q.timeOf(a)).toBeUndefined();
    const b = q.push(2, noop); // reuses a's slot
    q.cancel(a); // a stale handle must not cancel b
    expect(q.isPending(b)).toBe(true);
    expect(q.size).toBe(1);
    q.cancel(b);
    expect(q.isPending(b)).toBe(false);
    expect(q.pop()).toBeUndefined();
  });

  it('is empty when nothing was pushed: pop and peekTime return undefined, size 0', () => {
    const q = new EventQueue();
    expect(q.pop()).toBeUndefined();
    expect(q.peekTime()).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('skips a cancelled entry (lazy cancel) and counts only live entries', () => {
    const q = new EventQueue();
    const a = q.push(1, noop);
    q.push(2, noop);
    q.push(3, noop);
    q.cancel(a);
    expect(q.isPending(a)).toBe(false);
    expect(q.size).toBe(2);
    expect(q.peekTime()).toBe(2); // the cancelled top is dropped, not returned
    expect(drain(q).map(([t]) => t)).toEqual([2, 3]);
  });

  it('cancelling the same entry twice is a no-op', () => {
    const q = new EventQueue();
    const a = q.push(1, noop);
    q.push(2, noop);
    q.cancel(a);
    q.cancel(a);
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual([[2, 1]]);
  });

  it('cancelling an entry in the middle of the heap keeps the order of the rest', () => {
    const q = new EventQueue();
    const es = [50, 40, 30, 20, 10, 20, 30].map((t) => q.push(t, noop));
    q.cancel(es[3] as Handle); // the first t=20
    expect(drain(q)).toEqual([
      [10, 4],
      [20, 5],
      [30, 2],
      [30, 6],
      [40, 1],
      [50, 0],
    ]);
  });

  it('cancelling an entry after it was popped changes nothing', () => {
    const q = new EventQueue();
    const first = q.push(1, noop);
    q.push(2, noop);
    q.pop();
    q.cancel(first); // e.g. a timer handle cancelled by the code it ran
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual([[2, 1]]);
  });

  it('compacts when stale entries exceed 1024 and half the heap, keeping (time, seq) order', () => {
    // Arrange: 3000 events over 50 distinct times (many ties)
    const { q, push, info } = recording();
    const entries = Array.from({ length: 3000 }, (_, i) => push((i * 7919) % 50));
    const victims = entries.filter((_, i) => i % 2 === 1).concat(entries.filter((_, i) => i % 2 === 0).slice(0, 1));
    // Act: 1500 cancels leave stale = half the heap: no compaction yet
    for (const e of victims.slice(0, 1500)) q.cancel(e);
    expect(q.stored).toBe(3000);
    q.cancel(victims[1500] as Handle); // stale 1501 > 1500: rebuild
    // Assert: the heap holds only the live entries and pops them in order
    expect(q.stored).toBe(1499);
    expect(q.size).toBe(1499);
    const expected = entries
      .filter((e) => q.isPending(e))
      .map((e): [number, number] => [info(e).time, info(e).seq])
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(expected).toHaveLength(1499);
    expect(drain(q)).toEqual(expected);
  });

  it('does not compact while stale entries are at most 1024', () => {
    const q = new EventQueue();
    const es = Array.from({ length: 1100 }, (_, i) => q.push(i, noop));
    for (const e of es.slice(0, 1024)) q.cancel(e);
    expect(q.size).toBe(76);
    expect(q.stored).toBe(1100);
  });

  type Op = { op: 'push'; t: number } | { op: 'cancel'; k: number } | { op: 'pop' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 20 }).map((t): Op => ({ op: 'push', t })) },
    { weight: 3, arbitrary: fc.nat().map((k): Op => ({ op: 'cancel', k })) },
    { weight: 2, arbitrary: fc.constant<Op>({ op: 'pop' }) },
  );

  it('property: pops are non-decreasing in (time, seq) and equal a sorted-list model under random push/cancel/pop', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const { q, push, info } = recording();
        const live: Handle[] = [];
        const fnOf = new Map<Callback, Handle>();
        let last: [number, number] = [-1, -1];
        const check = (fn: Callback | undefined): void => {
          const want = [...live].sort((x, y) => info(x).time - info(y).time || info(x).seq - info(y).seq)[0];
          expect(fn === undefined ? undefined : fnOf.get(fn)).toBe(want);
          if (!fn || want === undefined) return;
          live.splice(live.indexOf(want), 1);
          const e = info(want);
          expect([q.lastTime, q.lastSeq]).toEqual([e.time, e.seq]);
          expect(e.time > last[0] || (e.time === last[0] && e.seq > last[1])).toBe(true);
          last = [e.time, e.seq];
        };
        for (const o of ops) {
          if (o.op === 'push') {
            // time never goes back past what was already popped, as in a simulator
            const fn = (): void => {};
            const h = push(Math.max(o.t, last[0]), fn);
            fnOf.set(fn, h);
            live.push(h);
          } else if (o.op === 'cancel') {
            const e = live[o.k % Math.max(1, live.length)];
            if (e) {
              q.cancel(e);
              live.splice(live.indexOf(e), 1);
            }
          } else {
            check(q.pop());
          }
          expect(q.size).toBe(live.length);
        }
        while (live.length > 0) check(q.pop());
        expect(q.pop()).toBeUndefined();
      }),
    );
  });

  it('property: after a mass cancel that triggers compaction, the survivors pop in (time, seq) order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2100, maxLength: 2600 }),
        fc.integer({ min: 2, max: 5 }),
        (times, keepEvery) => {
          const { q, push, info } = recording();
          const es = times.map((t) => push(t));
          es.forEach((e, i) => i % keepEvery !== 0 && q.cancel(e));
          const want = es
            .filter((_, i) => i % keepEvery === 0)
            .map((e): [number, number] => [info(e).time, info(e).seq])
            .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          expect(drain(q)).toEqual(want);
        },
      ),
      { numRuns: 20 },
    );
  });
});
