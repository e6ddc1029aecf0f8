/**
 * A run's timers over virtual time, extracted from its trace (pure: no rendering here):
 * - per connection and timer kind, the spans a timer was pending, each ending where it fired;
 *   the keepalive timer is pending from the keepalive machine leaving `off` (armed at
 *   ESTABLISHED or SO_KEEPALIVE) until it fires, is re-armed at each firing
 *   (tcp_keepalive_timer() re-arms itself, net/ipv4/tcp_timer.c), and stops when the machine
 *   returns to off/dead or the connection closes; RTO, tail-loss-probe and SYN timers are
 *   armed by the (re)transmission they guard (tcp_rearm_rto(), tcp_schedule_loss_probe(),
 *   net/ipv4/tcp_output.c); TIME_WAIT and FIN_WAIT_2 timers by entering the state;
 * - per NAT/conntrack entry, its lifetime from `map` to `expire`/`evict` (or the end of the
 *   run), with every packet that refreshed it as a tick;
 * - probes, retransmissions and loss probes as ticks; faults as vertical marks.
 * The trace records timer firings, not every re-arm: a span therefore starts at the last
 * event known to arm that timer (documented in docs/diagrams.md).
 * Views: `timelineText` (ASCII lanes for a terminal) and `timelineSpec` (Vega-Lite).
 */
import type { TraceEvent, TimerEvent } from '../engine/trace.ts';
import { formatSeconds } from '../scenarios/duration.ts';
import type { TcpPacket } from '../wire/segment.ts';

export interface TimelineBar {
  lane: string;
  /** keepalive, rto, loss-probe, syn, time-wait, fin-wait-2, or nat-entry */
  kind: string;
  start: number;
  end: number;
  /** still pending when the run (or the drawn window) ended */
  open?: boolean;
}
export interface TimelineTick {
  lane: string;
  t: number;
  /** probe, retransmission, loss-probe, refresh, or an errno for an abort */
  what: string;
}
export interface TimelineMark {
  t: number;
  label: string;
}
export interface Timeline {
  lanes: string[];
  bars: TimelineBar[];
  ticks: TimelineTick[];
  faults: TimelineMark[];
  /** µs: the end of the run */
  end: number;
}

export interface TimelineOptions {
  /** address → host/middlebox name (World.net.nameOf) */
  nameOf: (ip: string) => string;
  /** µs: end of the run (open spans end here); default: the last event */
  end?: number;
}

const SYN = 0x02;
const FIN = 0x01;
const TUPLE = /(\d+\.\d+\.\d+\.\d+:\d+ > \d+\.\d+\.\d+\.\d+:\d+)/;
const TAG_TICK: Record<string, [string, string]> = { keepalive: ['keepalive', 'probe'], retransmission: ['rto', 'retransmission'], 'loss-probe': ['loss-probe', 'loss-probe'] };

export function timeline(events: readonly TraceEvent[], o: TimelineOptions): Timeline {
  const end = o.end ?? events[events.length - 1]?.t ?? 0;
  const bars: TimelineBar[] = [];
  const ticks: TimelineTick[] = [];
  const faults: TimelineMark[] = [];
  const lanes: string[] = [];
  const lane = (conn: string, kind: string): string => {
    const l = `${conn} ${kind}`;
    if (!lanes.includes(l)) lanes.push(l);
    return l;
  };
  const kaSince = new Map<string, number>(); // conn → keepalive pending since
  const armedBy = new Map<string, number>(); // conn → last (re)transmission that arms RTO/TLP/SYN
  const stateSince = new Map<string, number>(); // `${conn} ${state}` → entered
  const natOpen = new Map<string, { lane: string; start: number }>(); // `${nat} ${tuple}` → entry
  const connOf = (at: string, p: TcpPacket): string => `${at}:${p.seg.sport}>${o.nameOf(p.dst)}:${p.seg.dport}`;
  const closeKa = (conn: string, t: number): void => {
    const s = kaSince.get(conn);
    if (s !== undefined && s < t) bars.push({ lane: lane(conn, 'keepalive'), kind: 'keepalive', start: s, end: t });
    kaSince.delete(conn);
  };
  const fired = (e: TimerEvent): void => {
    const l = lane(e.conn, e.timer);
    if (e.timer === 'keepalive') {
      closeKa(e.conn, e.t);
      kaSince.set(e.conn, e.t);
      return;
    }
    const start = e.timer === 'time-wait' ? stateSince.get(`${e.conn} TIME_WAIT`) : e.timer === 'fin-wait-2' ? stateSince.get(`${e.conn} FIN_WAIT_2`) : armedBy.get(e.conn);
    bars.push({ lane: l, kind: e.timer, start: start ?? e.t, end: e.t });
  };
  for (const e of events) {
    if (e.t > end) break;
    switch (e.kind) {
      case 'machine':
        if (e.from === 'off' && e.to !== 'off') kaSince.set(e.conn, e.t);
        else if (e.to === 'off' || e.to === 'dead') closeKa(e.conn, e.t);
        break;
      case 'timer':
        fired(e);
        break;
      case 'state':
        stateSince.set(`${e.conn} ${e.to}`, e.t);
        if (e.to === 'CLOSED') closeKa(e.conn, e.t);
        break;
      case 'error':
        ticks.push({ lane: lanes.filter((l) => l.startsWith(`${e.conn} `)).pop() ?? lane(e.conn, 'socket'), t: e.t, what: e.errno });
        break;
      case 'fault':
        faults.push({ t: e.t, label: e.detail });
        break;
      case 'nat': {
        const tuple = TUPLE.exec(e.detail)?.[1];
        if (!tuple) break;
        const k = `${e.nat} ${tuple}`;
        if (e.action === 'map') {
          natOpen.set(k, { lane: lane(`${e.nat} ${tuple.replace(' > ', '>')}`, 'nat-entry'), start: e.t });
        } else if (e.action === 'expire' || e.action === 'evict') {
          const n = natOpen.get(k);
          if (n) bars.push({ lane: n.lane, kind: 'nat-entry', start: n.start, end: e.t });
          natOpen.delete(k);
        }
        break;
      }
      case 'packet': {
        if (e.pkt.proto !== 'tcp') break;
        const p = e.pkt;
        if (e.side === 'inside' && e.dir === 'rx' && !e.dropped) {
          const n = natOpen.get(`${e.at} ${p.src}:${p.seg.sport} > ${p.dst}:${p.seg.dport}`);
          if (n) ticks.push({ lane: n.lane, t: e.t, what: 'refresh' });
        } else if (e.side === 'outside' && e.dir === 'rx' && !e.dropped) {
          for (const [k, n] of natOpen) if (k.startsWith(`${e.at} `) && k.endsWith(`> ${p.src}:${p.seg.sport}`) && n.lane.includes(`:${p.seg.dport}>`)) ticks.push({ lane: n.lane, t: e.t, what: 'refresh' });
        } else if (!e.side && e.dir === 'tx') {
          const conn = connOf(e.at, p);
          if (p.seg.len > 0 || p.seg.flags & (SYN | FIN)) armedBy.set(conn, e.t);
          const tick = p.tag ? TAG_TICK[p.tag] : undefined;
          if (tick) ticks.push({ lane: lane(conn, tick[0]), t: e.t, what: tick[1] });
        }
        break;
      }
    }
  }
  for (const [conn, s] of kaSince) bars.push({ lane: lane(conn, 'keepalive'), kind: 'keepalive', start: s, end, open: true });
  for (const n of natOpen.values()) bars.push({ lane: n.lane, kind: 'nat-entry', start: n.start, end, open: true });
  return { lanes, bars, ticks, faults, end };
}

const CHAR: Record<string, string> = { keepalive: '=', rto: '~', 'loss-probe': '-', syn: '~', 'time-wait': '_', 'fin-wait-2': '_', 'nat-entry': '#' };

/**
 * ASCII lanes, `width` columns for [0, end]: bars as `=` (keepalive), `~` (RTO/SYN), `-` (loss
 * probe), `_` (TIME_WAIT, FIN_WAIT_2), `#` (NAT entry); ticks as `|` (probe, retransmission,
 * refresh) or `X` (abort); fault columns as `!`. Each bar ends in `>` where its timer fired.
 */
export function timelineText(tl: Timeline, width = 72): string {
  const span = Math.max(tl.end, 1);
  const col = (t: number): number => Math.min(width - 1, Math.floor((t / span) * width));
  const labelW = Math.min(48, Math.max(8, ...tl.lanes.map((l) => l.length)));
  const lines = [`timers over virtual time, 0 to ${formatSeconds(tl.end)} s (one column = ${formatSeconds(Math.round(span / width))} s)`];
  const faultCols = new Set(tl.faults.map((f) => col(f.t)));
  for (const l of tl.lanes) {
    const row = Array.from({ length: width }, (_, i): string => (faultCols.has(i) ? '!' : ' '));
    for (const b of tl.bars) {
      if (b.lane !== l) continue;
      for (let i = col(b.start); i <= col(b.end); i++) row[i] = CHAR[b.kind] ?? '=';
      if (!b.open) row[col(b.end)] = '>';
    }
    for (const k of tl.ticks) if (k.lane === l) row[col(k.t)] = /^E[A-Z]+$/.test(k.what) ? 'X' : '|';
    lines.push(`${(l.length > labelW ? `…${l.slice(l.length - labelW + 1)}` : l).padEnd(labelW)} ${row.join('')}`.trimEnd());
  }
  lines.push(`${''.padEnd(labelW)} ${'0'.padEnd(width - formatSeconds(tl.end).length)}${formatSeconds(tl.end)}`);
  for (const f of tl.faults) lines.push(`! ${formatSeconds(f.t)} ${f.label}`);
  lines.push('= keepalive  ~ RTO/SYN  - loss probe  _ TIME_WAIT/FIN_WAIT_2  # NAT entry  > fired/expired  | probe, retransmission or NAT refresh  X abort');
  return lines.join('\n') + '\n';
}

const KIND_ORDER = ['keepalive', 'rto', 'loss-probe', 'syn', 'time-wait', 'fin-wait-2', 'nat-entry'];

/**
 * Vega-Lite spec of a timeline: lanes as rows, pending timers as bars coloured by kind (open
 * bars hatched lighter), ticks for probes/retransmissions/refreshes, red rules for faults.
 * Times in seconds. Rendered by sim/plot/render.ts like every other plot.
 */
export function timelineSpec(tl: Timeline, title = 'timers'): Record<string, unknown> {
  const s = (us: number): number => us / 1e6;
  const y = { field: 'lane', type: 'nominal', sort: tl.lanes, title: null, axis: { labelLimit: 640 } };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: tl.bars.map((b) => ({ lane: b.lane, kind: b.kind, start: s(b.start), end: s(b.end), pending: b.open ? 'pending at the end' : 'fired / expired' })) },
      mark: { type: 'bar', height: 10 },
      encoding: {
        y,
        x: { field: 'start', type: 'quantitative', title: 'virtual time (s)', scale: { domain: [0, s(tl.end)] } },
        x2: { field: 'end' },
        color: { field: 'kind', type: 'nominal', title: 'timer', scale: { domain: KIND_ORDER } },
        opacity: { field: 'pending', type: 'ordinal', sort: ['fired / expired', 'pending at the end'], title: null, scale: { domain: ['fired / expired', 'pending at the end'], range: [0.9, 0.4] } },
      },
    },
    {
      data: { values: tl.ticks.map((k) => ({ lane: k.lane, t: s(k.t), what: k.what })) },
      mark: { type: 'tick', thickness: 1.5, size: 16, color: '#111111' },
      encoding: { y, x: { field: 't', type: 'quantitative' }, tooltip: [{ field: 'what' }, { field: 't' }] },
    },
  ];
  if (tl.faults.length) {
    const faults = { values: tl.faults.map((f) => ({ t: s(f.t), label: f.label })) };
    layers.push({ data: faults, mark: { type: 'rule', color: '#c0392b', strokeDash: [4, 3] }, encoding: { x: { field: 't', type: 'quantitative' } } });
    layers.push({ data: faults, mark: { type: 'text', color: '#c0392b', align: 'left', dx: 3, dy: -4, angle: 0, baseline: 'bottom', fontSize: 10 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 720,
    height: { step: 22 },
    background: 'white',
    config: { font: 'DejaVu Sans, sans-serif', axisY: { labelLimit: 640 } },
    layer: layers,
  };
}
