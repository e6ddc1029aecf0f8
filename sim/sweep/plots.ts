/**
 * Plots after a sweep (`--out`, unless `--no-plots`): the specs src/report/plots.ts picks for
 * the varied parameters (survival heatmap, detection CDFs, Pareto front, metric vs parameter),
 * rendered by sim/plot/render.ts to `<prefix>.<name>.svg` and `.png`, all rendered before any
 * is written (sim/output.ts). A plot that would show nothing is skipped with a note.
 */
import type { TopLevelSpec } from 'vega-lite';
import { autoPlots } from '../../src/report/plots.ts';
import type { Row } from '../../src/sweep/stats.ts';
import { plotBytes } from '../plot/render.ts';
import { writeFiles, type OutputFile } from '../output.ts';

export async function writePlots(rows: readonly Row[], varied: readonly string[], prefix: string): Promise<{ files: string[]; notes: string[] }> {
  const files: OutputFile[] = [];
  const { plots, skipped } = autoPlots(rows, varied);
  for (const { name, spec } of plots) {
    for (const ext of ['svg', 'png']) {
      const file = `${prefix}.${name}.${ext}`;
      files.push({ flag: '--out', file, data: await plotBytes(spec as unknown as TopLevelSpec, file) });
    }
  }
  writeFiles(files);
  return { files: files.map((f) => f.file), notes: skipped.map((s) => `plot ${s.name} skipped: ${s.why}`) };
}
