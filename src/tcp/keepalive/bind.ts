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
import { CompiledKeepalive } from './compiled.ts';
import { keepaliveMachine, keepaliveStateName, type KeepaliveEvent, type KeepaliveHost } from './machine.ts';

/** A running keepalive machine, however it runs. */
export interface KeepaliveRun {
  send(e: KeepaliveEvent): void;
  stop(): void;
  /** off, idle, probing or dead */
  readonly state: string;
}

/**
 * The machine's window onto a connection (Linux rules; BsdKeepaliveHost adds the dormant rule).
 * A class rather than closures: one small object per connection, its methods shared.
 */
class ConnKeepaliveHost implements KeepaliveHost {
  private readonly facts: KeepaliveFacts = { probesOut: 0, keepCnt: 0, elapsed: 0, userTimeout: 0, keepIdle: 0, keepIntvl: 0 };

  constructor(protected readonly c: Conn) {}

  // tcp_keepalive_timer steps 2-4: off, CLOSE, SYN_SENT, LISTEN -> nothing; TIME_WAIT has no timer.
  applicable(): boolean {
    const c = this.c;
    return c.opts.keepalive && !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT' && !(c.orphan && c.state === 'FIN_WAIT_2');
  }

  busy(): boolean {
    return !this.c.stack.profile.keepalive.probeWhileUnacked && this.c.busy;
  }

  elapsed(): number {
    return this.c.idleTicks();
  }

  keepIdle(): number {
    return this.c.keepIdleTicks();
  }

  keepIntvl(): number {
    // intervalTicks: a what-if of the Linux module (os/linux/module.ts), absent on every real profile
    return this.c.stack.profile.keepalive.intervalTicks ?? this.c.keepIntvlTicks();
  }

  probesOut(): number {
    return this.c.probesOut;
  }

  dead(): boolean {
    // one facts record per connection, refilled at each firing (no allocation per firing)
    const c = this.c;
    const f = this.facts;
    f.probesOut = c.probesOut;
    f.keepCnt = c.keepCnt();
    f.elapsed = c.idleTicks();
    f.userTimeout = c.opts.userTimeout > 0 ? c.stack.tb.msecs(c.opts.userTimeout) : 0;
    f.keepIdle = c.keepIdleTicks();
    f.keepIntvl = c.keepIntvlTicks();
    return c.stack.profile.keepalive.isDead(f);
  }

  delayUs(ticks: number): number {
    // only called when arming: remember the expiry for `ss -o` style views
    const c = this.c;
    const tb = c.stack.tb;
    c.kaExpires = tb.fireTime(c.sim.now, ticks);
    // XNU 500 ms class / FreeBSD callout coalescing: fire late by a seeded amount (src/os/timers.ts)
    if (c.stack.profile.keepalive.lateUs && tb.keepaliveLateUs) c.kaExpires += tb.keepaliveLateUs(c.kaExpires - c.sim.now);
    return c.kaExpires - c.sim.now;
  }

  sendProbe(): void {
    sendKeepaliveProbe(this.c);
    this.c.probesOut++;
  }

  abort(): void {
    keepaliveAbort(this.c);
  }

  fired(): void {
    const c = this.c;
    if (c.sim.trace.on.timer) c.sim.trace.emit({ kind: 'timer', t: c.sim.now, host: c.stack.name, conn: c.name, timer: 'keepalive', detail: `probes_out ${c.probesOut}, idle ${c.stack.tb.toMicros(c.idleTicks()) / 1e6}s` });
  }
}

/** XNU/FreeBSD: the KEEP timer runs from ESTABLISHED on, keepalive on or not (os-profiles.md §5.7). */
class BsdKeepaliveHost extends ConnKeepaliveHost {
  override applicable(): boolean {
    const c = this.c;
    return !c.done && c.state !== 'SYN_SENT' && c.state !== 'TIME_WAIT';
  }

  dormant(): boolean {
    const c = this.c;
    const ka = c.stack.profile.keepalive;
    return !(c.opts.keepalive || ka.always === true) || (ka.probeStates !== undefined && !ka.probeStates.includes(c.state));
  }
}

/** The machine's window onto a connection. */
export function keepaliveHost(c: Conn): KeepaliveHost {
  return c.stack.profile.keepalive.timerAlwaysArmed ? new BsdKeepaliveHost(c) : new ConnKeepaliveHost(c);
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
  if (c.sim.trace.on.machine) {
    let last = 'off';
    observe = (now) => {
      if (now !== last) {
        c.sim.trace.emit({ kind: 'machine', t: c.sim.now, host: c.stack.name, conn: c.name, from: last, to: now });
        last = now;
      }
    };
  }
  if (c.sim.machines === 'compiled') return new CompiledKeepalive(host, c.sim, observe);
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
