/** Small DOM helpers: element builder, debounce, downloads, keyboard-operable tabs. */

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (k in el && typeof (el as unknown as Record<string, unknown>)[k] !== 'function' && !k.includes('-')) (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
};

/** Call `fn` once input has paused for `ms` (slider drags re-run the simulation as they move). */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...a), ms);
  };
}

export function download(data: BlobPart, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * WAI-ARIA tabs: click or arrow keys (Home/End too) move the selection; only the selected
 * tab is in the tab order. `onShow` runs when a panel becomes visible.
 */
export function tabs(list: HTMLElement, onShow: (panelId: string) => void = () => {}): { select: (tabId: string) => void } {
  const all = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tabId: string): void => {
    for (const t of all) {
      const on = t.id === tabId;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !on;
      if (on && panel) onShow(panel.id);
    }
  };
  for (const t of all) {
    t.addEventListener('click', () => select(t.id));
    t.addEventListener('keydown', (e) => {
      const i = all.indexOf(t);
      const to = e.key === 'ArrowRight' ? all[(i + 1) % all.length] : e.key === 'ArrowLeft' ? all[(i - 1 + all.length) % all.length] : e.key === 'Home' ? all[0] : e.key === 'End' ? all[all.length - 1] : undefined;
      if (!to) return;
      e.preventDefault();
      select(to.id);
      to.focus();
    });
  }
  return { select };
}

/** Seconds with microseconds, as the CLI prints instants. */
export const secs = (us: number): string => (us / 1e6).toFixed(6);

/** `12.345678` → 12345678 µs, exactly (no float rounding). */
export function parseMicros(text: string): number | null {
  const m = /^\s*(\d+)(?:\.(\d{0,6})\d*)?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 1e6 + Number((m[2] ?? '').padEnd(6, '0'));
}
