/**
 * `keepalive-lab plot <results.jsonl|.csv> --kind heatmap|cdf|pareto|line --x F --y F … -o out.svg|png|json`:
 * one figure from sweep results (docs/plots.md). Without --kind: the automatic plots for the
 * fields the sweep varied (autoPlots; a plot that would show nothing is skipped with a note), one file each, in -o DIR (default: next to the
 * results). Fields are checked against the rows before anything is rendered or written: an
 * unknown field exits 2 naming it and listing the available ones.
 */
import { autoPlots, cdfSpec, fieldsOf, heatmapSpec, lineSpec, paretoSpec, variedFields, type Agg, type Row, type Spec } from '../../src/report/plots.ts';
import { InputError } from '../errors.ts';
import { plotBytes } from '../plot/render.ts';
import { PLOT_FORMATS, type PLOT_KINDS } from '../args.ts';
import { readRows } from '../plot/rows.ts';
import { existsSync, statSync } from 'node:fs';
import { checkOutFile, writeAtomic, writeFiles, type OutputFile } from '../output.ts';
import { clip, didYouMean, list, quote } from '../../src/scenarios/show.ts';
import { basename, dirname, extname, join } from 'node:path';

export interface PlotOpts {
  kind?: (typeof PLOT_KINDS)[number];
  x?: string;
  y?: string;
  color?: string;
  group?: string;
  label?: string[];
  agg: Agg;
  output?: string;
  format: 'svg' | 'png' | 'json';
}

function need(o: PlotOpts, flag: 'x' | 'y' | 'color', why: string): string {
  const v = o[flag];
  if (v === undefined) throw new InputError([`--${flag}: required for --kind ${o.kind} (${why})`]);
  return v;
}

export function buildSpec(rows: readonly Row[], o: PlotOpts, file: string): Spec {
  const fields = fieldsOf(rows);
  const check = (flag: string, f: string | undefined): void => {
    if (f !== undefined && !fields.includes(f)) throw new InputError([`${flag}: no field ${quote(f)} in ${clip(file, 100)}${didYouMean(f, fields) || ` (available: ${list(fields)})`}`]);
  };
  check('--x', o.x);
  check('--y', o.y);
  check('--color', o.color);
  check('--group', o.group);
  for (const l of o.label ?? []) check('--label', l);
  switch (o.kind) {
    case 'heatmap':
      return heatmapSpec(rows, { x: need(o, 'x', 'a parameter'), y: need(o, 'y', 'a parameter'), color: need(o, 'color', 'the metric per cell, e.g. nat.survived'), agg: o.agg });
    case 'cdf':
      return cdfSpec(rows, { value: need(o, 'x', 'the metric whose distribution is drawn, e.g. detect.first'), ...(o.group ? { group: o.group } : {}) });
    case 'pareto':
      // a setting whose flow a middlebox broke is never on the front (it is cheap because it stopped working)
      return paretoSpec(rows, { x: need(o, 'x', 'a cost, e.g. overhead.packetsPerHour'), y: need(o, 'y', 'a delay, e.g. detect.first'), ...(o.label ? { label: o.label } : {}), ...(fields.includes('nat.survived') ? { valid: 'nat.survived' } : {}) });
    case 'line':
    default:
      return lineSpec(rows, { x: need(o, 'x', 'a parameter'), y: need(o, 'y', 'a metric'), ...(o.group ? { group: o.group } : {}) });
  }
}

/** No --kind: every automatic plot for the varied fields, as `<dir>/<results name>.<plot>.<format>`. */
async function autoPlotFiles(file: string, rows: readonly Row[], o: PlotOpts, out: (...s: string[]) => void): Promise<void> {
  const varied = variedFields(rows);
  const { plots, skipped } = autoPlots(rows, varied);
  const notes = skipped.map((s) => `plot ${s.name} skipped: ${s.why}`);
  if (!plots.length) throw new InputError([`${clip(file, 100)}: no automatic plot fits the varied fields (${varied.join(', ') || 'none'})${notes.length ? `; ${notes.join('; ')}` : ''}; choose one with --kind`]);
  const dir = o.output ?? dirname(file);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError([`--output: ${clip(dir, 100)} is a file; without --kind the plots go into a folder`]);
  const stem = basename(file).replace(/\.(jsonl|csv)$/i, '');
  const files: OutputFile[] = [];
  for (const p of plots) {
    const f = join(dir, `${stem}.${p.name}.${o.format}`);
    files.push({ flag: '--output', file: f, data: await plotBytes(p.spec as never, f) });
  }
  writeFiles(files);
  out(...notes, ...files.map((f) => `wrote ${f.file}`));
}

export async function plotAction(file: string, o: PlotOpts, out: (...s: string[]) => void): Promise<void> {
  if (!o.kind) return autoPlotFiles(file, readRows(file), o, out);
  if (!o.output) throw new InputError([`--output: required with --kind (a file ending in ${PLOT_FORMATS.join(', ')})`]);
  const ext = extname(o.output).toLowerCase();
  if (!(PLOT_FORMATS as readonly string[]).includes(ext)) throw new InputError([`--output: ${quote(o.output)} must end in ${PLOT_FORMATS.join(', ')}`]);
  checkOutFile('--output', o.output);
  const rows = readRows(file);
  const spec = buildSpec(rows, o, file);
  const bytes = await plotBytes(spec as never, o.output);
  writeAtomic('--output', o.output, bytes);
  out(`wrote ${o.output} (${o.kind}, ${rows.length} rows)`);
}
