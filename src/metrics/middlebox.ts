/**
 * Reading a middlebox's actions back from a saved run document. The run format
 * (`keepalive-lab/run@1`, src/scenarios/result.ts) keeps a NAT's or proxy's action only in
 * the `detail` text of its `nat` event (src/report/json.ts drops the typed `action`), so
 * the texts written by src/net/nat/nat.ts and src/net/proxy/proxy.ts are matched here.
 * A record that carries an `action` field (a later run format may add it) is used as is.
 */
import type { EventRecord } from '../scenarios/result.ts';

/** What a middlebox did to a flow that matters to the metrics. */
export type BreakKind = 'expire' | 'evict' | 'refuse' | 'idle';

export interface MiddleboxBreak {
  t: number;
  /** the NAT or proxy name */
  box: string;
  kind: BreakKind;
  detail: string;
}

/**
 * conntrack states of a flow that had worked and was still open at both ends
 * (src/net/nat/conntrack.ts, after the Linux nf_conntrack_proto_tcp.c state names). A
 * mapping removed in SYN_SENT never carried a reply; one removed in FIN_WAIT, CLOSE_WAIT,
 * LAST_ACK, TIME_WAIT or CLOSE belonged to a connection that was already ending.
 */
const LIVE_STATES = new Set(['ESTABLISHED', 'SYN_RECV']);

/**
 * The middlebox actions that break a flow which was still working:
 * - NAT `expire` of a mapping in a live conntrack state (`expired <flow> as <ip:port> (<STATE>, idle …)`);
 *   `deleted <flow>: RST before any reply` is not one (the flow never worked);
 * - NAT `evict` of a live mapping (`evicted <flow> (<STATE>, idle …): table full, …`);
 * - NAT `refuse` of a new flow (`refused new flow …`): that connection never gets through;
 * - proxy `idle`: the proxy's idle timer closed both legs (`no data on the … : closing both legs`).
 * A proxy `close` follows something else (a leg ended or failed) and is not itself a cause.
 */
export function middleboxBreaks(events: readonly EventRecord[]): MiddleboxBreak[] {
  const out: MiddleboxBreak[] = [];
  for (const e of events) {
    if (e.kind !== 'nat') continue;
    const kind = breakKind(e);
    if (kind) out.push({ t: e.t, box: e.host ?? '', kind, detail: e.detail });
  }
  return out;
}

function breakKind(e: EventRecord): BreakKind | null {
  const action = (e as EventRecord & { action?: string }).action;
  const d = e.detail;
  const state = /\((\w+), idle /.exec(d)?.[1];
  const live = state === undefined || LIVE_STATES.has(state);
  if (action === 'expire' || (action === undefined && d.startsWith('expired '))) return d.startsWith('deleted ') || !live ? null : 'expire';
  if (action === 'evict' || (action === undefined && d.startsWith('evicted '))) return live ? 'evict' : null;
  if (action === 'refuse' || (action === undefined && d.startsWith('refused new flow'))) return 'refuse';
  if (action === 'idle' || (action === undefined && d.startsWith('no data on the ') && d.endsWith('closing both legs'))) return 'idle';
  return null;
}

/** NAT mappings created (`new mapping …`), for per-entry overhead. */
export function natMappings(events: readonly EventRecord[]): number {
  let n = 0;
  for (const e of events) {
    if (e.kind !== 'nat') continue;
    const action = (e as EventRecord & { action?: string }).action;
    if (action === 'map' || (action === undefined && e.detail.startsWith('new mapping '))) n++;
  }
  return n;
}
