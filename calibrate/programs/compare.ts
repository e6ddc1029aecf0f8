/**
 * The real-program suite against the models: each scenario simulated and diffed with its
 * recording (or with a fresh run of the real programs, `live`). Used by `keepalive-lab
 * calibrate --programs` and by the tests. Returns the number of scenarios that differ.
 */
import { existsSync } from 'node:fs';
import { runScenario } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { diffPrograms, renderProgramDiff, type ProgramDiff } from './diff.ts';
import { runPrograms, type ProgramRunJson } from './run.ts';
import { loadProgramFixture, loadProgramScenario, programFixturePath, programSuiteNames } from './suite.ts';

/** Per scenario: compare from this scenario time (what the model does not play comes before: the SSH login, the SOCKS5 handshake). */
export const COMPARE_FROM: Record<string, number> = Object.fromEntries(
  // the model does not play the SSH key exchange and login (over by about 1.4 s)
  [...programSuiteNames().filter((n) => n.startsWith('ssh-')).map((n): [string, number] => [n, 1.9]), ['dante-seed003', 1.5]],
);

export function compareOne(name: string, real: ProgramRunJson, scenario: Scenario = real.scenario): ProgramDiff {
  const sim = runScenario(scenario).json;
  const from = COMPARE_FROM[name];
  return diffPrograms(real, sim, from === undefined ? {} : { from });
}

export interface ProgramCalibrateOptions {
  fixture: boolean;
  summary: boolean;
  out: (...lines: string[]) => void;
}

export async function calibratePrograms(refs: string[], o: ProgramCalibrateOptions): Promise<{ bad: number; unknown: string[] }> {
  const names = refs.length > 0 ? refs : programSuiteNames();
  const known = new Set(programSuiteNames());
  const unknown = names.filter((n) => !known.has(n) || (o.fixture && !existsSync(programFixturePath(n))));
  if (unknown.length > 0) return { bad: 0, unknown };
  let bad = 0;
  for (const n of names) {
    const scenario = loadProgramScenario(n);
    const real = o.fixture ? loadProgramFixture(n) : await runPrograms(scenario);
    const d = compareOne(n, real, scenario);
    if (d.mismatches > 0) bad++;
    const who = [...new Set(real.programs.map((p) => p.program))].join(', ');
    if (o.summary) o.out(`${d.mismatches === 0 ? 'MATCH   ' : 'MISMATCH'} ${n} (${d.rows.length} rows, worst ${(d.worst * 1000).toFixed(0)} ms, tolerance ${(d.tolerance * 1000).toFixed(0)} ms; ${who})`);
    else o.out(renderProgramDiff(d, `${n}: ${who}${o.fixture ? ' (recorded)' : ''} vs the models`), '');
  }
  return { bad, unknown: [] };
}
