/**
 * Rendering of plot specs without a browser: Vega-Lite → Vega (vega-lite `compile`) → SVG
 * with a headless Vega `View` (`renderer: 'none'`, `toSVG()`), and SVG → PNG with resvg
 * (@resvg/resvg-js, a Rust SVG renderer). Text needs a font file: resvg draws no glyphs
 * without one, so we load DejaVu Sans (Debian package `fonts-dejavu-core`) when present and
 * fall back to the system's fonts otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { PLOT_FORMATS } from '../args.ts';

// vega, vega-lite and resvg take ~0.4 s to load: only commands that draw pay for them.

/** Where Debian (fonts-dejavu-core) and Fedora/Alpine put DejaVu Sans. */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF'];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'];

/** The font files `renderPng` loads (empty when DejaVu is not installed). */
export function fontFiles(): string[] {
  for (const d of FONT_DIRS) {
    const files = FONT_FILES.map((f) => `${d}/${f}`).filter((f) => existsSync(f));
    if (files.length) return files;
  }
  return [];
}

/** A Vega-Lite spec → SVG text (deterministic: same spec, same bytes). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const { spec: vg } = compile(structuredClone(spec)); // compile() may modify its argument
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return renumberIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers gradient and clip ids from a process-wide counter (`gradient_0`, `gradient_1`,
 * … across renders): renumber them per document so the same spec always gives the same bytes.
 */
function renumberIds(svg: string): string {
  const ids = [...new Set([...svg.matchAll(/ id="([A-Za-z_-]+?)_?(\d+)"/g)].map((m) => m[0].slice(5, -1)))];
  if (!ids.length) return svg;
  const map = new Map(ids.map((id, k) => [id, `${/^[A-Za-z]+/.exec(id)?.[0] ?? 'id'}-${k}`]));
  return svg.replace(/(id="|#)([A-Za-z_-]+?_?\d+)(?=[")])/g, (all, pre: string, id: string) => (map.has(id) ? `${pre}${map.get(id) as string}` : all));
}

/** SVG text → PNG bytes at `scale` × the SVG's own size. */
export async function renderPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const files = fontFiles();
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: files.length
      ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', monospaceFamily: 'DejaVu Sans Mono' }
      : { loadSystemFonts: true },
  });
  return r.render().asPng();
}

export { PLOT_FORMATS };

/** Bytes of a plot in the format the file name asks for (.svg, .png, or .json = the spec itself). */
export async function plotBytes(spec: TopLevelSpec, file: string): Promise<string | Uint8Array> {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return JSON.stringify(spec, null, 2) + '\n';
  const svg = await renderSvg(spec);
  if (ext === '.svg') return svg;
  if (ext === '.png') return await renderPng(svg);
  throw new RangeError(`${file}: unknown plot format ${JSON.stringify(ext)} (allowed: ${PLOT_FORMATS.join(', ')})`);
}

/** Render and write a plot; the file is written only once rendering succeeded. */
export async function writePlot(spec: TopLevelSpec, file: string): Promise<void> {
  writeFileSync(file, await plotBytes(spec, file));
}
