/**
 * Diff a real-kernel run against a simulator run and print the side-by-side table.
 * Exit status: 0 match, 1 mismatch, 2 cannot run (e.g. --kernel without root).
 *
 *   npx tsx calibrate/compare.ts NAME --sim sim.json           # real side = recorded fixture
 *   keepalive-lab run calibrate/scenarios/NAME.yaml --json | npx tsx calibrate/compare.ts NAME --sim -
 *   npx tsx calibrate/compare.ts NAME --sim sim.json --kernel  # real side = a fresh kernel run
 *   npx tsx calibrate/compare.ts --real a.json --sim b.json    # any two run JSON files
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RunJson } from '../src/scenarios/result.ts';
import { diffRuns } from './diff.ts';
import { HarnessError, runOnKernel } from './kernel.ts';
import { renderDiff } from './render.ts';
import { loadFixture, loadScenario } from './suite.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sim: { type: 'string' },
    real: { type: 'string' },
    kernel: { type: 'boolean', default: false },
    hz: { type: 'string' },
  },
});

const readJson = (path: string): RunJson => JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8')) as RunJson;

async function realSide(name: string | undefined): Promise<RunJson> {
  if (values.real) return readJson(values.real);
  if (!name) throw new HarnessError('compare: give a scenario name or --real FILE', 2);
  if (values.kernel) return runOnKernel(loadScenario(name), { log: (m) => console.error(m) });
  return loadFixture(name);
}

async function main(): Promise<number> {
  if (!values.sim) throw new HarnessError('compare: --sim FILE (or - for stdin) is required', 2);
  const name = positionals[0];
  const real = await realSide(name);
  const sim = readJson(values.sim);
  const d = diffRuns(real, sim, values.hz ? { hz: Number(values.hz) } : {});
  console.log(renderDiff(d, `${name ?? real.scenario.name}: real kernel vs simulator (times aligned on connect() return)`));
  return d.mismatches === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof HarnessError ? e.exitCode : 2);
  },
);
