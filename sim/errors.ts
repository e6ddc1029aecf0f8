/**
 * The CLI's error kinds, kept free of heavy imports so the program definition (sim/cli.ts)
 * loads in milliseconds. Exit codes: InputError 2, MismatchError/AdviceFailedError 3.
 */

/** A user mistake: one line per problem, exit 2, never a stack trace (defined in src/ for the pure loaders). */
export { InputError } from '../src/scenarios/input-error.ts';

/** The simulator and the real kernel disagreed: exit 3. */
export class MismatchError extends Error {
  constructor(readonly count: number) {
    super(`${count} calibration scenario(s) differ from the real kernel`);
  }
}

/** The simulation did not confirm the advice: exit 3, like a calibration mismatch. */
export class AdviceFailedError extends Error {
  constructor(readonly failed: number) {
    super(`${failed} simulated check(s) missed their target`);
  }
}

/** A sweep finished, but some runs crashed their worker twice and have no row: exit 3. */
export class RunsFailedError extends Error {
  constructor(readonly failed: number, where: string) {
    super(`${failed} run(s) failed twice and have no row${where}; --resume runs them again`);
  }
}
