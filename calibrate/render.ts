/**
 * Text rendering of a calibration diff: one side-by-side table, real kernel vs simulator,
 * in scenario time.
 */
import type { DiffResult, DiffRow } from './diff.ts';

const HEAD = ['#', 'where', 'real s', 'sim s', 'Δ ms', 'tol ms', 'dir / call', 'flags / outcome', 'seq', 'ack', 'len', 'verdict'];

const sec = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(6));
const num = (x: number | undefined): string => (x === undefined ? '' : x.toFixed(3));

function cells(r: DiffRow, k: number): string[] {
  const [c0 = '', c1 = '', c2 = '', c3 = '', c4 = ''] = r.cols;
  const verdict = r.verdict === 'ok' ? 'ok' : `✗ ${r.verdict}`;
  return [String(k + 1), `${r.section === 'call' ? 'app@' : ''}${r.where}`, sec(r.real), sec(r.sim), num(r.deltaMs), num(r.tolMs), c0, c1, c2, c3, c4, verdict];
}

/** The table, then the notes and a one-line verdict. */
export function renderDiff(d: DiffResult, title = 'real kernel vs simulator'): string {
  const body = d.rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [title, line(HEAD), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  for (const n of d.notes) out.push(`note: ${n}`);
  out.push(d.mismatches === 0 ? `MATCH (${d.rows.length} rows)` : `MISMATCH: ${d.mismatches} of ${d.rows.length} rows differ`);
  return out.join('\n');
}
