/**
 * A world: the simulator plus hosts and the network between them. The one-stop
 * builder for library users, tests and the scenario runner.
 */
import { Sim, type SimOptions } from './engine/sim.ts';
import type { Micros } from './engine/time.ts';
import { linuxProfile } from './os/linux/profile.ts';
import type { OsProfile, Sysctls } from './os/profile.ts';
import { exactTimerBase, linuxTimerBase, type TimerBase, type TimerObserver } from './os/timerbase.ts';
import { tickTimerBase } from './os/timers.ts';
import { Host } from './net/host.ts';
import type { LossSpec } from './net/loss.ts';
import { Network, type Middlebox, type Path, type PathOptions } from './net/network.ts';
import { Socket } from './tcp/socket.ts';

export interface HostOptions {
  name: string;
  ip?: string;
  profile?: OsProfile;
  /** CONFIG_HZ (Linux timer mode) */
  hz?: number;
  timer?: 'linux' | 'exact';
  /** jiffy boot phase, µs; default drawn from the seed */
  jiffyPhase?: Micros;
  sysctl?: Partial<Sysctls>;
  /** sees every timer armed on a Linux clock (calibration fits the jiffy phase with it) */
  onTimer?: TimerObserver;
}

export class World {
  readonly sim: Sim;
  readonly net: Network;
  private nextIp = 1;

  constructor(opts: SimOptions = {}) {
    this.sim = new Sim(opts);
    this.net = new Network(this.sim);
  }

  addHost(o: HostOptions): Host {
    const hz = o.hz ?? 250;
    const timer = o.timer ?? 'linux';
    // An arbitrary boot phase: jiffies are not aligned with the start of an experiment.
    const phase = o.jiffyPhase ?? this.sim.rng.fork(`jiffies:${o.name}`).int(0, 2 ** 30);
    const profile = o.profile ?? linuxProfile;
    const tb = timer === 'exact' ? exactTimerBase() : profile.timer ? this.osTimer(o.name, profile, phase) : linuxTimerBase(hz, phase, o.onTimer);
    const ip = o.ip ?? `10.0.0.${this.nextIp++}`;
    const h = new Host(this.sim, { name: o.name, ip, profile, tb, ...(o.sysctl ? { sysctl: o.sysctl } : {}) });
    return this.net.addHost(h);
  }

  /** A non-Linux host's tick clock; keepalive lateness from its own stream `keepalive-timer:<host>` (src/os/timers.ts). */
  private osTimer(name: string, p: OsProfile, phase: Micros): TimerBase {
    const usPerTick = p.timer?.usPerTick ?? 1000;
    const late = p.keepalive.lateUs;
    const rng = this.sim.rng.fork(`keepalive-timer:${name}`);
    return tickTimerBase({ mode: p.timer?.clock ?? 'xnu', usPerTick, phaseUs: phase % Math.round(usPerTick * 1e6), ...(late ? { late: (d: Micros) => late(d, rng) } : {}) });
  }

  /** Run `fn` on every socket later created on `host` (a scenario's OS-specific socket options). */
  onSocket(host: string, fn: (s: Socket) => void): void {
    this.socketSetups.set(host, fn);
  }
  private readonly socketSetups = new Map<string, (s: Socket) => void>();

  host(name: string): Host {
    const h = this.net.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** A path from `a` to `b`; middleboxes (NATs) sit at `a`'s edge, in order. */
  link(a: Host, b: Host, o: { latency?: Micros; loss?: LossSpec; middleboxes?: readonly Middlebox[]; router?: PathOptions['router'] } = {}): Path {
    return this.net.connect(a, b, { latency: o.latency ?? 500, loss: o.loss ?? { model: 'none' }, ...(o.middleboxes ? { middleboxes: o.middleboxes } : {}), ...(o.router ? { router: o.router } : {}) });
  }

  /** A new socket on `host`; calls are traced under `owner`. Dies with the host's current boot. */
  socket(host: Host, owner = host.name): Socket {
    const boot = host.boot;
    const s = new Socket(host, owner, undefined, () => host.boot === boot);
    this.socketSetups.get(host.name)?.(s);
    return s;
  }

  run(until?: Micros): void {
    this.sim.run(until === undefined ? {} : { until });
  }
}
