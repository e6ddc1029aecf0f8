/**
 * The ns-3 bench-scheduler "hold" workload: a population of pending events; every event
 * that fires schedules one successor at now + Exp(mean) µs. Optionally each firing also
 * re-arms a random other pending event (cancel it, schedule a replacement) — the
 * "RTO re-armed on every ACK" pattern — with a probability chosen so that the requested
 * share of all scheduled events is cancelled before it fires.
 *
 * The random draws are made once, up front, from seedrandom's alea, so every queue sees
 * the identical sequence of operations and no PRNG cost is timed. Times are integer µs,
 * as `Sim.at` requires (ties are frequent and exercise the seq tie-break).
 */
import seedrandom from 'seedrandom';
import { EventQueue, type Handle as QueueHandle } from '../src/engine/queue.ts';
import { Sim, type Handle } from '../src/engine/sim.ts';
import { ArrayHeap } from './heap.ts';

export interface HoldSpec {
  population: number;
  /** events executed (cancelled ones are not counted) */
  events: number;
  meanGapUs: number;
  /** share of all scheduled events cancelled before they fire (0..0.5) */
  cancelShare: number;
  seed: string;
}

export interface HoldWorkload extends HoldSpec {
  /** initial event time of each slot */
  initial: Int32Array;
  /** gap of the successor scheduled by the k-th executed event */
  gaps: Int32Array;
  /** slot re-armed by the k-th executed event, or -1 */
  victims: Int32Array;
  /** gap of that re-armed event */
  victimGaps: Int32Array;
  /** events scheduled in total and cancelled in total (known in advance) */
  scheduled: number;
  cancelled: number;
}

export function makeHold(spec: HoldSpec): HoldWorkload {
  const rnd = seedrandom.alea(spec.seed);
  const exp = (): number => Math.round(-spec.meanGapUs * Math.log(1 - rnd()));
  // re-arms per executed event, so that cancelled / (population + events + cancelled) = cancelShare
  const p = ((spec.cancelShare / (1 - spec.cancelShare)) * (spec.population + spec.events)) / spec.events;
  const initial = new Int32Array(spec.population);
  for (let s = 0; s < spec.population; s++) initial[s] = exp();
  const gaps = new Int32Array(spec.events);
  const victims = new Int32Array(spec.events).fill(-1);
  const victimGaps = new Int32Array(spec.events);
  let cancelled = 0;
  for (let k = 0; k < spec.events; k++) {
    gaps[k] = exp();
    if (p > 0 && rnd() < p) {
      victims[k] = Math.floor(rnd() * spec.population);
      victimGaps[k] = exp();
      cancelled++;
    }
  }
  return { ...spec, initial, gaps, victims, victimGaps, scheduled: spec.population + spec.events + cancelled, cancelled };
}

/** A prepared run: the population is already scheduled; `run` executes the timed part. */
export interface Prepared {
  run(): void;
  /** order-sensitive hash of the fired slots and the final time: equal across queues */
  check(): string;
}

/** FNV-1a state in an Int32Array: a captured `let` outside the Smi range would allocate on every event */
const fnvState = (): Int32Array => Int32Array.of(0x811c9dc5);
const fnv = (h: Int32Array, x: number): void => {
  h[0] = Math.imul((h[0] as number) ^ x, 16777619);
};
const hex = (h: Int32Array, now: number): string => `${((h[0] as number) >>> 0).toString(16).padStart(8, '0')}@${now}`;

// The hold loop is written out once per queue on purpose: one shared loop taking the queue
// as a parameter would make its call sites polymorphic, and V8 would then time the
// dispatch as much as the queues.
export function prepareArrayHeap(w: HoldWorkload): Prepared {
  const { population, events, gaps, victims, victimGaps } = w;
  const q = new ArrayHeap(population * 2);
  const seqs = new Float64Array(population);
  const fns: (() => void)[] = new Array<() => void>(population);
  let now = 0;
  let k = 0;
  const h = fnvState();
  for (let s = 0; s < population; s++) {
    fns[s] = () => {
      fnv(h, s);
      seqs[s] = q.push(now + (gaps[k] as number), fns[s] as () => void);
      const v = victims[k] as number;
      if (v >= 0) {
        q.cancel(seqs[v] as number);
        seqs[v] = q.push(now + (victimGaps[k] as number), fns[v] as () => void);
      }
      k++;
    };
  }
  for (let s = 0; s < population; s++) seqs[s] = q.push(w.initial[s] as number, fns[s] as () => void);
  return {
    run() {
      for (let i = 0; i < events; i++) {
        const fn = q.pop() as () => void;
        now = q.lastTime;
        fn();
      }
    },
    check: () => hex(h, now),
  };
}

export function prepareEventQueue(w: HoldWorkload): Prepared {
  const { population, events, gaps, victims, victimGaps } = w;
  const q = new EventQueue();
  const handles: QueueHandle[] = new Array<QueueHandle>(population);
  const fns: (() => void)[] = new Array<() => void>(population);
  let now = 0;
  let k = 0;
  const h = fnvState();
  for (let s = 0; s < population; s++) {
    fns[s] = () => {
      fnv(h, s);
      handles[s] = q.push(now + (gaps[k] as number), fns[s] as () => void);
      const v = victims[k] as number;
      if (v >= 0) {
        q.cancel(handles[v] as QueueHandle);
        handles[v] = q.push(now + (victimGaps[k] as number), fns[v] as () => void);
      }
      k++;
    };
  }
  for (let s = 0; s < population; s++) handles[s] = q.push(w.initial[s] as number, fns[s] as () => void);
  return {
    run() {
      for (let i = 0; i < events; i++) {
        const fn = q.pop() as () => void;
        now = q.lastTime;
        fn();
      }
    },
    check: () => hex(h, now),
  };
}

export function prepareSim(w: HoldWorkload): Prepared {
  const { population, events, gaps, victims, victimGaps } = w;
  const sim = new Sim({ seed: 1, record: false });
  const handles: Handle[] = new Array<Handle>(population);
  const fns: (() => void)[] = new Array<() => void>(population);
  let k = 0;
  const h = fnvState();
  for (let s = 0; s < population; s++) {
    fns[s] = () => {
      fnv(h, s);
      handles[s] = sim.at(sim.now + (gaps[k] as number), fns[s] as () => void);
      const v = victims[k] as number;
      if (v >= 0) {
        sim.cancel(handles[v]);
        handles[v] = sim.at(sim.now + (victimGaps[k] as number), fns[v] as () => void);
      }
      if (++k === events) sim.stop();
    };
  }
  for (let s = 0; s < population; s++) handles[s] = sim.at(w.initial[s] as number, fns[s] as () => void);
  return {
    run() {
      sim.run();
      if (sim.steps !== events) throw new Error(`Sim ran ${sim.steps} events, expected ${events}`);
    },
    check: () => hex(h, sim.now),
  };
}
