/**
 * Run a scenario: build the world it describes, start its applications, schedule its
 * faults, run to the horizon, and return the world (for views) with the run document.
 * Pure: no files, no terminal (style.md rule 11).
 */
import type { Micros } from '../engine/time.ts';
import { DAY_US } from './limits.ts';
import type { Host } from '../net/host.ts';
import type { Path } from '../net/network.ts';
import type { LossSpec } from '../net/loss.ts';
import { ruleText } from '../net/firewall.ts';
import { World } from '../world.ts';
import type { Socket } from '../tcp/socket.ts';
import { expandApps, startApp, type AppRun } from './apps.ts';
import type { FaultSpec, PathSpec, Scenario } from './schema.ts';
import { buildRunJson } from '../report/json.ts';
import type { RunJson, Summary } from './result.ts';
import { SUMMARY_KINDS, SummaryBuilder } from '../report/summary.ts';
import { FLOW_KINDS, FlowBook } from '../report/flowbook.ts';
import { timerRows, type TimerRow } from '../report/timers.ts';
import { Nat } from '../net/nat/nat.ts';
import { natConfig, type NatOverrides } from '../net/nat/profiles.ts';
import { conntrackRows, type ConntrackRow } from '../report/conntrack.ts';
import type { NatSpec, ProxySpec } from './schema.ts';
import { AppProxy } from '../net/proxy/proxy.ts';
import { proxyConfig } from '../net/proxy/profiles.ts';
import { buildOs } from '../os/index.ts';
import type { OsSockOptName } from '../os/profile.ts';

export interface RunOptions {
  /** override the scenario's seed */
  seed?: number;
  /** override the horizon */
  until?: Micros;
  /** instants at which to take `netstat -o` style timer tables */
  timersAt?: Micros[];
  /** instants at which to take `conntrack -L` style NAT tables */
  conntrackAt?: Micros[];
  /** keep the full trace (default true) */
  record?: boolean;
  /** run the keepalive machines compiled (default) or as xstate actors (SimOptions.machines) */
  machines?: 'compiled' | 'xstate';
  /** sees every timer armed on a Linux host's jiffy clock: host, arm time, length in jiffies, expiry (µs) */
  onTimer?: (host: string, now: Micros, ticks: number, at: Micros) => void;
  /** called with the world once its hosts and path exist, before any program starts (to subscribe to the trace) */
  onWorld?: (world: World) => void;
  /**
   * Stop with EventBudgetError after this many simulator events (tests: the fuzz suite's
   * per-case budget, test/fuzz/). Not a user-facing limit: the memory budget of long runs
   * belongs to the streaming trace.
   */
  maxEvents?: number;
}

/** A run stopped by RunOptions.maxEvents. */
export class EventBudgetError extends Error {
  override readonly name = 'EventBudgetError';
  /** `sameInstant`: how many of the last events happened at `at` (all of them: virtual time froze) */
  constructor(readonly events: number, readonly at: Micros, readonly sameInstant: number) {
    super(`stopped after ${events} events at virtual time ${at / 1e6} s (${sameInstant} at that instant)`);
  }
}

/** Count the events `sim` executes and stop at `max` (wraps this one Sim's `step`, which `run` calls per event). */
function limitEvents(sim: World['sim'], max: number): void {
  const step = sim.step.bind(sim);
  let at = -1;
  let same = 0;
  sim.step = (): boolean => {
    if (sim.steps >= max) throw new EventBudgetError(sim.steps, sim.now, same);
    const more = step();
    if (sim.now === at) same++;
    else [at, same] = [sim.now, 1];
    return more;
  };
}

export interface RunOutcome {
  world: World;
  json: RunJson;
  apps: AppRun[];
  timerTables: { t: Micros; rows: TimerRow[] }[];
  conntrackTables: { t: Micros; rows: ConntrackRow[] }[];
  /** the path's NATs, in order from the first host */
  nats: Nat[];
  /** the path's application proxies */
  proxies: AppProxy[];
  horizon: Micros;
}

/** After the last application finishes, let packets in flight land before stopping. */
const GRACE_US = 1_000_000;

function lossSpec(loss: PathSpec['loss']): LossSpec {
  if (typeof loss === 'number') return loss > 0 ? { model: 'bernoulli', p: loss } : { model: 'none' };
  return loss;
}

/** A world built from a scenario, its programs started and faults scheduled, not yet run. */
interface Prepared extends Omit<RunOutcome, 'json'> {
  seed: number;
}

function prepare(sc: Scenario, opts: RunOptions): Prepared {
  const seed = opts.seed ?? sc.seed;
  const world = new World({ seed, record: opts.record ?? true, ...(opts.machines ? { machines: opts.machines } : {}) });
  if (opts.maxEvents !== undefined) limitEvents(world.sim, opts.maxEvents);
  const names = Object.keys(sc.hosts);
  names.forEach((name, i) => {
    const h = sc.hosts[name];
    if (!h) return;
    // the host's OS profile, built from its knobs and overrides (src/os/index.ts); Linux as
    // before unless a what-if parameter is given
    const os = h.os === 'linux' && !h.profile ? null : buildOs(h.os, h.os === 'linux' ? {} : h.sysctl, h.profile ?? {});
    world.addHost({
      name,
      ip: h.ip ?? `10.0.0.${i + 1}`,
      hz: h.hz,
      timer: h.timer,
      ...(h.jiffyPhase !== undefined ? { jiffyPhase: h.jiffyPhase } : {}),
      ...(opts.onTimer ? { onTimer: (now: Micros, d: number, at: Micros) => opts.onTimer?.(name, now, d, at) } : {}),
      ...(os && h.os !== 'linux' ? { profile: os.profile, sysctl: os.sysctl } : { ...(os ? { profile: os.profile } : {}), sysctl: definedOnly(h.sysctl) }),
    });
    if (os && h.os !== 'linux') world.onSocket(name, (s) => osOnlyOptions(s, h.socket));
  });
  const [an, bn] = sc.path.between ?? [names[0] as string, names[1] as string];
  const boxes = sc.path.middleboxes.map((m) => (m.type === 'proxy' ? newProxy(world, m) : new Nat(world.sim, m.name, m.ip, natConfig(m.profile, natOverrides(m)))));
  const nats = boxes.filter((b): b is Nat => b instanceof Nat);
  const proxies = boxes.filter((b): b is AppProxy => b instanceof AppProxy);
  const path = world.link(world.host(an), world.host(bn), { latency: sc.path.latency, loss: lossSpec(sc.path.loss), middleboxes: boxes, ...(sc.path.router ? { router: definedOnly(sc.path.router) } : {}) });
  for (const p of proxies) p.start();

  const horizon = opts.until ?? sc.until ?? DAY_US;
  const apps: AppRun[] = [];
  const specs = expandApps(sc.apps); // `instances: N` → N programs
  let running = specs.length;
  const onFinish = (): void => {
    running--;
    if (running === 0 && opts.until === undefined && sc.until === undefined) {
      world.sim.after(GRACE_US, () => world.sim.stop());
    }
  };
  opts.onWorld?.(world);
  for (const spec of specs) apps.push(startApp(world, spec, sc.hosts[spec.host]?.socket ?? {}, onFinish));
  for (const f of sc.faults) world.sim.at(f.at, () => applyFault(world, path, apps, f));

  const timerTables: RunOutcome['timerTables'] = [];
  for (const t of opts.timersAt ?? []) {
    world.sim.at(t, () => timerTables.push({ t, rows: timerRows(world.net.hosts.values(), t) }));
  }
  const conntrackTables: RunOutcome['conntrackTables'] = [];
  for (const t of opts.conntrackAt ?? []) {
    world.sim.at(t, () => conntrackTables.push({ t, rows: nats.flatMap((n) => conntrackRows(n, t)) }));
  }
  return { world, apps, timerTables, conntrackTables, nats, proxies, horizon, seed };
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunOutcome {
  const { seed, ...p } = prepare(sc, opts);
  p.world.run(p.horizon);
  return { ...p, json: buildRunJson(p.world, sc, seed) };
}

/**
 * A run prepared to keep no trace, for outputs that listen as it goes (`run --stream`):
 * subscribe to `world.sim.trace`, then `run()` returns the summary.
 */
export function prepareStream(sc: Scenario, opts: Omit<RunOptions, 'record'> = {}): Omit<RunOutcome, 'json'> & { seed: number; run(): Summary } {
  let builder: SummaryBuilder | null = null;
  const p = prepare(sc, {
    ...opts,
    record: false,
    onWorld: (w) => {
      const b = (builder = new SummaryBuilder(w));
      w.sim.trace.subscribe((e) => b.feed(e), SUMMARY_KINDS);
      opts.onWorld?.(w);
    },
  });
  const b = builder as unknown as SummaryBuilder;
  return {
    ...p,
    run: () => {
      p.world.run(p.horizon);
      return b.finish();
    },
  };
}

/** A run that keeps no trace: its summary, per-flow and per-middlebox outcomes (`run --summary`). */
export interface SummaryOutcome extends Omit<RunOutcome, 'json'> {
  seed: number;
  summary: Summary;
  flows: FlowBook;
  /** events the simulator executed */
  events: number;
}

/**
 * Run a scenario keeping no per-packet trace: memory grows with the number of connections,
 * not with virtual time. The summary is built by the same code as the run document's
 * (SummaryBuilder), from the events as they happen.
 */
export function runSummary(sc: Scenario, opts: Omit<RunOptions, 'record'> = {}): SummaryOutcome {
  let flows: FlowBook | null = null;
  const p = prepareStream(sc, {
    ...opts,
    onWorld: (w) => {
      const f = (flows = new FlowBook(w));
      w.sim.trace.subscribe((e) => f.feed(e), FLOW_KINDS);
      opts.onWorld?.(w);
    },
  });
  const summary = p.run();
  const { run: _run, ...rest } = p;
  return { ...rest, summary, flows: flows as unknown as FlowBook, events: p.world.sim.steps };
}

/**
 * Socket options only a non-Linux OS has (apps.ts applies the Linux-named ones, which the
 * profile interprets in its own units): set on every socket the host's programs create.
 */
function osOnlyOptions(s: Socket, o: Scenario['hosts'][string]['socket']): void {
  const names: OsSockOptName[] = ['TCP_KEEPALIVE', 'TCP_CONNECTIONTIMEOUT', 'TCP_RXT_CONNDROPTIME', 'TCP_KEEPINIT', 'TCP_MAXUNACKTIME', 'TCP_MAXRT'];
  for (const n of names) {
    const v = o[n as keyof typeof o];
    if (typeof v === 'number') s.setsockopt(n, v);
  }
  if (o.SIO_KEEPALIVE_VALS) s.wsaIoctlKeepaliveVals(o.SIO_KEEPALIVE_VALS);
}

/** A proxy middlebox from its scenario spec (src/net/proxy/). */
function newProxy(world: World, m: ProxySpec): AppProxy {
  const { timeoutClient, timeoutServer, latency, clientSocket, serverSocket } = m;
  const cfg = proxyConfig(m.profile, {
    listen: m.listen,
    target: m.target,
    ...definedOnly({ timeoutClient, timeoutServer, latency }),
    ...(clientSocket ? { clientSocket: definedOnly(clientSocket) } : {}),
    ...(serverSocket ? { serverSocket: definedOnly(serverSocket) } : {}),
  });
  return new AppProxy(world.sim, m.name, m.ip, cfg, world.net);
}

/** The scenario's NAT fields that override its profile. */
function natOverrides(m: NatSpec): NatOverrides {
  const { type: _t, name: _n, profile: _p, ip: _i, ports, ...rest } = m;
  return { ...definedOnly(rest), ...(ports ? { ports: [ports[0], ports[1]] as [number, number] } : {}) };
}

/** Drop keys whose value is undefined (zod leaves optional keys absent, but types allow undefined). */
function definedOnly<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]-?: Exclude<T[K], undefined> };
}

function fault(world: World, detail: string, host?: Host, killsApps = false): void {
  world.sim.trace.emit({ kind: 'fault', t: world.sim.now, detail, ...(host ? { host: host.name } : {}), ...(killsApps ? { killsApps } : {}) });
}

function applyFault(world: World, path: Path, apps: AppRun[], f: FaultSpec): void {
  switch (f.type) {
    case 'cut':
    case 'restore': {
      const dirs = path.dirs(f.direction);
      for (const d of dirs) {
        d.up = f.type === 'restore';
        if (f.type === 'restore') d.unreachable = null;
      }
      const which = f.direction && f.direction !== 'both' ? f.direction : 'both directions';
      fault(world, `${f.type === 'cut' ? 'path cut' : 'path restored'} (${which})`);
      return;
    }
    case 'firewall': {
      const h = world.host(f.host);
      const rule = { chain: f.chain, ...(f.dport ? { dport: f.dport } : {}), ...(f.sport ? { sport: f.sport } : {}) };
      if (f.action === 'add') h.firewall.add(rule);
      else h.firewall.remove(rule);
      fault(world, `iptables ${f.action === 'add' ? ruleText(rule) : ruleText(rule).replace('-A', '-D')}`, h);
      return;
    }
    case 'crash': {
      const h = world.host(f.host);
      for (const a of apps) if (a.host === h) a.hostDown();
      h.crash();
      fault(world, `${h.name} crashed (power loss: no packet sent)`, h, true);
      return;
    }
    case 'reboot': {
      const h = world.host(f.host);
      for (const a of apps) if (a.host === h) a.hostDown();
      h.crash();
      const up = (): void => {
        h.restart();
        fault(world, `${h.name} is back up with no connections`, h);
      };
      fault(world, `${h.name} reboots${f.downtime > 0 ? ` (down ${f.downtime / 1e6} s)` : ''}`, h, true);
      if (f.downtime > 0) world.sim.after(f.downtime, up);
      else up();
      return;
    }
    case 'icmp-unreachable': {
      const to = world.host(f.to);
      const dir = path.dirs().find((d) => d.to === to);
      if (!dir) return;
      dir.unreachable = f.code;
      fault(world, `path answers packets to ${to.name} with ICMP ${f.code} unreachable`);
      if (f.until !== undefined) {
        world.sim.at(f.until, () => {
          dir.unreachable = null;
          fault(world, `ICMP unreachable towards ${to.name} ends`);
        });
      }
      return;
    }
  }
}
