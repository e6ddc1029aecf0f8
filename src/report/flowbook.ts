/**
 * Per-connection and per-middlebox outcomes, built from trace events as they happen
 * (`run --summary`, big runs): when each connection endpoint came up, whether and how it
 * ended, and what each NAT or proxy did to the flows through it. Memory grows with the number
 * of connections, not with virtual time.
 */
import type { TraceEvent, TraceKind } from '../engine/trace.ts';
import type { World } from '../world.ts';

/** The trace kinds the flow book reads. */
export const FLOW_KINDS: readonly TraceKind[] = ['state', 'error', 'nat'];

export interface FlowRecord {
  host: string;
  /** `host:port>peer:port` */
  conn: string;
  /** when it reached ESTABLISHED (s), null if it never did */
  up: number | null;
  /** when it reached CLOSED (s), null while open */
  down: number | null;
  /** the error it was aborted with, and why (keepalive timeout, retransmission timeout, reset…) */
  errno?: string;
  reason?: string;
  /** what a NAT did to this flow (the endpoint behind it): still mapped at the end, or when and how it broke */
  nat?: { box: string; fate: 'mapped' | 'expired' | 'evicted' | 'refused'; at?: number };
}

export interface BoxRecord {
  name: string;
  /** mappings created (NAT) or sessions accepted (proxy) */
  mapped: number;
  /** mappings of live flows removed by the idle timeout, evicted for room, new flows refused, proxy idle closes */
  expired: number;
  evicted: number;
  refused: number;
  idleClosed: number;
  /** the first of those breaks (s), null if none */
  firstBreak: number | null;
}

/** conntrack states of a flow that was working and still open (as src/metrics/middlebox.ts). */
const LIVE = new Set(['ESTABLISHED', 'SYN_RECV']);
const FLOW = /^(new mapping|expired|evicted|refused new flow) (\S+):(\d+) > (\S+):(\d+)/;

export class FlowBook {
  private readonly byConn = new Map<string, FlowRecord>();
  private readonly byBox = new Map<string, BoxRecord>();

  constructor(private readonly world: World) {}

  private flow(host: string, conn: string): FlowRecord {
    let f = this.byConn.get(conn);
    if (!f) this.byConn.set(conn, (f = { host, conn, up: null, down: null }));
    return f;
  }

  private box(name: string): BoxRecord {
    let b = this.byBox.get(name);
    if (!b) this.byBox.set(name, (b = { name, mapped: 0, expired: 0, evicted: 0, refused: 0, idleClosed: 0, firstBreak: null }));
    return b;
  }

  feed(e: TraceEvent): void {
    if (e.kind === 'state') {
      const f = this.flow(e.host, e.conn);
      if (e.to === 'ESTABLISHED' && f.up === null) f.up = e.t / 1e6;
      if (e.to === 'CLOSED') f.down = e.t / 1e6;
    } else if (e.kind === 'error') {
      const f = this.flow(e.host, e.conn);
      f.errno = e.errno;
      f.reason = e.detail;
    } else if (e.kind === 'nat') {
      const b = this.box(e.nat);
      const t = e.t / 1e6;
      const state = /\((\w+), idle /.exec(e.detail)?.[1];
      const live = state === undefined || LIVE.has(state);
      let fate: 'mapped' | 'expired' | 'evicted' | 'refused' | null = null;
      if (e.action === 'map' || e.action === 'accept') {
        b.mapped++;
        fate = 'mapped';
      } else if (e.action === 'expire' && live && !e.detail.startsWith('deleted ')) {
        b.expired++;
        fate = 'expired';
      } else if (e.action === 'evict' && live) {
        b.evicted++;
        fate = 'evicted';
      } else if (e.action === 'refuse') {
        b.refused++;
        fate = 'refused';
      } else if (e.action === 'idle') b.idleClosed++;
      if (fate && fate !== 'mapped') b.firstBreak ??= t;
      if (e.action === 'idle') b.firstBreak ??= t;
      const m = fate ? FLOW.exec(e.detail) : null;
      if (m) {
        const net = this.world.net;
        const conn = `${net.nameOf(m[2] as string)}:${m[3]}>${net.nameOf(m[4] as string)}:${m[5]}`;
        const f = this.byConn.get(conn);
        if (f) f.nat = fate === 'mapped' ? { box: e.nat, fate } : { box: e.nat, fate: fate as 'expired', at: t };
      }
    }
  }

  /** Every connection endpoint seen, in the order it appeared. */
  flows(): FlowRecord[] {
    return [...this.byConn.values()];
  }

  boxes(): BoxRecord[] {
    return [...this.byBox.values()];
  }
}
