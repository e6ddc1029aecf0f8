/**
 * The verdict of a run: who learned of the failure, how, and how long after the fault;
 * what keepalive cost in packets and bytes.
 *
 * Built incrementally from trace events (`SummaryBuilder.feed`), so the same code serves a run
 * whose whole trace is kept (the run document) and a run that keeps none (`run --summary`,
 * big runs in bounded memory): what it holds grows with the number of connections and
 * applications, never with virtual time.
 */
import type { AppEvent, NatEvent, TraceEvent, TraceKind } from '../engine/trace.ts';
import type { AbortRecord, DetectionRecord, EventRecord, Summary } from '../scenarios/result.ts';
import { middleboxBreaks } from '../metrics/middlebox.ts';
import type { World } from '../world.ts';
import type { Host } from '../net/host.ts';

export { EMPTY_SEGMENT_BYTES } from '../net/host.ts';

/** errno values that mean "the connection is gone" to an application. */
// errno names that mean the connection is gone; Windows reports its own WSA names
// (os-profiles.md §3.5: WSAENETRESET 10052 for the operation in flight, then WSAECONNRESET 10054)
const FATAL = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNREFUSED', 'WSAENETRESET', 'WSAECONNRESET', 'WSAECONNABORTED', 'WSAETIMEDOUT']);

/**
 * The trace kinds a summary reads. Not packets: what hosts sent is counted by the hosts
 * themselves (Host.sent), so a run that keeps no trace builds no packet event at all.
 */
export const SUMMARY_KINDS: readonly TraceKind[] = ['call', 'fault', 'error', 'nat', 'app'];

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export class SummaryBuilder {
  private faultUs: number | undefined;
  /** the first failed call with a fatal errno of each application, in order */
  private readonly detections: DetectionRecord[] = [];
  private readonly detected = new Set<string>();
  /** the first own decision of each program (`app` events), in order */
  private readonly decisions = new Map<string, AppEvent>();
  private readonly aborts: AbortRecord[] = [];
  /** distinct `call() errno` of failed calls, in order */
  private readonly failed = new Set<string>();
  private readonly closes: NatEvent[] = [];
  /** when a NAT or proxy first broke a working flow (src/metrics/middlebox.ts), s */
  private breakAt: number | undefined;

  constructor(private readonly world: World) {}

  /** The hosts, then the middleboxes that terminate TCP (proxies: what they send is their own), with what each sent. */
  private senders(): [string, Host['sent']][] {
    const boxes = this.world.net.paths.flatMap((p) => p.middleboxes).filter((m) => m.terminates && m.sender);
    return [...[...this.world.net.hosts.values()].map((h): [string, Host['sent']] => [h.name, h.sent]), ...boxes.map((m): [string, Host['sent']] => [m.name, (m.sender as Host).sent])];
  }

  feed(e: TraceEvent): void {
    switch (e.kind) {
      case 'fault':
        if (this.faultUs === undefined) this.faultUs = e.t;
        return;
      case 'call': {
        if (e.blocked || !e.errno) return;
        this.failed.add(`${e.call}() ${e.errno}`);
        if (!FATAL.has(e.errno)) return;
        const k = `${e.host}|${e.app}`;
        if (this.detected.has(k)) return;
        this.detected.add(k);
        this.detections.push({ host: e.host, app: e.app, errno: e.errno, t: e.t / 1e6 });
        return;
      }
      case 'app': {
        const k = `${e.host}|${e.app}`;
        if (!this.decisions.has(k)) this.decisions.set(k, e);
        return;
      }
      case 'error':
        this.aborts.push({ host: e.host, conn: e.conn, errno: e.errno, reason: e.detail, t: e.t / 1e6 });
        return;
      case 'nat':
        if (e.action === 'idle' || e.action === 'close') this.closes.push(e);
        if (this.breakAt === undefined) {
          // read from the event's text, as the metrics read a saved run document
          const r: EventRecord = { t: e.t / 1e6, kind: 'nat', host: e.nat, detail: e.detail };
          if (middleboxBreaks([r]).length) this.breakAt = r.t;
        }
        return;
      default:
        return;
    }
  }

  /** The summary as of now (the run's end). */
  finish(): Summary {
    const faultAt = this.faultUs !== undefined ? this.faultUs / 1e6 : undefined;
    const after = <T extends { t: number; afterFault?: number }>(r: T): T => {
      if (faultAt !== undefined && r.t >= faultAt) r.afterFault = round6(r.t - faultAt);
      return r;
    };
    // the failure instant, as the metrics define it (src/metrics/index.ts): the first fault, or a middlebox breaking a flow first
    const brk = this.breakAt;
    const failureAt = brk !== undefined && (faultAt === undefined || brk < faultAt) ? brk : faultAt;
    // a connection declared dead before anything failed is a false alarm (docs/metrics.md)
    const alarm = <T extends { t: number; falseAlarm?: true }>(r: T): T => {
      if (failureAt === undefined || r.t < failureAt) r.falseAlarm = true;
      return r;
    };
    const detections = this.detections.map((d) => after({ ...d }));
    programDetections([...this.decisions.values()], detections, after);
    for (const d of detections) alarm(d);
    const aborts = this.aborts.map((a) => alarm(after({ ...a })));
    const keepalive: Summary['keepalive'] = {};
    let packets = 0;
    for (const [name, s] of this.senders()) {
      keepalive[name] = { probes: s.probes, replies: s.replies, bytes: s.bytes };
      packets += s.packets;
    }
    const endedAt = this.world.sim.now / 1e6;
    // a proxy closing relayed connections (idle timer, the other leg ended) is worth saying when nothing failed
    let v = verdict(detections, aborts, faultAt, [...this.failed], (t) => falseAlarmText(t, faultAt));
    if (this.closes.length && v.startsWith('no failure, no error')) v = `no error, but ${this.closes.map((e) => `${e.nat} at ${(e.t / 1e6).toFixed(6)} s: ${e.detail}`).join('; ')}`;
    return { ...(faultAt !== undefined ? { faultAt } : {}), detections, aborts, keepalive, packets, endedAt, verdict: v };
  }
}

/** The summary of a run whose trace was kept. */
export function summarize(world: World, events: readonly TraceEvent[]): Summary {
  const b = new SummaryBuilder(world);
  for (const e of events) b.feed(e);
  return b.finish();
}

/**
 * A program's own decision (`app` events, src/apps/) is its detection when it comes before
 * any failed call of that program; then detections are ordered by time. Runs without
 * program decisions keep the list exactly as the failed calls give it.
 */
function programDetections(firsts: readonly AppEvent[], detections: DetectionRecord[], after: (d: DetectionRecord) => DetectionRecord): void {
  let any = false;
  for (const e of firsts) {
    const t = e.t / 1e6;
    const i = detections.findIndex((d) => d.host === e.host && d.app === e.app);
    const prev = detections[i];
    if (prev && prev.t <= t) continue;
    const d = after({ host: e.host, app: e.app, errno: e.what, t, via: 'program' });
    if (prev) detections[i] = d;
    else detections.push(d);
    any = true;
  }
  if (any) detections.sort((a, b) => a.t - b.t);
}

/** Why a detection at `t` is a false alarm: the words the summary and the verdict use. */
export function falseAlarmText(t: number, faultAt: number | undefined): string {
  if (faultAt !== undefined && t < faultAt) return 'false alarm: before the first fault';
  return faultAt === undefined ? 'false alarm: nothing had failed' : 'false alarm: before the flow broke';
}

function verdict(ds: DetectionRecord[], aborts: AbortRecord[], faultAt: number | undefined, failedCalls: string[], why: (t: number) => string): string {
  if (ds.length === 0) {
    if (aborts.length > 0) return `no application asked, but the kernel aborted ${aborts.map((a) => `${a.conn} (${a.errno}, ${a.reason})`).join(', ')}`;
    if (faultAt !== undefined) return `no application learned of the failure${failedCalls.length ? `; failed calls: ${failedCalls.join(', ')}` : ''}`;
    return failedCalls.length ? `no connection failed, but calls did: ${failedCalls.join(', ')}` : 'no failure, no error: every connection stayed up';
  }
  return ds
    .map((d) => `${d.app === d.host ? d.host : `${d.host}/${d.app}`} got ${d.errno} at ${d.t.toFixed(6)} s${d.afterFault !== undefined ? ` (${d.afterFault.toFixed(3)} s after the fault)` : ''}${d.falseAlarm ? ` (${why(d.t)})` : ''}`)
    .join('; ');
}
