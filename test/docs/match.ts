/**
 * Shown output against real output, line by line, with the docs' elisions (docs/README.md):
 * a line that is only `...` (or `%% ...`, a Mermaid comment) stands for any number of lines,
 * including none; a line ending in `...` stands for one line starting with the text before
 * the dots. Trailing blanks on a line and trailing empty lines are not compared (Markdown
 * editors strip them).
 *
 * On a mismatch, `explain` prints a diff that names each shown line by page and line number:
 * the cheapest alignment of shown and real lines, so the diff marks only what changed.
 */
import type { Expected } from './markdown.ts';

type Pattern = { kind: 'gap'; line: number; text: string } | { kind: 'exact' | 'prefix'; line: number; text: string; want: string };

export const isGap = (text: string): boolean => /^(%%\s*)?\.\.\.$/.test(text.trim());

export function compile(expected: readonly Expected[]): Pattern[] {
  const lines = expected.map((e) => ({ ...e, text: e.text.trimEnd() }));
  while (lines.length && lines[lines.length - 1]!.text === '') lines.pop();
  return lines.map((e): Pattern => {
    if (isGap(e.text)) return { kind: 'gap', line: e.line, text: e.text };
    if (e.text.endsWith('...')) return { kind: 'prefix', line: e.line, text: e.text, want: e.text.slice(0, -3) };
    return { kind: 'exact', line: e.line, text: e.text, want: e.text };
  });
}

export function outputLines(s: string): string[] {
  const lines = s.split('\n').map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const fits = (p: Pattern, a: string): boolean => (p.kind === 'exact' ? a === p.want : p.kind === 'prefix' ? a.startsWith(p.want) : true);

type Op = { op: 'same'; p: Pattern; a: string } | { op: 'gap'; p: Pattern; n: number } | { op: 'del'; p: Pattern } | { op: 'ins'; a: string } | { op: 'sub'; p: Pattern; a: string };

/** Does the output fit the patterns? Two rows of a boolean table: linear memory for long outputs. */
function fitsLines(pats: Pattern[], act: string[]): boolean {
  const A = act.length;
  let next = new Uint8Array(A + 1);
  next[A] = 1; // no patterns left fit only the end of the output
  for (let i = pats.length - 1; i >= 0; i--) {
    const p = pats[i]!;
    const row = new Uint8Array(A + 1);
    for (let j = A; j >= 0; j--) row[j] = p.kind === 'gap' ? next[j]! | (j < A ? row[j + 1]! : 0) : j < A && fits(p, act[j]!) ? next[j + 1]! : 0;
    next = row;
  }
  return next[0] === 1;
}

/**
 * The cheapest alignment of patterns and output lines, for the diff. A shown line missing, an
 * output line not shown, or one replaced by another each cost more than any number of lines
 * an elision absorbs, so a changed line just after `...` shows as changed, not as absorbed.
 */
function align(pats: Pattern[], act: string[]): Op[] {
  const P = pats.length;
  const A = act.length;
  const W = A + 1;
  const BIG = A + 1;
  const cost = new Float64Array((P + 1) * W);
  for (let j = 0; j <= A; j++) cost[P * W + j] = (A - j) * BIG;
  for (let i = P - 1; i >= 0; i--) {
    const p = pats[i]!;
    for (let j = A; j >= 0; j--) {
      let c: number;
      if (p.kind === 'gap') c = Math.min(cost[(i + 1) * W + j]!, j < A ? 1 + cost[i * W + j + 1]! : Infinity);
      else {
        c = BIG + cost[(i + 1) * W + j]!;
        if (j < A) c = Math.min(c, BIG + cost[i * W + j + 1]!, (fits(p, act[j]!) ? 0 : BIG) + cost[(i + 1) * W + j + 1]!);
      }
      cost[i * W + j] = c;
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < P || j < A) {
    const here = cost[i * W + j]!;
    const p = pats[i];
    if (!p) {
      ops.push({ op: 'ins', a: act[j++]! });
    } else if (p.kind === 'gap') {
      let n = 0;
      while (cost[(i + 1) * W + j] !== cost[i * W + j]) {
        j++;
        n++;
      }
      ops.push({ op: 'gap', p, n });
      i++;
    } else if (j < A && cost[(i + 1) * W + j + 1]! + (fits(p, act[j]!) ? 0 : BIG) === here) {
      ops.push(fits(p, act[j]!) ? { op: 'same', p, a: act[j]! } : { op: 'sub', p, a: act[j]! });
      i++;
      j++;
    } else if (cost[(i + 1) * W + j]! + BIG === here) {
      ops.push({ op: 'del', p });
      i++;
    } else {
      ops.push({ op: 'ins', a: act[j++]! });
    }
  }
  return ops;
}

/** Does the real output fit the shown one? */
export function fitsOutput(expected: readonly Expected[], actual: string): boolean {
  return fitsLines(compile(expected), outputLines(actual));
}

/** Outputs longer than this are cut for the diff (the table is shown lines × output lines). */
const DIFF_CELLS = 8_000_000;

/**
 * A readable diff: `-` shown lines the output lacks (with their page line), `+` output lines
 * the page does not show, a few unchanged lines around each change, elisions as `...`.
 * Null when the output fits.
 */
export function explain(page: string, expected: readonly Expected[], actual: string, context = 3, maxLines = 80): string | null {
  const pats = compile(expected);
  let act = outputLines(actual);
  if (fitsLines(pats, act)) return null;
  const cut = Math.floor(DIFF_CELLS / (pats.length + 1));
  const truncated = act.length > cut;
  if (truncated) act = act.slice(0, cut);
  const ops = align(pats, act);
  const width = Math.max(...expected.map((e) => `${page}:${e.line}`.length), 8);
  const at = (p: { line: number }): string => `${page}:${p.line}`.padEnd(width);
  const rows = ops.map((o) => {
    switch (o.op) {
      case 'same':
        return { changed: false, text: `  ${at(o.p)}  ${o.a}` };
      case 'gap':
        return { changed: false, text: `  ${at(o.p)}  ${o.p.text.trim()}   (${o.n} line${o.n === 1 ? '' : 's'} elided)` };
      case 'del':
        return { changed: true, text: `- ${at(o.p)}  ${o.p.text}` };
      case 'sub':
        return { changed: true, text: `- ${at(o.p)}  ${o.p.text}\n+ ${''.padEnd(width)}  ${o.a}` };
      case 'ins':
        return { changed: true, text: `+ ${''.padEnd(width)}  ${o.a}` };
    }
  });
  const keep = rows.map(() => false);
  rows.forEach((r, k) => {
    if (!r.changed) return;
    for (let d = Math.max(0, k - context); d <= Math.min(rows.length - 1, k + context); d++) keep[d] = true;
  });
  const out: string[] = [];
  let skipped = false;
  for (let k = 0; k < rows.length; k++) {
    if (!keep[k]) {
      skipped = true;
      continue;
    }
    if (skipped) out.push('  ⋮');
    skipped = false;
    out.push(rows[k]!.text);
  }
  if (skipped) out.push('  ⋮');
  if (out.length > maxLines) {
    const more = out.length - maxLines;
    out.length = maxLines;
    out.push(`  … ${more} more diff lines`);
  }
  if (truncated) out.push(`  (the output is longer: only its first ${cut} lines were compared for this diff)`);
  return out.join('\n');
}
