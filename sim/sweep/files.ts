/**
 * A sweep's files. `<prefix>.jsonl` is the journal: one row per finished run, appended as
 * runs finish (any order). At the end the JSONL is rewritten sorted by run index, and the CSV
 * and the summary table are written, each to a temporary file then renamed (sim/output.ts), so a
 * reader never sees half a file.
 */
import { appendFileSync, existsSync } from 'node:fs';
import type { PlannedRun } from '../../src/sweep/plan.ts';
import type { Row } from '../../src/sweep/stats.ts';
import { InputError } from '../errors.ts';
import { writeAtomic } from '../output.ts';
import { readText } from '../read.ts';

export const jsonl = (rows: readonly Row[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * The rows of a journal that belong to this plan (same run index, parameters and seed). A
 * last line cut short by an interruption is dropped; a row of another sweep is an error.
 */
export function readJournal(file: string, runs: readonly PlannedRun[]): Map<number, Row> {
  const done = new Map<number, Row>();
  if (!existsSync(file)) return done;
  const lines = readText(file, file, Number.MAX_SAFE_INTEGER).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: Row;
    try {
      row = JSON.parse(line) as Row;
    } catch {
      if (i >= lines.length - 2) return; // the interrupted last write
      throw new InputError([`--resume: ${file} line ${i + 1} is not JSON: remove the file or start over with --force`]);
    }
    const run = row['run'];
    const plan = typeof run === 'number' ? runs[run] : undefined;
    const same = plan !== undefined && plan.run === run && row['seed'] === plan.seed && plan.values.every(([p, v]) => row[p] === v);
    if (!same) throw new InputError([`--resume: ${file} line ${i + 1} (run ${String(run)}) was written by a different sweep (other parameters, seeds or sampling): use another --out prefix, or --force to start over`]);
    done.set(run as number, row);
  });
  return done;
}

export class Journal {
  constructor(readonly file: string) {}

  /** Start the journal with these rows (the resumed ones), dropping any torn line. */
  reset(rows: readonly Row[]): void {
    writeAtomic('--out', this.file, jsonl(rows));
  }

  append(rows: readonly Row[]): void {
    if (rows.length) appendFileSync(this.file, jsonl(rows));
  }
}
