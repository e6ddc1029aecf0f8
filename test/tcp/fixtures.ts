/**
 * Honest fixtures for endpoint tests (style.md rule 9): every connection is built by
 * driving the real handshake through a World, so a fixture is exactly the state the
 * code reaches. Helpers take explicit times and read the ordered trace.
 */
import type { Micros } from '../../src/engine/time.ts';
import type { PacketEvent, TraceEvent } from '../../src/engine/trace.ts';
import type { Host } from '../../src/net/host.ts';
import type { LossSpec } from '../../src/net/loss.ts';
import type { Path } from '../../src/net/network.ts';
import type { SockOptName, Sysctls } from '../../src/os/profile.ts';
import type { Conn } from '../../src/tcp/conn.ts';
import type { Result, Socket } from '../../src/tcp/socket.ts';
import { ACK, flagString, type Segment, type TcpPacket } from '../../src/wire/segment.ts';
import { World } from '../../src/world.ts';

export const SEC = 1_000_000;
export const MS = 1_000;
export const HOUR = 3600 * SEC;
export const PORT = 80;

/** Socket options applied in order (SO_KEEPALIVE before TCP_KEEPIDLE, as applications do). */
export type Opts = Partial<Record<SockOptName, number>>;

export interface NetOptions {
  seed?: number;
  /** default 'exact': timers fire on time; 'linux' rounds on the jiffy wheel */
  timer?: 'linux' | 'exact';
  hz?: number;
  /** jiffy boot phase for both hosts, µs (linux mode); default drawn from the seed */
  jiffyPhase?: number;
  /** one-way latency, µs (default 50) */
  latency?: number;
  loss?: LossSpec;
  /** sysctls for both hosts */
  sysctl?: Partial<Sysctls>;
  serverSysctl?: Partial<Sysctls>;
  clientSysctl?: Partial<Sysctls>;
}

export interface Net {
  w: World;
  client: Host;
  server: Host;
  path: Path;
  latency: Micros;
}

/** Two hosts, `client` and `server`, joined by one path. Nothing is listening. */
export function network(o: NetOptions = {}): Net {
  const w = new World({ seed: o.seed ?? 1 });
  const host = (name: string, own?: Partial<Sysctls>) =>
    w.addHost({
      name,
      timer: o.timer ?? 'exact',
      ...(o.hz !== undefined ? { hz: o.hz } : {}),
      ...(o.jiffyPhase !== undefined ? { jiffyPhase: o.jiffyPhase } : {}),
      sysctl: { ...o.sysctl, ...own },
    });
  const server = host('server', o.serverSysctl);
  const client = host('client', o.clientSysctl);
  const latency = o.latency ?? 50;
  const path = w.link(client, server, { latency, ...(o.loss ? { loss: o.loss } : {}) });
  return { w, client, server, path, latency };
}

export function applyOpts(s: Socket, opts: Opts | undefined): void {
  for (const [name, value] of Object.entries(opts ?? {}) as [SockOptName, number][]) {
    const r = s.setsockopt(name, value);
    if (!r.ok) throw new Error(`fixture: setsockopt ${name}=${value} failed with ${r.errno}`);
  }
}

export interface PairOptions extends NetOptions {
  /** options on the listening socket, inherited by the accepted child */
  server?: Opts;
  /** options on the client socket, set before connect() */
  client?: Opts;
}

export interface Pair extends Net {
  /** listening socket */
  ls: Socket;
  /** client socket and its connection */
  cs: Socket;
  cc: Conn;
  /** accepted server socket and its connection */
  ss: Socket;
  sc: Conn;
  /** the client became ESTABLISHED (SYN-ACK arrived): 2·latency */
  tClient: Micros;
  /** the server became ESTABLISHED and accept() returned: 3·latency; sim.now when returned */
  tEst: Micros;
}

/**
 * A connection in ESTABLISHED on both sides, reached by the real three-way handshake
 * started at t = 0. Returns with sim.now = tEst (the server's accept() just returned).
 */
export function established(o: PairOptions = {}): Pair {
  const net = network(o);
  return { ...net, ...handshake(net, o) };
}

/** Listen on `server`, connect from `client` and step the world until both sides are established. */
export function handshake(net: Pick<Net, 'w' | 'client' | 'server'>, o: { client?: Opts; server?: Opts } = {}): Omit<Pair, keyof Net> {
  const { w, client, server } = net;
  const ls = w.socket(server);
  applyOpts(ls, o.server);
  if (!ls.listen(PORT).ok) throw new Error('fixture: listen failed');
  const got: { ss?: Socket; tEst?: Micros; tClient?: Micros } = {};
  ls.accept((r) => {
    if (!r.ok) throw new Error(`fixture: accept failed ${r.errno}`);
    got.ss = r.value;
    got.tEst = w.sim.now;
  });
  const cs = w.socket(client);
  applyOpts(cs, o.client);
  cs.connect('server', PORT, (r) => {
    if (!r.ok) throw new Error(`fixture: connect failed ${r.errno}`);
    got.tClient = w.sim.now;
  });
  while (got.ss === undefined || got.tClient === undefined) {
    if (!w.sim.step()) throw new Error('fixture: handshake did not complete');
  }
  const ss = got.ss;
  const cc = cs.conn;
  const sc = ss.conn;
  if (!cc || !sc) throw new Error('fixture: no connection');
  return { ls, cs, cc, ss, sc, tClient: got.tClient, tEst: got.tEst as Micros };
}

/** Cut (or restore) the path at time t; `spec` like 'client->server' picks one direction. */
export function cutAt(p: Net, t: Micros, spec?: string, up = false): void {
  p.w.sim.at(t, () => {
    for (const d of p.path.dirs(spec)) d.up = up;
  });
}

/** Run `fn` at time t. */
export function at(p: Net, t: Micros, fn: () => void): void {
  p.w.sim.at(t, fn);
}

/** Inject a TCP segment into `to`'s interface at time t, as if sent by `from`'s address. */
export function deliver(p: Net, t: Micros, to: Host, seg: Segment, fromIp?: string): void {
  const src = fromIp ?? (to === p.server ? p.client.ip : p.server.ip);
  const pkt: TcpPacket = { proto: 'tcp', src, dst: to.ip, seg };
  p.w.sim.at(t, () => to.receive(pkt));
}

export interface Sent {
  t: Micros;
  seg: Segment;
  tag: TcpPacket['tag'];
  /** tcpdump-ish flags, e.g. 'S.', 'R.', '.' */
  flags: string;
}

/** TCP packets `host` put on its interface (after OUTPUT filtering), in order. */
export function sent(p: Net, host: Host, tag?: TcpPacket['tag'] | 'none'): Sent[] {
  const out: Sent[] = [];
  for (const e of p.w.sim.trace.events) {
    if (e.kind !== 'packet' || e.at !== host.name || e.dir !== 'tx' || e.dropped || e.pkt.proto !== 'tcp') continue;
    if (tag === 'none' ? e.pkt.tag !== undefined : tag !== undefined && e.pkt.tag !== tag) continue;
    out.push({ t: e.t, seg: e.pkt.seg, tag: e.pkt.tag, flags: flagString(e.pkt.seg.flags) });
  }
  return out;
}

/** Packets `host` received (not dropped by its INPUT chain). */
export function received(p: Net, host: Host): PacketEvent[] {
  return p.w.sim.trace.events.filter((e): e is PacketEvent => e.kind === 'packet' && e.at === host.name && e.dir === 'rx' && !e.dropped);
}

export function probes(p: Net, host: Host): Sent[] {
  return sent(p, host, 'keepalive');
}

export type Of<K extends TraceEvent['kind']> = Extract<TraceEvent, { kind: K }>;

/** Trace events of one kind, at one host (packets: at that vantage point). */
export function events<K extends TraceEvent['kind']>(p: Net, kind: K, host?: Host): Of<K>[] {
  const mine = (e: TraceEvent): boolean =>
    host === undefined || (e.kind === 'packet' ? e.at === host.name : !('host' in e) || e.host === host.name);
  return p.w.sim.trace.events.filter((e): e is Of<K> => e.kind === kind && mine(e));
}

/** Error events (a connection died with an errno) on a host. */
export function errors(p: Net, host: Host): { t: Micros; errno: string; detail: string }[] {
  return events(p, 'error', host).map((e) => ({ t: e.t, errno: e.errno, detail: e.detail }));
}

/** State transitions of a host's connections, as `FROM>TO@t`. */
export function states(p: Net, host: Host): string[] {
  return events(p, 'state', host).map((e) => `${e.from}>${e.to}@${e.t}`);
}

/** A result recorder for callback-style socket calls. */
export function recorder<T>(p: Net): { results: { t: Micros; r: Result<T> }[]; cb: (r: Result<T>) => void } {
  const results: { t: Micros; r: Result<T> }[] = [];
  return { results, cb: (r) => results.push({ t: p.w.sim.now, r }) };
}

/** A pure ACK template from the client's side of a pair (spread and override fields). */
export function fromClient(p: Pair, fields: Partial<Segment> = {}): Segment {
  return { sport: p.cc.lport, dport: PORT, seq: p.cc.sndNxt, ack: p.cc.rcvNxt, flags: ACK, win: 65535, len: 0, ...fields };
}

/** The same from the server's side. */
export function fromServer(p: Pair, fields: Partial<Segment> = {}): Segment {
  return { sport: PORT, dport: p.cc.lport, seq: p.sc.sndNxt, ack: p.sc.rcvNxt, flags: ACK, win: 65535, len: 0, ...fields };
}

/** Differences between consecutive times. */
export const gaps = (ts: Micros[]): Micros[] => ts.slice(1).map((t, i) => t - (ts[i] as Micros));
