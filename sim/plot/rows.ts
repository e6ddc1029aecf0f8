/**
 * Reading sweep results for plotting: JSON lines (one object per line) or CSV (RFC 4180:
 * header row, `"` quoting with `""` escapes). CSV cells become numbers, booleans or null
 * (empty) where they look like one, so both formats give the same rows.
 */
import { readText } from '../read.ts';
import type { Row } from '../../src/report/plots.ts';
import { InputError } from '../errors.ts';
import { clip } from '../../src/scenarios/show.ts';

/** RFC 4180 records (fields may hold quoted commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      rec.push(f);
      f = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      rec.push(f);
      f = '';
      if (rec.length > 1 || rec[0] !== '') out.push(rec);
      rec = [];
    } else f += c;
  }
  if (f !== '' || rec.length) {
    rec.push(f);
    out.push(rec);
  }
  return out;
}

function cell(s: string): unknown {
  if (s === '') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  const n = Number(s);
  return Number.isFinite(n) && /^[-+]?(\d|\.\d)/.test(s) ? n : s;
}

export function parseRows(text: string, file: string): Row[] {
  if (/\.csv$/i.test(file)) {
    const [head, ...recs] = parseCsv(text);
    if (!head) throw new InputError([`${clip(file, 100)}: empty CSV (expected a header row, then one row per run)`]);
    return recs.map((r) => Object.fromEntries(head.map((h, i) => [h, cell(r[i] ?? '')])));
  }
  const rows: Row[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new InputError([`${clip(file, 100)}:${i + 1}: not a JSON object (expected JSON lines, one run per line, or a .csv file)`]);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InputError([`${clip(file, 100)}:${i + 1}: not a JSON object (expected JSON lines, one run per line)`]);
    rows.push(v as Row);
  });
  return rows;
}

export function readRows(file: string): Row[] {
  const text = readText(file); // a regular file of at most 16 MiB, UTF-8 (sim/read.ts)
  const rows = parseRows(text, file);
  if (!rows.length) throw new InputError([`${clip(file, 100)}: no rows`]);
  return rows;
}
