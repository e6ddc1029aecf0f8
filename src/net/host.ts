/**
 * A host: one IP address, an OS profile with its sysctls and timer clock, a TCP stack
 * (connections, listeners, the no-socket RST path), a packet filter, and an interface
 * whose traffic is traced as a vantage point (tcpdump on the host: tx after OUTPUT,
 * rx before INPUT, as netfilter and packet capture are ordered on Linux). Packets an
 * OUTPUT rule drops are still recorded, marked `dropped: 'OUTPUT'`, so a reader sees what
 * the stack tried to send; tcpdump would not show them, and calibration ignores them.
 * A crashed host is silent: it keeps nothing and sends nothing until it reboots.
 */
import type { Sim } from '../engine/sim.ts';
import type { Rng } from '../engine/rng.ts';
import type { OsProfile, Sysctls } from '../os/profile.ts';
import type { TimerBase } from '../os/timerbase.ts';
import { Conn } from '../tcp/conn.ts';
import type { SocketHost } from '../tcp/socket.ts';
import { segmentArrives } from '../tcp/input.ts';
import { icmpArrives } from '../tcp/icmp.ts';
import { Listener } from '../tcp/listener.ts';
import { forget } from '../tcp/close.ts';
import { ACK, FIN, RST, SYN, type IcmpPacket, type Packet, type Segment, type TcpPacket } from '../wire/segment.ts';
import { seqAdd } from '../wire/seq.ts';
import { Firewall } from './firewall.ts';
import { ConnTable } from './conn-table.ts';

/** Bytes on the wire of a zero-payload Linux segment: IPv4 20 + TCP 20 + timestamps 12. */
export const EMPTY_SEGMENT_BYTES = 52;

/** Where a host's interface sends packets. */
export interface Wire {
  send(from: Host, pkt: Packet): void;
  nameOf(ip: string): string;
  /** a host name (or dotted address) to an address */
  resolve(name: string): string | undefined;
}

export interface HostConfig {
  name: string;
  ip: string;
  profile: OsProfile;
  sysctl?: Partial<Sysctls>;
  tb: TimerBase;
}

export class Host implements SocketHost {
  readonly name: string;
  readonly ip: string;
  readonly profile: OsProfile;
  readonly sysctl: Sysctls;
  readonly tb: TimerBase;
  readonly firewall = new Firewall();
  up = true;
  /** bumped by every crash: applications of an earlier boot are dead */
  boot = 0;
  private conns = new ConnTable();
  private listeners = new Map<number, Listener>();
  private readonly issRng: Rng;
  private readonly portRng: Rng;
  private wire: Wire | null = null;

  constructor(
    readonly sim: Sim,
    cfg: HostConfig,
  ) {
    this.name = cfg.name;
    this.ip = cfg.ip;
    this.profile = cfg.profile;
    this.sysctl = { ...cfg.profile.defaults, ...cfg.sysctl };
    this.tb = cfg.tb;
    this.issRng = sim.rng.fork(`iss:${cfg.name}`);
    this.portRng = sim.rng.fork(`ports:${cfg.name}`);
  }

  attach(wire: Wire): void {
    this.wire = wire;
  }

  nameOf(ip: string): string {
    return this.wire?.nameOf(ip) ?? ip;
  }

  resolve(name: string): string | undefined {
    return this.wire?.resolve(name);
  }

  /** A fresh initial sequence number (Linux: keyed hash + clock; here a seeded stream). */
  newIss(): number {
    return this.issRng.uint32();
  }

  /** An ephemeral port from ip_local_port_range (32768..60999) not in use towards that peer; undefined when all are (connect() then fails EADDRNOTAVAIL). */
  ephemeralPort(rip: string, rport: number): number | undefined {
    const lo = 32768;
    const n = 60999 - lo + 1;
    const start = this.portRng.int(0, n - 1);
    for (let i = 0; i < n; i++) {
      const port = lo + ((start + i) % n);
      if (!this.conns.has(port, rip, rport) && !this.listeners.has(port)) return port;
    }
    return undefined;
  }

  /** An explicitly bound local port for a connection to rip:rport: free unless that 4-tuple exists or a listener holds the port. */
  portFree(port: number, rip: string, rport: number): boolean {
    return !this.conns.has(port, rip, rport) && !this.listeners.has(port);
  }

  addConn(c: Conn): void {
    this.conns.add(c);
  }

  removeConn(c: Conn): void {
    this.conns.remove(c);
  }

  connections(): Conn[] {
    return [...this.conns.values()];
  }

  listen(l: Listener): boolean {
    if (this.listeners.has(l.port)) return false;
    this.listeners.set(l.port, l);
    return true;
  }

  unlisten(l: Listener): void {
    if (this.listeners.get(l.port) === l) this.listeners.delete(l.port);
  }

  /**
   * TCP segments this host put on the wire (after OUTPUT), and its keepalive probes and probe
   * replies with their bytes (IPv4 + TCP + timestamps + payload): the summary's counts, kept
   * whether or not a trace is (src/report/summary.ts).
   */
  readonly sent = { packets: 0, probes: 0, replies: 0, bytes: 0 };

  /** OUTPUT path: filter, capture, wire. */
  transmit(pkt: TcpPacket | IcmpPacket): void {
    if (!this.up) return;
    const rule = this.firewall.match('OUTPUT', pkt);
    if (rule) {
      this.capture('tx', pkt, 'OUTPUT');
      return;
    }
    if (pkt.proto === 'tcp') {
      const sent = this.sent;
      sent.packets++;
      if (pkt.tag === 'keepalive' || pkt.tag === 'keepalive-ack') {
        if (pkt.tag === 'keepalive') sent.probes++;
        else sent.replies++;
        sent.bytes += EMPTY_SEGMENT_BYTES + pkt.seg.len;
      }
    }
    this.capture('tx', pkt);
    this.wire?.send(this, pkt);
  }

  /** Record a packet at this interface (a proxy's stack overrides it to name the leg). */
  protected capture(dir: 'tx' | 'rx', pkt: Packet, dropped?: string): void {
    const trace = this.sim.trace;
    if (trace.on.packet) trace.emit(dropped ? { kind: 'packet', t: this.sim.now, at: this.name, dir, pkt, dropped } : { kind: 'packet', t: this.sim.now, at: this.name, dir, pkt });
  }

  /** A packet reaches this host's interface. */
  receive(pkt: Packet): void {
    if (!this.up) return;
    const rule = this.firewall.match('INPUT', pkt);
    this.capture('rx', pkt, rule ? 'INPUT' : undefined);
    if (rule) return;
    if (pkt.proto === 'icmp') {
      const q = pkt.quoted.seg;
      const c = this.conns.get(q.sport, pkt.quoted.dst, q.dport);
      if (c) icmpArrives(c, pkt);
      return;
    }
    this.tcpReceive(pkt);
  }

  private tcpReceive(pkt: TcpPacket): void {
    const s = pkt.seg;
    const c = this.conns.get(s.dport, pkt.src, s.sport);
    if (c) {
      if (segmentArrives(c, s) === 'reset') this.sendResetFor(pkt);
      return;
    }
    const l = this.listeners.get(s.dport);
    if (l && (s.flags & (SYN | ACK | RST)) === SYN) {
      l.synArrives(pkt);
      return;
    }
    this.sendResetFor(pkt);
  }

  /**
   * tcp_v4_send_reset(): never answer a RST; ACK set -> <SEQ=SEG.ACK><CTL=RST>,
   * else <SEQ=0><ACK=SEG.SEQ+SEG.LEN(+SYN+FIN)><CTL=RST,ACK> (RFC 9293 §3.10.7.1).
   */
  sendResetFor(pkt: TcpPacket): void {
    const s = pkt.seg;
    if (s.flags & RST) return;
    const base = { sport: s.dport, dport: s.sport, win: 0, len: 0 };
    const seg: Segment =
      s.flags & ACK
        ? { ...base, seq: s.ack, ack: 0, flags: RST }
        : { ...base, seq: 0, ack: seqAdd(s.seq, s.len + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0)), flags: RST | ACK };
    this.transmit({ proto: 'tcp', src: this.ip, dst: pkt.src, seg, tag: 'reset' });
  }

  /** Power loss: every connection and listener vanishes without a packet. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.boot++;
    for (const c of this.conns.values()) forget(c);
    this.conns.clear();
    this.listeners.clear();
    this.firewall.clear();
  }

  /** Come back with no sockets: segments for old connections now get RSTs. */
  restart(): void {
    this.up = true;
  }
}
