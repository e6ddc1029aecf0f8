/**
 * Diagrams as Mermaid text, generated from the code and from runs so a picture can never
 * disagree with either:
 * - `stateDiagram(machine)`: any xstate machine's states and transitions (guards and
 *   actions as labels), read from its definition with xstate/graph;
 * - `ladderDiagram(...)`: a run as a sequence (ladder) diagram — hosts as columns, packets
 *   as arrows with time, flags and relative seq/ack (lost packets end in a cross), faults
 *   and socket-call results as notes.
 */
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import type { TraceEvent } from '../engine/trace.ts';
import { formatSeconds } from '../scenarios/duration.ts';
import { flagString, type TcpPacket } from '../wire/segment.ts';
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
  /** host names, left to right */
  hosts: string[];
  /** address -> display name */
  nameOf: (ip: string) => string;
  /** only events in [from, to] µs */
  from?: number;
  to?: number;
}

/** Mermaid `sequenceDiagram` of a run, drawn from each host's own interface. */
export function ladderDiagram(events: readonly TraceEvent[], o: LadderOptions): string {
  const lines = ['sequenceDiagram'];
  for (const h of o.hosts) lines.push(`  participant ${h}`);
  const book = new SeqBook();
  const hosts = new Set(o.hosts);
  const received: { t: number; at: string; p: TcpPacket; used: boolean; dropped?: string }[] = [];
  for (const e of events) if (e.kind === 'packet' && e.dir === 'rx' && e.pkt.proto === 'tcp' && hosts.has(e.at)) received.push(e.dropped ? { t: e.t, at: e.at, p: e.pkt, used: false, dropped: e.dropped } : { t: e.t, at: e.at, p: e.pkt, used: false });
  const inRange = (t: number): boolean => (o.from === undefined || t >= o.from) && (o.to === undefined || t <= o.to);
  for (const e of events) {
    if (e.kind === 'packet' && e.pkt.proto === 'tcp') book.see(e.pkt);
    if (!inRange(e.t)) continue;
    if (e.kind === 'packet' && e.dir === 'tx' && e.pkt.proto === 'tcp' && hosts.has(e.at) && e.dropped !== 'OUTPUT') {
      const p = e.pkt;
      const s = p.seg;
      const [seq, ack] = book.rel(p);
      const to = received.find((r) => !r.used && r.t >= e.t && r.at !== e.at && r.p.seg.seq === s.seq && r.p.seg.ack === s.ack && r.p.seg.flags === s.flags && r.p.seg.len === s.len);
      if (to) to.used = true;
      const dst = to?.at ?? o.nameOf(p.dst);
      const target = hosts.has(dst) ? dst : o.hosts.find((h) => h !== e.at) ?? dst;
      const tag = p.tag ? ` (${p.tag})` : '';
      const fate = !to ? ' LOST' : to.dropped ? ` dropped by ${to.dropped}` : '';
      lines.push(`  ${e.at}${to && !to.dropped ? '->>' : '-x'}${target}: ${formatSeconds(e.t)} [${flagString(s.flags)}] seq ${seq}${s.flags & 0x10 ? ` ack ${ack}` : ''}${s.len ? ` len ${s.len}` : ''}${tag}${fate}`);
    } else if (e.kind === 'fault') {
      lines.push(`  Note over ${o.hosts.join(',')}: ${formatSeconds(e.t)} ${e.detail.replace(/[;#]/g, ' ')}`);
    } else if (e.kind === 'call' && !e.blocked && hosts.has(e.host) && (e.errno || ['connect', 'accept', 'close', 'shutdown', 'select'].includes(e.call))) {
      lines.push(`  Note over ${e.host}: ${formatSeconds(e.t)} ${e.call}() ${e.errno ? `-> ${e.errno}` : `= ${String(e.result ?? 0)}`}`);
    } else if (e.kind === 'error' && hosts.has(e.host)) {
      lines.push(`  Note over ${e.host}: ${formatSeconds(e.t)} aborted (${e.errno}, ${e.detail})`);
    }
  }
  return lines.join('\n') + '\n';
}
