/**
 * The discrete-event simulator: virtual time, one event queue, the root random stream
 * and the trace. Nothing here knows about TCP. A `Sim` owns all of its state, so many
 * can run in one process (sweeps, property tests).
 */
import { EventQueue, type Callback, type Handle } from './queue.ts';
import { Rng } from './rng.ts';
import type { Micros } from './time.ts';
import { Trace } from './trace.ts';

export type { Callback, Handle };

export interface SimOptions {
  seed?: number | string;
  /** false: keep no trace records (listeners still run) */
  record?: boolean;
  /**
   * How the keepalive state machines run: compiled from their xstate definitions (default,
   * fast) or as xstate actors. Both make the same decisions in the same order (tested), so a
   * run gives the same bytes either way.
   */
  machines?: 'compiled' | 'xstate';
}

export class Sim {
  now: Micros = 0;
  readonly rng: Rng;
  readonly trace: Trace;
  private readonly queue = new EventQueue();
  private stopped = false;
  /** events executed so far */
  steps = 0;
  readonly machines: 'compiled' | 'xstate';

  constructor(opts: SimOptions = {}) {
    this.rng = Rng.root(opts.seed ?? 1);
    this.trace = new Trace(opts.record ?? true);
    this.machines = opts.machines ?? 'compiled';
  }

  /** Run `fn` at absolute time `t` (never in the past). */
  at(t: Micros, fn: Callback): Handle {
    if (!Number.isInteger(t) || t > 2 ** 53) throw new RangeError(`event time must be integer µs below 2^53 (exact), got ${t}`);
    return this.queue.push(t < this.now ? this.now : t, fn);
  }

  /** Run `fn` after `delay` µs. */
  after(delay: Micros, fn: Callback): Handle {
    return this.at(this.now + Math.max(0, Math.round(delay)), fn);
  }

  cancel(h: Handle | null | undefined): void {
    if (h) this.queue.cancel(h);
  }

  /** Whether a scheduled event has yet to run (not run, not cancelled). */
  isPending(h: Handle | null | undefined): boolean {
    return h ? this.queue.isPending(h) : false;
  }

  /** When a scheduled event will run, or undefined once it ran or was cancelled. */
  timeOf(h: Handle | null | undefined): Micros | undefined {
    return h ? this.queue.timeOf(h) : undefined;
  }

  /** Live events waiting. */
  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next event, if any. */
  peek(): Micros | undefined {
    return this.queue.peekTime();
  }

  /** Stop `run` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /** Execute one event; false when the queue is empty. */
  step(): boolean {
    const fn = this.queue.pop();
    if (!fn) return false;
    this.now = this.queue.lastTime;
    this.steps++;
    if (typeof fn === 'function') fn();
    else fn.run();
    return true;
  }

  /** Run until the queue is empty, `until` is reached (now = until), or `stop()`. */
  run(opts: { until?: Micros } = {}): void {
    const until = opts.until ?? Number.POSITIVE_INFINITY;
    this.stopped = false;
    while (!this.stopped) {
      const t = this.queue.peekTime();
      if (t === undefined || t > until) break;
      this.step();
    }
    if (!this.stopped && Number.isFinite(until) && this.now < until) this.now = until;
  }
}
