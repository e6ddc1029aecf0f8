/**
 * The summary block of a kernel run, with the simulator's conventions (src/report/summary.ts):
 * detections are each app's first fatal errno; `packets` counts each wire packet once, at its
 * sender; keepalive bytes are wire bytes (IPv4 20 + TCP 20 + timestamp option 12 + payload).
 *
 * The kernel does not tell us when it aborts a connection, so `aborts` is inferred from what
 * was observed: an RST sent right after a keepalive probe (keepalive timeout), an RST
 * received (reset by peer), or else the first fatal errno an application saw.
 */
import type { AbortRecord, CallRecord, DetectionRecord, PacketRecord, Summary } from '../src/scenarios/result.ts';

/** Wire size of a zero-payload Linux segment with timestamps (negotiated by default). */
const EMPTY_SEGMENT_BYTES = 52;

/** errno values that mean "the connection is gone" to an application (as the simulator's summary). */
const FATAL = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNREFUSED']);

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const conn = (p: PacketRecord, self: 'src' | 'dst'): string =>
  self === 'src' ? `${p.src}:${p.sport}>${p.dst}:${p.dport}` : `${p.dst}:${p.dport}>${p.src}:${p.sport}`;

export interface SummaryInput {
  hosts: string[];
  packets: PacketRecord[];
  calls: CallRecord[];
  faultAt: number | undefined;
  endedAt: number;
}

export function buildSummary(d: SummaryInput): Summary {
  const after = (t: number): { afterFault?: number } => (d.faultAt !== undefined && t >= d.faultAt ? { afterFault: round6(t - d.faultAt) } : {});
  const detections: DetectionRecord[] = [];
  const seen = new Set<string>();
  for (const c of d.calls) {
    if (!c.errno || !FATAL.has(c.errno) || seen.has(`${c.host}|${c.app}`)) continue;
    seen.add(`${c.host}|${c.app}`);
    detections.push({ host: c.host, app: c.app, errno: c.errno, t: c.t, ...after(c.t) });
  }
  const aborts = inferAborts(d, after);
  const keepalive: Summary['keepalive'] = {};
  for (const h of d.hosts) keepalive[h] = { probes: 0, replies: 0, bytes: 0 };
  const sent = d.packets.filter((p) => p.dir === 'tx' && p.at === p.src && p.dropped === undefined);
  for (const p of sent) {
    const k = keepalive[p.at];
    if (!k || (p.kind !== 'keepalive' && p.kind !== 'keepalive-ack')) continue;
    if (p.kind === 'keepalive') k.probes++;
    else k.replies++;
    k.bytes += EMPTY_SEGMENT_BYTES + p.len;
  }
  return {
    ...(d.faultAt !== undefined ? { faultAt: d.faultAt } : {}),
    detections,
    aborts,
    keepalive,
    packets: sent.length,
    endedAt: d.endedAt,
    verdict: verdict(detections, aborts, d.faultAt),
  };
}

function inferAborts(d: SummaryInput, after: (t: number) => { afterFault?: number }): AbortRecord[] {
  const aborts: AbortRecord[] = [];
  const byHost = new Set<string>();
  for (const [i, p] of d.packets.entries()) {
    if (!p.flags.includes('R')) continue;
    if (p.dir === 'tx' && p.at === p.src) {
      const prev = d.packets.slice(0, i).reverse().find((q) => q.at === p.at && q.dir === 'tx' && q.sport === p.sport && q.dport === p.dport);
      if (prev?.kind !== 'keepalive') continue;
      aborts.push({ host: p.src, conn: conn(p, 'src'), errno: 'ETIMEDOUT', reason: 'keepalive timeout (RST after the last probe)', t: p.t, ...after(p.t) });
      byHost.add(p.src);
    } else if (p.dir === 'rx' && p.at === p.dst && !byHost.has(p.dst)) {
      aborts.push({ host: p.dst, conn: conn(p, 'dst'), errno: 'ECONNRESET', reason: 'connection reset by peer (RST received)', t: p.t, ...after(p.t) });
      byHost.add(p.dst);
    }
  }
  for (const c of d.calls) {
    if (!c.errno || !FATAL.has(c.errno) || byHost.has(c.host)) continue;
    aborts.push({ host: c.host, conn: `${c.host} (${c.app})`, errno: c.errno, reason: 'seen by the application (no packet marks the abort)', t: c.t, ...after(c.t) });
    byHost.add(c.host);
  }
  return aborts.sort((a, b) => a.t - b.t);
}

function verdict(ds: DetectionRecord[], aborts: AbortRecord[], faultAt: number | undefined): string {
  if (ds.length > 0) return ds.map((x) => `${x.host}/${x.app}: ${x.errno} at ${x.t.toFixed(3)} s`).join('; ');
  if (aborts.length > 0) return `no application asked, but the kernel aborted ${aborts.map((a) => `${a.conn} (${a.errno})`).join(', ')}`;
  return faultAt === undefined ? 'no failure, no error: every connection stayed up' : 'no application learned of the failure';
}
