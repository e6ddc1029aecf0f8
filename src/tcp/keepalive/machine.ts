/**
 * The keepalive timer of one endpoint as an xstate v5 machine (style.md rule 4).
 *
 * It mirrors Linux's `tcp_keepalive_timer()` (net/ipv4/tcp_timer.c; linux-keepalive.md §1):
 * one timer, never pushed back by traffic, that re-evaluates the connection each time it
 * fires. Packets never reach the machine: like the kernel, the endpoint only records
 * "last receive" and `probes_out` on the packet path, and the machine reads those facts
 * through `KeepaliveHost` when its timer fires. The only events the endpoint sends are
 * the rare control changes (enable, disable, TCP_KEEPIDLE changed, probe answered).
 *
 *   off ──ENABLE──▶ armed ──after(timer)──▶ one of, in kernel order:
 *     step 4  not applicable (CLOSE, SYN_SENT, keepalive off) ─▶ off   (no re-arm)
 *     step 5  data unacked or unsent ─▶ armed, re-armed for the full keepidle
 *     step 8  idle < keepidle ─▶ armed, re-armed for keepidle − idle
 *     (BSD)   keepalive off or state not probed (profile) ─▶ armed, re-armed for keepidle
 *     step 7a death rule (profile: probe count, or elapsed ≥ idle + cnt·intvl on the BSDs) ─▶ dead
 *     step 7b send a probe            ─▶ armed.probing, re-armed for keepintvl
 *
 * `armed` enters `idle` or `probing` from the host's probes_out, so the state shown is
 * always what the kernel's counter says.
 */
import { assign, setup } from 'xstate';

/** What the machine may ask of, and tell, its endpoint. Durations in host ticks (jiffies). */
export interface KeepaliveHost {
  /** keepalive on, and the TCP state lets the timer act (§1 steps 2-4) */
  applicable(): boolean;
  /** data unacknowledged or unsent (§1 step 5) */
  busy(): boolean;
  /** ticks since the last received data or acceptable ACK (keepalive_time_elapsed) */
  elapsed(): number;
  keepIdle(): number;
  keepIntvl(): number;
  probesOut(): number;
  /** the OS profile's death rule over the current facts */
  dead(): boolean;
  /** µs from now until a timer of `ticks` armed now fires (timer-wheel rounding included) */
  delayUs(ticks: number): number;
  sendProbe(): void;
  abort(): void;
  /** called at every firing, before the decision (for the trace) */
  fired(): void;
  /**
   * BSD profiles: the timer runs but keepalive is off (or the state is not probed), so a
   * firing only re-arms for keepidle (XNU TCPT_KEEP step 3, FreeBSD tcp_timer_keep step 4).
   * Absent (Linux): never.
   */
  dormant?(): boolean;
}

export type KeepaliveEvent =
  | { type: 'ENABLE' }
  | { type: 'DISABLE' }
  | { type: 'KEEPIDLE_CHANGED' }
  | { type: 'KEEPIDLE_RESET' }
  | { type: 'PROBE_ANSWERED' };

export interface KeepaliveContext {
  host: KeepaliveHost;
  /** delay of the pending timer, µs */
  delayUs: number;
}

/**
 * The machine's guards, context updates, side effects and delay, as plain functions of its
 * context. The xstate definition below wraps them; the compiled form that runs in the
 * simulator (compiled.ts) calls the same functions by the names the definition uses, so the
 * two can differ only in how transitions are selected — which the model-based test
 * (test/tcp/keepalive.compiled.test.ts) checks against xstate itself.
 */
export const KEEPALIVE_GUARDS = {
  notApplicable: (c: KeepaliveContext) => !c.host.applicable(),
  busy: (c: KeepaliveContext) => c.host.busy(),
  notIdleYet: (c: KeepaliveContext) => c.host.elapsed() < c.host.keepIdle(),
  dormant: (c: KeepaliveContext) => c.host.dormant?.() ?? false,
  peerDead: (c: KeepaliveContext) => c.host.dead(),
  probesOut: (c: KeepaliveContext) => c.host.probesOut() > 0,
} satisfies Record<string, (c: KeepaliveContext) => boolean>;

/**
 * Context updates (xstate `assign` in its property form): per context key, its new value —
 * here the delay of the timer armed on entering `armed`.
 */
export const KEEPALIVE_ASSIGNS = {
  armIdle: { delayUs: (c: KeepaliveContext) => c.host.delayUs(c.host.keepIdle()) },
  armRemaining: { delayUs: (c: KeepaliveContext) => c.host.delayUs(Math.max(0, c.host.keepIdle() - c.host.elapsed())) },
  armInterval: { delayUs: (c: KeepaliveContext) => c.host.delayUs(c.host.keepIntvl()) },
} satisfies Record<string, { [K in keyof KeepaliveContext]?: (c: KeepaliveContext) => KeepaliveContext[K] }>;

/** Side effects on the endpoint. */
export const KEEPALIVE_EFFECTS = {
  fired: (c: KeepaliveContext) => c.host.fired(),
  sendProbe: (c: KeepaliveContext) => c.host.sendProbe(),
  abort: (c: KeepaliveContext) => c.host.abort(),
} satisfies Record<string, (c: KeepaliveContext) => void>;

/** Named delays, exact µs (xstate's own unit is ms: the definition divides by 1000). */
export const KEEPALIVE_DELAYS = {
  timer: (c: KeepaliveContext) => c.delayUs,
} satisfies Record<string, (c: KeepaliveContext) => number>;

const mapValues = <T extends Record<string, unknown>, R>(o: T, f: (v: T[keyof T]) => R): { [K in keyof T]: R } =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as T[keyof T])])) as { [K in keyof T]: R };

export const keepaliveMachine = setup({
  types: {
    context: {} as KeepaliveContext,
    events: {} as KeepaliveEvent,
    input: {} as { host: KeepaliveHost },
  },
  delays: {
    // xstate delays are milliseconds; ours are exact µs, so this division is lossless enough
    // for the clock adapter to round back to the same integer µs.
    timer: ({ context }) => KEEPALIVE_DELAYS.timer(context) / 1000,
  },
  guards: mapValues(KEEPALIVE_GUARDS, (g) => ({ context }: { context: KeepaliveContext }) => g(context)),
  actions: {
    fired: ({ context }) => KEEPALIVE_EFFECTS.fired(context),
    sendProbe: ({ context }) => KEEPALIVE_EFFECTS.sendProbe(context),
    abort: ({ context }) => KEEPALIVE_EFFECTS.abort(context),
    armIdle: assign({ delayUs: ({ context }) => KEEPALIVE_ASSIGNS.armIdle.delayUs(context) }),
    armRemaining: assign({ delayUs: ({ context }) => KEEPALIVE_ASSIGNS.armRemaining.delayUs(context) }),
    armInterval: assign({ delayUs: ({ context }) => KEEPALIVE_ASSIGNS.armInterval.delayUs(context) }),
  },
}).createMachine({
  id: 'keepalive',
  initial: 'off',
  context: ({ input }) => ({ host: input.host, delayUs: 0 }),
  states: {
    off: {
      on: { ENABLE: { target: 'armed', actions: 'armIdle' } },
    },
    armed: {
      initial: 'check',
      states: {
        check: { always: [{ guard: 'probesOut', target: 'probing' }, { target: 'idle' }] },
        idle: {},
        probing: { on: { PROBE_ANSWERED: 'idle' } },
      },
      on: {
        DISABLE: 'off',
        // TCP_KEEPIDLE on an armed timer: re-arm to keepidle − elapsed (do_tcp_setsockopt)
        KEEPIDLE_CHANGED: { target: 'armed', reenter: true, actions: 'armRemaining' },
        // BSD TCP_KEEPALIVE / TCP_KEEPIDLE: re-arm for the full new idle from now (os-profiles.md §5.7)
        KEEPIDLE_RESET: { target: 'armed', reenter: true, actions: 'armIdle' },
      },
      after: {
        timer: [
          { guard: 'notApplicable', target: 'off', actions: 'fired' },
          { guard: 'busy', target: 'armed', reenter: true, actions: ['fired', 'armIdle'] },
          { guard: 'notIdleYet', target: 'armed', reenter: true, actions: ['fired', 'armRemaining'] },
          { guard: 'dormant', target: 'armed', reenter: true, actions: ['fired', 'armIdle'] },
          { guard: 'peerDead', target: 'dead', actions: ['fired', 'abort'] },
          { target: 'armed', reenter: true, actions: ['fired', 'sendProbe', 'armInterval'] },
        ],
      },
    },
    dead: { type: 'final' },
  },
});

/** The machine's state as one readable word: off, idle, probing, dead. */
export function keepaliveStateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'armed' in value) return String((value as { armed: string }).armed);
  return String(value);
}
