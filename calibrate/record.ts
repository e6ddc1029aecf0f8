/**
 * Record the calibration fixtures: run each scenario on this machine's kernel and write
 * test/fixtures/calibration/<name>.real.json. Needs root.
 *
 *   npx tsx calibrate/record.ts                 # every scenario in calibrate/scenarios/
 *   npx tsx calibrate/record.ts ka-cut-before-probe seed000-cable-pull
 *   npx tsx calibrate/record.ts --runs 2        # also run each twice and report timing stability
 *   npx tsx calibrate/record.ts --dry-run NAME  # run, print the trace, write nothing
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { diffRuns } from './diff.ts';
import { HarnessError, runOnKernel } from './kernel.ts';
import { renderTrace, stabilityLine } from './report.ts';
import { FIXTURE_DIR, fixturePath, loadScenario, suiteNames } from './suite.ts';
import type { KernelRunJson } from './convert.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '1' },
    'dry-run': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

async function recordOne(name: string, runs: number): Promise<string | null> {
  const scenario = loadScenario(name);
  const log = values.quiet ? undefined : (m: string): void => console.error(m);
  const results: KernelRunJson[] = [];
  for (let k = 0; k < runs; k++) results.push(await runOnKernel(scenario, log ? { log } : {}));
  const first = results[0] as KernelRunJson;
  if (!values.quiet) console.log(renderTrace(first));
  if (!values['dry-run']) {
    mkdirSync(FIXTURE_DIR, { recursive: true });
    writeFileSync(fixturePath(name), `${JSON.stringify({ ...first, recordedAt: new Date().toISOString() }, null, 1)}\n`);
    console.error(`wrote ${fixturePath(name)}`);
  }
  if (runs < 2) return null;
  return results.slice(1).map((r) => stabilityLine(name, diffRuns(first, r))).join('\n');
}

async function main(): Promise<number> {
  const names = positionals.length > 0 ? positionals : suiteNames();
  const runs = Math.max(1, Number(values.runs));
  const stability: string[] = [];
  for (const name of names) {
    const line = await recordOne(name, runs);
    if (line) stability.push(line);
  }
  if (stability.length > 0) console.log(`\nstability (run 1 vs later runs):\n${stability.join('\n')}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof HarnessError) {
      console.error(e.message);
      process.exit(e.exitCode);
    }
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
