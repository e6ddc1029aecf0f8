/**
 * The fuzz harness: one CLI invocation in-process through `main(argv, io)` with a per-case
 * event budget, and the contract every invocation must keep (issue 17):
 * - exit 0 (or 3: advice not confirmed, calibration mismatch) or exit 2; never 1 (internal
 *   error), never a crash out of main();
 * - exit 2: nothing on stdout, only `error: …` lines on stderr, each short, at most 21, no
 *   stack trace, and no file written;
 * - exit 0: nothing on stderr;
 * - a run stopped by the budget (exit 4) must have been moving through virtual time: a run
 *   whose last half of its budget all happened at one instant is frozen, a bug;
 * - no process warning (Node would print it as several lines), Object.prototype untouched.
 * A case's files go to a fresh folder, so "nothing written" is checked by listing it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../sim/cli.ts';

/**
 * Events one case may run before it is stopped (a run this long is not a failure unless
 * frozen): 20,000 in npm test, FUZZ_BUDGET to change it (the long mode uses 200,000).
 * Documents valid by construction get VALID_BUDGET, which they must finish within.
 */
export const BUDGET = Number(process.env.FUZZ_BUDGET ?? 20_000);
export const VALID_BUDGET = 200_000;
/** A run stopped with half its budget spent at its last instant has frozen virtual time (fuzz programs are few: no real burst is that large). */
const stuck = (budget: number): number => budget / 2;

export interface CaseResult {
  argv: string[];
  code: number;
  out: string;
  err: string;
  /** files present in the case folder after the call (minus those written before it) */
  written: string[];
  /** stopped by the budget */
  budget?: { events: number; at: number; sameInstant: number };
  /** process warnings emitted during the call (Node prints them as several lines on the real stderr) */
  warnings: string[];
}

/** A folder for one case's inputs and outputs. */
export function caseDir(): string {
  return mkdtempSync(join(tmpdir(), 'kal-fuzz-'));
}

const list = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
};

/** Run `keepalive-lab <argv>` in this process with the case budget; `dir` holds the case's files. */
export async function runCase(argv: string[], dir: string, budget = BUDGET): Promise<CaseResult> {
  const before = new Set(list(dir));
  let out = '';
  let err = '';
  let code: number;
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message.split('\n')[0]}`);
  process.on('warning', onWarning);
  try {
    code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false, maxEvents: budget });
  } catch (e) {
    // main() must never throw: this is a crash
    return { argv, code: -1, out, err: `main() threw: ${(e as Error).stack ?? String(e)}`, written: [], warnings };
  } finally {
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    process.off('warning', onWarning);
  }
  const written = list(dir).filter((f) => !before.has(f));
  const r: CaseResult = { argv, code, out, err, written, warnings };
  const b = /^budget: stopped after (\d+) events at virtual time ([\d.e+-]+) s \((\d+) at that instant\)/.exec(err);
  if (b) r.budget = { events: Number(b[1]), at: Number(b[2]), sameInstant: Number(b[3]) };
  return r;
}

/** The contract's violations for one case, as readable lines (empty: the case kept it). */
export function violations(r: CaseResult, o: { allow3?: boolean } = {}): string[] {
  const v: string[] = [];
  const allowed = [0, 2, 4, ...(o.allow3 ? [3] : [])];
  if (!allowed.includes(r.code)) v.push(`exit ${r.code}`);
  if (/\n\s+at \S+ \(|internal error|main\(\) threw/.test(r.err)) v.push('a stack trace or internal error');
  if (r.code === 2) {
    if (r.out !== '') v.push('exit 2 with output on stdout');
    const lines = r.err.replace(/\n$/, '').split('\n');
    if (r.err === '') v.push('exit 2 without a message');
    if (lines.length > 21) v.push(`${lines.length} error lines (at most 21)`);
    for (const l of lines) {
      if (!l.startsWith('error: ')) v.push(`a line that is not "error: …": ${JSON.stringify(l.slice(0, 120))}`);
      if (l.length > 1100) v.push(`an error line of ${l.length} characters`);
    }
    if (r.written.length) v.push(`exit 2 but wrote ${r.written.join(', ')}`);
  }
  if (r.code === 0 && r.err !== '') v.push(`exit 0 with stderr: ${JSON.stringify(r.err.slice(0, 200))}`);
  if (r.code === 4) {
    if (!r.budget) v.push(`exit 4 without a budget line: ${r.err.slice(0, 200)}`);
    else if (r.budget.sameInstant >= stuck(r.budget.events)) v.push(`virtual time frozen at ${r.budget.at} s: ${r.budget.sameInstant} events at one instant`);
  }
  for (const w of r.warnings) v.push(`a process warning: ${w}`);
  if (Object.keys(Object.prototype).length || Object.getOwnPropertyNames(Object.prototype).some((k) => !BUILTIN_PROTO.has(k))) v.push('Object.prototype was changed');
  return v;
}

const BUILTIN_PROTO = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Remove a case folder. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** One line describing a case, to replay it by hand. */
export const replay = (argv: string[]): string => `keepalive-lab ${argv.map((a) => (/^[\w./:=,-]+$/.test(a) ? a : JSON.stringify(a.length > 200 ? `${a.slice(0, 200)}…` : a))).join(' ')}`;
