/**
 * A user mistake (scenario file, override, flag): one line per problem. The CLI prints each
 * as `error: <line>` and exits 2 (sim/cli.ts); the browser lab shows the same lines (lab/).
 * Lives in src/ so the pure loading helpers (overrides.ts) can throw it in a browser too.
 */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}
