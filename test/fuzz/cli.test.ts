/**
 * The CLI fuzzed in-process (issue 17): a few thousand generated cases through main() with a
 * per-case event budget, each held to the contract of test/fuzz/harness.ts. fast-check's
 * seed is pinned in test/setup.ts (FC_SEED=<n> to explore, printed on failure with the
 * shrunk case); FUZZ_RUNS sets the number of cases. The long mode is `npm run fuzz`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyCase, validCase } from './arbitraries.ts';
import { check } from './cases.ts';
import { replay } from './harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

describe('the CLI under fuzzing', () => {
  it(`every input ends in a run or one clear line per problem (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(anyCase(false), async (c) => {
        const { result, problems } = await check(c);
        expect(problems, `${c.kind}: ${replay(result.argv)}\nexit ${result.code}\n${result.err.slice(0, 600)}`).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it(`documents valid by construction are run, within the event budget (${Math.ceil(RUNS / 20)} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(validCase, async (c) => {
        const { result, problems } = await check(c);
        expect(problems, `${replay(result.argv)}\n${String(c.files['valid.yaml'] ?? c.files['valid.json'])}`).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS / 20) },
    );
  });
});
