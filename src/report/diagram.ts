/**
 * Diagrams as Mermaid text, generated from the code and from runs so a picture can never
 * disagree with either:
 * - `stateDiagram(machine)`: any xstate machine's states and transitions (guards and
 *   actions as labels), read from its definition with xstate/graph;
 * - `ladderDiagram(...)`: a run as a sequence (ladder) diagram — hosts as columns, packets
 *   as arrows with time, flags and relative seq/ack (lost packets end in a cross), faults
 *   and socket-call results as notes. Middleboxes (NAT, proxy) are columns of their own:
 *   a packet arrives at the box's inside (or outside) interface and leaves from the other
 *   side with translated addresses, so each hop is an arrow. Long runs are compressed:
 *   idle gaps become one note, and past `max` lines the middle of the run is elided.
 */
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import type { TraceEvent } from '../engine/trace.ts';
import { formatSeconds } from '../scenarios/duration.ts';
import { flagString, type Packet } from '../wire/segment.ts';
import { SeqBook } from './json.ts';

interface GraphNode {
  id: string;
  stateNode: { key: string; type: string; initial?: { target: { id: string }[] }; always?: { guard?: unknown; target?: { id: string }[] }[] };
  children: GraphNode[];
  edges: { source: { id: string }; target: { id: string }; label: { text: string }; transition: { guard?: unknown; actions: unknown[] } }[];
}

const name = (id: string): string => id.replace(/\./g, '_');
const guardText = (g: unknown): string => (typeof g === 'string' ? g : g && typeof g === 'object' && 'type' in g ? String((g as { type: unknown }).type) : '');
const actionText = (a: unknown): string => (typeof a === 'string' ? a : a && typeof a === 'object' && 'type' in a ? String((a as { type: unknown }).type) : '');

function eventText(e: string): string {
  const m = /^xstate\.after\.([^.]+)\./.exec(e);
  return m ? `after(${m[1]})` : e;
}

/** Mermaid `stateDiagram-v2` of an xstate machine. */
export function stateDiagram(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const walk = (n: GraphNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const initial = n.stateNode.initial?.target[0]?.id;
    if (initial) lines.push(`${pad}[*] --> ${name(initial)}`);
    for (const c of n.children) {
      if (c.children.length > 0) {
        lines.push(`${pad}state ${name(c.id)} {`);
        walk(c, depth + 1);
        lines.push(`${pad}}`);
      }
      if (c.stateNode.type === 'final') lines.push(`${pad}${name(c.id)} --> [*]`);
    }
    for (const c of n.children) {
      for (const t of c.stateNode.always ?? []) {
        const g = guardText(t.guard);
        for (const target of t.target ?? []) lines.push(`${pad}${name(c.id)} --> ${name(target.id)}: always${g ? ` [${g}]` : ''}`);
      }
      for (const e of c.edges) {
        const g = guardText(e.transition.guard);
        const acts = e.transition.actions.map(actionText).filter((a) => a && a !== 'fired');
        lines.push(`${pad}${name(e.source.id)} --> ${name(e.target.id)}: ${eventText(e.label.text)}${g ? ` [${g}]` : ''}${acts.length ? ` / ${acts.join(', ')}` : ''}`);
      }
    }
  };
  walk(toDirectedGraph(machine) as unknown as GraphNode, 0);
  return lines.join('\n') + '\n';
}

export interface LadderOptions {
  /** host names, left to right; the first is the one at the middleboxes' inside edge */
  hosts: string[];
  /** middlebox names (NAT, proxy), drawn between the first host and the others, inside to outside */
  middleboxes?: string[];
  /** address -> display name */
  nameOf: (ip: string) => string;
  /** only events in [from, to] µs */
  from?: number;
  to?: number;
  /** a gap of at least this many µs between two drawn events becomes one "… idle …" note (default 60 s; 0 = never) */
  idleGap?: number;
  /** at most this many arrows and notes; past it the middle of the run is elided with a note (default 400) */
  max?: number;
}

/** Default cap on drawn lines: a few hundred arrows stay readable in a rendered SVG. */
export const LADDER_MAX = 400;
/** Default idle gap collapsed into one note. */
export const LADDER_IDLE_GAP = 60_000_000;

/** `7185` → `7,185` (locale-free, so the text is the same everywhere). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const NAT_NOTES = new Set(['map', 'expire', 'evict', 'refuse', 'rst', 'icmp', 'accept', 'idle', 'close']);
const clean = (s: string): string => s.replace(/[;#]/g, ' ');

/** Mermaid `sequenceDiagram` of a run: one arrow per hop (host → NAT inside, NAT outside → host, …). */
export function ladderDiagram(events: readonly TraceEvent[], o: LadderOptions): string {
  const boxes = o.middleboxes ?? [];
  const cols = [...o.hosts.slice(0, 1), ...boxes, ...o.hosts.slice(1)];
  const colSet = new Set(cols);
  const boxSet = new Set(boxes);
  const first = cols[0] ?? '';
  const last = cols[cols.length - 1] ?? first;
  const span = first === last ? first : `${first},${last}`;
  const book = new SeqBook();
  // every packet object is shared by the tx at one hop and the rx at the next (identity = the hop)
  const rxOf = new Map<Packet, { i: number; at: string; dropped?: string }[]>();
  events.forEach((e, i) => {
    if (e.kind === 'packet' && e.dir === 'rx' && colSet.has(e.at)) {
      const l = rxOf.get(e.pkt) ?? [];
      l.push(e.dropped ? { i, at: e.at, dropped: e.dropped } : { i, at: e.at });
      rxOf.set(e.pkt, l);
    }
  });
  const inRange = (t: number): boolean => (o.from === undefined || t >= o.from) && (o.to === undefined || t <= o.to);
  const next = (at: string, side: string | undefined, dst: string): string => {
    const k = cols.indexOf(at);
    if (boxSet.has(at)) return cols[side === 'inside' ? k - 1 : k + 1] ?? dst;
    if (k === 0) return cols[1] ?? dst;
    if (boxes.length) return boxes[boxes.length - 1] as string;
    return colSet.has(dst) && dst !== at ? dst : (cols.find((c) => c !== at) ?? dst);
  };
  const items: { t: number; line: string }[] = [];
  events.forEach((e, i) => {
    if (e.kind === 'packet' && e.pkt.proto === 'tcp') book.see(e.pkt);
    if (!inRange(e.t)) return;
    if (e.kind === 'packet' && e.dir === 'tx' && e.pkt.proto === 'tcp' && colSet.has(e.at) && e.dropped !== 'OUTPUT') {
      const p = e.pkt;
      const s = p.seg;
      const [seq, ack] = book.rel(p);
      const to = rxOf.get(p)?.find((r) => r.i > i && r.at !== e.at);
      const target = to?.at ?? next(e.at, e.side, o.nameOf(p.dst));
      const tag = p.tag ? ` (${p.tag})` : '';
      const fate = !to ? ' LOST' : to.dropped ? (boxSet.has(to.at) ? ` dropped by ${to.at} (${to.dropped})` : ` dropped by ${to.dropped}`) : '';
      const addr = boxes.length ? ` ${p.src}:${s.sport} > ${p.dst}:${s.dport}` : '';
      items.push({ t: e.t, line: `  ${e.at}${to && !to.dropped ? '->>' : '-x'}${target}: ${formatSeconds(e.t)} [${flagString(s.flags)}] seq ${seq}${s.flags & 0x10 ? ` ack ${ack}` : ''}${s.len ? ` len ${s.len}` : ''}${tag}${addr}${fate}` });
    } else if (e.kind === 'fault') {
      items.push({ t: e.t, line: `  Note over ${span}: ${formatSeconds(e.t)} ${clean(e.detail)}` });
    } else if (e.kind === 'call' && !e.blocked && colSet.has(e.host) && (e.errno || ['connect', 'accept', 'close', 'shutdown', 'select'].includes(e.call))) {
      items.push({ t: e.t, line: `  Note over ${e.host}: ${formatSeconds(e.t)} ${e.call}() ${e.errno ? `-> ${e.errno}` : `= ${String(e.result ?? 0)}`}` });
    } else if (e.kind === 'error' && colSet.has(e.host)) {
      items.push({ t: e.t, line: `  Note over ${e.host}: ${formatSeconds(e.t)} aborted (${e.errno}, ${e.detail})` });
    } else if (e.kind === 'nat' && boxSet.has(e.nat) && NAT_NOTES.has(e.action)) {
      items.push({ t: e.t, line: `  Note over ${e.nat}: ${formatSeconds(e.t)} ${e.action}: ${clean(e.detail)}` });
    }
  });
  return ['sequenceDiagram', ...cols.map((c) => `  participant ${c}`), ...compress(items, span, o.idleGap ?? LADDER_IDLE_GAP, o.max ?? LADDER_MAX)].join('\n') + '\n';
}

/** Idle gaps → one note each; more than `max` lines → keep the first and last halves. */
function compress(items: { t: number; line: string }[], span: string, gap: number, max: number): string[] {
  const idle = (a: number, b: number): string => `  Note over ${span}: … ${groupDigits(Math.round((b - a) / 1e6))} s idle …`;
  const out: { t: number; line: string }[] = [];
  items.forEach((it, k) => {
    const prev = items[k - 1];
    if (prev && gap > 0 && it.t - prev.t >= gap) out.push({ t: it.t, line: idle(prev.t, it.t) });
    out.push(it);
  });
  if (out.length <= max) return out.map((x) => x.line);
  const head = out.slice(0, Math.ceil(max / 2));
  const tail = out.slice(out.length - Math.floor(max / 2));
  const gone = out.length - head.length - tail.length;
  const from = head[head.length - 1]?.t ?? 0;
  const to = tail[0]?.t ?? from;
  return [...head.map((x) => x.line), `  Note over ${span}: … ${groupDigits(gone)} lines elided (${formatSeconds(from)} to ${formatSeconds(to)}, raise the cap to see them) …`, ...tail.map((x) => x.line)];
}
