/**
 * The keepalive machine compiled from its xstate definition into a small table, and run
 * without an actor. The simulator keeps one keepalive timer per endpoint for the whole run,
 * so the per-firing cost of an xstate actor (snapshots, microsteps, a scheduler entry per
 * delayed event) was most of the simulator's time (bench/README.md).
 *
 * The table is derived from `keepaliveMachine.config` — the same object the diagram
 * (`keepalive-lab machine`) is drawn from — and the guards, context updates, effects and delay
 * are the very functions the xstate definition wraps (machine.ts). What the compiler adds is
 * xstate v5's selection semantics for the constructs the definition uses:
 * - an event is offered to the active leaf, then to its ancestors; the first node with a
 *   transition for it whose guard holds takes it (document order);
 * - a transition exits the active states up to the transition domain (the source itself
 *   when it targets itself with `reenter: true`, else the source's parent), runs its actions
 *   in order (`assign`s update the context at once), then enters the target and its
 *   initial descendants, then takes eventless (`always`) transitions until none applies;
 * - `after` timers of exited states are cancelled and those of entered states scheduled with
 *   the delay evaluated at entry — both deferred to the end of the macrostep, as xstate's
 *   `raise`/`cancel` are (`actorScope.defer`), so the clock sees them after every effect;
 * - observers hear the new state once per macrostep; a top-level final state ends the run;
 * - an event sent while a macrostep runs waits for it; `stop()` during one drops waiting
 *   events and cancels timers once the macrostep (and its notification) is over.
 * Anything else in the definition makes `compileMachine` throw, so the definition cannot
 * change behind the compiled form's back; test/tcp/keepalive.compiled.test.ts drives this and
 * an xstate actor with the same random sequences and asserts identical effects and timers.
 */
import type { Handle } from '../../engine/sim.ts';
import { KEEPALIVE_ASSIGNS, KEEPALIVE_DELAYS, KEEPALIVE_EFFECTS, KEEPALIVE_GUARDS, keepaliveMachine, type KeepaliveContext, type KeepaliveEvent, type KeepaliveHost } from './machine.ts';

type Guard = (c: KeepaliveContext) => boolean;
type Updater = (c: KeepaliveContext) => unknown;
/** An effect, or an `assign` as its keys and updaters (all evaluated against the context before any is set). */
type Action = { effect: (c: KeepaliveContext) => void; keys: null; updaters: null } | { effect: null; keys: (keyof KeepaliveContext)[]; updaters: Updater[] };

interface Transition {
  source: StateNode;
  guard: Guard | null;
  target: StateNode | null;
  actions: Action[];
  reenter: boolean;
}

interface StateNode {
  /** one word, as the trace and netstat view name it (the leaf's own key) */
  readonly key: string;
  readonly parent: StateNode | null;
  readonly depth: number;
  readonly children: Map<string, StateNode>;
  initial: StateNode | null;
  final: boolean;
  readonly on: Map<string, Transition[]>;
  always: Transition[];
  /** the `after` timer: delay (µs) evaluated at entry, and the transitions its firing offers */
  after: { delay: (c: KeepaliveContext) => number; transitions: Transition[] } | null;
  // What an event offers while this node is the active leaf: its own transitions, then its
  // parent's, and so on up — xstate takes the first enabled one in that order, which is the
  // order of these flattened lists (built once by the compiler).
  offers: Map<string, Transition[]>;
  afterOffers: Transition[];
  alwaysOffers: Transition[];
}

/** The event type under which a node's `after` timer is offered. */
const AFTER = '$after';

type Raw = Record<string, unknown>;
const ALLOWED_STATE_KEYS = new Set(['initial', 'states', 'on', 'always', 'after', 'type']);
const ALLOWED_TRANSITION_KEYS = new Set(['target', 'guard', 'actions', 'reenter']);

function fail(where: string, what: string): never {
  throw new Error(`keepalive machine: ${where}: ${what} is not supported by the compiled form (src/tcp/keepalive/compiled.ts)`);
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A compiled machine: its root and the node a run starts in. */
export interface CompiledMachine {
  root: StateNode;
  initialLeaf: StateNode;
}

/** Compile an xstate config using only the constructs listed above, with named implementations. */
export function compileMachine(config: Raw): CompiledMachine {
  const build = (key: string, raw: Raw, parent: StateNode | null): StateNode => {
    for (const k of Object.keys(raw)) if (!ALLOWED_STATE_KEYS.has(k)) fail(key, `state key '${k}'`);
    if (raw['type'] !== undefined && raw['type'] !== 'final') fail(key, `state type '${String(raw['type'])}'`);
    const node: StateNode = { key, parent, depth: parent ? parent.depth + 1 : 0, children: new Map(), initial: null, final: raw['type'] === 'final', on: new Map(), always: [], after: null, offers: new Map(), afterOffers: [], alwaysOffers: [] };
    for (const [k, v] of Object.entries((raw['states'] as Record<string, Raw> | undefined) ?? {})) node.children.set(k, build(k, v, node));
    return node;
  };
  const rootRaw: Raw = { initial: config['initial'], states: config['states'] };
  const root = build('(machine)', rootRaw, null);
  const nodesByRaw: [StateNode, Raw][] = [];
  const walk = (n: StateNode, raw: Raw): void => {
    nodesByRaw.push([n, raw]);
    for (const [k, v] of Object.entries((raw['states'] as Record<string, Raw> | undefined) ?? {})) walk(n.children.get(k) as StateNode, v);
  };
  walk(root, rootRaw);

  const transition = (source: StateNode, raw: unknown): Transition => {
    const t = (typeof raw === 'string' ? { target: raw } : raw) as Raw;
    for (const k of Object.keys(t)) if (!ALLOWED_TRANSITION_KEYS.has(k)) fail(source.key, `transition key '${k}'`);
    let guard: Guard | null = null;
    if (t['guard'] !== undefined) {
      if (typeof t['guard'] !== 'string' || !(t['guard'] in KEEPALIVE_GUARDS)) fail(source.key, `guard ${JSON.stringify(t['guard'])}`);
      guard = KEEPALIVE_GUARDS[t['guard'] as keyof typeof KEEPALIVE_GUARDS];
    }
    let target: StateNode | null = null;
    if (t['target'] !== undefined) {
      const name = t['target'];
      if (typeof name !== 'string' || !source.parent?.children.has(name)) fail(source.key, `target ${JSON.stringify(name)} (only sibling state names)`);
      target = source.parent.children.get(name) as StateNode;
      if (target === source && t['reenter'] !== true) fail(source.key, 'a self-transition without reenter: true');
    }
    const actions = asList(t['actions'] as string | string[] | undefined).map((a): Action => {
      if (typeof a !== 'string') fail(source.key, 'an inline action');
      if (a in KEEPALIVE_ASSIGNS) {
        const props = Object.entries(KEEPALIVE_ASSIGNS[a as keyof typeof KEEPALIVE_ASSIGNS]) as [keyof KeepaliveContext, Updater][];
        return { effect: null, keys: props.map(([k]) => k), updaters: props.map(([, f]) => f) };
      }
      if (a in KEEPALIVE_EFFECTS) return { effect: KEEPALIVE_EFFECTS[a as keyof typeof KEEPALIVE_EFFECTS], keys: null, updaters: null };
      return fail(source.key, `action '${a}'`);
    });
    return { source, guard, target, actions, reenter: t['reenter'] === true };
  };

  for (const [n, raw] of nodesByRaw) {
    if (raw['initial'] !== undefined) {
      const i = n.children.get(raw['initial'] as string);
      if (!i) fail(n.key, `initial ${JSON.stringify(raw['initial'])}`);
      n.initial = i;
    } else if (n.children.size) fail(n.key, 'a compound state without initial');
    for (const [ev, v] of Object.entries((raw['on'] as Raw | undefined) ?? {})) n.on.set(ev, asList(v).map((x) => transition(n, x)));
    n.always = asList(raw['always'] as unknown[] | undefined).map((x) => transition(n, x));
    const after = Object.entries((raw['after'] as Raw | undefined) ?? {});
    if (after.length > 1) fail(n.key, 'more than one after timer');
    if (after.length === 1) {
      const [name, v] = after[0] as [string, unknown];
      if (!(name in KEEPALIVE_DELAYS)) fail(n.key, `delay '${name}' (named delays only)`);
      n.after = { delay: KEEPALIVE_DELAYS[name as keyof typeof KEEPALIVE_DELAYS], transitions: asList(v).map((x) => transition(n, x)) };
    }
  }
  for (const [n] of nodesByRaw) {
    const chain: StateNode[] = [];
    for (let x: StateNode | null = n; x; x = x.parent) chain.push(x);
    // one pending timer at a time: no state with an `after` inside another one's
    if (chain.filter((x) => x.after).length > 1) fail(n.key, 'an after timer nested in a state with an after timer');
    for (const x of chain) {
      for (const [ev, ts] of x.on) n.offers.set(ev, [...(n.offers.get(ev) ?? []), ...ts]);
      n.alwaysOffers.push(...x.always);
      if (x.after) n.afterOffers.push(...x.after.transitions);
    }
  }
  const initialLeaf = descend(root);
  return { root, initialLeaf };
}

/** A node's initial leaf. */
function descend(n: StateNode): StateNode {
  let x = n;
  while (x.initial) x = x.initial;
  return x;
}

/** The keepalive machine's table, built once. */
export const COMPILED_KEEPALIVE: CompiledMachine = compileMachine(keepaliveMachine.config as unknown as Raw);

/** The clock a compiled machine runs on: the simulator itself (`Sim.after`, `Sim.cancel`). */
export interface KeepaliveClock {
  after(delayUs: number, fn: (() => void) | { run(): void }): Handle;
  cancel(h: Handle): void;
}

/**
 * One endpoint's keepalive machine, run from the compiled table. It is its own xstate
 * context (`host`, `delayUs`) and its own timer callback (`run`), so a connection carries one
 * object for its machine — memory per connection is a target (bench/README.md).
 */
export class CompiledKeepalive implements KeepaliveContext {
  private leaf: StateNode;
  delayUs = 0;
  /** the pending `after` timer: the node it belongs to and its clock handle (0: none) */
  private timerNode: StateNode | null = null;
  private timer: Handle = 0;
  private processing = false;
  private stopRequested = false;
  private stopped = false;
  /** events sent during a macrostep, in order (xstate's mailbox); made when first needed */
  private queue: string[] | null = null;
  // clock operations deferred to the end of the macrostep: the cancel of the old timer (only
  // one timer exists at a time), then the schedule of the new one
  private cancelHandle: Handle = 0;
  private schedule = false;
  private scheduleDelay = 0;

  constructor(
    readonly host: KeepaliveHost,
    private readonly clock: KeepaliveClock,
    /** told the leaf's name after every macrostep (xstate's observer `next`) */
    private readonly observer: ((state: string) => void) | null = null,
    private readonly m: CompiledMachine = COMPILED_KEEPALIVE,
  ) {
    this.leaf = m.initialLeaf;
    this.settle(m.root);
    this.flush();
    this.observer?.(this.leaf.key); // an actor's observers see the initial snapshot when it starts
  }

  /** The timer fired (the clock calls this). */
  run(): void {
    this.timer = 0;
    this.offer(AFTER);
  }

  /** The current state as one word: off, idle, probing, dead (keepaliveStateName of the actor). */
  get state(): string {
    return this.leaf.key;
  }

  send(e: KeepaliveEvent): void {
    this.offer(e.type);
  }

  /** xstate `actor.stop()`: no more events; pending timers cancelled (after the running macrostep). */
  stop(): void {
    if (this.stopped) return;
    if (this.processing) {
      this.stopRequested = true;
      this.queue = null;
      return;
    }
    this.halt();
  }

  private halt(): void {
    this.stopped = true;
    this.queue = null;
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = 0;
    this.timerNode = null;
  }

  private offer(type: string): void {
    if (this.stopped) return;
    if (this.processing) {
      (this.queue ??= []).push(type); // one mailbox, first in first out: it waits its turn
      return;
    }
    this.processing = true;
    let next: string | undefined = type;
    while (next !== undefined) {
      this.macrostep(next);
      this.flush();
      this.observer?.(this.leaf.key);
      // a top-level final state ends the run, as does stop() called during the macrostep
      if ((this.leaf.final && this.leaf.parent === this.m.root) || this.stopRequested) {
        this.halt();
        break;
      }
      next = this.queue?.shift();
    }
    this.processing = false;
  }

  /** Run the deferred clock operations of a macrostep. */
  private flush(): void {
    if (this.cancelHandle) {
      this.clock.cancel(this.cancelHandle);
      this.cancelHandle = 0;
    }
    if (this.schedule) {
      this.schedule = false;
      if (!this.stopped) this.timer = this.clock.after(this.scheduleDelay, this);
    }
  }

  private macrostep(type: string): void {
    const t = this.select(type);
    if (!t) return;
    this.take(t);
    // eventless transitions until none applies (the `check` state's choice)
    for (let guardRounds = 0; ; guardRounds++) {
      if (guardRounds > 100) throw new Error('keepalive machine: eventless transitions do not settle');
      const a = this.selectAlways();
      if (!a) break;
      this.take(a);
    }
  }

  private select(type: string): Transition | null {
    // the pending timer always belongs to the leaf or one of its ancestors (exits cancel it)
    const ts = type === AFTER ? (this.timerNode ? this.leaf.afterOffers : undefined) : this.leaf.offers.get(type);
    return ts ? this.first(ts) : null;
  }

  private selectAlways(): Transition | null {
    return this.first(this.leaf.alwaysOffers);
  }

  /** The first transition whose guard holds (document order, leaf first). */
  private first(ts: Transition[]): Transition | null {
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as Transition;
      if (!t.guard || t.guard(this)) return t;
    }
    return null;
  }

  private take(t: Transition): void {
    if (t.target) {
      // exit the active states from the leaf up to the transition's source: its domain is the
      // source's parent, whether it re-enters itself or moves to a sibling
      for (let n: StateNode | null = this.leaf; n; n = n.parent) {
        if (n === this.timerNode) {
          if (this.timer) this.cancelHandle = this.timer;
          this.timer = 0;
          this.timerNode = null;
          this.schedule = false;
        }
        if (n === t.source) break;
      }
    }
    const ctx = this as unknown as Record<string, unknown>;
    for (let i = 0; i < t.actions.length; i++) {
      const a = t.actions[i] as Action;
      if (a.effect) {
        a.effect(this);
        continue;
      }
      if (a.keys.length === 1) ctx[a.keys[0] as string] = (a.updaters[0] as Updater)(this);
      else {
        const values = a.updaters.map((u) => u(this));
        a.keys.forEach((k, j) => (ctx[k] = values[j]));
      }
    }
    if (t.target) this.settle(t.target);
  }

  /** Enter `n` and its initial descendants; an entered node's `after` timer is scheduled at the end of the macrostep. */
  private settle(n: StateNode): void {
    for (let x: StateNode | null = n; x; x = x.initial) {
      this.leaf = x;
      if (x.after) {
        this.timerNode = x;
        this.schedule = true;
        this.scheduleDelay = x.after.delay(this);
      }
    }
  }
}
