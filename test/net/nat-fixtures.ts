/**
 * Fixtures for NAT tests: a client behind a NAT and a server, joined by one path, and a
 * connection established through the NAT by the real handshake (style.md rule 9).
 */
import type { Micros } from '../../src/engine/time.ts';
import type { NatEvent } from '../../src/engine/trace.ts';
import { Nat } from '../../src/net/nat/nat.ts';
import { natConfig, type NatOverrides, type NatProfileName } from '../../src/net/nat/profiles.ts';
import type { Conn } from '../../src/tcp/conn.ts';
import type { Socket } from '../../src/tcp/socket.ts';
import { World } from '../../src/world.ts';
import { handshake, type Net, type Opts } from '../tcp/fixtures.ts';

export const NAT_IP = '203.0.113.1';

export interface NatNet extends Net {
  nat: Nat;
}

export interface NatNetOptions {
  profile?: NatProfileName;
  over?: NatOverrides;
  /** one-way latency of the link beyond the NAT, µs (default 1000) */
  latency?: number;
  seed?: number;
}

/** client (inside) — NAT — link — server; exact timers. */
export function natNet(o: NatNetOptions = {}): NatNet {
  const w = new World({ seed: o.seed ?? 1 });
  const client = w.addHost({ name: 'client', timer: 'exact' });
  const server = w.addHost({ name: 'server', timer: 'exact' });
  const nat = new Nat(w.sim, 'nat', NAT_IP, natConfig(o.profile ?? 'linux-conntrack', o.over));
  const latency = o.latency ?? 1000;
  const path = w.link(client, server, { latency, middleboxes: [nat] });
  return { w, client, server, path, latency, nat };
}

export interface NatPair extends NatNet {
  cs: Socket;
  cc: Conn;
  ss: Socket;
  sc: Conn;
  /** when the server's accept() returned (sim.now on return) */
  tEst: Micros;
  /** when the client's final handshake ACK passed the NAT (the entry's last refresh) */
  tAck: Micros;
}

/** A connection established through the NAT, started at t = 0. */
export function natPair(o: NatNetOptions & { client?: Opts; server?: Opts } = {}): NatPair {
  const net = natNet(o);
  const h = handshake(net, o);
  return { ...net, cs: h.cs, cc: h.cc, ss: h.ss, sc: h.sc, tEst: h.tEst, tAck: h.tClient };
}

/** The NAT's own trace events, as `action@t`. */
export function natEvents(p: NatNet, action?: NatEvent['action']): NatEvent[] {
  return p.w.sim.trace.events.filter((e): e is NatEvent => e.kind === 'nat' && (action === undefined || e.action === action));
}

/** Run the world to time t (absolute µs). */
export function runTo(p: NatNet, t: Micros): void {
  p.w.run(t);
}
