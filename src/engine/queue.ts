/**
 * The event queue: a binary min-heap ordered by (time, insertion sequence) and nothing
 * else, so simultaneous events always run in the order they were scheduled
 * (style.md rule 2; SimPy's `(time, priority, eid)`, smoltcp netsim's `(timestamp, id)`).
 *
 * Layout: the heap is three parallel typed arrays (time, seq, slot), so sifting compares
 * numbers in contiguous memory instead of chasing one object per event — at 100,000 pending
 * events that is most of the difference to a bare typed-array heap (bench/README.md). Each
 * scheduled event owns a slot holding its callback and due time; slots are recycled, and a
 * handle names a slot and the generation of its use, so a stale handle (an event that already
 * ran or was cancelled, its slot reused since) can never touch a later event.
 *
 * Cancellation is lazy: `cancel` clears the slot's callback in O(1) and the heap entry is
 * skipped when it reaches the top (gVisor's "orphaned timer"). When stale entries outnumber
 * live ones the heap is rebuilt, so a workload that re-arms timers constantly (RTO on every
 * ACK) keeps the heap proportional to the live timers.
 */
import type { Micros } from './time.ts';

/**
 * A scheduled event, for `cancel`, `isPending` and `timeOf`: an opaque positive number
 * (never 0, so `if (handle)` works).
 */
export type Handle = number;

/**
 * What an event runs: a function, or an object whose `run()` is called — a long-lived timer
 * owner (a keepalive machine) schedules itself and needs no closure per connection.
 */
export type Callback = (() => void) | { run(): void };

/** Slots per generation step: a handle is gen · SLOTS + slot, exact below 2^53. */
const SLOTS = 2 ** 22;

export class EventQueue {
  // the heap, by position
  private times: Float64Array;
  private seqs: Float64Array;
  private slotAt: Int32Array;
  private n = 0;
  // the slots, by slot number
  private fns: (Callback | null)[] = [];
  private due: Float64Array;
  private gens: Float64Array;
  private free: Int32Array;
  private nFree = 0;
  private nSlots = 0;

  private nextSeq = 0;
  private stale = 0;
  /** time and seq of the event the last `pop` returned */
  lastTime: Micros = 0;
  lastSeq = 0;

  constructor(capacity = 64) {
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.slotAt = new Int32Array(capacity);
    this.due = new Float64Array(capacity);
    this.gens = new Float64Array(capacity);
    this.free = new Int32Array(capacity);
  }

  /** Number of live (not cancelled) events. */
  get size(): number {
    return this.n - this.stale;
  }

  /** Heap entries, live and stale (for tests of compaction). */
  get stored(): number {
    return this.n;
  }

  push(time: Micros, fn: Callback): Handle {
    const slot = this.nFree > 0 ? (this.free[--this.nFree] as number) : this.newSlot();
    this.fns[slot] = fn;
    this.due[slot] = time;
    if (this.n === this.times.length) this.growHeap();
    this.siftUp(this.n++, time, this.nextSeq++, slot);
    // the slot's generation counts its uses (bumped when the use ends): 1 for the first
    return (this.gens[slot] as number) * SLOTS + slot;
  }

  /** The slot of a handle that still names a scheduled event, else -1. */
  private live(h: Handle): number {
    const slot = h % SLOTS;
    if (slot >= this.nSlots || this.gens[slot] !== (h - slot) / SLOTS || this.fns[slot] === null) return -1;
    return slot;
  }

  cancel(h: Handle): void {
    const slot = this.live(h);
    if (slot < 0) return;
    this.fns[slot] = null;
    this.stale++;
    if (this.stale > 1024 && this.stale > this.n >>> 1) this.compact();
  }

  /** Whether the event is still waiting to run. */
  isPending(h: Handle): boolean {
    return this.live(h) >= 0;
  }

  /** When a waiting event will run, or undefined once it ran or was cancelled. */
  timeOf(h: Handle): Micros | undefined {
    const slot = this.live(h);
    return slot < 0 ? undefined : (this.due[slot] as number);
  }

  /** Time of the next live event, or undefined when none is left. */
  peekTime(): Micros | undefined {
    this.dropStale();
    return this.n > 0 ? (this.times[0] as number) : undefined;
  }

  /**
   * Remove the next live event and return its callback (its time and seq in `lastTime` and
   * `lastSeq`); undefined when none is left. It can no longer be cancelled.
   */
  pop(): Callback | undefined {
    for (;;) {
      if (this.n === 0) return undefined;
      const slot = this.slotAt[0] as number;
      const fn = this.fns[slot] as Callback | null;
      this.lastTime = this.times[0] as number;
      this.lastSeq = this.seqs[0] as number;
      this.removeTop();
      this.release(slot);
      if (fn === null) {
        this.stale--;
        continue;
      }
      return fn;
    }
  }

  private dropStale(): void {
    while (this.n > 0 && this.fns[this.slotAt[0] as number] === null) {
      const slot = this.slotAt[0] as number;
      this.removeTop();
      this.release(slot);
      this.stale--;
    }
  }

  private release(slot: number): void {
    this.fns[slot] = null;
    const gen = (this.gens[slot] as number) + 1; // handles of this use are now stale
    this.gens[slot] = gen;
    // a slot reused 2^30 times is retired, so handles (gen · 2^22 + slot) stay below 2^53
    if (gen < 2 ** 30) this.free[this.nFree++] = slot;
  }

  private newSlot(): number {
    if (this.nSlots === this.due.length) {
      const cap = this.due.length * 2;
      this.due = grow(this.due, cap);
      this.gens = grow(this.gens, cap);
      const f = new Int32Array(cap);
      f.set(this.free);
      this.free = f;
    }
    if (this.nSlots >= SLOTS) throw new RangeError(`event queue: more than ${SLOTS} events pending`);
    this.fns.push(null);
    this.gens[this.nSlots] = 1; // handles are never 0
    return this.nSlots++;
  }

  private growHeap(): void {
    const cap = this.times.length * 2;
    this.times = grow(this.times, cap);
    this.seqs = grow(this.seqs, cap);
    const s = new Int32Array(cap);
    s.set(this.slotAt);
    this.slotAt = s;
  }

  private compact(): void {
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      const slot = this.slotAt[i] as number;
      if (this.fns[slot] === null) {
        this.release(slot);
        continue;
      }
      this.times[m] = this.times[i] as number;
      this.seqs[m] = this.seqs[i] as number;
      this.slotAt[m] = slot;
      m++;
    }
    this.n = m;
    this.stale = 0;
    for (let i = (m >>> 1) - 1; i >= 0; i--) this.siftDown(i, this.times[i] as number, this.seqs[i] as number, this.slotAt[i] as number);
  }

  private removeTop(): void {
    const n = --this.n;
    if (n > 0) this.siftDown(0, this.times[n] as number, this.seqs[n] as number, this.slotAt[n] as number);
  }

  /** Place (t, s, k) at position i or above, moving larger parents down (a hole, no swaps). */
  private siftUp(i: number, t: number, s: number, k: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slotAt;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      const pt = times[p] as number;
      if (pt < t || (pt === t && (seqs[p] as number) < s)) break;
      times[i] = pt;
      seqs[i] = seqs[p] as number;
      slots[i] = slots[p] as number;
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    slots[i] = k;
  }

  /** Place (t, s, k) at position i or below, moving smaller children up. */
  private siftDown(i: number, t: number, s: number, k: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slotAt;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = times[c] as number;
      let cs = seqs[c] as number;
      const r = c + 1;
      if (r < n) {
        const rt = times[r] as number;
        const rs = seqs[r] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      slots[i] = slots[c] as number;
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    slots[i] = k;
  }
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
