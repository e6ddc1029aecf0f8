/**
 * A listening socket. A SYN creates a child in SYN_RECV (Linux: a request socket) that
 * answers SYN-ACK; the child joins the accept queue when the final ACK arrives, with the
 * listener's socket options (sk_clone copies them, keepalive included).
 */
import { Conn } from './conn.ts';
import type { HostStack } from './host-stack.ts';
import { cloneSockOpts, type SockOpts } from './options.ts';
import { sendSynAck } from './output.ts';
import { armSynTimer } from './rtx.ts';
import type { TcpPacket } from '../wire/segment.ts';
import { seqAdd } from '../wire/seq.ts';

export interface ListenerHost extends HostStack {
  newIss(): number;
  addConn(c: Conn): void;
}

export class Listener {
  readonly queue: Conn[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(
    readonly host: ListenerHost,
    readonly port: number,
    readonly opts: SockOpts,
    readonly backlog: number,
  ) {}

  synArrives(pkt: TcpPacket): void {
    if (this.closed || this.queue.length > this.backlog) return; // accept queue full: SYN dropped
    const s = pkt.seg;
    // The request socket reads the listener's options until the final ACK creates the child,
    // which then gets its own copy (tcp_create_openreq_child via sk_clone).
    const c = new Conn(this.host, this.host.ip, this.port, pkt.src, s.sport, this.opts);
    c.irs = s.seq;
    c.rcvNxt = seqAdd(s.seq, 1);
    c.iss = this.host.newIss();
    c.sndUna = c.iss;
    c.sndNxt = seqAdd(c.iss, 1);
    c.sndWnd = s.win;
    c.setState('SYN_RECV');
    c.onEstablished = (child) => {
      child.opts = cloneSockOpts(this.opts);
      this.queue.push(child);
      this.wake();
    };
    this.host.addConn(c);
    sendSynAck(c);
    c.rttSample = { end: c.sndNxt, t: c.sim.now };
    armSynTimer(c);
  }

  wait(fn: () => void): void {
    this.waiters.push(fn);
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
