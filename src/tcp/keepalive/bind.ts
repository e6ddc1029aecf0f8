/**
 * Binds one connection to its keepalive machine: the `KeepaliveHost` view of the control
 * block (facts read only when the timer fires) and the machine running on the simulator's
 * clock — compiled from the xstate definition (compiled.ts) by default, or as an xstate actor
 * (`new Sim({ machines: 'xstate' })`, for cross-checks: both give the same bytes). Machine
 * transitions go to the trace.
 */
import { createActor } from 'xstate';
import { simClock } from '../../engine/xstate-clock.ts';
import type { Conn } from '../conn.ts';
import type { KeepaliveFacts } from '../../os/profile.ts';
import { keepaliveAbort } from '../close.ts';
import { sendKeepaliveProbe } from '../output.ts';
import { CompiledKeepalive, simKeepaliveClock } from './compiled.ts';
import { keepaliveMachine, keepaliveStateName, type KeepaliveEvent, type KeepaliveHost } from './machine.ts';

/** A running keepalive machine, however it runs. */
export interface KeepaliveRun {
  send(e: KeepaliveEvent): void;
  stop(): void;
  /** off, idle, probing or dead */
  readonly state: string;
}

/** The machine's window onto a connection. */
export function keepaliveHost(c: Conn): KeepaliveHost {
  const profile = c.stack.profile;
  const ka = profile.keepalive;
  const lateRng = ka.lateUs && c.stack.tb.keepaliveLateUs ? c.stack.tb : null;
  const facts: KeepaliveFacts = { probesOut: 0, keepCnt: 0, elapsed: 0, userTimeout: 0, keepIdle: 0, keepIntvl: 0 };
  const host: KeepaliveHost = {
    // tcp_keepalive_timer steps 2-4: off, CLOSE, SYN_SENT, LISTEN -> nothing; TIME_WAIT has no timer.
    applicable: ka.timerAlwaysArmed
      ? () => !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT' // BSD: KEEP runs from ESTABLISHED on
      : () => c.opts.keepalive && !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT' && !(c.orphan && c.state === 'FIN_WAIT_2'),
    busy: () => !profile.keepalive.probeWhileUnacked && c.busy,
    elapsed: () => c.idleTicks(),
    keepIdle: () => c.keepIdleTicks(),
    keepIntvl: () => c.keepIntvlTicks(),
    probesOut: () => c.probesOut,
    dead: () => {
      // one facts record per connection, refilled at each firing (no allocation per firing)
      facts.probesOut = c.probesOut;
      facts.keepCnt = c.keepCnt();
      facts.elapsed = c.idleTicks();
      facts.userTimeout = c.opts.userTimeout > 0 ? c.stack.tb.msecs(c.opts.userTimeout) : 0;
      facts.keepIdle = c.keepIdleTicks();
      facts.keepIntvl = c.keepIntvlTicks();
      return profile.keepalive.isDead(facts);
    },
    delayUs: (ticks) => {
      // only called when arming: remember the expiry for `ss -o` style views
      c.kaExpires = c.stack.tb.fireTime(c.sim.now, ticks);
      // XNU 500 ms class / FreeBSD callout coalescing: fire late by a seeded amount (src/os/timers.ts)
      if (lateRng) c.kaExpires += lateRng.keepaliveLateUs?.(c.kaExpires - c.sim.now) ?? 0;
      return c.kaExpires - c.sim.now;
    },
    sendProbe: () => {
      sendKeepaliveProbe(c);
      c.probesOut++;
    },
    abort: () => keepaliveAbort(c),
    fired: () => {
      if (c.sim.trace.active)
        c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'keepalive', detail: `probes_out ${c.probesOut}, idle ${c.stack.tb.toMicros(c.idleTicks()) / 1e6}s` });
    },
  };
  if (ka.timerAlwaysArmed) {
    const states = ka.probeStates;
    host.dormant = () => !(c.opts.keepalive || ka.always === true) || (states !== undefined && !states.includes(c.state));
  }
  return host;
}

/**
 * SO_KEEPALIVE turned on for a connection (or a connection established with it on):
 * arm the timer for a full keepidle from now. The actor is created on first use, so
 * connections that never enable keepalive carry none.
 */
export function enableKeepalive(c: Conn): void {
  if (c.done || c.state === 'SYN_SENT' || c.state === 'SYN_RECV') return; // armed at establishment
  if (!c.ka) c.ka = createKeepalive(c);
  c.ka.send({ type: 'ENABLE' });
}

function createKeepalive(c: Conn): KeepaliveRun {
  const host = keepaliveHost(c);
  let observe: ((state: string) => void) | null = null;
  if (c.sim.trace.active) {
    let last = 'off';
    observe = (now) => {
      if (now !== last) {
        c.sim.trace.emit({ kind: 'machine', t: c.sim.now, host: c.stack.name, conn: c.name, from: last, to: now });
        last = now;
      }
    };
  }
  if (c.sim.machines === 'compiled') return new CompiledKeepalive(host, simKeepaliveClock(c.sim), observe);
  const actor = createActor(keepaliveMachine, { input: { host }, clock: simClock(c.sim) });
  if (observe) {
    const o = observe;
    actor.subscribe((snap) => o(keepaliveStateName(snap.value)));
  }
  actor.start();
  return {
    send: (e) => actor.send(e),
    stop: () => actor.stop(),
    get state() {
      return keepaliveStateName(actor.getSnapshot().value);
    },
  };
}
