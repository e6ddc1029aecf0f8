/**
 * Pin a run and compare it with the current one (e.g. TCP_KEEPIDLE 300 vs 360 through
 * aws-natgw): side by side (summaries and ladders), or as differences (the settings that
 * differ, and every metric of docs/metrics.md with changed values marked).
 */
import { computeMetrics, flattenMetrics } from '../../../src/metrics/index.ts';
import type { RunOutcome } from '../../../src/scenarios/run.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { story } from '../core/story.ts';
import { cliCommand, type LabState } from '../core/session.ts';
import { h } from './dom.ts';
import { renderLadder, renderStory } from './views.ts';

export interface Snapshot {
  state: LabState;
  run: RunOutcome;
  scenario: Scenario;
}

let mode: 'side' | 'diff' = 'side';

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(+v.toFixed(6)) : String(v));

export function renderCompare(pane: HTMLElement, pinned: Snapshot | null, now: Snapshot | null, unpin: () => void): void {
  if (!pinned || !now) {
    pane.replaceChildren(h('p', {}, 'Pin a run (“Pin this run to compare”), change a setting, and the two runs appear here side by side or as differences.'));
    return;
  }
  const side = h('button', { type: 'button', 'aria-pressed': String(mode === 'side'), onclick: () => ((mode = 'side'), renderCompare(pane, pinned, now, unpin)) }, 'Side by side');
  const diff = h('button', { type: 'button', 'aria-pressed': String(mode === 'diff'), onclick: () => ((mode = 'diff'), renderCompare(pane, pinned, now, unpin)) }, 'Differences');
  const bar = h('div', { class: 'row' }, side, diff, h('button', { type: 'button', onclick: unpin }, 'Unpin'));
  if (mode === 'side') {
    const col = (title: string, s: Snapshot): HTMLElement => {
      const ul = h('ul', {});
      renderStory(ul, story(s.run.json, s.run.world.sim.trace.events));
      const fig = h('div', { class: 'figure' }, 'drawing…');
      void renderLadder(fig, s.run, s.scenario, () => {});
      return h('div', {}, h('h3', {}, title), h('pre', { class: 'command' }, cliCommand(s.state)), ul, fig);
    };
    pane.replaceChildren(bar, h('div', { class: 'compare-grid' }, col('Pinned', pinned), col('Now', now)));
    return;
  }
  const a = flattenMetrics(computeMetrics(pinned.run.json));
  const b = flattenMetrics(computeMetrics(now.run.json));
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const rows = keys.map((k) => {
    const changed = show(a[k]) !== show(b[k]);
    return h('tr', {}, h('td', { class: 'mono' }, k), h('td', { class: changed ? 'changed mono' : 'mono' }, show(a[k])), h('td', { class: changed ? 'changed mono' : 'mono' }, show(b[k])));
  });
  const setA = new Set(pinned.state.set);
  const setB = new Set(now.state.set);
  const only = (x: Set<string>, y: Set<string>): string[] => [...x].filter((s) => !y.has(s));
  const settings = [
    ...only(setA, setB).map((s) => `pinned only: --set ${s}`),
    ...only(setB, setA).map((s) => `now only:    --set ${s}`),
    ...(pinned.state.seed !== now.state.seed ? [`seed: ${show(pinned.state.seed ?? pinned.scenario.seed)} → ${show(now.state.seed ?? now.scenario.seed)}`] : []),
    ...(pinned.state.text !== now.state.text || pinned.state.builtin !== now.state.builtin ? ['the scenario documents differ'] : []),
  ];
  const table = h('table', {}, h('caption', { class: 'sr-only' }, 'Metrics of the pinned run and the current run; changed values are marked'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'metric (docs/metrics.md)'), h('th', { scope: 'col' }, 'pinned'), h('th', { scope: 'col' }, 'now'))), h('tbody', {}, ...rows));
  pane.replaceChildren(bar, h('h3', {}, 'Settings that differ'), h('pre', { class: 'table' }, settings.length ? settings.join('\n') : '(none)'), h('h3', {}, 'Metrics (changed values highlighted)'), table);
}
