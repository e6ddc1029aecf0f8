/**
 * Process helpers for the real-kernel harness: run a command and get its output, run one
 * inside a network namespace, and a clock that reads the same CLOCK_REALTIME as tcpdump's
 * packet stamps and Python's time.time(), so all three can be put on one time line.
 */
import { execFile, execFileSync } from 'node:child_process';

/** A command that failed; the message carries the command line and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`command failed (${String(code)}): ${argv.join(' ')}\n${stderr.trim()}`);
  }
}

/** Run argv[0] with the rest as arguments (no shell); resolves with stdout. */
export function run(argv: readonly string[]): Promise<string> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new Error('run: empty command'));
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new CommandError(argv, stderr || err.message, err.code ?? null));
      else resolve(stdout);
    });
  });
}

/** Like run(), but never rejects: for best-effort cleanup. Returns false on failure. */
export async function tryRun(argv: readonly string[]): Promise<boolean> {
  try {
    await run(argv);
    return true;
  } catch {
    return false;
  }
}

/** Synchronous best-effort run, for the process 'exit' hook where nothing async may run. */
export function tryRunSync(argv: readonly string[]): boolean {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return false;
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** argv prefix that runs a command inside network namespace `ns`. */
export const inNs = (ns: string, ...argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/**
 * Wall-clock time in integer microseconds since the epoch (CLOCK_REALTIME, like tcpdump -tt
 * and time.time()). performance.timeOrigin + performance.now() gives sub-ms resolution.
 */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Resolve at wall-clock time `atUs` (µs since the epoch). */
export async function sleepUntil(atUs: number): Promise<void> {
  for (;;) {
    const left = atUs - nowUs();
    if (left <= 0) return;
    // setTimeout may return up to ~1 ms early or late; finish the last millisecond in a loop.
    await sleep(left > 2_000 ? (left - 1_000) / 1000 : 0);
  }
}
