/**
 * A run's ladder diagram (Mermaid text from src/report/diagram.ts) rendered to SVG without a
 * browser by beautiful-mermaid (pure TypeScript layout, no DOM). Made self-contained so it
 * renders offline and in any SVG viewer (resvg, librsvg, Inkscape, not only browsers):
 * - the renderer's Google Fonts `@import` is removed and the font set to a local stack;
 * - its CSS custom properties and `color-mix()` are resolved to plain colours;
 * - packets that never arrived (LOST, dropped) are drawn dashed red.
 */

export const LADDER_FONT = 'DejaVu Sans';
const COLORS = { bg: '#FFFFFF', fg: '#27272A', accent: '#1d4ed8' };
const LOST = '#c0392b';

const hex = (c: string): number[] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const toHex = (v: number[]): string => `#${v.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;

/** Evaluate the small CSS colour language beautiful-mermaid emits: var(--x[, fallback]), color-mix(in srgb, A N%, B), #hex. */
function evalColor(expr: string, vars: Map<string, string>): string {
  const e = expr.trim();
  const v = /^var\(--([\w-]+)\s*(?:,\s*([\s\S]*))?\)$/.exec(e);
  if (v) return vars.get(v[1] as string) ?? (v[2] !== undefined ? evalColor(v[2], vars) : '#000000');
  const m = /^color-mix\(in srgb,\s*(var\([^)]*\)|#[0-9a-fA-F]{6})\s+([\d.]+)%,\s*(var\([^)]*\)|#[0-9a-fA-F]{6})\)$/.exec(e);
  if (m) {
    const a = hex(evalColor(m[1] as string, vars));
    const b = hex(evalColor(m[3] as string, vars));
    const p = Number(m[2]) / 100;
    return toHex(a.map((x, i) => x * p + (b[i] as number) * (1 - p)));
  }
  return e;
}

export async function ladderSvg(mermaid: string): Promise<string> {
  // loaded on first use: beautiful-mermaid takes ~0.4 s to import, and most commands draw nothing
  const { renderMermaidSVG } = await import('beautiful-mermaid');
  let svg = widen(renderMermaidSVG(mermaid, { font: LADDER_FONT, ...COLORS })).replace(/^\s*@import url\([^)]*\);\s*\n/m, '');
  const vars = new Map<string, string>(Object.entries(COLORS));
  for (const m of svg.matchAll(/--(_[\w-]+):\s*([^;]+);/g)) vars.set(m[1] as string, evalColor(m[2] as string, vars));
  svg = svg.replace(/\n\s*svg \{[^}]*\}/, '').replace(/var\(--([\w-]+)\)/g, (all, k: string) => vars.get(k) ?? all);
  return svg.replace(/(<g class="message"[^>]*data-label="[^"]*(?: LOST| dropped by )[^"]*"[^>]*>\s*<line [^>]*?)stroke="[^"]*"/g, `$1stroke="${LOST}" stroke-dasharray="5 3"`);
}

/**
 * Labels are centred on their arrow and can be wider than the layout allows for: widen the
 * viewBox to the estimated text extent (DejaVu Sans averages ≈ 0.6 em a character).
 */
function widen(svg: string): string {
  const box = /viewBox="0 0 ([\d.]+) ([\d.]+)" width="[\d.]+" height="[\d.]+"/.exec(svg);
  if (!box) return svg;
  const w = Number(box[1]);
  const h = Number(box[2]);
  let lo = 0;
  let hi = w;
  for (const m of svg.matchAll(/<text x="([\d.]+)"[^>]*font-size="([\d.]+)"[^>]*text-anchor="middle"[^>]*>([^<]*)<\/text>/g)) {
    const text = (m[3] as string).replace(/&[a-z]+;/g, '_');
    const half = (text.length * 0.6 * Number(m[2])) / 2;
    lo = Math.min(lo, Number(m[1]) - half - 10);
    hi = Math.max(hi, Number(m[1]) + half + 10);
  }
  const x0 = Math.floor(lo);
  const width = Math.ceil(hi - x0);
  return svg.replace(box[0], `viewBox="${x0} 0 ${width} ${h}" width="${width}" height="${h}"`);
}
