/**
 * Plots after a sweep (`--out`, unless `--no-plots`): the specs src/report/plots.ts picks for
 * the varied parameters (survival heatmap, detection CDFs, Pareto front, metric vs parameter),
 * rendered by sim/plot/render.ts to `<prefix>.<name>.svg` and `.png`.
 */
import type { TopLevelSpec } from 'vega-lite';
import { autoPlotSpecs } from '../../src/report/plots.ts';
import type { Row } from '../../src/sweep/stats.ts';
import { writePlot } from '../plot/render.ts';
import { InputError } from '../errors.ts';

export async function writePlots(rows: readonly Row[], varied: readonly string[], prefix: string): Promise<string[]> {
  const files: string[] = [];
  for (const { name, spec } of autoPlotSpecs(rows, varied)) {
    for (const ext of ['svg', 'png']) {
      const file = `${prefix}.${name}.${ext}`;
      try {
        await writePlot(spec as unknown as TopLevelSpec, file);
      } catch (e) {
        throw new InputError([`--out: cannot write plot ${file}: ${(e as Error).message}`]);
      }
      files.push(file);
    }
  }
  return files;
}
