/**
 * The event queue: a binary min-heap ordered by (time, insertion sequence) and nothing
 * else, so simultaneous events always run in the order they were scheduled
 * (style.md rule 2; SimPy's `(time, priority, eid)`, smoltcp netsim's `(timestamp, id)`).
 *
 * Cancellation is lazy: `cancel` clears the entry's callback in O(1) and the entry is
 * skipped when it reaches the top (gVisor's "orphaned timer"). When stale entries
 * outnumber live ones the heap is rebuilt, so a workload that re-arms timers constantly
 * (RTO on every ACK) keeps the heap proportional to the live timers.
 */
import type { Micros } from './time.ts';

/** A scheduled event. Opaque to callers except as a handle for `cancel`. */
export interface EventEntry {
  readonly time: Micros;
  readonly seq: number;
  fn: (() => void) | null;
  /** taken off the queue by pop(): cancelling it now changes nothing */
  popped: boolean;
}

export class EventQueue {
  private heap: EventEntry[] = [];
  private nextSeq = 0;
  private stale = 0;

  /** Number of live (not cancelled) events. */
  get size(): number {
    return this.heap.length - this.stale;
  }

  push(time: Micros, fn: () => void): EventEntry {
    const e: EventEntry = { time, seq: this.nextSeq++, fn, popped: false };
    const h = this.heap;
    h.push(e);
    this.siftUp(h.length - 1);
    return e;
  }

  cancel(e: EventEntry): void {
    if (e.fn === null || e.popped) return;
    e.fn = null;
    this.stale++;
    if (this.stale > 1024 && this.stale > this.heap.length >>> 1) this.compact();
  }

  /** Time of the next live event, or undefined when none is left. */
  peekTime(): Micros | undefined {
    this.dropStale();
    return this.heap[0]?.time;
  }

  /** Remove and return the next live event. It can no longer be cancelled. */
  pop(): EventEntry | undefined {
    this.dropStale();
    const e = this.popTop();
    if (e) e.popped = true;
    return e;
  }

  private dropStale(): void {
    while (this.heap.length > 0 && (this.heap[0] as EventEntry).fn === null) {
      this.popTop();
      this.stale--;
    }
  }

  private popTop(): EventEntry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => e.fn !== null);
    this.stale = 0;
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const e = h[i] as EventEntry;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      const pe = h[p] as EventEntry;
      if (pe.time < e.time || (pe.time === e.time && pe.seq < e.seq)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as EventEntry;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ce = h[c] as EventEntry;
      const r = c + 1;
      if (r < n) {
        const re = h[r] as EventEntry;
        if (re.time < ce.time || (re.time === ce.time && re.seq < ce.seq)) {
          c = r;
          ce = re;
        }
      }
      if (e.time < ce.time || (e.time === ce.time && e.seq < ce.seq)) break;
      h[i] = ce;
      i = c;
    }
    h[i] = e;
  }
}
