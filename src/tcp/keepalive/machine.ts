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

export const keepaliveMachine = setup({
  types: {
    context: {} as KeepaliveContext,
    events: {} as KeepaliveEvent,
    input: {} as { host: KeepaliveHost },
  },
  delays: {
    // xstate delays are milliseconds; ours are exact µs, so this division is lossless enough
    // for the clock adapter to round back to the same integer µs.
    timer: ({ context }) => context.delayUs / 1000,
  },
  guards: {
    notApplicable: ({ context }) => !context.host.applicable(),
    busy: ({ context }) => context.host.busy(),
    notIdleYet: ({ context }) => context.host.elapsed() < context.host.keepIdle(),
    dormant: ({ context }) => context.host.dormant?.() ?? false,
    peerDead: ({ context }) => context.host.dead(),
    probesOut: ({ context }) => context.host.probesOut() > 0,
  },
  actions: {
    fired: ({ context }) => context.host.fired(),
    armIdle: assign({ delayUs: ({ context }) => context.host.delayUs(context.host.keepIdle()) }),
    armRemaining: assign({
      delayUs: ({ context }) => context.host.delayUs(Math.max(0, context.host.keepIdle() - context.host.elapsed())),
    }),
    armInterval: assign({ delayUs: ({ context }) => context.host.delayUs(context.host.keepIntvl()) }),
    sendProbe: ({ context }) => context.host.sendProbe(),
    abort: ({ context }) => context.host.abort(),
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
