/**
 * The network: hosts joined by paths. A path is a chain of hops from one host to the
 * other: a link direction (latency, seeded loss, up/down), and middleboxes (NATs) at the
 * first host's edge. A middlebox's outside address is routed through its path, so a
 * reply to a NAT reaches it and is translated back. Faults act on paths: cut and restore
 * (either or both directions), ICMP unreachable answers.
 */
import type { Sim } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import type { IcmpPacket, Packet } from '../wire/segment.ts';
import type { Host, Wire } from './host.ts';
import { ICMP_DEST_UNREACH, IcmpRateLimiter, LINUX_ICMP_DEFAULTS, type IcmpSysctls } from './icmp-limit.ts';
import { lossModel, type LossModel, type LossSpec } from './loss.ts';

/**
 * A stage of a path in one direction: a link direction, or one side of a middlebox (NAT).
 * It takes a packet and passes on zero or more packets to the next stage, now or later.
 */
export interface Hop {
  handle(pkt: Packet, next: (pkt: Packet) => void): void;
}

/** One direction of a link: latency, seeded loss, up/down. */
export class LinkDir implements Hop {
  up = true;
  /** when set, packets towards the far host are answered with ICMP unreachable */
  unreachable: IcmpPacket['code'] | null = null;
  sent = 0;
  lost = 0;
  private readonly loss: LossModel;

  constructor(
    readonly from: Host,
    readonly to: Host,
    public latency: Micros,
    loss: LossSpec,
    private readonly sim: Sim,
  ) {
    this.loss = lossModel(loss, sim.rng.fork(`loss:${from.name}->${to.name}`));
  }

  /** Carry a packet: it reaches the next stage after `latency`, or vanishes. */
  handle(pkt: Packet, next: (pkt: Packet) => void): void {
    this.sent++;
    if (!this.up) return;
    if (this.loss.drop()) {
      this.lost++;
      return;
    }
    this.sim.after(this.latency, () => next(pkt));
  }
}

/**
 * A box in a path with an inside (towards the path's first host) and an outside: `inside`
 * handles packets going out, `outside` packets coming in. Its own packets (RSTs, ICMP)
 * leave through the continuations given to `attach`.
 */
export interface Middlebox {
  readonly name: string;
  /** outside address, routed through the path */
  readonly ip: string;
  readonly inside: Hop;
  readonly outside: Hop;
  attach(toInside: (p: Packet) => void, toOutside: (p: Packet) => void): void;
  /** set by a proxy (src/net/proxy/): it terminates TCP, so the packets at its sides are its own */
  readonly terminates?: boolean;
  /** a proxy's own stack: what it sent (the summary counts it like a host's) */
  readonly sender?: Host;
}

export interface PathOptions {
  latency: Micros;
  loss: LossSpec;
  /** address the path's router uses for ICMP errors */
  routerIp?: string;
  /** in order from the first host; they sit at its edge, before the link */
  middleboxes?: readonly Middlebox[];
  /** the router's ICMP rate-limit sysctls (default: Linux's, src/net/icmp-limit.ts) */
  router?: Partial<IcmpSysctls>;
}

export class Path {
  readonly ab: LinkDir;
  readonly ba: LinkDir;
  readonly routerIp: string;

  constructor(
    private readonly sim: Sim,
    readonly a: Host,
    readonly b: Host,
    opts: PathOptions,
  ) {
    this.icmpSysctls = { ...LINUX_ICMP_DEFAULTS, ...opts.router };
    this.ab = new LinkDir(a, b, opts.latency, opts.loss, sim);
    this.ba = new LinkDir(b, a, opts.latency, opts.loss, sim);
    this.routerIp = opts.routerIp ?? '10.0.0.254';
    const boxes = opts.middleboxes ?? [];
    this.middleboxes = boxes;
    // a→b: each box's inside hop, then the link; b→a: the link, then the boxes' outside hops in reverse
    this.hopsAb.push(...boxes.map((m) => m.inside), this.ab);
    this.hopsBa.push(this.ba, ...[...boxes].reverse().map((m) => m.outside));
    this.nextAb.push(...this.chain(this.hopsAb, b));
    this.nextBa.push(...this.chain(this.hopsBa, a));
    const n = boxes.length;
    boxes.forEach((m, i) => m.attach(this.nextBa[n - i + 1] as (p: Packet) => void, this.nextAb[i + 1] as (p: Packet) => void));
  }

  readonly middleboxes: readonly Middlebox[];

  readonly icmpSysctls: Readonly<IcmpSysctls>;
  private icmpLimiter: IcmpRateLimiter | null = null;

  /**
   * The router's ICMP rate limits for a destination-unreachable of `code` to `dst`
   * (src/net/icmp-limit.ts). The router counts jiffies on the first host's clock (one kernel
   * in a calibration run); a host without a jiffy clock lends its own ticks.
   */
  icmpAllowed(dst: string, code: number, now: Micros): boolean {
    if (!this.icmpLimiter) {
      const tb = this.a.tb;
      const rng = this.sim.rng.fork('icmp-credit:router');
      this.icmpLimiter = new IcmpRateLimiter(this.icmpSysctls, { hz: tb.hz, ticks: (t) => tb.ticks(t) }, () => rng.int(0, 2));
    }
    return this.icmpLimiter.allow(ICMP_DEST_UNREACH, code, dst, now);
  }

  dir(from: Host): LinkDir {
    return from === this.a ? this.ab : this.ba;
  }

  /** The stages a packet from `from` passes, in order: middlebox hops and one link direction. */
  hops(from: Host): readonly Hop[] {
    return from === this.a ? this.hopsAb : this.hopsBa;
  }

  private readonly hopsAb: Hop[] = [];
  private readonly hopsBa: Hop[] = [];
  /** per direction, the continuation after hop i (built once, not per packet) */
  private readonly nextAb: ((p: Packet) => void)[] = [];
  private readonly nextBa: ((p: Packet) => void)[] = [];

  private chain(hops: Hop[], to: Host): ((p: Packet) => void)[] {
    const next: ((p: Packet) => void)[] = [];
    for (let i = hops.length; i >= 0; i--) {
      const hop = hops[i];
      const after = next[i + 1];
      next[i] = hop && after ? (p) => hop.handle(p, after) : (p) => to.receive(p);
    }
    return next;
  }

  /** Send a packet from `from` through every hop to the far host. */
  forward(from: Host, pkt: Packet): void {
    const first = (from === this.a ? this.nextAb : this.nextBa)[0];
    first?.(pkt);
  }

  /** Directions named like `client->server`, `both`, or undefined (both). */
  dirs(spec?: string): LinkDir[] {
    if (!spec || spec === 'both') return [this.ab, this.ba];
    const [f, t] = spec.split('->').map((x) => x.trim());
    return [this.ab, this.ba].filter((d) => d.from.name === f && d.to.name === t);
  }
}

/** ICMP destination-unreachable codes (RFC 792). */
const ICMP_CODE: Record<IcmpPacket['code'], number> = { net: 0, host: 1, port: 3 };

export class Network implements Wire {
  readonly hosts = new Map<string, Host>();
  private readonly byIp = new Map<string, Host>();
  /** middlebox outside addresses: the path that carries packets to them, and their names */
  private readonly routes = new Map<string, { path: Path; name: string }>();
  readonly paths: Path[] = [];

  constructor(readonly sim: Sim) {}

  addHost(h: Host): Host {
    if (this.hosts.has(h.name)) throw new Error(`duplicate host name ${h.name}`);
    if (this.byIp.has(h.ip)) throw new Error(`duplicate address ${h.ip}`);
    this.hosts.set(h.name, h);
    this.byIp.set(h.ip, h);
    h.attach(this);
    return h;
  }

  connect(a: Host, b: Host, opts: PathOptions): Path {
    for (const m of opts.middleboxes ?? []) {
      if (this.byIp.has(m.ip) || this.routes.has(m.ip)) throw new Error(`duplicate address ${m.ip}`);
    }
    const p = new Path(this.sim, a, b, opts);
    for (const m of p.middleboxes) this.routes.set(m.ip, { path: p, name: m.name });
    this.paths.push(p);
    // the first path between two hosts carries their packets (as the linear search did)
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let m = this.pathIndex.get(x);
      if (!m) this.pathIndex.set(x, (m = new Map()));
      if (!m.has(y)) m.set(y, p);
    }
    return p;
  }

  /** Paths by their two hosts, for the packet path (no search per packet). */
  private readonly pathIndex = new Map<Host, Map<Host, Path>>();

  pathBetween(a: Host, b: Host): Path | undefined {
    return this.pathIndex.get(a)?.get(b);
  }

  nameOf(ip: string): string {
    return this.byIp.get(ip)?.name ?? this.routes.get(ip)?.name ?? ip;
  }

  resolve(name: string): string | undefined {
    const box = (): string | undefined => [...this.routes].find(([, r]) => r.name === name)?.[0]; // a proxy is connected to by name
    return this.hosts.get(name)?.ip ?? (this.byIp.has(name) || this.routes.has(name) ? name : box());
  }

  send(from: Host, pkt: Packet): void {
    const to = this.byIp.get(pkt.dst);
    const routed = to ? undefined : this.routes.get(pkt.dst)?.path;
    const path = to ? this.pathBetween(from, to) : routed && (routed.a === from || routed.b === from) ? routed : undefined;
    if (!path) return; // no route: silently lost
    const dir = path.dir(from);
    // a middlebox at the sender's own edge is reached before the router that answers for the far side
    const atEdge = !to && from === path.a;
    if (dir.unreachable && pkt.proto === 'tcp' && !atEdge) {
      // the router answers for the far side (RFC 792 destination unreachable), rate-limited
      if (!path.icmpAllowed(pkt.src, ICMP_CODE[dir.unreachable], this.sim.now)) return;
      const icmp: IcmpPacket = { proto: 'icmp', src: path.routerIp, dst: pkt.src, code: dir.unreachable, quoted: pkt };
      this.sim.after(dir.latency, () => from.receive(icmp));
      return;
    }
    path.forward(from, pkt);
  }
}
