/**
 * Diff a real-kernel run against the simulator and print the side-by-side table.
 * Exit status: 0 match, 1 mismatch, 2 cannot run (e.g. --kernel without root).
 *
 *   npx tsx calibrate/compare.ts NAME                   # fixture vs the simulator's replay of it (fit.ts)
 *   npx tsx calibrate/compare.ts NAME --kernel          # a fresh kernel run vs its replay
 *   npx tsx calibrate/compare.ts NAME --mutation hz-100 # the same against a deliberately wrong simulator
 *   npx tsx calibrate/compare.ts NAME --sim sim.json    # against a given simulator run, as it is
 *   npx tsx calibrate/compare.ts --real a.json --sim b.json    # any two run documents
 *
 * A given --sim run is compared as it is, in scenario time: it did not replay the real run's
 * call and fault times nor get the fitted jiffy phase, so its timer firings may differ by a
 * whole wheel bucket (the one-jiffy tolerance is only fair for the replay).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RunJson } from '../src/scenarios/result.ts';
import type { KernelRunJson } from './convert.ts';
import { diffRuns } from './diff.ts';
import { calibrateRun, fitLine } from './fit.ts';
import { HarnessError, runOnKernel } from './kernel.ts';
import { MUTATIONS } from './mutations.ts';
import { renderDiff } from './render.ts';
import { loadFixture, loadScenario } from './suite.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sim: { type: 'string' },
    real: { type: 'string' },
    kernel: { type: 'boolean', default: false },
    mutation: { type: 'string' },
    hz: { type: 'string' },
  },
});

const readJson = <T = RunJson>(path: string): T => JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8')) as T;

async function realSide(name: string | undefined): Promise<KernelRunJson> {
  if (values.real) return readJson<KernelRunJson>(values.real);
  if (!name) throw new HarnessError('compare: give a scenario name or --real FILE', 2);
  if (values.kernel) return runOnKernel(loadScenario(name), { log: (m) => console.error(m) });
  return loadFixture(name);
}

async function main(): Promise<number> {
  const name = positionals[0];
  const real = await realSide(name);
  const title = `${name ?? real.scenario.name}: real kernel vs simulator`;
  if (values.sim) {
    const d = diffRuns(real, readJson(values.sim), values.hz ? { hz: Number(values.hz) } : {});
    console.log(renderDiff(d, `${title} (scenario time, the given run as it is)`));
    return d.mismatches === 0 ? 0 : 1;
  }
  const m = values.mutation ? MUTATIONS.find((x) => x.name === values.mutation) : undefined;
  if (values.mutation && !m) throw new HarnessError(`compare: --mutation ${values.mutation}: not one of ${MUTATIONS.map((x) => x.name).join(', ')}`, 2);
  const { diff, fit } = calibrateRun(real, name ? loadScenario(name) : real.scenario, m?.apply);
  console.log(renderDiff(diff, `${title}${m ? ` with ${m.what}` : ''} (scenario time; ${fitLine(fit)})`));
  return diff.mismatches === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof HarnessError ? e.exitCode : 2);
  },
);
