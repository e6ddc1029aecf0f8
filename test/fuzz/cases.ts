/**
 * Running one generated case: write its files into a fresh folder, put the folder in its
 * argv (`@`), run it through the harness, and list the contract's violations.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Case } from './arbitraries.ts';
import { caseDir, cleanup, runCase, VALID_BUDGET, violations, type CaseResult } from './harness.ts';

export interface Checked {
  result: CaseResult;
  problems: string[];
}

export async function check(c: Case): Promise<Checked> {
  const dir = caseDir();
  try {
    for (const [name, data] of Object.entries(c.files)) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data);
    }
    const argv = c.argv.map((a) => (a === '@' ? dir : a.startsWith('@/') ? join(dir, a.slice(2)) : a));
    const result = await runCase(argv, dir, c.valid ? VALID_BUDGET : undefined);
    const problems = violations(result, { allow3: c.argv[0] === 'advise' || c.argv[0] === 'calibrate' });
    if (c.valid) {
      if (result.code !== 0) problems.push(`a valid scenario was not run: exit ${result.code}: ${result.err.slice(0, 300)}`);
      if (result.budget) problems.push(`a valid scenario did not finish within the budget: ${result.err.trim()}`);
    }
    return { result, problems };
  } finally {
    cleanup(dir);
  }
}
