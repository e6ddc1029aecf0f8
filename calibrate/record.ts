/**
 * Record the calibration fixtures: run each scenario on this machine's kernel and write
 * test/fixtures/calibration/<name>.real.json. Needs root.
 *
 *   npx tsx calibrate/record.ts                 # every scenario in calibrate/scenarios/
 *   npx tsx calibrate/record.ts ka-cut-before-probe seed000-cable-pull
 *   npx tsx calibrate/record.ts --runs 2        # also run each twice and report timing stability
 *   npx tsx calibrate/record.ts --dry-run NAME  # run, print the trace, write nothing
 *   npx tsx calibrate/record.ts --tries 3 NAME  # record again at most 3 times while runs stray
 *
 * A run that strayed from its schedule (a program or a fault late, a timer callback away from
 * its jiffy boundary: calibrate/lateness.ts), or whose timer firings do not all lie on the
 * wheel buckets of one jiffy clock (a busy VM skipping ticks), is not kept; the scenario is
 * recorded again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { diffRuns } from './diff.ts';
import { HarnessError, runOnKernel } from './kernel.ts';
import { calibrateRun } from './fit.ts';
import { lateness, overLimits } from './lateness.ts';
import { renderTrace, stabilityLine } from './report.ts';
import { sleep } from './sh.ts';
import { FIXTURE_DIR, fixturePath, loadScenario, suiteNames } from './suite.ts';
import type { KernelRunJson } from './convert.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '1' },
    tries: { type: 'string', default: '8' },
    'dry-run': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

/**
 * One run that kept to its schedule (lateness.ts): a run made while the machine stalled is
 * run again, after the load has had a moment to drop, up to --tries times.
 */
async function punctualRun(name: string, log: ((m: string) => void) | undefined): Promise<KernelRunJson> {
  const scenario = loadScenario(name);
  const tries = Math.max(1, Number(values.tries));
  let why: string[] = [];
  for (let k = 1; k <= tries; k++) {
    const run = await runOnKernel(scenario, log ? { log } : {});
    why = overLimits(lateness(scenario, run));
    // The kernel's own clock: every timer firing whose wheel bucket the fit can tell must lie on
    // a bucket boundary of one jiffy clock. On a busy VM a missed tick makes jiffies jump and a
    // firing land a jiffy off its bucket: not a recording of the kernel's timer rules.
    const { fit } = calibrateRun(run, scenario);
    if (fit && fit.satisfied < fit.constraints) why.push(`${fit.constraints - fit.satisfied} of ${fit.constraints} timer firings off their wheel buckets (jiffies skipped)`);
    if (why.length === 0) return run;
    console.error(`${name}: run ${k} strayed from its schedule (${why.join('; ')}; load ${loadavg()[0]?.toFixed(1)}); ${k < tries ? 'recording again' : 'giving up'}`);
    await sleep(Math.min(60_000, 5_000 * k));
  }
  throw new HarnessError(`${name}: no run kept to its schedule in ${tries} tries (${why.join('; ')}); record it on a quieter machine`, 1);
}

async function recordOne(name: string, runs: number): Promise<string | null> {
  const log = values.quiet ? undefined : (m: string): void => console.error(m);
  const results: KernelRunJson[] = [];
  for (let k = 0; k < runs; k++) results.push(await punctualRun(name, log));
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
