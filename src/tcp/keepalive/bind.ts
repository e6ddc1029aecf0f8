/**
 * Binds one connection to its keepalive actor: the `KeepaliveHost` view of the control
 * block (facts read only when the timer fires) and the actor running on the simulator's
 * clock. Machine transitions go to the trace.
 */
import { createActor } from 'xstate';
import { simClock } from '../../engine/xstate-clock.ts';
import type { Conn } from '../conn.ts';
import { keepaliveAbort } from '../close.ts';
import { sendKeepaliveProbe } from '../output.ts';
import { keepaliveMachine, keepaliveStateName, type KeepaliveHost } from './machine.ts';

/** The machine's window onto a connection. */
export function keepaliveHost(c: Conn): KeepaliveHost {
  const profile = c.stack.profile;
  const ka = profile.keepalive;
  const lateRng = ka.lateUs && c.stack.tb.keepaliveLateUs ? c.stack.tb : null;
  const host: KeepaliveHost = {
    // tcp_keepalive_timer steps 2-4: off, CLOSE, SYN_SENT, LISTEN -> nothing; TIME_WAIT has no timer.
    applicable: ka.timerAlwaysArmed
      ? () => !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT' // BSD: KEEP runs from ESTABLISHED on
      : () => c.opts.keepalive && !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT' && !(c.orphan && c.state === 'FIN_WAIT_2'),
    busy: () => !profile.keepalive.probeWhileUnacked && c.busy,
    elapsed: () => c.idleTicks(),
    keepIdle: () => c.keepIdleTicks(),
    keepIntvl: () => ka.intervalTicks ?? c.keepIntvlTicks(), // intervalTicks: a what-if (os/linux/module.ts)
    probesOut: () => c.probesOut,
    dead: () =>
      profile.keepalive.isDead({
        probesOut: c.probesOut,
        keepCnt: c.keepCnt(),
        elapsed: c.idleTicks(),
        userTimeout: c.opts.userTimeout > 0 ? c.stack.tb.msecs(c.opts.userTimeout) : 0,
        keepIdle: c.keepIdleTicks(),
        keepIntvl: c.keepIntvlTicks(),
      }),
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

function createKeepalive(c: Conn) {
  const actor = createActor(keepaliveMachine, { input: { host: keepaliveHost(c) }, clock: simClock(c.sim) });
  if (c.sim.trace.active) {
    let last = 'off';
    actor.subscribe((snap) => {
      const now = keepaliveStateName(snap.value);
      if (now !== last) {
        c.sim.trace.emit({ kind: 'machine', t: c.sim.now, host: c.stack.name, conn: c.name, from: last, to: now });
        last = now;
      }
    });
  }
  actor.start();
  return actor;
}
