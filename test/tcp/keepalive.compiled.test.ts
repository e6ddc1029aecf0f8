/**
 * The compiled keepalive machine (src/tcp/keepalive/compiled.ts) against the xstate actor it is
 * compiled from: model-based, with the same random sequences of host facts and events given to
 * both — enable, disable, KEEPIDLE changes (Linux re-arm and BSD reset), probes answered, data
 * busy/idle, keepalive turned off under a running timer, every OS profile's death rule and the
 * BSD dormant rule, a stop() from inside the abort action (as tcp_done does) and from outside.
 * Each side runs on its own simulator; every call the machine makes on its host (guards, delay
 * computations, effects, in order, with their results), every timer it schedules or cancels
 * (with the virtual time it is due), and the state name after every step must be identical.
 * A change to the definition that the compiled form does not mirror fails here.
 */
import fc from 'fast-check';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Sim, type Handle } from '../../src/engine/sim.ts';
import { SEC } from '../../src/engine/time.ts';
import { CompiledKeepalive, compileMachine, COMPILED_KEEPALIVE } from '../../src/tcp/keepalive/compiled.ts';
import { keepaliveMachine, keepaliveStateName, type KeepaliveEvent, type KeepaliveHost } from '../../src/tcp/keepalive/machine.ts';
import { buildOs, OS_NAMES, type OsName } from '../../src/os/index.ts';
import type { OsProfile } from '../../src/os/profile.ts';

interface Facts {
  applicable: boolean;
  busy: boolean;
  lastRx: number;
  probes: number;
  keepIdle: number;
  keepIntvl: number;
  keepCnt: number;
  userTimeout: number;
  /** BSD: keepalive off but the timer runs */
  dormant: boolean;
  /** abort() calls tcp_done's DISABLE + stop() on the machine, re-entrantly */
  reentrantAbort: boolean;
}

type Cmd =
  | { kind: 'send'; event: KeepaliveEvent['type'] }
  | { kind: 'advance'; us: number }
  | { kind: 'facts'; set: Partial<Facts> }
  | { kind: 'answer' } // a probe answered: probes_out 0 and last receive now, then PROBE_ANSWERED
  | { kind: 'stop' };

interface Machine {
  send(e: KeepaliveEvent): void;
  stop(): void;
  state(): string;
}

/** One side: a simulator, a logging host over shared facts, a logging clock. */
function side(profile: OsProfile, facts: Facts, make: (host: KeepaliveHost, sim: Sim, log: string[]) => Machine) {
  const sim = new Sim();
  const log: string[] = [];
  const f = { ...facts };
  let m: Machine | null = null;
  const call = <T>(name: string, v: T): T => {
    log.push(`${sim.now} ${name} -> ${String(v)}`);
    return v;
  };
  const host: KeepaliveHost = {
    applicable: () => call('applicable', f.applicable),
    busy: () => call('busy', f.busy),
    elapsed: () => call('elapsed', sim.now - f.lastRx),
    keepIdle: () => call('keepIdle', f.keepIdle),
    keepIntvl: () => call('keepIntvl', f.keepIntvl),
    probesOut: () => call('probesOut', f.probes),
    dead: () => call('dead', profile.keepalive.isDead({ probesOut: f.probes, keepCnt: f.keepCnt, elapsed: sim.now - f.lastRx, userTimeout: f.userTimeout, keepIdle: f.keepIdle, keepIntvl: f.keepIntvl })),
    delayUs: (ticks) => call(`delayUs(${ticks})`, ticks),
    sendProbe: () => {
      f.probes++;
      // a probe puts a packet on the wire: an event of its own on the same queue
      sim.after(500, () => log.push(`${sim.now} probe delivered`));
      call('sendProbe', f.probes);
    },
    abort: () => {
      call('abort', f.probes);
      if (f.reentrantAbort && m) {
        m.send({ type: 'DISABLE' });
        m.stop();
      }
    },
    fired: () => call('fired', sim.now),
  };
  if (profile.keepalive.timerAlwaysArmed) host.dormant = () => call('dormant', f.dormant);
  m = make(host, sim, log);
  return {
    run(cmd: Cmd): void {
      switch (cmd.kind) {
        case 'send':
          m.send({ type: cmd.event } as KeepaliveEvent);
          break;
        case 'advance':
          sim.run({ until: sim.now + cmd.us });
          break;
        case 'facts':
          Object.assign(f, cmd.set);
          break;
        case 'answer':
          f.probes = 0;
          f.lastRx = sim.now;
          m.send({ type: 'PROBE_ANSWERED' });
          break;
        case 'stop':
          m.stop();
          break;
      }
      log.push(`${sim.now} state ${m.state()} pending ${sim.pending}`);
    },
    log,
  };
}

/** A clock that logs what it schedules and cancels, in due time. */
function loggingClock(sim: Sim, log: string[]) {
  return {
    after: (d: number, fn: () => void): Handle => {
      log.push(`${sim.now} schedule @${sim.now + d}`);
      return sim.after(d, fn);
    },
    cancel: (h: Handle): void => {
      log.push(`${sim.now} cancel @${sim.timeOf(h) ?? 'gone'}`);
      sim.cancel(h);
    },
  };
}

const viaXstate = (host: KeepaliveHost, sim: Sim, log: string[]): Machine => {
  const clock = loggingClock(sim, log);
  const actor = createActor(keepaliveMachine, {
    input: { host },
    clock: { setTimeout: (fn: () => void, ms: number) => clock.after(Math.round(ms * 1000), fn), clearTimeout: (h: unknown) => clock.cancel(h as Handle) },
  });
  actor.subscribe((s) => log.push(`${sim.now} observed ${keepaliveStateName(s.value)}`));
  actor.start();
  return { send: (e) => actor.send(e), stop: () => actor.stop(), state: () => keepaliveStateName(actor.getSnapshot().value) };
};

const viaCompiled = (host: KeepaliveHost, sim: Sim, log: string[]): Machine => {
  const m = new CompiledKeepalive(host, loggingClock(sim, log), (s) => log.push(`${sim.now} observed ${s}`));
  return { send: (e) => m.send(e), stop: () => m.stop(), state: () => m.state };
};

const EVENTS: KeepaliveEvent['type'][] = ['ENABLE', 'DISABLE', 'KEEPIDLE_CHANGED', 'KEEPIDLE_RESET', 'PROBE_ANSWERED'];

const factChange: fc.Arbitrary<Partial<Facts>> = fc.record(
  {
    applicable: fc.boolean(),
    busy: fc.boolean(),
    keepIdle: fc.integer({ min: 0, max: 20 * SEC }),
    keepIntvl: fc.integer({ min: 0, max: 5 * SEC }),
    keepCnt: fc.integer({ min: 1, max: 6 }),
    userTimeout: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 * SEC })),
    dormant: fc.boolean(),
    reentrantAbort: fc.boolean(),
  },
  { requiredKeys: [] },
);

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...EVENTS).map((event): Cmd => ({ kind: 'send', event })) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 15 * SEC }).map((us): Cmd => ({ kind: 'advance', us })) },
  { weight: 3, arbitrary: factChange.map((set): Cmd => ({ kind: 'facts', set })) },
  { weight: 2, arbitrary: fc.constant<Cmd>({ kind: 'answer' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ kind: 'stop' }) },
);

/** The definition's states as plain data (the context factory dropped). */
const definition = (): unknown => JSON.parse(JSON.stringify({ initial: keepaliveMachine.config.initial, states: keepaliveMachine.config.states }));

const START: Facts = { applicable: true, busy: false, lastRx: 0, probes: 0, keepIdle: 10 * SEC, keepIntvl: 2 * SEC, keepCnt: 3, userTimeout: 0, dormant: false, reentrantAbort: true };

describe('compiled keepalive machine vs the xstate actor', () => {
  for (const os of OS_NAMES) {
    it(`${os}: the same host calls, timers and states for random sequences of facts and events`, () => {
      const profile = buildOs(os as OsName).profile;
      const seen = new Set<string>();
      fc.assert(
        fc.property(fc.array(cmd, { minLength: 1, maxLength: 40 }), (cmds) => {
          const a = side(profile, START, viaXstate);
          const b = side(profile, START, viaCompiled);
          for (const c of cmds) {
            a.run(c);
            b.run(c);
          }
          a.run({ kind: 'advance', us: 100 * SEC });
          b.run({ kind: 'advance', us: 100 * SEC });
          expect(b.log).toEqual(a.log);
          for (const l of a.log) for (const k of ['sendProbe', 'abort', 'observed dead', 'observed probing', 'cancel', 'dormant -> true', 'notIdle', 'busy -> true', 'applicable -> false']) if (l.includes(k)) seen.add(k);
        }),
        { numRuns: 150 },
      );
      // the sequences reached every branch worth comparing (BSD profiles add the dormant rule)
      const want = ['sendProbe', 'abort', 'observed dead', 'observed probing', 'cancel', 'busy -> true', 'applicable -> false', ...(profile.keepalive.timerAlwaysArmed ? ['dormant -> true'] : [])];
      expect([...seen].filter((k) => want.includes(k)).sort()).toEqual([...want].sort());
    });
  }

  it('the comparison can fail: a compiled machine whose probe branch differs is caught', () => {
    // Arrange: the definition with the probe's interval re-armed for keepidle instead
    const config = definition() as unknown as { states: { armed: { after: { timer: { actions: string[] }[] } } } };
    const last = config.states.armed.after.timer.at(-1);
    if (!last) throw new Error('unexpected definition');
    last.actions = ['fired', 'sendProbe', 'armIdle'];
    const wrong = compileMachine(config as unknown as Record<string, unknown>);
    const profile = buildOs('linux').profile;
    const viaWrong = (host: KeepaliveHost, sim: Sim, log: string[]): Machine => {
      const m = new CompiledKeepalive(host, loggingClock(sim, log), (s) => log.push(`${sim.now} observed ${s}`), wrong);
      return { send: (e) => m.send(e), stop: () => m.stop(), state: () => m.state };
    };
    // Act
    const a = side(profile, START, viaXstate);
    const b = side(profile, START, viaWrong);
    for (const c of [{ kind: 'send', event: 'ENABLE' }, { kind: 'advance', us: 30 * SEC }] as Cmd[]) {
      a.run(c);
      b.run(c);
    }
    // Assert
    expect(b.log).not.toEqual(a.log);
  });

  it('refuses definitions it cannot run, naming the construct', () => {
    const base = definition() as unknown as Record<string, unknown>;
    const withInvoke = { ...base, states: { ...(base['states'] as object), extra: { invoke: { src: 'x' } } } };
    expect(() => compileMachine(withInvoke)).toThrow(/extra: state key 'invoke' is not supported/);
    const withInline = structuredClone(base) as { states: { off: { on: { ENABLE: { actions: unknown } } } } };
    withInline.states.off.on.ENABLE.actions = 'noSuchAction';
    expect(() => compileMachine(withInline as unknown as Record<string, unknown>)).toThrow(/action 'noSuchAction'/);
  });

  it('compiles the four leaf states the trace names', () => {
    const names: string[] = [];
    const walk = (n: typeof COMPILED_KEEPALIVE.root): void => {
      if (!n.children.size) names.push(n.key);
      for (const c of n.children.values()) walk(c);
    };
    walk(COMPILED_KEEPALIVE.root);
    expect(names.sort()).toEqual(['check', 'dead', 'idle', 'off', 'probing']);
    expect(COMPILED_KEEPALIVE.initialLeaf.key).toBe('off');
  });
});
