/**
 * The human trace: tcpdump-style lines for packets at the chosen vantage points,
 * interleaved with socket-call results, faults and notable state changes, then the
 * summary. Deterministic text, used by the CLI and by the golden tests.
 */
import type { TraceEvent, TraceKind } from '../engine/trace.ts';
import { formatSeconds } from '../scenarios/duration.ts';
import type { RunJson, Summary } from '../scenarios/result.ts';
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
  'window-probe': 'zero-window probe',
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

/**
 * The human trace, one line at a time as events happen (`run --stream` prints them as the run
 * goes, keeping nothing): a header, a line per event worth showing, then the calls still
 * blocked and the summary. `humanTrace` is this over a kept trace.
 */
export class HumanStream {
  private readonly vantage: Set<string>;
  private readonly multi: boolean;
  private readonly book = new SeqBook();
  /** blocking calls not yet returned, in the order they blocked (key as callRecords keys them) */
  private readonly blocked = new Map<string, { host: string; app: string; call: string; start: number }>();

  constructor(
    private readonly world: World,
    private readonly sc: Scenario,
    private readonly opts: HumanOptions = {},
  ) {
    const names = [...world.net.hosts.keys()];
    this.vantage = new Set(opts.vantage ?? sc.vantage ?? [names[0] as string]);
    this.multi = this.vantage.size > 1;
  }

  header(seed: number): string[] {
    const { world, sc } = this;
    const hostText = [...world.net.hosts.values()]
      .map((h) => {
        const clock = h.profile.timer?.label; // non-Linux OS clocks (src/os/timers.ts)
        return `${h.name} ${h.ip} (${h.profile.name}, ${h.tb.mode === 'exact' ? 'exact timers' : (clock ?? `HZ ${h.tb.hz}`)})`;
      })
      .join(' · ');
    const lines = [`# ${sc.name} (seed ${seed})`];
    if (sc.description) lines.push(`# ${sc.description}`);
    lines.push(`# hosts: ${hostText}; path ${sc.path.latency / 1000} ms one way`);
    const edge = world.net.paths[0]?.a.name ?? '?';
    for (const m of sc.path.middleboxes) {
      if (m.type === 'nat') lines.push(`# ${m.name}: NAT ${m.ip}, profile ${m.profile}, at ${edge}'s edge`);
      else lines.push(`# ${m.name}: proxy ${m.ip}, profile ${m.profile}, listens on ${m.listen}, relays to ${m.target.host}:${m.target.port}, at ${edge}'s edge`);
    }
    lines.push(`# packets as captured at: ${[...this.vantage].join(', ')}`, '');
    return lines;
  }

  /** The line an event prints, if any. */
  line(e: TraceEvent): string | null {
    const { world, opts } = this;
    switch (e.kind) {
      case 'packet': {
        const where = e.side ? `[${this.multi ? `${e.at} ` : ''}${e.side}] ` : this.multi ? `[${e.at}] ` : '';
        if (e.pkt.proto === 'icmp') return this.vantage.has(e.at) ? `${formatSeconds(e.t)} ${where}ICMP ${world.net.nameOf(e.pkt.src)} > ${world.net.nameOf(e.pkt.dst)}: ${e.pkt.code} unreachable` : null;
        this.book.see(e.pkt);
        if (!this.vantage.has(e.at)) return null;
        const p = e.pkt;
        const notes: string[] = [];
        if (p.tag) notes.push(TAG_TEXT[p.tag] ?? p.tag);
        if (e.dropped) notes.push(e.side ? `dropped: ${e.dropped}` : `dropped by ${e.dropped}`);
        const line = formatPacket(e.t, world.net.nameOf(p.src), world.net.nameOf(p.dst), p.seg, this.book.bases(p));
        return `${where}${line}${notes.length ? `   <- ${notes.join(', ')}` : ''}`;
      }
      case 'call': {
        const key = `${e.host}|${e.app}|${e.call}|${e.start}`;
        if (e.blocked) {
          this.blocked.set(key, { host: e.host, app: e.app, call: e.call, start: e.start });
          return null;
        }
        this.blocked.delete(key);
        return callLine(e, world.net.hosts.get(e.host)?.profile.errnoNumber);
      }
      case 'fault':
        // the host's programs died with it: their blocked calls will never return
        if (e.killsApps) for (const [k, b] of this.blocked) if (b.host === e.host) this.blocked.delete(k);
        return `${formatSeconds(e.t)} !! ${e.detail}`;
      case 'error':
        return `${formatSeconds(e.t)} ${e.host}: ${e.conn} aborted: ${e.detail} (${e.errno})`;
      case 'state':
        return opts.verbose || NOTABLE_STATES.has(e.to) ? `${formatSeconds(e.t)} ${e.host}: ${e.conn} ${e.from} -> ${e.to}` : null;
      case 'machine':
        return opts.verbose ? `${formatSeconds(e.t)} ${e.host}: keepalive machine ${e.from} -> ${e.to}` : null;
      case 'nat':
        return `${formatSeconds(e.t)} ${e.nat}: ${e.detail}`;
      case 'app':
        return `${formatSeconds(e.t)} ${e.app === e.host ? e.host : `${e.host}/${e.app}`}: ${e.what}: ${e.detail}`;
      case 'timer':
        return opts.verbose ? `${formatSeconds(e.t)} ${e.host}: ${e.timer} timer fired${e.detail ? ` (${e.detail})` : ''}` : null;
    }
  }

  /** The closing lines: calls still blocked, then the summary. */
  end(summary: Summary): string[] {
    const lines = [...this.blocked.values()].map((c) => `(still blocked at the end) ${c.host === c.app ? c.host : `${c.host}/${c.app}`}: ${c.call}() since ${(c.start / 1e6).toFixed(6)}`);
    return [...lines, '', ...summaryLines(summary)];
  }
}

/** The trace kinds the human trace reads (timer and machine only when verbose). */
export const humanKinds = (verbose: boolean): TraceKind[] => ['packet', 'call', 'fault', 'error', 'state', 'nat', 'app', ...(verbose ? (['machine', 'timer'] as const) : [])];

export function humanTrace(world: World, sc: Scenario, json: RunJson, opts: HumanOptions = {}): string {
  const h = new HumanStream(world, sc, opts);
  const lines = h.header(json.seed);
  for (const e of world.sim.trace.events) {
    const l = h.line(e);
    if (l !== null) lines.push(l);
  }
  lines.push(...h.end(json.summary));
  return lines.join('\n') + '\n';
}

export function summaryLines(s: Summary): string[] {
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
