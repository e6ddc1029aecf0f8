/**
 * The JSON document of one run (`keepalive-lab run --json`), format `keepalive-lab/run@1`.
 * Downstream tools (sweeps, notebooks, calibration) read it; docs/output.md documents it.
 * Keep it stable: add fields, never change the meaning of one.
 *
 * Times are seconds since the start of the run (t = 0), as numbers with microsecond
 * precision. Sequence numbers are relative, as tcpdump prints them: `seq` relative to the
 * sender's initial sequence number, `ack` relative to the receiver's.
 */
import type { Scenario } from './schema.ts';

export interface PacketRecord {
  t: number;
  /** vantage point: the host whose interface saw the packet, or a middlebox (then `side` is set) */
  at: string;
  /** at a middlebox: its inside or outside interface */
  side?: 'inside' | 'outside';
  /** tx = leaving that interface, rx = arriving at it */
  dir: 'tx' | 'rx';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** tcpdump flag string: S, S., ., P., F., FP., R, R. */
  flags: string;
  seq: number;
  ack: number;
  win: number;
  len: number;
  /** what the packet is, when it is something a reader wants pointed out */
  kind?: 'keepalive' | 'keepalive-ack' | 'retransmission' | 'loss-probe' | 'window-probe' | 'reset';
  /**
   * set when a host firewall rule dropped the packet at this vantage point (`INPUT`, `OUTPUT`).
   * A packet lost on a cut or lossy path has a `tx` record and no `rx` record.
   */
  dropped?: string;
}

export interface CallRecord {
  /** when the call returned (or, for a call that never returned, when it was made) */
  t: number;
  /** when the call was made */
  start: number;
  host: string;
  app: string;
  call: string;
  args?: Record<string, unknown>;
  /** return value (bytes, 0 = EOF, an option value) when the call succeeded */
  result?: number | string | boolean;
  /** errno name when the call failed: ETIMEDOUT, ECONNRESET, EPIPE, ... */
  errno?: string;
  /** true when the run ended with the call still blocked */
  pending?: boolean;
}

export interface EventRecord {
  t: number;
  host?: string;
  /** state: TCP state change; fault: an injected fault; keepalive: machine transition; error: socket error raised; nat: a NAT's action (`host` is the NAT) */
  kind: 'state' | 'fault' | 'keepalive' | 'error' | 'timer' | 'note' | 'nat' | 'app';
  detail: string;
}

export interface DetectionRecord {
  host: string;
  app: string;
  errno: string;
  /** virtual time the application learned of the failure */
  t: number;
  /** seconds after the first fault, when there was one */
  afterFault?: number;
  /** `program`: the program decided itself (an `app` event; `errno` holds its label); absent or `errno`: a failed call */
  via?: 'errno' | 'program';
  /**
   * true when nothing had failed yet: before the failure instant (the first fault, or a NAT or
   * proxy breaking a working flow), or in a run where nothing failed at all. A live connection
   * declared dead: the `falseAlarm` metric (docs/metrics.md).
   */
  falseAlarm?: true;
}

export interface AbortRecord {
  host: string;
  /** connection name `host:port>peer:port` */
  conn: string;
  errno: string;
  /** what ended it: keepalive timeout, retransmission timeout, connection reset by peer, ... */
  reason: string;
  t: number;
  afterFault?: number;
  /** true when nothing had failed yet (as DetectionRecord.falseAlarm) */
  falseAlarm?: true;
}

export interface Summary {
  /** first fault time, if any */
  faultAt?: number;

  /** the first failed call of each application (the application learned of the failure) */
  detections: DetectionRecord[];
  /** connections the kernel aborted with an error, whether or not an application was asking */
  aborts: AbortRecord[];
  /** per host: keepalive probes sent and replies to probes sent (packets: sent by hosts) */
  keepalive: Record<string, { probes: number; replies: number; bytes: number }>;
  packets: number;
  endedAt: number;
  verdict: string;
}

export interface RunJson {
  format: 'keepalive-lab/run@1';
  tool: string;
  scenario: Scenario;
  seed: number;
  hosts: Record<string, { ip: string; os: string; hz: number; timer: 'linux' | 'exact'; jiffyPhaseUs: number }>;
  packets: PacketRecord[];
  calls: CallRecord[];
  events: EventRecord[];
  summary: Summary;
}
