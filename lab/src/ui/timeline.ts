/**
 * The timer timeline drawn as SVG from src/report/timeline.ts's data (the same bars, ticks
 * and fault marks `run --timeline` plots): one lane per connection timer or NAT entry,
 * a bar while the timer is pending, a tick where a probe or retransmission left, dashed
 * lines for faults, and the scrubber's instant as a vertical line. Colours are Okabe-Ito
 * and every kind is also named in the legend and in each bar's tooltip.
 */
import { timeline, type Timeline } from '../../../src/report/timeline.ts';
import type { RunOutcome } from '../../../src/scenarios/run.ts';
import type { Marked } from './views.ts';

const NS = 'http://www.w3.org/2000/svg';
export const KIND_COLOUR: Record<string, string> = {
  keepalive: '#0072b2',
  rto: '#d55e00',
  'loss-probe': '#56b4e9',
  syn: '#e69f00',
  'time-wait': '#cc79a7',
  'fin-wait-2': '#999999',
  'nat-entry': '#009e73',
};
const MAX_LANES = 60;

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

export function renderTimeline(pane: HTMLElement, r: RunOutcome, seek: (t: number) => void): Marked {
  const tl: Timeline = timeline(r.world.sim.trace.events, { nameOf: (ip) => r.world.net.nameOf(ip), end: r.world.sim.now });
  const lanes = tl.lanes.slice(0, MAX_LANES);
  const labelW = 300;
  const plotW = Math.max(500, (pane.clientWidth || 900) - labelW - 30);
  const laneH = 20;
  const top = 26;
  const H = top + lanes.length * laneH + 30;
  const W = labelW + plotW + 20;
  const end = Math.max(1, tl.end);
  const x = (t: number): number => labelW + (t / end) * plotW;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `Timer timeline: ${lanes.length} lanes over ${(end / 1e6).toFixed(1)} s of virtual time`, 'font-family': 'system-ui, DejaVu Sans, sans-serif', 'font-size': 11 });
  const step = niceStep(end / 1e6, 8);
  for (let s = 0; s * 1e6 <= end; s += step) {
    svg.append(el('line', { x1: x(s * 1e6), x2: x(s * 1e6), y1: top - 4, y2: H - 24, stroke: '#d0d7de' }));
    svg.append(el('text', { x: x(s * 1e6), y: H - 10, 'text-anchor': 'middle', fill: '#57606a' }, `${+s.toFixed(6)} s`));
  }
  lanes.forEach((l, i) => {
    const y = top + i * laneH;
    if (i % 2) svg.append(el('rect', { x: 0, y, width: W, height: laneH, fill: '#f6f8fa' }));
    svg.append(el('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', fill: '#1f2328' }, l.length > 46 ? `…${l.slice(-45)}` : l));
  });
  const laneY = new Map(lanes.map((l, i) => [l, top + i * laneH]));
  for (const b of tl.bars) {
    const y = laneY.get(b.lane);
    if (y === undefined) continue;
    const c = KIND_COLOUR[b.kind] ?? '#57606a';
    const r0 = el('rect', { x: x(b.start), y: y + 4, width: Math.max(1, x(b.end) - x(b.start)), height: laneH - 8, fill: c, 'fill-opacity': b.open ? 0.35 : 0.8, stroke: c, 'stroke-dasharray': b.open ? '4 2' : 'none' });
    r0.append(el('title', {}, `${b.kind} timer pending ${(b.start / 1e6).toFixed(6)} → ${(b.end / 1e6).toFixed(6)} s${b.open ? ' (still pending at the end)' : ''}`));
    r0.addEventListener('click', () => seek(b.end));
    svg.append(r0);
  }
  for (const tk of tl.ticks) {
    const y = laneY.get(tk.lane);
    if (y === undefined) continue;
    const p = el('path', { d: `M${x(tk.t)},${y + 2} l-4,-2 h8 z M${x(tk.t)},${y + 2} v${laneH - 4}`, stroke: '#1f2328', fill: '#1f2328' });
    p.append(el('title', {}, `${tk.what} at ${(tk.t / 1e6).toFixed(6)} s`));
    svg.append(p);
  }
  for (const f of tl.faults) {
    svg.append(el('line', { x1: x(f.t), x2: x(f.t), y1: top - 8, y2: H - 24, stroke: '#d55e00', 'stroke-width': 2, 'stroke-dasharray': '6 3' }));
    svg.append(el('text', { x: x(f.t) + 4, y: top - 12, fill: '#d55e00' }, f.label));
  }
  const cursor = el('line', { x1: 0, x2: 0, y1: top - 8, y2: H - 24, stroke: '#1f2328', 'stroke-width': 2 });
  svg.append(cursor);
  svg.addEventListener('click', (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    if (px >= labelW) seek(Math.round(((px - labelW) / plotW) * end));
  });
  const kinds = [...new Set(tl.bars.map((b) => b.kind))];
  const legend = document.createElement('p');
  legend.className = 'legend';
  legend.innerHTML = kinds.map((k) => `<span style="display:inline-block;width:12px;height:10px;background:${KIND_COLOUR[k] ?? '#57606a'};margin:0 4px 0 10px"></span>${k}`).join('') + ' <span style="margin-left:10px">▼ probe / retransmission / abort</span> <span style="margin-left:10px;color:#d55e00">┆ fault</span>' + (tl.lanes.length > MAX_LANES ? ` — ${tl.lanes.length - MAX_LANES} more lanes not drawn` : '');
  pane.replaceChildren(legend, svg);
  return {
    mark(t) {
      cursor.setAttribute('x1', String(x(t)));
      cursor.setAttribute('x2', String(x(t)));
    },
  };
}
