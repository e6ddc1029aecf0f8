/**
 * A world: the simulator plus hosts and the network between them. The one-stop
 * builder for library users, tests and the scenario runner.
 */
import { Sim, type SimOptions } from './engine/sim.ts';
import type { Micros } from './engine/time.ts';
import { linuxProfile } from './os/linux/profile.ts';
import type { OsProfile, Sysctls } from './os/profile.ts';
import { exactTimerBase, linuxTimerBase } from './os/timerbase.ts';
import { Host } from './net/host.ts';
import type { LossSpec } from './net/loss.ts';
import { Network, type Middlebox, type Path } from './net/network.ts';
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
    const tb = timer === 'exact' ? exactTimerBase() : linuxTimerBase(hz, phase);
    const ip = o.ip ?? `10.0.0.${this.nextIp++}`;
    const h = new Host(this.sim, { name: o.name, ip, profile: o.profile ?? linuxProfile, tb, ...(o.sysctl ? { sysctl: o.sysctl } : {}) });
    return this.net.addHost(h);
  }

  host(name: string): Host {
    const h = this.net.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** A path from `a` to `b`; middleboxes (NATs) sit at `a`'s edge, in order. */
  link(a: Host, b: Host, o: { latency?: Micros; loss?: LossSpec; middleboxes?: readonly Middlebox[] } = {}): Path {
    return this.net.connect(a, b, { latency: o.latency ?? 500, loss: o.loss ?? { model: 'none' }, ...(o.middleboxes ? { middleboxes: o.middleboxes } : {}) });
  }

  /** A new socket on `host`; calls are traced under `owner`. Dies with the host's current boot. */
  socket(host: Host, owner = host.name): Socket {
    const boot = host.boot;
    return new Socket(host, owner, undefined, () => host.boot === boot);
  }

  run(until?: Micros): void {
    this.sim.run(until === undefined ? {} : { until });
  }
}
