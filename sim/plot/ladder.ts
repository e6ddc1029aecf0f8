/**
 * A run's ladder diagram (Mermaid text from src/report/diagram.ts) rendered to SVG without a
 * browser by beautiful-mermaid (pure TypeScript layout, no DOM). Made self-contained so it
 * renders offline and in any SVG viewer (resvg, librsvg, Inkscape, not only browsers):
 * - the renderer's Google Fonts `@import` is removed and the font set to a local stack;
 * - its CSS custom properties and `color-mix()` are resolved to plain colours;
 * - packets that never arrived (LOST, dropped) are drawn dashed red;
 * - arrow labels, wider than the gap between two lifelines, get a white backing and a darker
 *   grey, so the dashed lifelines they cross no longer strike through them, and note boxes
 *   are widened to their text, which the renderer underestimates (issue 15).
 */

export const LADDER_FONT = 'DejaVu Sans';
const COLORS = { bg: '#FFFFFF', fg: '#27272A', accent: '#1d4ed8' };
const LOST = '#c0392b';
/** Arrow labels: zinc-600 on white, 7.1:1 contrast (beautiful-mermaid's #a9a9aa is 2.4:1, below WCAG's 4.5:1). */
const LABEL = '#52525b';
/** DejaVu Sans averages about 0.6 em a character (as `widen` assumes). */
const EM_PER_CHAR = 0.6;

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
  svg = svg.replace(/(<g class="message"[^>]*data-label="[^"]*(?: LOST| dropped by )[^"]*"[^>]*>\s*<line [^>]*?)stroke="[^"]*"/g, `$1stroke="${LOST}" stroke-dasharray="5 3"`);
  return widenNotes(backLabels(svg));
}

/** Estimated width of a label in px (entities count as one character). */
const textWidth = (text: string, fontSize: number): number => text.replace(/&[a-z]+;/g, '_').length * EM_PER_CHAR * fontSize;

/** Note boxes as wide as their text (plus a margin), the folded corner moved with the right edge; darker text. */
function widenNotes(svg: string): string {
  return svg.replace(/<g class="note"[^>]*>[\s\S]*?<\/g>/g, (g) => {
    const t = /<text x="(-?[\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>([^<]*)<\/text>/.exec(g);
    const box = /<polygon points="(-?[\d.]+),([\d.]+) (-?[\d.]+),[\d.]+ (-?[\d.]+),[\d.]+ -?[\d.]+,([\d.]+) -?[\d.]+,[\d.]+"/.exec(g);
    if (!t || !box) return g;
    const half = textWidth(t[3] as string, Number(t[2])) / 2 + 6;
    const [x0, y0, , x2, y1] = [1, 2, 3, 4, 5].map((i) => Number(box[i]));
    const left = Math.min(x0 as number, Number(t[1]) - half);
    const right = Math.max(x2 as number, Number(t[1]) + half);
    const f = (n: number): string => n.toFixed(1);
    const yTop = y0 as number;
    const points = `${f(left)},${f(yTop)} ${f(right - 6)},${f(yTop)} ${f(right)},${f(yTop + 6)} ${f(right)},${f(y1 as number)} ${f(left)},${f(y1 as number)}`;
    const fold = `${f(right - 6)},${f(yTop)} ${f(right)},${f(yTop + 6)} ${f(right - 6)},${f(yTop + 6)}`;
    let n = 0;
    return g
      .replace(/<polygon points="[^"]*"/g, (p) => (n++ === 0 ? `<polygon points="${points}"` : n === 2 ? `<polygon points="${fold}"` : p))
      .replace(/(<text [^>]*?) fill="[^"]*"/, `$1 fill="${LABEL}"`);
  });
}

/**
 * Each arrow's label: a white rectangle behind it (drawn after the lifelines, which come first
 * in the document, so they pass behind the text instead of through it) and a readable grey.
 */
function backLabels(svg: string): string {
  return svg.replace(/(<g class="message"[^>]*>[\s\S]*?)(\n(\s*)<text x="(-?[\d.]+)" y="([\d.]+)" font-size="([\d.]+)" text-anchor="middle"[^>]*?) fill="[^"]*"([^>]*>([^<]*)<\/text>)/g, (_all, head: string, open: string, indent: string, x: string, y: string, size: string, rest: string, text: string) => {
    const fs = Number(size);
    const w = textWidth(text, fs) + 6;
    const h = fs + 4;
    const rect = `<rect class="label-back" x="${(Number(x) - w / 2).toFixed(1)}" y="${(Number(y) - h / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${h}" fill="${COLORS.bg}" />`;
    return `${head}\n${indent}${rect}${open} fill="${LABEL}"${rest}`;
  });
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
