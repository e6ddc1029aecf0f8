/**
 * The run told in words a student follows: what broke and when, who learned of it, how
 * (which call failed with which errno, or which program decided), how long after the
 * fault, what the kernels did on their own, false alarms, and what keepalive cost. Every
 * number comes from the run document (the same `summary` the CLI prints, same rounding:
 * instants to the microsecond, delays to the millisecond) and from src/metrics.
 */
import { STRERROR, type Errno } from '../../../src/tcp/errno.ts';
import type { RunJson } from '../../../src/scenarios/result.ts';
import { computeMetrics } from '../../../src/metrics/index.ts';
import type { TraceEvent } from '../../../src/engine/trace.ts';

export interface Sentence {
  /** what the sentence is about, for styling: fault, learned, kernel, silent, alarm, nat, cost, verdict */
  kind: string;
  text: string;
}

const at = (t: number): string => `${t.toFixed(6)} s`;
const delay = (d: number): string => `${d.toFixed(3)} s`;
const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const errnoText = (e: string): string => (e in STRERROR ? `${e} ("${STRERROR[e as Errno]}")` : e);

/** What a middlebox did that breaks or ends a flow (the trace's NAT/proxy actions). */
const BREAKS = new Set(['expire', 'evict', 'refuse', 'rst', 'icmp', 'idle', 'close']);

/** `events`: the run's trace, for what middleboxes did (the run document keeps their words, not their actions). */
export function story(run: RunJson, events: readonly TraceEvent[] = []): Sentence[] {
  const s = run.summary;
  const m = computeMetrics(run);
  const out: Sentence[] = [];
  const timed: { t: number; s: Sentence }[] = run.events.filter((e) => e.kind === 'fault').map((f) => ({ t: f.t, s: { kind: 'fault', text: `At ${at(f.t)}: ${f.detail}.` } }));
  const boxes = events.filter((e) => e.kind === 'nat' && BREAKS.has(e.action));
  const SHOWN = 4; // a table-pressure run has thousands: the first few tell the story
  for (const e of boxes.slice(0, SHOWN)) if (e.kind === 'nat') timed.push({ t: e.t / 1e6, s: { kind: 'nat', text: `At ${at(e.t / 1e6)} the middlebox "${e.nat}": ${e.detail}.` } });
  out.push(...timed.sort((a, b) => a.t - b.t).map((x) => x.s));
  if (boxes.length > SHOWN) out.push({ kind: 'nat', text: `… and ${group(boxes.length - SHOWN)} more middlebox actions like these (see the Trace tab).` });
  // with no injected fault, a middlebox may be what broke the flow (src/metrics: failureAt, failureCause)
  const since = (t: number): string | null => (s.faultAt === undefined && m.failureAt !== null && t >= m.failureAt ? `${delay(t - m.failureAt)} after the middlebox broke the flow (${m.failureCause}), at ${at(t)}` : null);
  for (const d of s.detections) {
    const who = d.app === d.host ? `The ${d.host}` : `The ${d.host} program ${d.app}`;
    const when = d.afterFault !== undefined ? `${delay(d.afterFault)} after the fault (at ${at(d.t)})` : (since(d.t) ?? `at ${at(d.t)}`);
    if (d.via === 'program') {
      out.push({ kind: 'learned', text: `${who} decided the connection was dead ${when}: its own heartbeat logic said "${d.errno}".` });
      continue;
    }
    const call = run.calls.find((c) => c.host === d.host && c.app === d.app && c.errno === d.errno && c.t === d.t);
    const waited = call && call.start < d.t ? `, after waiting in it since ${at(call.start)}` : '';
    out.push({ kind: 'learned', text: `${who} learned of it ${when}: its ${call ? `${call.call}()` : 'call'} failed with ${errnoText(d.errno)}${waited}.` });
  }
  const learned = new Set(s.detections.map((d) => d.host));
  for (const a of s.aborts) {
    const when = a.afterFault !== undefined ? `${delay(a.afterFault)} after the fault (at ${at(a.t)})` : (since(a.t) ?? `at ${at(a.t)}`);
    const silent = learned.has(a.host) ? '' : ' No program on it was asking, so it will only find out at its next call.';
    out.push({ kind: learned.has(a.host) ? 'kernel' : 'silent', text: `The ${a.host} kernel gave up on ${a.conn} ${when}: ${a.reason}, ${a.errno}.${silent}` });
  }
  if (s.faultAt !== undefined && s.detections.length === 0) {
    out.push({ kind: 'silent', text: `No program learned of the failure before the run ended at ${at(s.endedAt)}.` });
  }
  if (m.falseAlarm) {
    out.push({ kind: 'alarm', text: `False alarm: a connection that was still working was declared dead at ${m.falseAlarmAt !== null ? at(m.falseAlarmAt) : 'some point'}.` });
  } else if (s.faultAt !== undefined || m.failureAt !== null) {
    out.push({ kind: 'alarm', text: 'No false alarm: nothing was declared dead before it had really failed.' });
  }
  for (const [h, k] of Object.entries(s.keepalive)) {
    if (k.probes || k.replies) out.push({ kind: 'cost', text: `Keepalive cost at ${h}: ${k.probes} probe${k.probes === 1 ? '' : 's'} and ${k.replies} ${k.replies === 1 ? 'reply' : 'replies'} sent, ${group(k.bytes)} bytes.` });
  }
  if (s.detections.length === 0 && s.aborts.length === 0 && s.faultAt === undefined) out.push({ kind: 'verdict', text: `In one line: ${s.verdict}.` });
  out.push({ kind: 'end', text: `${group(s.packets)} packets sent in all; the run ended at ${at(s.endedAt)}.` });
  return out;
}
