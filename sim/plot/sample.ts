/**
 * Sweep-shaped rows from plain `runScenario` calls over a small grid, for figures, tests and
 * demos before (or without) the sweep runner: one row per run with the varied fields, the
 * seed and the flat metrics (src/metrics), exactly the row shape `keepalive-lab sweep` writes.
 */
import { computeMetrics, flattenMetrics } from '../../src/metrics/index.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import type { Row } from '../../src/report/plots.ts';
import { loadScenario } from '../load.ts';

/** Every combination of the grid's values (first key varies slowest). */
export function gridPoints(grid: Record<string, readonly (number | string | boolean)[]>): Record<string, number | string | boolean>[] {
  let points: Record<string, number | string | boolean>[] = [{}];
  for (const [k, vs] of Object.entries(grid)) points = points.flatMap((p) => vs.map((v) => ({ ...p, [k]: v })));
  return points;
}

export function sampleRows(scenario: string, grid: Record<string, readonly (number | string | boolean)[]>, seeds: readonly number[] = [1]): Row[] {
  const rows: Row[] = [];
  for (const point of gridPoints(grid)) {
    const { scenario: sc } = loadScenario(scenario, { set: Object.entries(point).map(([k, v]) => `${k}=${String(v)}`) });
    for (const seed of seeds) {
      const r = runScenario(sc, { seed });
      rows.push({ run: rows.length, seed, ...point, ...flattenMetrics(computeMetrics(r.json)) });
    }
  }
  return rows;
}
