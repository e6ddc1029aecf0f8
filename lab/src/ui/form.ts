/**
 * The settings form: each control writes one `--set` override (or the seed), labelled with
 * the OS's own knob name and unit. Sliders move on a log scale where values span orders of
 * magnitude (1 s … 2 h), and re-run the simulation as they move (debounced); the number
 * box beside each takes exact values. Built from the validated scenario, so it always
 * shows what is in force.
 */
import type { Scenario } from '../../../src/scenarios/schema.ts';
import type { OsName } from '../../../src/os/index.ts';
import { endHosts, faultField, faultSet, field, keepaliveOn, natProfileSet, NAT_PROFILES, OSES, osSwitch, pathFields, ROLE_ORDER, ROLES, type FaultKind } from '../core/knobs.ts';
import { debounce, h } from './dom.ts';

export interface FormEvents {
  /** `rerender`: the form's shape changes (OS, NAT, fault kind); slider moves keep the form as it is */
  set: (assignments: string[], rerender?: boolean) => void;
  seed: (seed: number | null) => void;
  reset: () => void;
}

interface Scale {
  toPos: (v: number) => number;
  fromPos: (p: number) => number;
}
const POS = 1000;
const logScale = (lo: number, hi: number, round: (x: number) => number): Scale => ({
  toPos: (v) => Math.round((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * POS),
  fromPos: (p) => round(Math.exp(Math.log(lo) + (p / POS) * (Math.log(hi) - Math.log(lo)))),
});
const linScale = (lo: number, hi: number, round: (x: number) => number): Scale => ({
  toPos: (v) => Math.round(((v - lo) / (hi - lo)) * POS),
  fromPos: (p) => round(lo + (p / POS) * (hi - lo)),
});
const int = (x: number): number => Math.round(x);

interface KnobSpec {
  label: string;
  name?: string;
  unit: string;
  value: number | null;
  scale: Scale;
  min: number;
  max: number;
  step: number;
  hint?: string | null;
  disabled?: boolean;
  /** the override(s) for a new value */
  write: (v: number) => string[];
}

function knob(k: KnobSpec, ev: FormEvents, slug: string): HTMLElement {
  const id = `k-${slug}`;
  const hintId = `${id}-hint`;
  const range = h('input', { type: 'range', id: `${id}-range`, min: 0, max: POS, step: 1, 'aria-label': `${k.label}${k.name ? ` (${k.name})` : ''}, slider`, 'aria-describedby': hintId, disabled: k.disabled === true || k.value === null, 'data-knob': slug });
  const num = h('input', { type: 'number', id, min: k.min, max: k.max, step: k.step, disabled: k.disabled === true || k.value === null, 'aria-describedby': hintId, 'data-knob-number': slug });
  let last = { pos: 0, v: k.value ?? k.min };
  const show = (v: number): void => {
    range.value = String(k.scale.toPos(v));
    last = { pos: Number(range.value), v };
    range.setAttribute('aria-valuetext', `${v} ${k.unit}`);
    num.value = String(v);
  };
  if (k.value !== null) show(k.value);
  const send = debounce((v: number) => ev.set(k.write(v)), 120);
  range.addEventListener('input', () => {
    const pos = Number(range.value);
    let v = Math.min(k.max, Math.max(k.min, k.scale.fromPos(pos)));
    // on a log scale one arrow-key step can round to the same value (or back): move one unit on
    const dir = Math.sign(pos - last.pos);
    if (dir !== 0 && (v - last.v) * dir <= 0) {
      v = Math.min(k.max, Math.max(k.min, +(last.v + dir * k.step).toFixed(6)));
      range.value = String(Math.max(k.scale.toPos(v), dir > 0 ? pos : 0));
    }
    last = { pos: Number(range.value), v };
    num.value = String(v);
    range.setAttribute('aria-valuetext', `${v} ${k.unit}`);
    send(v);
  });
  num.addEventListener('change', () => {
    const v = Number(num.value);
    if (num.value.trim() === '' || !Number.isFinite(v)) return;
    range.value = String(k.scale.toPos(v));
    last = { pos: Number(range.value), v };
    ev.set(k.write(v)); // out-of-range values go through: validation answers with the CLI's message
  });
  return h(
    'div',
    { class: 'knob' },
    h('label', { for: id }, `${k.label} `, k.name ? h('span', { class: 'name' }, k.name) : '', ` (${k.unit})`),
    range,
    num,
    h('div', { class: 'hint', id: hintId }, k.hint ?? ''),
  );
}

function hostFieldset(sc: Scenario, host: string, ev: FormEvents): HTMLElement {
  const hs = sc.hosts[host];
  const os = (hs?.os ?? 'linux') as OsName;
  const osSel = h('select', { id: `os-${host}`, 'data-os': host }, ...OSES.map((o) => h('option', { value: o, selected: o === os }, o)));
  osSel.addEventListener('change', () => ev.set(osSwitch(sc, host, osSel.value as OsName), true));
  const ka = keepaliveOn(sc, host);
  const kaBox = h('input', { type: 'checkbox', id: `ka-${host}`, checked: ka.on });
  kaBox.addEventListener('change', () => ev.set([`${ka.path}=${ka.path.startsWith('apps.') ? Number(kaBox.checked) : kaBox.checked}`], true));
  const knobs = ROLE_ORDER.map((role) => {
    const f = field(sc, host, role);
    const spec = ROLES[role];
    const big = role === 'idle' || role === 'userTimeout';
    const hi = role === 'userTimeout' ? (f.unit === 'ms' ? 3_600_000 : 3600) : spec.max;
    const lo = role === 'userTimeout' ? 0 : spec.min;
    const from = f.source === 'step' ? `set by the program's setsockopt() (${f.path?.replace(/\.value$/, '')})` : f.source === 'socket' ? (spec.where === 'sysctl' ? 'set for this host' : 'set on the host\'s sockets') : f.source === 'default' ? (spec.where === 'sysctl' ? 'the OS default' : role === 'userTimeout' ? 'not set' : 'inherited from the host-wide setting') : '';
    return knob(
      {
        label: spec.label,
        ...(f.name ? { name: f.name } : {}),
        unit: f.unit,
        value: f.value,
        scale: big ? (role === 'userTimeout' ? linScale(lo, hi, int) : logScale(Math.max(1, lo), hi, int)) : linScale(lo, hi, int),
        min: lo,
        max: role === 'userTimeout' ? 2 ** 31 - 1 : role === 'idle' ? 2 ** 31 - 1 : 100_000,
        step: 1,
        hint: [from, f.note].filter(Boolean).join('; ') || null,
        disabled: f.path === null,
        write: (v) => (f.path ? [`${f.path}=${v}`] : []),
      },
      ev,
      `${host}-${role}`,
    );
  });
  return h(
    'fieldset',
    { 'data-host': host },
    h('legend', {}, `${host}`),
    h('div', { class: 'inline' }, h('label', { for: `os-${host}` }, 'OS'), osSel, kaBox, h('label', { for: `ka-${host}` }, 'SO_KEEPALIVE')),
    ...knobs,
  );
}

function faultFieldset(sc: Scenario, horizonS: number, ev: FormEvents): HTMLElement {
  const f = faultField(sc);
  const hosts = Object.keys(sc.hosts);
  const kinds: [FaultKind, string][] = [['none', 'nothing fails'], ['cut', 'the path is cut (cable pulled)'], ['crash', 'a host crashes (power loss)'], ['reboot', 'a host reboots']];
  const kindSel = h('select', { id: 'fault-kind' }, ...kinds.map(([k, t]) => h('option', { value: k, selected: k === f.kind }, t)));
  const hostSel = h('select', { id: 'fault-host', disabled: f.kind === 'none' || f.kind === 'cut' }, ...hosts.map((x) => h('option', { value: x, selected: x === (f.host ?? hosts[hosts.length - 1]) }, x)));
  const write = (at: number): string[] => {
    const kind = kindSel.value as FaultKind;
    const host = kind === 'crash' || kind === 'reboot' ? hostSel.value : null;
    if (kind === f.kind && host === f.host && f.others === 0 && kind !== 'none') return [`faults.0.at=${+at.toFixed(6)}s`];
    return [faultSet({ kind, host, at })];
  };
  const k = knob({ label: 'fault at', unit: 's', value: f.at, scale: linScale(0, Math.max(1, Math.ceil(horizonS)), (x) => Math.round(x)), min: 0, max: 86_400, step: 0.001, hint: f.others ? `this scenario has ${f.others} more fault(s) the form does not show: changing the fault here replaces them (see the YAML)` : null, disabled: f.kind === 'none', write }, ev, 'fault-at');
  const onKind = (): void => {
    const num = k.querySelector<HTMLInputElement>('input[type="number"]');
    ev.set(write(Number(num?.value || f.at)), true);
  };
  kindSel.addEventListener('change', onKind);
  hostSel.addEventListener('change', onKind);
  return h('fieldset', {}, h('legend', {}, 'Fault'), h('div', { class: 'inline' }, h('label', { for: 'fault-kind' }, 'What breaks'), kindSel, h('label', { for: 'fault-host' }, 'host'), hostSel), k);
}

function pathFieldset(sc: Scenario, ev: FormEvents): HTMLElement {
  const p = pathFields(sc);
  const natSel = h('select', { id: 'nat-profile', disabled: p.proxy !== null }, h('option', { value: '', selected: p.nat === null }, 'no NAT'), ...NAT_PROFILES.map((n) => h('option', { value: n, selected: p.nat?.profile === n }, n)));
  natSel.addEventListener('change', () => ev.set(natProfileSet(sc, natSel.value || null), true));
  return h(
    'fieldset',
    {},
    h('legend', {}, 'Path'),
    knob({ label: 'latency, one way', unit: 'ms', value: p.latencyMs, scale: logScale(0.01, 1000, (x) => +x.toPrecision(2)), min: 0, max: 10_000, step: 0.01, write: (v) => [`path.latency=${v}ms`] }, ev, 'latency'),
    knob({ label: 'packet loss, each direction', unit: 'probability', value: p.loss, scale: linScale(0, 0.2, (x) => Math.round(x * 1000) / 1000), min: 0, max: 1, step: 0.001, hint: p.loss === null ? 'a loss model (edit it in the YAML)' : null, write: (v) => [`path.loss=${v}`] }, ev, 'loss'),
    h('div', { class: 'inline' }, h('label', { for: 'nat-profile' }, 'NAT / firewall profile'), natSel),
    p.proxy ? h('div', { class: 'hint' }, `an application proxy is on the path: ${p.proxy} (edit it in the YAML)`) : '',
    knob({ label: 'NAT idle timeout (ESTABLISHED)', name: 'established', unit: 's', value: p.nat ? p.nat.establishedS : null, scale: logScale(10, 432_000, int), min: 1, max: 10 * 86_400, step: 1, hint: p.nat ? null : 'no NAT on the path', disabled: p.nat === null, write: (v) => [`path.middleboxes.0.established=${v}s`] }, ev, 'nat-established'),
  );
}

export function renderForm(root: HTMLElement, sc: Scenario, seed: number | null, horizonS: number, ev: FormEvents): void {
  const [a, b] = endHosts(sc);
  const seedIn = h('input', { type: 'number', id: 'seed', min: 0, max: 2 ** 32 - 1, step: 1, value: seed ?? sc.seed });
  seedIn.addEventListener('change', () => ev.seed(seedIn.value.trim() === '' ? null : Number(seedIn.value)));
  const focused = document.activeElement?.id;
  root.replaceChildren(
    hostFieldset(sc, a, ev),
    hostFieldset(sc, b, ev),
    faultFieldset(sc, horizonS, ev),
    pathFieldset(sc, ev),
    h('fieldset', {}, h('legend', {}, 'Randomness'), h('div', { class: 'inline' }, h('label', { for: 'seed' }, 'seed (timer phases, ports, loss)'), seedIn)),
    h('div', { class: 'row' }, h('button', { type: 'button', id: 'reset-settings', onclick: () => ev.reset() }, 'Reset settings to the scenario')),
  );
  // keep keyboard focus on the control being operated across re-renders
  if (focused) document.getElementById(focused)?.focus();
}
