/**
 * The typed, ordered trace of a run: every packet at each vantage point, every socket
 * call and its result, TCP state changes, timer firings, keepalive-machine transitions,
 * faults. Records are appended in event order (qlog-like, style.md rule 11); reports,
 * golden tests and the JSON output are all views of this one list.
 */
import type { Micros } from './time.ts';
import type { Packet } from '../wire/segment.ts';

export interface PacketEvent {
  kind: 'packet';
  t: Micros;
  /** vantage point: a host interface, or a middlebox side */
  at: string;
  dir: 'tx' | 'rx';
  pkt: Packet;
  /** why the packet went no further at this vantage point */
  dropped?: string;
  /** at a middlebox: the interface that saw the packet */
  side?: 'inside' | 'outside';
}

export interface CallEvent {
  kind: 'call';
  t: Micros;
  /** when the call was made (equal to t for calls that return at once) */
  start: Micros;
  host: string;
  app: string;
  call: string;
  args?: Record<string, unknown>;
  result?: number | string | boolean;
  errno?: string;
  /** a blocking call that has been entered but has not returned yet */
  blocked?: boolean;
}

export interface StateEvent {
  kind: 'state';
  t: Micros;
  host: string;
  conn: string;
  from: string;
  to: string;
}

export interface TimerEvent {
  kind: 'timer';
  t: Micros;
  host: string;
  conn: string;
  timer: 'keepalive' | 'rto' | 'loss-probe' | 'syn' | 'time-wait' | 'fin-wait-2' | 'delayed-ack' | 'persist';
  detail?: string;
}

export interface MachineEvent {
  kind: 'machine';
  t: Micros;
  host: string;
  conn: string;
  from: string;
  to: string;
}

export interface FaultEvent {
  kind: 'fault';
  t: Micros;
  detail: string;
  host?: string;
  /** the host lost its processes: their blocked calls will never return */
  killsApps?: boolean;
}

export interface ErrorEvent {
  kind: 'error';
  t: Micros;
  host: string;
  conn: string;
  errno: string;
  detail: string;
}

/**
 * A middlebox's own actions. NAT: new mappings, expiries, evictions, refusals, packets it
 * drops or answers. Proxy (src/net/proxy/): accepted sessions, relayed bytes, idle closes,
 * a leg closed because the other closed or failed.
 */
export interface NatEvent {
  kind: 'nat';
  t: Micros;
  /** the middlebox name */
  nat: string;
  action: 'map' | 'expire' | 'evict' | 'refuse' | 'drop' | 'rst' | 'icmp' | 'accept' | 'relay' | 'idle' | 'close';
  detail: string;
}

/**
 * A program's own decision about its connection (src/apps/): the peer is dead (no pong,
 * no PINGRESP, ServerAlive count exceeded), the connection sat idle too long (a reaper),
 * a GOAWAY. `what` is the program's label (`PING_TIMEOUT`, `IDLE_REAPED`, …); the run
 * summary counts it as that program's detection.
 */
export interface AppEvent {
  kind: 'app';
  t: Micros;
  host: string;
  app: string;
  what: string;
  detail: string;
}

export type TraceEvent = PacketEvent | CallEvent | StateEvent | TimerEvent | MachineEvent | FaultEvent | ErrorEvent | NatEvent | AppEvent;
export type TraceKind = TraceEvent['kind'];

const KINDS: readonly TraceKind[] = ['packet', 'call', 'state', 'timer', 'machine', 'fault', 'error', 'nat', 'app'];

/**
 * An append-only log. `record: false` keeps no records, only listeners (summaries, streaming
 * outputs, sweeps); a listener may ask for some kinds only. Emitters on hot paths check
 * `on[kind]` before building an event, so a kind nobody wants costs nothing.
 */
export class Trace {
  readonly events: TraceEvent[] = [];
  private readonly listeners: { fn: (e: TraceEvent) => void; kinds: ReadonlySet<TraceKind> | null }[] = [];
  /** per kind: whether anything (the record, a listener) will look at such an event */
  readonly on: Record<TraceKind, boolean>;

  constructor(private readonly record = true) {
    this.on = Object.fromEntries(KINDS.map((k) => [k, record])) as Record<TraceKind, boolean>;
  }

  emit(e: TraceEvent): void {
    if (this.record) this.events.push(e);
    for (const l of this.listeners) if (!l.kinds || l.kinds.has(e.kind)) l.fn(e);
  }

  /** Whether anything will look at some emitted event (lets hot paths skip building it). */
  get active(): boolean {
    return this.record || this.listeners.length > 0;
  }

  /** Listen to every event, or to the given kinds only. */
  subscribe(fn: (e: TraceEvent) => void, kinds?: readonly TraceKind[]): () => void {
    const l = { fn, kinds: kinds ? new Set(kinds) : null };
    this.listeners.push(l);
    this.refresh();
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
      this.refresh();
    };
  }

  private refresh(): void {
    for (const k of KINDS) this.on[k] = this.record || this.listeners.some((l) => !l.kinds || l.kinds.has(k));
  }
}
