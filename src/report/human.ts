/**
 * The human trace: tcpdump-style lines for packets at the chosen vantage points,
 * interleaved with socket-call results, faults and notable state changes, then the
 * summary. Deterministic text, used by the CLI and by the golden tests.
 */
import type { TraceEvent } from '../engine/trace.ts';
import { formatSeconds } from '../scenarios/duration.ts';
import type { RunJson } from '../scenarios/result.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { ERRNO, STRERROR, type Errno } from '../tcp/errno.ts';
import { formatPacket } from '../wire/segment.ts';
import type { World } from '../world.ts';
import { SeqBook } from './json.ts';
import { falseAlarmText } from './summary.ts';

export interface HumanOptions {
  /** vantage points whose packets are printed (host names); default: the scenario's, else the first host */
  vantage?: string[];
  /** print every state change and keepalive-machine transition */
  verbose?: boolean;
}

const TAG_TEXT: Record<string, string> = {
  keepalive: 'keepalive probe',
  'keepalive-ack': 'keepalive ACK',
  retransmission: 'retransmission',
  'loss-probe': 'tail loss probe',
  reset: 'reset',
};

const NOTABLE_STATES = new Set(['ESTABLISHED', 'CLOSED', 'CLOSE_WAIT', 'TIME_WAIT']);

/** `num`: the host OS's number for the name (BSD ETIMEDOUT = 60, src/os); default Linux's. */
function errnoText(e: string, num?: (e: Errno) => number): string {
  const k = e as Errno;
  return ERRNO[k] ? `${e} [errno ${num?.(k) ?? ERRNO[k]}: ${STRERROR[k]}]` : e;
}

function callLine(e: Extract<TraceEvent, { kind: 'call' }>, num?: (e: Errno) => number): string {
  const args = e.args ? Object.entries(e.args).map(([k, v]) => (k === 'name' || k === 'to' ? String(v) : `${k}=${String(v)}`)) : [];
  const call = `${e.call}(${args.join(', ')})`;
  const out = e.errno ? `-> ${errnoText(e.errno, num)}` : `= ${String(e.result ?? 0)}`;
  const since = e.t !== e.start ? ` (blocked since ${formatSeconds(e.start)})` : '';
  const who = e.app === e.host ? e.host : `${e.host}/${e.app}`;
  return `${formatSeconds(e.t)} ${who}: ${call} ${out}${since}`;
}

export function humanTrace(world: World, sc: Scenario, json: RunJson, opts: HumanOptions = {}): string {
  const names = [...world.net.hosts.keys()];
  const vantage = new Set(opts.vantage ?? sc.vantage ?? [names[0] as string]);
  const lines: string[] = [];
  const hostText = names
    .map((n) => {
      const h = json.hosts[n];
      const clock = world.net.hosts.get(n)?.profile.timer?.label; // non-Linux OS clocks (src/os/timers.ts)
      return h ? `${n} ${h.ip} (${h.os}, ${h.timer === 'exact' ? 'exact timers' : (clock ?? `HZ ${h.hz}`)})` : n;
    })
    .join(' · ');
  lines.push(`# ${sc.name} (seed ${json.seed})`);
  if (sc.description) lines.push(`# ${sc.description}`);
  lines.push(`# hosts: ${hostText}; path ${sc.path.latency / 1000} ms one way`);
  const edge = world.net.paths[0]?.a.name ?? '?';
  for (const m of sc.path.middleboxes) {
    if (m.type === 'nat') lines.push(`# ${m.name}: NAT ${m.ip}, profile ${m.profile}, at ${edge}'s edge`);
    else lines.push(`# ${m.name}: proxy ${m.ip}, profile ${m.profile}, listens on ${m.listen}, relays to ${m.target.host}:${m.target.port}, at ${edge}'s edge`);
  }
  lines.push(`# packets as captured at: ${[...vantage].join(', ')}`);
  lines.push('');
  const book = new SeqBook();
  const multi = vantage.size > 1;
  for (const e of world.sim.trace.events) {
    switch (e.kind) {
      case 'packet': {
        const where = e.side ? `[${multi ? `${e.at} ` : ''}${e.side}] ` : multi ? `[${e.at}] ` : '';
        if (e.pkt.proto === 'icmp') {
          if (vantage.has(e.at)) lines.push(`${formatSeconds(e.t)} ${where}ICMP ${world.net.nameOf(e.pkt.src)} > ${world.net.nameOf(e.pkt.dst)}: ${e.pkt.code} unreachable`);
          break;
        }
        book.see(e.pkt);
        if (!vantage.has(e.at)) break;
        const p = e.pkt;
        const notes: string[] = [];
        if (p.tag) notes.push(TAG_TEXT[p.tag] ?? p.tag);
        if (e.dropped) notes.push(e.side ? `dropped: ${e.dropped}` : `dropped by ${e.dropped}`);
        const line = formatPacket(e.t, world.net.nameOf(p.src), world.net.nameOf(p.dst), p.seg, book.bases(p));
        lines.push(`${where}${line}${notes.length ? `   <- ${notes.join(', ')}` : ''}`);
        break;
      }
      case 'call':
        if (!e.blocked) lines.push(callLine(e, world.net.hosts.get(e.host)?.profile.errnoNumber));
        break;
      case 'fault':
        lines.push(`${formatSeconds(e.t)} !! ${e.detail}`);
        break;
      case 'error':
        lines.push(`${formatSeconds(e.t)} ${e.host}: ${e.conn} aborted: ${e.detail} (${e.errno})`);
        break;
      case 'state':
        if (opts.verbose || NOTABLE_STATES.has(e.to)) lines.push(`${formatSeconds(e.t)} ${e.host}: ${e.conn} ${e.from} -> ${e.to}`);
        break;
      case 'machine':
        if (opts.verbose) lines.push(`${formatSeconds(e.t)} ${e.host}: keepalive machine ${e.from} -> ${e.to}`);
        break;
      case 'nat':
        lines.push(`${formatSeconds(e.t)} ${e.nat}: ${e.detail}`);
        break;
      case 'app':
        lines.push(`${formatSeconds(e.t)} ${e.app === e.host ? e.host : `${e.host}/${e.app}`}: ${e.what}: ${e.detail}`);
        break;
      case 'timer':
        if (opts.verbose) lines.push(`${formatSeconds(e.t)} ${e.host}: ${e.timer} timer fired${e.detail ? ` (${e.detail})` : ''}`);
        break;
    }
  }
  for (const c of json.calls) if (c.pending) lines.push(`(still blocked at the end) ${c.host === c.app ? c.host : `${c.host}/${c.app}`}: ${c.call}() since ${c.start.toFixed(6)}`);
  lines.push('', ...summaryLines(json));
  return lines.join('\n') + '\n';
}

export function summaryLines(json: RunJson): string[] {
  const s = json.summary;
  const out = ['== summary =='];
  if (s.faultAt !== undefined) out.push(`first fault at ${s.faultAt.toFixed(6)} s`);
  if (s.detections.length === 0 && s.aborts.length === 0) out.push(s.verdict);
  // a connection declared dead before anything failed: say so, a reader would take it for a detection
  const early = (t: number): string => ` (${falseAlarmText(t, s.faultAt)})`;
  for (const d of s.detections) {
    const who = d.app === d.host ? d.host : `${d.host}/${d.app}`;
    out.push(`${who} learned of it: ${d.errno} at ${d.t.toFixed(6)} s${d.afterFault !== undefined ? `, ${d.afterFault.toFixed(3)} s after the fault` : ''}${d.falseAlarm ? early(d.t) : ''}`);
  }
  for (const a of s.aborts) {
    out.push(`${a.host} kernel aborted ${a.conn}: ${a.reason}, ${a.errno} at ${a.t.toFixed(6)} s${a.afterFault !== undefined ? `, ${a.afterFault.toFixed(3)} s after the fault` : ''}${a.falseAlarm ? early(a.t) : ''}`);
  }
  for (const [h, k] of Object.entries(s.keepalive)) {
    if (k.probes || k.replies) out.push(`keepalive at ${h}: ${k.probes} probes sent, ${k.replies} probe replies sent, ${k.bytes} bytes`);
  }
  out.push(`${s.packets} packets sent in all; run ended at ${s.endedAt.toFixed(6)} s`);
  return out;
}
