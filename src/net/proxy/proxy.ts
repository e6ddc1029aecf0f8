/**
 * An application-level proxy hop (SOCKS5, HTTP CONNECT, an L4/L7 load balancer) as a
 * middlebox of a path. It terminates TCP on each leg with a real host stack (./stack.ts):
 * it listens at its own address on the inside, and for each accepted connection opens a
 * new connection to its target on the outside, then relays byte counts both ways.
 * Consequences (nat.md §6 "TCP keepalive doesn't help through an L7/L4 proxy", seed 003):
 * - a keepalive probe on one leg is answered by the proxy's kernel and never reaches the
 *   other leg, so an end's keepalive only checks the hop to the proxy;
 * - each leg has its own inactivity timer (HAProxy `timeout client` / `timeout server`,
 *   AWS ALB's 60 s idle timeout), reset only by payload the proxy reads or writes on it;
 * - end of stream or an error on one leg closes the other (HAProxy and ALB close both).
 * Packets not addressed to the proxy pass through untouched (it is also a router).
 */
import type { Handle, Sim } from '../../engine/sim.ts';
import type { Micros } from '../../engine/time.ts';
import type { NatEvent } from '../../engine/trace.ts';
import type { SockOptName } from '../../os/profile.ts';
import { Socket } from '../../tcp/socket.ts';
import type { Packet } from '../../wire/segment.ts';
import type { Hop, Middlebox } from '../network.ts';
import type { LegOptions, ProxyConfig } from './profiles.ts';
import { ProxyStack, type Names } from './stack.ts';

export type Leg = 'inside' | 'outside';
const OTHER: Record<Leg, Leg> = { inside: 'outside', outside: 'inside' };
const OPTION_ORDER: SockOptName[] = ['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT'];

/** One relayed connection: the accepted inside socket and the proxy's own outside socket. */
export class ProxySession {
  outside: Socket | null = null;
  /** the outside connect() has completed */
  connected = false;
  /** bytes read from the inside before the outside leg was up */
  pending = 0;
  closed = false;
  /** per leg: last payload read or written, and the idle timer (re-armed lazily) */
  readonly last: Record<Leg, Micros>;
  readonly timer: Record<Leg, Handle | null> = { inside: null, outside: null };
  readonly relayed: Record<Leg, number> = { inside: 0, outside: 0 };

  constructor(
    readonly id: number,
    readonly inside: Socket,
    /** `client:40000` */
    readonly peer: string,
    now: Micros,
  ) {
    this.last = { inside: now, outside: now };
  }
}

export class AppProxy implements Middlebox {
  /** a proxy terminates TCP: the packets at its sides are its own, not copies of the hosts' */
  readonly terminates = true;
  readonly inside: Hop;
  readonly outside: Hop;
  readonly stack: ProxyStack;
  get sender(): ProxyStack {
    return this.stack;
  }
  readonly sessions: ProxySession[] = [];
  private listener: Socket | null = null;
  private toInside: (p: Packet) => void = () => undefined;
  private toOutside: (p: Packet) => void = () => undefined;

  constructor(
    private readonly sim: Sim,
    readonly name: string,
    readonly ip: string,
    readonly cfg: ProxyConfig,
    names: Names,
  ) {
    this.stack = new ProxyStack(sim, name, ip, names, (side, p) => this.emit(side, p));
    this.inside = { handle: (p, next) => (p.dst === ip ? this.deliver('inside', p) : next(p)) };
    this.outside = { handle: (p, next) => (p.dst === ip ? this.deliver('outside', p) : next(p)) };
  }

  attach(toInside: (p: Packet) => void, toOutside: (p: Packet) => void): void {
    this.toInside = toInside;
    this.toOutside = toOutside;
  }

  /** Start listening (the scenario runner calls it at time 0). */
  start(): void {
    const l = new Socket(this.stack, 'inside');
    if (!applyOptions(l, this.cfg.clientSocket) || !l.listen(this.cfg.listen).ok) {
      this.event('close', `cannot listen on port ${this.cfg.listen}`);
      return;
    }
    this.listener = l;
    this.acceptLoop(l);
  }

  /** Packets to the proxy reach its stack after the inside leg's latency (outside: the link's, already spent). */
  private deliver(side: Leg, p: Packet): void {
    const delay = side === 'inside' ? this.cfg.latency : 0;
    this.sim.after(delay, () => this.stack.arrive(side, p));
  }

  /** The stack's packets leave on a leg as their own events (never inside the caller's send). */
  private emit(side: Leg, p: Packet): void {
    if (side === 'inside') this.sim.after(this.cfg.latency, () => this.toInside(p));
    else this.sim.after(0, () => this.toOutside(p));
  }

  private acceptLoop(l: Socket): void {
    l.accept((r) => {
      if (!r.ok) return;
      this.open(r.value);
      if (this.listener === l) this.acceptLoop(l);
    });
  }

  private open(sock: Socket): void {
    const c = sock.conn;
    const peer = c ? `${this.stack.nameOf(c.rip)}:${c.rport}` : '?';
    const s = new ProxySession(this.sessions.length + 1, sock, peer, this.sim.now);
    this.sessions.push(s);
    const { host, port } = this.cfg.target;
    this.event('accept', `accepted ${peer}; connecting to ${host}:${port}`);
    this.arm(s, 'inside');
    this.readLoop(s, 'inside');
    const out = new Socket(this.stack, 'outside');
    s.outside = out;
    if (!applyOptions(out, this.cfg.serverSocket)) return this.shut(s, 'close', 'bad outside socket options: closing both legs');
    out.connect(host, port, (r) => {
      if (s.closed) return;
      if (!r.ok) return this.shut(s, 'close', `connect to ${host}:${port} failed (${r.errno}): closing the client leg of ${peer}`);
      s.connected = true;
      s.last.outside = this.sim.now;
      this.event('accept', `connected to ${host}:${port} for ${peer}`);
      this.arm(s, 'outside');
      if (s.pending > 0) {
        const n = s.pending;
        s.pending = 0;
        this.write(s, 'outside', n);
      }
      this.readLoop(s, 'outside');
    });
  }

  private sock(s: ProxySession, leg: Leg): Socket | null {
    return leg === 'inside' ? s.inside : s.connected ? s.outside : null;
  }

  /** Read one leg until end of stream or an error; relay what arrives to the other leg. */
  private readLoop(s: ProxySession, leg: Leg): void {
    const sock = this.sock(s, leg);
    if (!sock || s.closed) return;
    sock.recv(65536, (r) => {
      if (s.closed) return;
      if (!r.ok) return this.shut(s, 'close', `${this.legName(s, leg)} failed (${r.errno}): closing the ${this.legName(s, OTHER[leg])}`);
      if (r.value === 0) return this.shut(s, 'close', `${this.legName(s, leg)} closed (end of stream): closing the ${this.legName(s, OTHER[leg])}`);
      s.last[leg] = this.sim.now;
      s.relayed[leg] += r.value;
      const to = OTHER[leg];
      if (to === 'outside' && !s.connected) s.pending += r.value;
      else this.write(s, to, r.value);
      this.event('relay', `relayed ${r.value} byte${r.value === 1 ? '' : 's'} from the ${this.legName(s, leg)} to the ${this.legName(s, to)}`);
      if (!s.closed) this.readLoop(s, leg);
    });
  }

  private write(s: ProxySession, leg: Leg, n: number): void {
    const sock = this.sock(s, leg);
    if (!sock) return;
    const r = sock.send(n);
    if (!r.ok) return this.shut(s, 'close', `send on the ${this.legName(s, leg)} failed (${r.errno}): closing the ${this.legName(s, OTHER[leg])}`);
    s.last[leg] = this.sim.now;
  }

  private timeout(leg: Leg): Micros {
    return leg === 'inside' ? this.cfg.timeoutClient : this.cfg.timeoutServer;
  }

  /** One timer per leg; a timer that fires before the leg's deadline (payload moved since) re-arms itself. */
  private arm(s: ProxySession, leg: Leg): void {
    const to = this.timeout(leg);
    if (to <= 0 || s.closed) return;
    s.timer[leg] = this.sim.at(s.last[leg] + to, () => {
      s.timer[leg] = null;
      if (s.closed) return;
      if (this.sim.now < s.last[leg] + to) return this.arm(s, leg);
      const what = leg === 'inside' ? 'timeout client' : 'timeout server';
      this.shut(s, 'idle', `no data on the ${this.legName(s, leg)} for ${to / 1e6} s (${what}): closing both legs`);
    });
  }

  /** Close both legs of a session (FIN on each, as close() does; RST if data is unread). */
  private shut(s: ProxySession, action: NatEvent['action'], detail: string): void {
    if (s.closed) return;
    s.closed = true;
    this.event(action, detail);
    for (const leg of ['inside', 'outside'] as const) {
      this.sim.cancel(s.timer[leg]);
      s.timer[leg] = null;
    }
    s.inside.close();
    s.outside?.close();
  }

  /** `client leg (client:40000)` / `server leg (server:8080)` */
  private legName(s: ProxySession, leg: Leg): string {
    return leg === 'inside' ? `client leg (${s.peer})` : `server leg (${this.cfg.target.host}:${this.cfg.target.port})`;
  }

  private event(action: NatEvent['action'], detail: string): void {
    const trace = this.sim.trace;
    if (trace.on.nat) trace.emit({ kind: 'nat', t: this.sim.now, nat: this.name, action, detail });
  }
}

function applyOptions(s: Socket, opts: LegOptions): boolean {
  for (const name of OPTION_ORDER) {
    const v = opts[name];
    if (v !== undefined && !s.setsockopt(name, v).ok) return false;
  }
  return true;
}
