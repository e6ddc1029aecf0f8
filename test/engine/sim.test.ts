/**
 * The simulator's clock and run loop: integer µs, FIFO among equal times (including
 * events scheduled for "now" from inside an event), run({ until }) inclusive, stop().
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/engine/sim.ts';
import { simClock } from '../../src/engine/xstate-clock.ts';
import type { TraceEvent } from '../../src/engine/trace.ts';

/** A sim and a log of "label@time" entries. */
function logged(): { sim: Sim; log: string[]; mark: (label: string) => () => void } {
  const sim = new Sim({ seed: 1 });
  const log: string[] = [];
  return { sim, log, mark: (label) => () => log.push(`${label}@${sim.now}`) };
}

describe('Sim scheduling', () => {
  it('runs events in time order and sets now to each event time', () => {
    const { sim, log, mark } = logged();
    sim.at(300, mark('c'));
    sim.at(100, mark('a'));
    sim.after(200, mark('b'));
    sim.run();
    expect(log).toEqual(['a@100', 'b@200', 'c@300']);
    expect(sim.now).toBe(300);
    expect(sim.steps).toBe(3);
  });

  it('runs simultaneous events FIFO, and an event scheduled for now from inside an event runs after those already queued', () => {
    const { sim, log, mark } = logged();
    sim.at(10, () => {
      log.push('first@10');
      sim.at(10, mark('scheduled-inside'));
    });
    sim.at(10, mark('second'));
    sim.at(10, mark('third'));
    sim.run();
    expect(log).toEqual(['first@10', 'second@10', 'third@10', 'scheduled-inside@10']);
  });

  it('clamps a time in the past to now', () => {
    const { sim, log, mark } = logged();
    sim.at(50, () => sim.at(20, mark('late')));
    sim.run();
    expect(log).toEqual(['late@50']);
  });

  it('rejects a non-integer time with a RangeError', () => {
    const sim = new Sim();
    expect(() => sim.at(1.5, () => {})).toThrow(RangeError);
    expect(() => sim.at(Number.NaN, () => {})).toThrow(RangeError);
  });

  it('after() rounds the delay to integer µs and treats a negative delay as zero', () => {
    const { sim, log, mark } = logged();
    sim.at(1000, () => {
      sim.after(2.4, mark('r-down'));
      sim.after(2.6, mark('r-up'));
      sim.after(-5, mark('neg'));
    });
    sim.run();
    expect(log).toEqual(['neg@1000', 'r-down@1002', 'r-up@1003']);
  });

  it('cancel() prevents the event; cancel(null/undefined) and cancel after run are harmless', () => {
    const { sim, log, mark } = logged();
    const h = sim.at(10, mark('cancelled'));
    const done = sim.at(5, mark('ran'));
    sim.at(20, mark('kept'));
    sim.cancel(h);
    sim.cancel(null);
    sim.cancel(undefined);
    expect(sim.pending).toBe(2);
    sim.run({ until: 5 });
    sim.cancel(done); // already ran: must not disturb the live count
    expect(sim.pending).toBe(1);
    sim.run();
    expect(log).toEqual(['ran@5', 'kept@20']);
  });

  it('an event can cancel a later event scheduled for the same time', () => {
    const { sim, log, mark } = logged();
    let victim: ReturnType<Sim['at']> | null = null;
    sim.at(7, () => sim.cancel(victim));
    victim = sim.at(7, mark('victim'));
    sim.run();
    expect(log).toEqual([]);
    expect(sim.now).toBe(7);
  });

  it('peek() reports the next live time; step() returns false on an empty queue', () => {
    const sim = new Sim();
    const h = sim.at(3, () => {});
    sim.at(9, () => {});
    sim.cancel(h);
    expect(sim.peek()).toBe(9);
    expect(sim.step()).toBe(true);
    expect(sim.now).toBe(9);
    expect(sim.step()).toBe(false);
    expect(sim.peek()).toBeUndefined();
  });
});

describe('Sim.run({ until })', () => {
  it('runs events at exactly `until` (inclusive), leaves later ones, and ends with now = until', () => {
    const { sim, log, mark } = logged();
    sim.at(100, mark('a'));
    sim.at(200, mark('b'));
    sim.at(201, mark('c'));
    sim.run({ until: 200 });
    expect(log).toEqual(['a@100', 'b@200']);
    expect(sim.now).toBe(200);
    expect(sim.pending).toBe(1);
  });

  it('advances now to `until` even when the queue empties earlier', () => {
    const { sim, mark } = logged();
    sim.at(10, mark('a'));
    sim.run({ until: 1_000 });
    expect(sim.now).toBe(1_000);
  });

  it('resumes where it stopped when run again', () => {
    const { sim, log, mark } = logged();
    for (const t of [10, 20, 30, 40]) sim.at(t, mark(`e${t}`));
    sim.run({ until: 25 });
    sim.run({ until: 35 });
    expect(log).toEqual(['e10@10', 'e20@20', 'e30@30']);
    expect(sim.now).toBe(35);
    sim.run();
    expect(log.at(-1)).toBe('e40@40');
  });

  it('run() without until leaves now at the last event', () => {
    const { sim, mark } = logged();
    sim.at(42, mark('x'));
    sim.run();
    expect(sim.now).toBe(42);
  });

  it('stop() ends the run after the current event, without advancing now to until', () => {
    const { sim, log, mark } = logged();
    sim.at(10, () => {
      log.push('stopper@10');
      sim.stop();
    });
    sim.at(10, mark('same-time'));
    sim.at(20, mark('later'));
    sim.run({ until: 100 });
    expect(log).toEqual(['stopper@10']);
    expect(sim.now).toBe(10);
    sim.run({ until: 100 }); // a new run clears the stop
    expect(log).toEqual(['stopper@10', 'same-time@10', 'later@20']);
    expect(sim.now).toBe(100);
  });
});

describe('Sim trace', () => {
  const ev = (t: number): TraceEvent => ({ kind: 'fault', t, detail: `f${t}` });

  it('records emitted events in order and calls listeners until unsubscribed', () => {
    const sim = new Sim();
    const seen: number[] = [];
    const off = sim.trace.subscribe((e) => seen.push(e.t));
    sim.trace.emit(ev(1));
    off();
    sim.trace.emit(ev(2));
    expect(sim.trace.events.map((e) => e.t)).toEqual([1, 2]);
    expect(seen).toEqual([1]);
  });

  it('record: false keeps no events but still feeds listeners; active reflects both', () => {
    const sim = new Sim({ record: false });
    expect(sim.trace.active).toBe(false);
    const seen: number[] = [];
    sim.trace.subscribe((e) => seen.push(e.t));
    expect(sim.trace.active).toBe(true);
    sim.trace.emit(ev(5));
    expect(sim.trace.events).toEqual([]);
    expect(seen).toEqual([5]);
  });
});

describe('simClock (xstate clock adapter)', () => {
  it('fires a timeout given in ms at now + ms·1000 µs, and clearTimeout cancels it', () => {
    const { sim, log, mark } = logged();
    const clock = simClock(sim);
    sim.at(1_000, () => {
      clock.setTimeout(mark('t'), 2.5);
      const h = clock.setTimeout(mark('cleared'), 1);
      clock.clearTimeout(h);
    });
    sim.run();
    expect(log).toEqual(['t@3500']);
  });

  it('property: an integer µs delay passed as µs/1000 ms comes back exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 0, max: 2 ** 40 }), (delayUs, start) => {
        const sim = new Sim();
        let firedAt = -1;
        sim.at(start, () => simClock(sim).setTimeout(() => (firedAt = sim.now), delayUs / 1000));
        sim.run();
        expect(firedAt).toBe(start + delayUs);
      }),
    );
  });
});
