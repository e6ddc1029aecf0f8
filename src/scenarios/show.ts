/**
 * Echoing a user's input back in an error message, safely: whatever was given (a 1 MB
 * string, control bytes, a circular YAML alias, Infinity, 100,000 keys) is shown as a short
 * one-line text, and a near miss gets a "did you mean". No imports: the CLI's flag parsers
 * use this before any heavy module loads, and src/ runs in a browser.
 */

/** Most characters of a value echoed in a message (a longer one is cut and its length said). */
export const ECHO_MAX = 60;

/** Escape what would break a one-line message: control characters, lone surrogates. */
function escapeControls(s: string): string {
  // C0 controls, DEL, C1 controls, line/paragraph separators, unpaired surrogates: matching them is the point
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A text cut to `max` characters, control characters escaped: `abc…(1000080 characters)`. */
export function clip(text: string, max = ECHO_MAX): string {
  const e = escapeControls(text);
  if (e.length <= max) return e;
  return `${e.slice(0, max)}…(${text.length} characters)`;
}

/** A string as a quoted literal, cut when long: `"abc"`, `"abcd…" (1000080 characters)`. */
export function quote(s: string, max = ECHO_MAX): string {
  const e = escapeControls(s.replace(/\\/g, '\\\\').replace(/"/g, '\\"'));
  return e.length <= max ? `"${e}"` : `"${e.slice(0, max)}…" (${s.length} characters)`;
}

/**
 * Any value as a short one-line text: numbers as written (Infinity, NaN), strings quoted,
 * lists and objects as compact JSON-like text at most two levels deep, cycles marked.
 */
export function show(v: unknown, max = ECHO_MAX): string {
  const seen: unknown[] = [];
  const ser = (x: unknown, depth: number): string => {
    if (x === undefined) return 'nothing';
    if (x === null) return 'null';
    if (typeof x === 'string') return quote(x, max);
    if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
    if (typeof x === 'boolean' || typeof x === 'bigint') return String(x);
    if (typeof x !== 'object') return typeof x;
    if (seen.includes(x)) return '<itself>';
    if (depth >= 2) return Array.isArray(x) ? `[…${x.length}]` : '{…}';
    seen.push(x);
    let text: string;
    if (Array.isArray(x)) {
      const items = x.slice(0, 4).map((y) => ser(y, depth + 1));
      text = `[${items.join(', ')}${x.length > 4 ? `, …${x.length - 4} more` : ''}]`;
    } else {
      const keys = Object.keys(x);
      const items = keys.slice(0, 4).map((k) => `${clip(k, 30)}: ${ser((x as Record<string, unknown>)[k], depth + 1)}`);
      text = `{${items.join(', ')}${keys.length > 4 ? `, …${keys.length - 4} more` : ''}}`;
    }
    seen.pop();
    return text;
  };
  const s = ser(v, 0);
  // a list or mapping of long parts is cut as a whole; a lone string already says its length
  return typeof v === 'string' || s.length <= max + 20 ? s : `${s.slice(0, max)}…`;
}

/** A list of names for a message: the first `n`, then how many more. */
export function names(xs: readonly string[], n = 8): string {
  const shown = xs.slice(0, n).map((x) => quote(x, 30));
  return `${shown.join(', ')}${xs.length > n ? ` and ${xs.length - n} more` : ''}`;
}

/** A list of names for a message, unquoted: the first `n`, then how many more. */
export function list(xs: readonly string[], n = 30): string {
  return `${xs.slice(0, n).map((x) => clip(x, 60)).join(', ')}${xs.length > n ? `, … and ${xs.length - n} more` : ''}`;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), as commander's suggestSimilar. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The candidates closest to `word` (a typo, a missing or extra letter, a case slip), or
 * none when nothing is close: at most a third of the letters wrong, and at most 3.
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  if (word.length > 100) return [];
  const w = word.toLowerCase();
  let best = Infinity;
  let found: string[] = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(w, c.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(w.length, c.length) / 3)));
    if (d > limit) continue;
    if (d < best) [best, found] = [d, [c]];
    else if (d === best) found.push(c);
  }
  if (!found.length && w.length >= 3) {
    // a name cut short (`gilbert` for gilbert-elliott): the one candidate it begins
    const starts = [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(w));
    if (starts.length === 1) return starts;
  }
  return found.slice(0, 3);
}

/** ` (did you mean "x"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  if (!c.length) return '';
  return ` (did you mean ${c.map((x) => quote(x, 40)).join(' or ')}?)`;
}
