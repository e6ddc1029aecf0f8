/**
 * `keepalive-lab calibrate`: each calibration scenario runs on the real kernel (or its
 * recorded fixture, with --fixture) and in the simulator, which replays the real run on its
 * fitted jiffy clock (fit.ts); the two runs are diffed. Returns the number of scenarios that differ.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError, loadScenario } from '../sim/load.ts';
import type { KernelRunJson } from './convert.ts';
import { calibrateRun, fitLine } from './fit.ts';
import { HarnessError, runOnKernel } from './kernel.ts';
import { renderDiff } from './render.ts';
import { SCENARIO_DIR, fixturePath, loadFixture, suiteNames } from './suite.ts';

export interface CalibrateOptions {
  fixture: boolean;
  summary: boolean;
  out: (...lines: string[]) => void;
}

export async function calibrate(refs: string[], o: CalibrateOptions): Promise<number> {
  const names = refs.length > 0 ? refs : suiteNames();
  const known = new Set(suiteNames());
  for (const n of names) {
    if (!known.has(n) && !existsSync(n)) throw new InputError([`calibrate: ${n}: not a calibration scenario (${[...known].join(', ')}) nor a file`]);
    if (o.fixture && !existsSync(fixturePath(basename(n, '.yaml')))) throw new InputError([`calibrate: ${n}: no recorded fixture; run it on the kernel (without --fixture) or record it with calibrate/record.ts`]);
  }
  let bad = 0;
  for (const n of names) {
    const { scenario } = loadScenario(known.has(n) ? join(SCENARIO_DIR, `${n}.yaml`) : n); // validated: bad files exit 2
    let real: KernelRunJson;
    try {
      real = o.fixture ? loadFixture(basename(n, '.yaml')) : await runOnKernel(scenario);
    } catch (e) {
      if (e instanceof HarnessError) throw new InputError([`calibrate: ${e.message}`]);
      throw e;
    }
    // the simulator replays the run (real call and fault times) on the fitted jiffy clock
    const { diff: d, fit } = calibrateRun(real, scenario);
    if (d.mismatches > 0) bad++;
    if (o.summary) o.out(`${d.mismatches === 0 ? 'MATCH   ' : 'MISMATCH'} ${scenario.name} (${d.rows.length} rows${d.mismatches ? `, ${d.mismatches} differ` : ''}; ${fitLine(fit)})`);
    else o.out(renderDiff(d, `${scenario.name}: real kernel${o.fixture ? ' (recorded)' : ''} vs simulator (scenario time; ${fitLine(fit)})`), '');
  }
  return bad;
}
