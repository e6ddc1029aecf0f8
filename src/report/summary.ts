/**
 * The verdict of a run: who learned of the failure, how, and how long after the fault;
 * what keepalive cost in packets and bytes.
 */
import type { NatEvent, TraceEvent } from '../engine/trace.ts';
import type { AbortRecord, CallRecord, DetectionRecord, EventRecord, PacketRecord, Summary } from '../scenarios/result.ts';
import { middleboxBreaks } from '../metrics/middlebox.ts';
import type { World } from '../world.ts';

/** Bytes on the wire of a zero-payload Linux segment: IPv4 20 + TCP 20 + timestamps 12. */
export const EMPTY_SEGMENT_BYTES = 52;

/** errno values that mean "the connection is gone" to an application. */
// errno names that mean the connection is gone; Windows reports its own WSA names
// (os-profiles.md §3.5: WSAENETRESET 10052 for the operation in flight, then WSAECONNRESET 10054)
const FATAL = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNREFUSED', 'WSAENETRESET', 'WSAECONNRESET', 'WSAECONNABORTED', 'WSAETIMEDOUT']);

export function summarize(world: World, events: readonly TraceEvent[], packets: PacketRecord[], calls: CallRecord[], records: readonly EventRecord[] = []): Summary {
  const firstFault = events.find((e) => e.kind === 'fault');
  const faultAt = firstFault ? firstFault.t / 1e6 : undefined;
  // the failure instant, as the metrics define it (src/metrics/index.ts): the first fault, or a middlebox breaking a flow first
  const brk = middleboxBreaks(records)[0]?.t;
  const failureAt = brk !== undefined && (faultAt === undefined || brk < faultAt) ? brk : faultAt;
  const falseAlarm = (t: number): { falseAlarm?: true } => (failureAt === undefined || t < failureAt ? { falseAlarm: true } : {});
  const why = (t: number): string => falseAlarmText(t, faultAt);
  const detections: DetectionRecord[] = [];
  const seen = new Set<string>();
  for (const c of calls) {
    if (!c.errno || !FATAL.has(c.errno)) continue;
    const k = `${c.host}|${c.app}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const d: DetectionRecord = { host: c.host, app: c.app, errno: c.errno, t: c.t };
    if (faultAt !== undefined && c.t >= faultAt) d.afterFault = round6(c.t - faultAt);
    detections.push(d);
  }
  programDetections(events, detections, faultAt);
  for (const d of detections) Object.assign(d, falseAlarm(d.t));
  const aborts: AbortRecord[] = [];
  for (const e of events) {
    if (e.kind !== 'error') continue;
    const t = e.t / 1e6;
    const a: AbortRecord = { host: e.host, conn: e.conn, errno: e.errno, reason: e.detail, t };
    if (faultAt !== undefined && t >= faultAt) a.afterFault = round6(t - faultAt);
    aborts.push({ ...a, ...falseAlarm(t) });
  }
  const keepalive: Summary['keepalive'] = {};
  for (const h of world.net.hosts.values()) keepalive[h.name] = { probes: 0, replies: 0, bytes: 0 };
  // a proxy terminates TCP: what it sends is its own (a NAT's view repeats the hosts' packets)
  const own = new Set(world.net.paths.flatMap((p) => p.middleboxes).filter((m) => m.terminates).map((m) => m.name));
  for (const name of own) keepalive[name] = { probes: 0, replies: 0, bytes: 0 };
  let count = 0;
  for (const p of packets) {
    if (p.dir !== 'tx' || p.dropped || (p.side && !own.has(p.at))) continue;
    count++;
    const k = keepalive[p.at];
    if (!k) continue;
    if (p.kind === 'keepalive') k.probes++;
    else if (p.kind === 'keepalive-ack') k.replies++;
    else continue;
    k.bytes += EMPTY_SEGMENT_BYTES + p.len;
  }
  const endedAt = world.sim.now / 1e6;
  // a proxy closing relayed connections (idle timer, the other leg ended) is worth saying when nothing failed
  const closes = events.filter((e): e is NatEvent => e.kind === 'nat' && (e.action === 'idle' || e.action === 'close'));
  let v = verdict(detections, aborts, faultAt, calls, why);
  if (closes.length && v.startsWith('no failure, no error')) v = `no error, but ${closes.map((e) => `${e.nat} at ${(e.t / 1e6).toFixed(6)} s: ${e.detail}`).join('; ')}`;
  return { ...(faultAt !== undefined ? { faultAt } : {}), detections, aborts, keepalive, packets: count, endedAt, verdict: v };
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * A program's own decision (`app` events, src/apps/) is its detection when it comes before
 * any failed call of that program; then detections are ordered by time. Runs without
 * program decisions keep the list exactly as the failed calls give it.
 */
function programDetections(events: readonly TraceEvent[], detections: DetectionRecord[], faultAt: number | undefined): void {
  let any = false;
  for (const e of events) {
    if (e.kind !== 'app') continue;
    const t = e.t / 1e6;
    const i = detections.findIndex((d) => d.host === e.host && d.app === e.app);
    const prev = detections[i];
    if (prev && prev.t <= t) continue;
    const d: DetectionRecord = { host: e.host, app: e.app, errno: e.what, t, via: 'program' };
    if (faultAt !== undefined && t >= faultAt) d.afterFault = round6(t - faultAt);
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

function verdict(ds: DetectionRecord[], aborts: AbortRecord[], faultAt: number | undefined, calls: CallRecord[], why: (t: number) => string): string {
  if (ds.length === 0) {
    if (aborts.length > 0) return `no application asked, but the kernel aborted ${aborts.map((a) => `${a.conn} (${a.errno}, ${a.reason})`).join(', ')}`;
    const failed = [...new Set(calls.filter((c) => c.errno).map((c) => `${c.call}() ${c.errno}`))];
    if (faultAt !== undefined) return `no application learned of the failure${failed.length ? `; failed calls: ${failed.join(', ')}` : ''}`;
    return failed.length ? `no connection failed, but calls did: ${failed.join(', ')}` : 'no failure, no error: every connection stayed up';
  }
  return ds
    .map((d) => `${d.app === d.host ? d.host : `${d.host}/${d.app}`} got ${d.errno} at ${d.t.toFixed(6)} s${d.afterFault !== undefined ? ` (${d.afterFault.toFixed(3)} s after the fault)` : ''}${d.falseAlarm ? ` (${why(d.t)})` : ''}`)
    .join('; ');
}
