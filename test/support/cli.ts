/**
 * The CLI run in-process through its own `main(argv, io)` with captured output: the same
 * code path a user's command takes after start-up, without paying a Node start per test.
 * A handful of true subprocess smoke tests (test/cli/smoke.test.ts) cover bin/ and dist/.
 */
import { main } from '../../sim/cli.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Run `keepalive-lab <args…>` in this process. */
export async function cli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false });
  return { code, out, err };
}
