/**
 * The run's figures: the ladder diagram (src/report/diagram.ts's Mermaid, drawn by
 * beautiful-mermaid exactly as `run --svg` draws it, NATs and proxies as columns), the
 * keepalive state diagram generated from the xstate machine, the tcpdump-like trace, and
 * the plain-words summary. Each view can mark the scrubber's instant.
 */
import { ladderDiagram, LADDER_IDLE_GAP, LADDER_MAX, stateDiagram, type LadderOptions } from '../../../src/report/diagram.ts';
import { keepaliveMachine } from '../../../src/tcp/keepalive/machine.ts';
import { humanTrace } from '../../../src/report/human.ts';
import type { RunOutcome } from '../../../src/scenarios/run.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import type { Sentence } from '../core/story.ts';
import { ladderSvg } from '../../../sim/plot/ladder.ts';
import { h, parseMicros } from './dom.ts';

/** Ladder columns as `keepalive-lab run --svg` orders them (sim/plot/run-figures.ts ladderOptions). */
export function ladderOptions(r: RunOutcome, sc: Scenario): LadderOptions {
  const hosts = Object.keys(sc.hosts);
  const edge = r.world.net.paths[0]?.a.name;
  const ordered = edge && hosts.includes(edge) ? [edge, ...hosts.filter((x) => x !== edge)] : hosts;
  return { hosts: ordered, middleboxes: sc.path.middleboxes.map((m) => m.name), nameOf: (ip) => r.world.net.nameOf(ip), max: LADDER_MAX, idleGap: LADDER_IDLE_GAP };
}

export interface Marked {
  /** mark what happened up to `t` µs */
  mark(t: number): void;
}

/** The ladder as SVG; arrows after the cursor fade, the last one so far is drawn bold. Clicking an arrow seeks there. */
export async function renderLadder(pane: HTMLElement, r: RunOutcome, sc: Scenario, seek: (t: number) => void): Promise<Marked> {
  const svg = await ladderSvg(ladderDiagram(r.world.sim.trace.events, ladderOptions(r, sc)));
  pane.innerHTML = svg;
  const root = pane.querySelector('svg');
  root?.setAttribute('role', 'img');
  root?.setAttribute('aria-label', `Ladder diagram of ${sc.name}: one arrow per packet hop, time going down`);
  const items: { el: Element; t: number }[] = [];
  for (const el of pane.querySelectorAll('g.message, g.note')) {
    const t = parseMicros((el.getAttribute('data-label') ?? '').split(' ')[0] ?? '');
    if (t === null) continue;
    items.push({ el, t });
    if (el.classList.contains('message')) {
      el.addEventListener('click', () => seek(t));
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = `${el.getAttribute('data-label')} (click: move the time cursor here)`;
      el.prepend(title);
    }
  }
  let lastNow: Element | null = null;
  return {
    mark(t) {
      let now: Element | null = null;
      for (const it of items) {
        it.el.classList.toggle('future', it.t > t);
        if (it.t <= t && it.el.classList.contains('message')) now = it.el;
      }
      if (lastNow && lastNow !== now) lastNow.classList.remove('now');
      now?.classList.add('now');
      lastNow = now;
    },
  };
}

let machineSvg: string | null = null;

/** The keepalive machine's state diagram (the xstate definition, as `keepalive-lab machine` prints it). */
export async function renderMachine(pane: HTMLElement, conns: () => { conn: string; machine: string }[]): Promise<Marked> {
  if (machineSvg === null) {
    const { renderMermaidSVG } = await import('beautiful-mermaid');
    // the renderer's web-font @import is dropped: the page works offline, with local fonts
    machineSvg = renderMermaidSVG(stateDiagram(keepaliveMachine), { font: 'DejaVu Sans', bg: '#FFFFFF', fg: '#27272A' }).replace(/^\s*@import url\([^)]*\);\s*$/m, '');
  }
  const pick = h('select', { id: 'machine-conn' });
  const legend = h('p', { class: 'legend', 'aria-live': 'polite' });
  const fig = h('div', {});
  fig.innerHTML = machineSvg;
  fig.querySelector('svg')?.setAttribute('role', 'img');
  fig.querySelector('svg')?.setAttribute('aria-label', 'Keepalive state machine, generated from its xstate definition; the current state is highlighted');
  pane.replaceChildren(h('div', { class: 'legend' }, h('label', { for: 'machine-conn' }, 'Connection '), pick), legend, fig);
  let t = 0;
  const mark = (at: number): void => {
    t = at;
    const list = conns();
    const chosen = pick.value;
    pick.replaceChildren(...list.map((c) => h('option', { value: c.conn, selected: c.conn === chosen }, c.conn)));
    const c = list.find((x) => x.conn === pick.value) ?? list[0];
    const node = c ? MACHINE_NODE_OF(c.machine) : null;
    for (const n of fig.querySelectorAll('g.node')) n.classList.toggle('lit', n.getAttribute('data-id') === node);
    legend.textContent = c ? `At ${(t / 1e6).toFixed(6)} s the keepalive machine of ${c.conn} is in ${node ?? 'no state yet'} (${c.machine}).` : 'No connection yet at this instant.';
  };
  pick.addEventListener('change', () => mark(t));
  return { mark };
}

const MACHINE_NODE_OF = (m: string): string | null => ({ off: 'keepalive_off', idle: 'keepalive_armed_idle', probing: 'keepalive_armed_probing', check: 'keepalive_armed_check', dead: 'keepalive_dead' })[m] ?? null;

/** The tcpdump-like trace `keepalive-lab run` prints; lines after the cursor are greyed. */
export function renderTrace(pre: HTMLElement, r: RunOutcome, sc: Scenario): Marked {
  const text = humanTrace(r.world, sc, r.json).trimEnd();
  const lines = text.split('\n');
  const MAX = 4000; // a few thousand lines stay responsive; the CLI prints them all
  const shown = lines.length > MAX ? [...lines.slice(0, MAX), `… ${lines.length - MAX} more lines: run \`npx keepalive-lab run\` to see them all`] : lines;
  const spans = shown.map((l) => h('span', {}, l + '\n'));
  pre.replaceChildren(...spans);
  const times = shown.map((l) => parseMicros(l.split(' ')[0] ?? ''));
  let lastNow: HTMLElement | null = null;
  return {
    mark(t) {
      let now: HTMLElement | null = null;
      spans.forEach((s, i) => {
        const lt = times[i];
        s.classList.toggle('future', lt !== null && lt !== undefined && lt > t);
        if (lt !== null && lt !== undefined && lt <= t) now = s;
      });
      lastNow?.classList.remove('now');
      (now as HTMLElement | null)?.classList.add('now');
      lastNow = now;
    },
  };
}

export function renderStory(ul: HTMLElement, sentences: Sentence[]): void {
  ul.replaceChildren(...sentences.map((s) => h('li', { class: s.kind }, s.text)));
}
