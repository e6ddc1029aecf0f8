/**
 * One TCP connection endpoint: the transmission control block (RFC 9293 §3.3.1) with
 * the Linux fields keepalive and retransmission depend on. Behaviour lives beside it,
 * split by role as gVisor splits its endpoint: input.ts (segment arrival, by state),
 * output.ts (what we send), rtx.ts (RTO, tail loss probe, RTO death),
 * keepalive/bind.ts (the keepalive machine's view of this block).
 */
import type { Handle, Sim } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { seqDiff, type Seq } from '../wire/seq.ts';
import type { HostStack } from './host-stack.ts';
import type { KeepaliveRun } from './keepalive/bind.ts';
import type { SockOpts } from './options.ts';
import type { TcpState } from './state.ts';
import type { Errno } from './errno.ts';

export class Conn {
  state: TcpState = 'CLOSED';
  readonly sim: Sim;

  // Send sequence space
  iss: Seq = 0;
  sndUna: Seq = 0;
  sndNxt: Seq = 0;
  sndWnd = 0;
  /** highest sequence number sent (BSD snd_max); null until data or a FIN went out */
  sndMax: Seq | null = null;
  /** sequence number the application's next written byte will get (Linux write_seq) */
  writeSeq: Seq = 0;
  /** the application asked for a FIN (shutdown(SHUT_WR) or close()) */
  finQueued = false;
  /** sequence number of our FIN once sent */
  finSeq: Seq | null = null;
  cwnd = 0;
  /** the highest segment sent, for the tail loss probe */
  lastSeg = { seq: 0, len: 0, flags: 0 };
  /** when the segment at SND.UNA was last (re)transmitted, µs (tcp_skb_timestamp_us of the head) */
  headSentAt: Micros = 0;

  // Receive sequence space
  irs: Seq = 0;
  rcvNxt: Seq = 0;
  /** bytes received and not yet read by the application */
  rcvBuf = 0;
  finRcvd = false;

  // Retransmission (host ticks unless stated)
  srttUs = 0;
  rttvarUs = 0;
  /** current RTO, ticks (Linux icsk_rto; doubled by backoff) */
  rto = 0;
  backoff = 0;
  /** RTO firings in this episode (icsk_retransmits) */
  retransmits = 0;
  /** time of the first retransmission of the episode, µs (tp->retrans_stamp) */
  retransStamp: Micros | null = null;
  rtxTimer: Handle | null = null;
  rtxKind: 'rto' | 'tlp' | null = null;
  /** RTO recovery in progress: no tail loss probe until everything is acknowledged */
  inLoss = false;
  /** segment timed for an RTT sample (Karn: never a retransmitted one) */
  rttSample: { end: Seq; t: Micros } | null = null;

  // Keepalive (ticks)
  /** last received data (icsk_ack.lrcvtime) */
  lrcvtime = 0;
  /** last acceptable ACK (tp->rcv_tstamp) */
  rcvTstamp = 0;
  probesOut = 0;
  ka: KeepaliveRun | null = null;
  /** when the keepalive timer fires next, µs (valid while the machine is armed) */
  kaExpires: Micros = 0;
  /** last dupACK sent to an out-of-window segment, µs (tcp_oow_rate_limited) */
  lastOowAck: Micros = Number.NEGATIVE_INFINITY;

  // Errors and application view
  skErr: Errno | null = null;
  skErrSoft: Errno | null = null;
  /** the error every call after the pending one reports (Windows: WSAECONNRESET after keepalive death) */
  stickyErr: Errno | null = null;
  rdShut = false;
  wrShut = false;
  /** close() was called: no application owns this connection any more */
  orphan = false;
  done = false;
  timeWaitTimer: Handle | null = null;
  /** delayed-ACK engine (delack.ts): interarrival estimate (icsk_ack.ato, ticks), pingpong mode, pending timer */
  ato = 0;
  pingpong = false;
  delackTimer: Handle | null = null;
  /** persist timer (persist.ts) and the tick of its first probe (icsk_probes_tstamp) */
  persistTimer: Handle | null = null;
  probesTstamp: number | null = null;
  /** the largest window the peer has offered (tp->max_window) */
  maxWindow = 0;
  finWait2Timer: Handle | null = null;
  synAckRetries = 0;
  /** generation of the BSD connect timeout (keepinit): a re-armed timeout makes older firings stale */
  connectTimer: number | null = null;
  /** woken whenever readability, writability or the state may have changed */
  private waiters: (() => void)[] = [];
  /** set on passive children until accept() takes them */
  onEstablished: ((c: Conn) => void) | null = null;

  constructor(
    readonly stack: HostStack,
    readonly lip: string,
    readonly lport: number,
    readonly rip: string,
    readonly rport: number,
    public opts: SockOpts,
  ) {
    this.sim = stack.sim;
  }

  private nameText: string | null = null;

  /** `host:port>peer:port`, used in traces (built on first use: untraced runs never need it) */
  get name(): string {
    return (this.nameText ??= `${this.stack.name}:${this.lport}>${this.stack.nameOf(this.rip)}:${this.rport}`);
  }

  /** Current tick (jiffy) on this host. */
  ticks(): number {
    return this.stack.tb.ticks(this.sim.now);
  }

  setState(to: TcpState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    if (this.sim.trace.on.state) this.sim.trace.emit({ kind: 'state', t: this.sim.now, host: this.stack.name, conn: this.name, from, to });
  }

  /** Data written by the application and not yet sent. */
  get unsent(): number {
    // Once our FIN is out SND.NXT is one past the last byte written: nothing is unsent.
    return Math.max(0, seqDiff(this.writeSeq, this.sndNxt));
  }

  /** Sequence space sent and not yet acknowledged (Linux packets_out > 0). */
  get inFlight(): number {
    return (this.sndNxt - this.sndUna) >>> 0;
  }

  /** Something is unacknowledged or waiting to be sent (tcp_keepalive_timer step 5). */
  get busy(): boolean {
    return this.inFlight > 0 || this.unsent > 0 || (this.finQueued && this.finSeq === null);
  }

  // keepalive settings with the sysctl fallback, in ticks
  keepIdleTicks(): number {
    return this.stack.tb.secs(this.opts.keepIdle ?? this.stack.sysctl.tcp_keepalive_time);
  }
  keepIntvlTicks(): number {
    return this.stack.tb.secs(this.opts.keepIntvl ?? this.stack.sysctl.tcp_keepalive_intvl);
  }
  keepCnt(): number {
    return this.opts.keepCnt ?? this.stack.sysctl.tcp_keepalive_probes;
  }

  /** keepalive_time_elapsed(): time since the last thing received (ticks). */
  idleTicks(): number {
    const now = this.ticks();
    return Math.min(now - this.lrcvtime, now - this.rcvTstamp);
  }

  /** an application call is blocked on this connection (an operation in flight) */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  wait(fn: () => void): void {
    this.waiters.push(fn);
  }

  dropWaiters(): void {
    this.waiters = [];
  }

  wake(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
