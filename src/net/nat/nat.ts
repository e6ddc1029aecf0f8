/**
 * A NAT (source NAT / stateful firewall) as a middlebox of a path: the first host of the
 * path is inside, the NAT's own address is outside. Inside→outside packets are translated
 * to `ip:port` and tracked by a conntrack-style entry (./conntrack.ts); replies addressed to
 * `ip:port` are translated back. Entries expire after the idle timeout of their state
 * (nat.md §2.1): lookups treat an entry past its deadline as absent (nf_ct_is_expired), and
 * one timer per entry, re-armed lazily when it fires early, reaps it (style.md rule 8) —
 * a refresh costs no event. The NAT is its own vantage point in the trace (`side`).
 */
import type { Handle, Sim } from '../../engine/sim.ts';
import type { Micros } from '../../engine/time.ts';
import type { Rng } from '../../engine/rng.ts';
import { ACK, FIN, RST, SYN, flagString, type IcmpPacket, type Packet, type Segment, type TcpPacket } from '../../wire/segment.ts';
import { seqAdd } from '../../wire/seq.ts';
import type { Hop, Middlebox } from '../network.ts';
import { ctPacketTimeout, KEEP, KILL, newTrack, ORIG, REPLY, type CtDir, type CtTrack } from './conntrack.ts';
import { admit, timedOut, type EvictView } from './evict.ts';
import { allocatePort } from './ports.ts';
import type { NatConfig } from './profiles.ts';
import type { NatEvent } from '../../engine/trace.ts';

/** One translation: the inside flow, its outside port, its tracked TCP state and deadline. */
export class NatEntry implements EvictView {
  lastUsed: Micros;
  expiresAt: Micros;
  /** the timeout armed by the last refresh */
  timeout: Micros = 0;
  timer: Handle | null = null;
  timerAt: Micros = 0;
  live = true;

  constructor(
    readonly seq: number,
    readonly src: string,
    readonly sport: number,
    readonly dst: string,
    readonly dport: number,
    readonly port: number,
    readonly ct: CtTrack,
    now: Micros,
  ) {
    this.lastUsed = now;
    this.expiresAt = now;
  }

  get assured(): boolean {
    return this.ct.assured;
  }

  /** `10.0.0.1:40000 > 10.0.0.2:8000` */
  get flow(): string {
    return `${this.src}:${this.sport} > ${this.dst}:${this.dport}`;
  }
}

const insideKey = (src: string, sport: number, dst: string, dport: number): string => `${src}:${sport}>${dst}:${dport}`;
/** outside tuples share the NAT's address: the remote endpoint and the NAT port identify them */
const outsideKey = (remote: string, rport: number, port: number): string => `${remote}:${rport}>${port}`;

/**
 * The RST a stack sends for a segment it has no connection for (RFC 9293 §3.10.7.1, as
 * Host.sendResetFor): never answer a RST; ACK set → <SEQ=SEG.ACK><CTL=RST>, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. It appears to come from the packet's destination.
 */
export function resetFor(pkt: TcpPacket): TcpPacket | null {
  const s = pkt.seg;
  if (s.flags & RST) return null;
  const base = { sport: s.dport, dport: s.sport, win: 0, len: 0 };
  const seg: Segment =
    s.flags & ACK
      ? { ...base, seq: s.ack, ack: 0, flags: RST }
      : { ...base, seq: 0, ack: seqAdd(s.seq, s.len + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0)), flags: RST | ACK };
  return { proto: 'tcp', src: pkt.dst, dst: pkt.src, seg, tag: 'reset' };
}

/** A NAT / stateful firewall hop pair (inside, outside) with its conntrack-style table. */
export class Nat implements Middlebox {
  readonly inside: Hop;
  readonly outside: Hop;
  /** counters for reports and tests */
  readonly stats = { created: 0, expired: 0, evicted: 0, refused: 0, dropped: 0, resets: 0 };
  private readonly byInside = new Map<string, NatEntry>();
  private readonly byOutside = new Map<string, NatEntry>();
  // The packet path's indexes: numbers, not tuple strings (no string built per packet), each
  // key an address number · 65536 + port or a port, small enough to stay a V8 Smi (unboxed).
  // Addresses are numbered as first seen; the maps above keep creation order for views and eviction.
  private readonly ipNo = new Map<string, number>();
  private readonly inIdx = new Map<number, Map<number, NatEntry>>();
  private readonly outIdx = new Map<number, Map<number, NatEntry>>();
  /** mappings held per inside address (RFC 6888 REQ-4 quota) */
  private readonly perHost = new Map<string, number>();
  private serial = 0;
  private readonly rng: Rng;
  private toInside: (p: Packet) => void = () => undefined;
  private toOutside: (p: Packet) => void = () => undefined;

  constructor(
    private readonly sim: Sim,
    readonly name: string,
    readonly ip: string,
    readonly cfg: NatConfig,
  ) {
    this.rng = sim.rng.fork(`nat:${name}`);
    this.inside = { handle: (p, next) => this.fromInside(p, next) };
    this.outside = { handle: (p, next) => this.fromOutside(p, next) };
  }

  /** Where the NAT's own packets go: towards the inside host, towards the outside. */
  attach(toInside: (p: Packet) => void, toOutside: (p: Packet) => void): void {
    this.toInside = toInside;
    this.toOutside = toOutside;
  }

  /** Entries in the table (including any past their deadline not yet reaped). */
  get size(): number {
    return this.byInside.size;
  }

  /** Live entries in creation order (for views and tests). */
  entries(): NatEntry[] {
    return [...this.byInside.values()].filter((e) => !timedOut(e, this.sim.now)).sort((a, b) => a.seq - b.seq);
  }

  private ipNumber(ip: string): number {
    let n = this.ipNo.get(ip);
    if (n === undefined) this.ipNo.set(ip, (n = this.ipNo.size));
    return n;
  }

  private findInside(src: string, sport: number, dst: string, dport: number): NatEntry | undefined {
    const a = this.ipNo.get(src);
    const b = this.ipNo.get(dst);
    if (a === undefined || b === undefined) return undefined;
    return this.inIdx.get(a * 65536 + sport)?.get(b * 65536 + dport);
  }

  private findOutside(remote: string, rport: number, port: number): NatEntry | undefined {
    const a = this.ipNo.get(remote);
    return a === undefined ? undefined : this.outIdx.get(a * 65536 + rport)?.get(port);
  }

  /** The live entry of an inside flow, if any. */
  lookup(src: string, sport: number, dst: string, dport: number): NatEntry | undefined {
    const e = this.findInside(src, sport, dst, dport);
    return e && !timedOut(e, this.sim.now) ? e : undefined;
  }

  private fromInside(pkt: Packet, next: (p: Packet) => void): void {
    if (pkt.proto !== 'tcp') return next(pkt); // ICMP is not translated (RFC 5508 not modelled)
    const s = pkt.seg;
    let e = this.findInside(pkt.src, s.sport, pkt.dst, s.dport);
    if (e && timedOut(e, this.sim.now)) {
      this.expire(e);
      e = undefined;
    }
    if (!e) {
      const syn = (s.flags & (SYN | ACK)) === SYN;
      if (s.flags & RST || (!syn && this.cfg.insideNoEntry !== 'pickup')) return this.noEntry(pkt, 'inside');
      e = this.create(pkt, syn) ?? undefined;
      if (!e) return;
    }
    this.see('inside', 'rx', pkt);
    this.account(e, ORIG, ctPacketTimeout(e.ct, ORIG, s, this.cfg));
    const seg = e.port === s.sport ? s : { ...s, sport: e.port };
    const out: TcpPacket = pkt.tag === undefined ? { proto: 'tcp', src: this.ip, dst: pkt.dst, seg } : { proto: 'tcp', src: this.ip, dst: pkt.dst, seg, tag: pkt.tag };
    this.see('outside', 'tx', out);
    next(out);
  }

  private fromOutside(pkt: Packet, next: (p: Packet) => void): void {
    if (pkt.proto !== 'tcp') return next(pkt);
    const s = pkt.seg;
    let e = pkt.dst === this.ip ? this.findOutside(pkt.src, s.sport, s.dport) : undefined;
    if (e && timedOut(e, this.sim.now)) {
      this.expire(e);
      e = undefined;
    }
    if (!e) return this.noEntry(pkt, 'outside');
    this.see('outside', 'rx', pkt);
    this.account(e, REPLY, ctPacketTimeout(e.ct, REPLY, s, this.cfg));
    const seg = e.sport === s.dport ? s : { ...s, dport: e.sport };
    const inb: TcpPacket = pkt.tag === undefined ? { proto: 'tcp', src: pkt.src, dst: e.src, seg } : { proto: 'tcp', src: pkt.src, dst: e.src, seg, tag: pkt.tag };
    this.see('inside', 'tx', inb);
    next(inb);
  }

  /** Apply the tracker's verdict: arm the new deadline (if this direction refreshes), or delete. */
  private account(e: NatEntry, dir: CtDir, v: number): void {
    if (v === KILL) {
      this.remove(e);
      this.event('expire', `deleted ${e.flow}: RST before any reply`);
      return;
    }
    if (v === KEEP) return;
    e.timeout = v;
    if (dir === REPLY && this.cfg.refresh === 'outbound') return;
    e.lastUsed = this.sim.now;
    e.expiresAt = this.sim.now + v;
    this.arm(e);
  }

  private create(pkt: TcpPacket, syn: boolean): NatEntry | null {
    const s = pkt.seg;
    const now = this.sim.now;
    // the table is scanned only when it is full (a small table in practice; O(n) then)
    const c = this.cfg;
    const highWater = c.evict === 'aggressive-aging' ? Math.ceil((c.agingHighWater / 100) * c.table) : c.table;
    const held = this.perHost.get(pkt.src) ?? 0;
    if (held >= c.portQuota) return this.refuse(pkt, 'port quota', `${pkt.src} already holds ${held} mappings (port quota ${c.portQuota}, RFC 6888 REQ-4)`);
    const adm =
      this.byInside.size < Math.min(c.table, highWater)
        ? ({ ok: true, victim: null } as const)
        : admit([...this.byInside.values()], c.table, c.evict, now, { highWater, earlyAgeout: c.earlyAgeout });
    if (!adm.ok) return this.refuse(pkt, 'table full', `table full (${this.cfg.table} entries, policy ${this.cfg.evict})`);
    if (adm.victim) {
      const v = adm.victim;
      if (adm.why === 'expired') this.expire(v);
      else {
        this.remove(v);
        this.stats.evicted++;
        this.event('evict', `evicted ${v.flow} (${v.ct.state}, idle ${secs(now - v.lastUsed)} s): table full, policy ${adm.why}`);
      }
    }
    const port = allocatePort(s.sport, this.cfg.ports, this.cfg.preservePort, (p) => this.findOutside(pkt.dst, s.dport, p) !== undefined, this.rng);
    if (port === null) return this.refuse(pkt, 'no free port', `no free port in ${this.cfg.ports[0]}-${this.cfg.ports[1]}`);
    const ct = newTrack(s) as CtTrack; // non-null: RSTs never reach create()
    const e = new NatEntry(++this.serial, pkt.src, s.sport, pkt.dst, s.dport, port, ct, now);
    this.byInside.set(insideKey(e.src, e.sport, e.dst, e.dport), e);
    this.byOutside.set(outsideKey(e.dst, e.dport, port), e);
    const si = this.ipNumber(e.src);
    const di = this.ipNumber(e.dst);
    let m = this.inIdx.get(si * 65536 + e.sport);
    if (!m) this.inIdx.set(si * 65536 + e.sport, (m = new Map()));
    m.set(di * 65536 + e.dport, e);
    let o = this.outIdx.get(di * 65536 + e.dport);
    if (!o) this.outIdx.set(di * 65536 + e.dport, (o = new Map()));
    o.set(port, e);
    this.perHost.set(e.src, (this.perHost.get(e.src) ?? 0) + 1);
    this.stats.created++;
    this.event('map', `new mapping ${e.flow} as ${this.ip}:${port}${port === s.sport ? ' (port preserved)' : ''}${syn ? '' : ', picked up mid-stream'}`);
    return e;
  }

  private refuse(pkt: TcpPacket, mark: string, why: string): null {
    this.stats.refused++;
    this.see('inside', 'rx', pkt, mark);
    this.event('refuse', `refused new flow ${pkt.src}:${pkt.seg.sport} > ${pkt.dst}:${pkt.seg.dport}: ${why}`);
    return null;
  }

  /** A packet without an entry: drop it, or answer the sender (RST or ICMP), per profile. */
  private noEntry(pkt: TcpPacket, side: 'inside' | 'outside'): void {
    this.stats.dropped++;
    this.see(side, 'rx', pkt, 'no entry');
    const what = `${pkt.src}:${pkt.seg.sport} > ${pkt.dst}:${pkt.seg.dport} [${flagString(pkt.seg.flags)}]`;
    const action = side === 'inside' ? this.cfg.insideNoEntry : this.cfg.outsideNoEntry;
    const send = side === 'inside' ? this.toInside : this.toOutside;
    const rst = action === 'rst' ? resetFor(pkt) : null;
    if (rst) {
      this.stats.resets++;
      this.event('rst', `no entry for ${what} (${side}): RST to the sender`);
      this.emitOwn(side, rst, send);
      return;
    }
    if (action === 'icmp') {
      // outside: port unreachable (RFC 5382 REQ-4); inside: host unreachable (RFC 6888 REQ-11's code)
      const code = side === 'inside' ? 'host' : 'port';
      const icmp: IcmpPacket = { proto: 'icmp', src: this.ip, dst: pkt.src, code, quoted: pkt };
      this.event('icmp', `no entry for ${what} (${side}): ICMP ${code} unreachable to the sender`);
      this.emitOwn(side, icmp, send);
      return;
    }
    this.event('drop', `no entry for ${what} (${side}): dropped`);
  }

  /** A packet the NAT itself originates leaves on `side`, as its own event (never inside a caller's send). */
  private emitOwn(side: 'inside' | 'outside', pkt: Packet, send: (p: Packet) => void): void {
    this.see(side, 'tx', pkt);
    this.sim.after(0, () => send(pkt));
  }

  /** Arm the entry's single timer; a timer set for an earlier deadline re-arms itself when it fires. */
  private arm(e: NatEntry): void {
    if (e.timer && e.timerAt <= e.expiresAt) return;
    this.sim.cancel(e.timer);
    e.timerAt = e.expiresAt;
    e.timer = this.sim.at(e.expiresAt, () => {
      e.timer = null;
      if (!e.live) return;
      if (!timedOut(e, this.sim.now)) this.arm(e);
      else this.expire(e);
    });
  }

  private remove(e: NatEntry): void {
    if (!e.live) return;
    e.live = false;
    this.sim.cancel(e.timer);
    e.timer = null;
    this.byInside.delete(insideKey(e.src, e.sport, e.dst, e.dport));
    this.byOutside.delete(outsideKey(e.dst, e.dport, e.port));
    const si = this.ipNumber(e.src);
    const di = this.ipNumber(e.dst);
    const m = this.inIdx.get(si * 65536 + e.sport);
    m?.delete(di * 65536 + e.dport);
    if (m?.size === 0) this.inIdx.delete(si * 65536 + e.sport);
    const o = this.outIdx.get(di * 65536 + e.dport);
    o?.delete(e.port);
    if (o?.size === 0) this.outIdx.delete(di * 65536 + e.dport);
    this.perHost.set(e.src, (this.perHost.get(e.src) ?? 1) - 1);
  }

  /** The idle timer ran out: forget the mapping; with rstOnIdle, reset both ends of an ESTABLISHED flow. */
  private expire(e: NatEntry): void {
    if (!e.live) return;
    this.remove(e);
    this.stats.expired++;
    this.event('expire', `expired ${e.flow} as ${this.ip}:${e.port} (${e.ct.state}, idle ${secs(e.timeout)} s)`);
    if (this.cfg.rstOnIdle && e.ct.state === 'ESTABLISHED') this.idleResets(e);
  }

  /**
   * Azure "TCP reset on idle" (nat.md §3): RST to both ends at expiry, each at the sequence
   * number that end expects next (the other side's highest end seen), so it is accepted.
   */
  private idleResets(e: NatEntry): void {
    const [o, r] = e.ct.end;
    if (o === undefined || r === undefined) return;
    const seg = (sport: number, dport: number, seq: number, ack: number): Segment => ({ sport, dport, seq, ack, flags: RST | ACK, win: 0, len: 0 });
    const toIn: TcpPacket = { proto: 'tcp', src: e.dst, dst: e.src, seg: seg(e.dport, e.sport, r, o), tag: 'reset' };
    const toOut: TcpPacket = { proto: 'tcp', src: this.ip, dst: e.dst, seg: seg(e.port, e.dport, o, r), tag: 'reset' };
    this.stats.resets += 2;
    this.event('rst', `reset on idle: RST to both ends of ${e.flow}`);
    this.emitOwn('inside', toIn, this.toInside);
    this.emitOwn('outside', toOut, this.toOutside);
  }

  private see(side: 'inside' | 'outside', dir: 'tx' | 'rx', pkt: Packet, dropped?: string): void {
    const trace = this.sim.trace;
    if (!trace.on.packet) return;
    trace.emit({ kind: 'packet', t: this.sim.now, at: this.name, side, dir, pkt, ...(dropped ? { dropped } : {}) });
  }

  private event(action: NatEvent['action'], detail: string): void {
    const trace = this.sim.trace;
    if (trace.on.nat) trace.emit({ kind: 'nat', t: this.sim.now, nat: this.name, action, detail });
  }
}

const secs = (us: Micros): string => String(Math.round(us / 1000) / 1000);
