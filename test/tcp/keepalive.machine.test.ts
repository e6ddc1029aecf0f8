/**
 * The keepalive xstate machine on its own, against a fake KeepaliveHost: first with the pure
 * initialTransition/transition (asserting only snapshot.value and snapshot.context, style.md
 * rule 4), then running on the simulator's clock. Decision order = tcp_keepalive_timer()
 * steps 4, 5, 8, 7a, 7b (linux-keepalive.md §1).
 */
import { createActor, initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/engine/sim.ts';
import { simClock } from '../../src/engine/xstate-clock.ts';
import { keepaliveMachine, keepaliveStateName, type KeepaliveEvent, type KeepaliveHost } from '../../src/tcp/keepalive/machine.ts';

interface Facts {
  applicable: boolean;
  busy: boolean;
  elapsed: number;
  idle: number;
  intvl: number;
  probes: number;
  dead: boolean;
}

/** A host whose facts the test sets by hand. One tick = 1 ms, so delayUs = ticks · 1000. */
function fakeHost(init: Partial<Facts> = {}): { f: Facts; host: KeepaliveHost } {
  const f: Facts = { applicable: true, busy: false, elapsed: 0, idle: 10, intvl: 2, probes: 0, dead: false, ...init };
  const host: KeepaliveHost = {
    applicable: () => f.applicable,
    busy: () => f.busy,
    elapsed: () => f.elapsed,
    keepIdle: () => f.idle,
    keepIntvl: () => f.intvl,
    probesOut: () => f.probes,
    dead: () => f.dead,
    delayUs: (ticks) => ticks * 1000,
    sendProbe: () => {
      f.probes++;
    },
    abort: () => {},
    fired: () => {},
  };
  return { f, host };
}

// xstate v5 names the delayed event of `after: { timer }` on state `keepalive.armed` like this.
const FIRE = { type: 'xstate.after.timer.keepalive.armed' } as unknown as KeepaliveEvent;

type Snap = ReturnType<typeof initialTransition<typeof keepaliveMachine>>[0];

function start(init: Partial<Facts> = {}): { f: Facts; s: Snap } {
  const { f, host } = fakeHost(init);
  const [s] = initialTransition(keepaliveMachine, { host });
  return { f, s };
}

const send = (s: Snap, e: KeepaliveEvent): Snap => transition(keepaliveMachine, s, e)[0];

describe('keepalive machine (pure transitions)', () => {
  it('starts off with no timer', () => {
    const { s } = start();
    expect(s.value).toBe('off');
    expect(s.context.delayUs).toBe(0);
  });

  it('ENABLE arms the full keepidle, whatever the idle time already is', () => {
    const { s } = start({ elapsed: 50, idle: 10 });
    const armed = send(s, { type: 'ENABLE' });
    expect(armed.value).toEqual({ armed: 'idle' });
    expect(armed.context.delayUs).toBe(10_000);
  });

  it('ENABLE with probes already out enters armed.probing (the state mirrors probes_out)', () => {
    const { s } = start({ probes: 2 });
    expect(send(s, { type: 'ENABLE' }).value).toEqual({ armed: 'probing' });
  });

  it('ENABLE while armed changes nothing', () => {
    const { f, s } = start({ idle: 10 });
    const a = send(s, { type: 'ENABLE' });
    f.idle = 99;
    const b = send(a, { type: 'ENABLE' });
    expect(b.value).toEqual({ armed: 'idle' });
    expect(b.context.delayUs).toBe(10_000);
  });

  it('step 4: a firing that is not applicable (keepalive off, CLOSE, SYN_SENT) goes off without re-arming', () => {
    const { f, s } = start({ busy: true, dead: true, elapsed: 100 });
    const a = send(s, { type: 'ENABLE' });
    f.applicable = false;
    expect(send(a, FIRE).value).toBe('off');
  });

  it('step 5: busy (data unacked/unsent) re-arms the full keepidle even if the death rule holds', () => {
    const { f, s } = start({ idle: 10, intvl: 2 });
    const a = send(s, { type: 'ENABLE' });
    Object.assign(f, { busy: true, dead: true, elapsed: 100, probes: 5 });
    const b = send(a, FIRE);
    expect(b.value).toEqual({ armed: 'probing' });
    expect(b.context.delayUs).toBe(10_000);
  });

  it('step 8: idle < keepidle re-arms for keepidle − idle, even if the death rule holds', () => {
    const { f, s } = start({ idle: 10 });
    const a = send(s, { type: 'ENABLE' });
    Object.assign(f, { elapsed: 4, dead: true });
    const b = send(a, FIRE);
    expect(b.value).toEqual({ armed: 'idle' });
    expect(b.context.delayUs).toBe(6_000);
  });

  it('step 7b: idle >= keepidle and alive -> probe and re-arm keepintvl', () => {
    const { f, s } = start({ idle: 10, intvl: 2 });
    const a = send(s, { type: 'ENABLE' });
    f.elapsed = 10;
    const b = send(a, FIRE);
    expect(b.value).toEqual({ armed: 'idle' }); // the probe action runs after the pure step; probes_out still 0 here
    expect(b.context.delayUs).toBe(2_000);
    f.probes = 1;
    f.elapsed = 12;
    const c = send(b, FIRE);
    expect(c.value).toEqual({ armed: 'probing' });
    expect(c.context.delayUs).toBe(2_000);
  });

  it('step 7a: idle >= keepidle and the death rule holds -> dead (final)', () => {
    const { f, s } = start({ idle: 10 });
    const a = send(s, { type: 'ENABLE' });
    Object.assign(f, { elapsed: 16, probes: 3, dead: true });
    const b = send(a, FIRE);
    expect(b.value).toBe('dead');
    expect(b.status).toBe('done');
  });

  it('DISABLE turns an armed or probing timer off', () => {
    const { s } = start({ probes: 1 });
    const a = send(s, { type: 'ENABLE' });
    expect(a.value).toEqual({ armed: 'probing' });
    expect(send(a, { type: 'DISABLE' }).value).toBe('off');
  });

  it.each([
    [3, 7_000],
    [10, 0],
    [25, 0],
  ])('KEEPIDLE_CHANGED with idle %i re-arms for max(keepidle − idle, 0) = %i µs', (elapsed, delayUs) => {
    const { f, s } = start({ idle: 10 });
    const a = send(s, { type: 'ENABLE' });
    f.elapsed = elapsed;
    const b = send(a, { type: 'KEEPIDLE_CHANGED' });
    expect(b.value).toEqual({ armed: 'idle' });
    expect(b.context.delayUs).toBe(delayUs);
  });

  it('KEEPIDLE_CHANGED while off does nothing', () => {
    const { s } = start();
    const b = send(s, { type: 'KEEPIDLE_CHANGED' });
    expect(b.value).toBe('off');
    expect(b.context.delayUs).toBe(0);
  });

  it('PROBE_ANSWERED moves probing -> idle without touching the timer; in idle it is ignored', () => {
    const { f, s } = start({ probes: 1, idle: 10 });
    const a = send(s, { type: 'ENABLE' });
    f.probes = 0;
    const b = send(a, { type: 'PROBE_ANSWERED' });
    expect(b.value).toEqual({ armed: 'idle' });
    expect(b.context.delayUs).toBe(a.context.delayUs);
    expect(send(b, { type: 'PROBE_ANSWERED' }).value).toEqual({ armed: 'idle' });
  });

  it('keepaliveStateName flattens the value to one word', () => {
    expect(keepaliveStateName('off')).toBe('off');
    expect(keepaliveStateName({ armed: 'probing' })).toBe('probing');
    expect(keepaliveStateName('dead')).toBe('dead');
  });
});

describe('keepalive machine on the simulator clock', () => {
  const SEC = 1_000_000;

  /** Exact µs ticks; idle measured from `lastRx`; Linux count rule probes_out >= cnt. */
  function running(o: { idle?: number; intvl?: number; cnt?: number } = {}) {
    const sim = new Sim();
    const st = { lastRx: 0, probes: 0, busy: false, on: true };
    const log: string[] = [];
    const idle = (o.idle ?? 10) * SEC;
    const intvl = (o.intvl ?? 2) * SEC;
    const cnt = o.cnt ?? 3;
    const host: KeepaliveHost = {
      applicable: () => st.on,
      busy: () => st.busy,
      elapsed: () => sim.now - st.lastRx,
      keepIdle: () => idle,
      keepIntvl: () => intvl,
      probesOut: () => st.probes,
      dead: () => st.probes >= cnt,
      delayUs: (ticks) => ticks,
      sendProbe: () => {
        log.push(`probe@${sim.now / SEC}`);
        st.probes++;
      },
      abort: () => log.push(`abort@${sim.now / SEC}`),
      fired: () => {},
    };
    const actor = createActor(keepaliveMachine, { input: { host }, clock: simClock(sim) });
    actor.start();
    return { sim, st, log, actor, name: () => keepaliveStateName(actor.getSnapshot().value) };
  }

  it('probes at idle, idle + intvl, … and aborts at idle + cnt·intvl', () => {
    const { sim, log, actor, name } = running({ idle: 10, intvl: 2, cnt: 3 });
    actor.send({ type: 'ENABLE' });
    sim.run({ until: 100 * SEC });
    expect(log).toEqual(['probe@10', 'probe@12', 'probe@14', 'abort@16']);
    expect(name()).toBe('dead');
    expect(sim.pending).toBe(0);
  });

  it('shows probing while probes are out', () => {
    const { sim, actor, name } = running();
    actor.send({ type: 'ENABLE' });
    sim.run({ until: 11 * SEC });
    expect(name()).toBe('probing');
  });

  it('an answer (last receive refreshed, PROBE_ANSWERED) goes back to idle; the next firing re-arms to lastRx + idle', () => {
    const { sim, st, log, actor, name } = running({ idle: 10, intvl: 2, cnt: 3 });
    actor.send({ type: 'ENABLE' });
    sim.at(11 * SEC, () => {
      st.lastRx = sim.now;
      st.probes = 0;
      actor.send({ type: 'PROBE_ANSWERED' });
    });
    sim.run({ until: 11 * SEC });
    expect(name()).toBe('idle');
    sim.run({ until: 100 * SEC });
    expect(log).toEqual(['probe@10', 'probe@21', 'probe@23', 'probe@25', 'abort@27']);
  });

  it('re-arms the full keepidle while busy and probes at the first firing after', () => {
    const { sim, st, log, actor } = running({ idle: 10, intvl: 2, cnt: 1 });
    st.busy = true;
    actor.send({ type: 'ENABLE' });
    sim.at(25 * SEC, () => (st.busy = false));
    sim.run({ until: 100 * SEC });
    expect(log).toEqual(['probe@30', 'abort@32']);
  });

  it('DISABLE cancels the pending timer event', () => {
    const { sim, log, actor, name } = running();
    actor.send({ type: 'ENABLE' });
    sim.at(5 * SEC, () => actor.send({ type: 'DISABLE' }));
    sim.run({ until: 5 * SEC });
    expect(sim.pending).toBe(0);
    sim.run({ until: 100 * SEC });
    expect(log).toEqual([]);
    expect(name()).toBe('off');
  });

  it('a firing that finds keepalive not applicable leaves nothing scheduled', () => {
    const { sim, st, log, actor, name } = running();
    actor.send({ type: 'ENABLE' });
    st.on = false;
    sim.run({ until: 100 * SEC });
    expect(log).toEqual([]);
    expect(name()).toBe('off');
    expect(sim.pending).toBe(0);
  });
});
