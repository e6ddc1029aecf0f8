/**
 * Reading a user's YAML or JSON file as hostile input (docs/limits.md): only a regular file
 * (not a directory, a device or a FIFO, which could be read forever), at most
 * MAX_FILE_BYTES, in UTF-8 (a byte-order mark is skipped), one document, no duplicate keys
 * (in JSON too, where JSON.parse would silently keep the last), no unresolved YAML tags,
 * no alias bombs. Every failure is one InputError line naming the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseText } from '../src/scenarios/overrides.ts';
import { InputError } from './errors.ts';
import { clip } from '../src/scenarios/show.ts';

/** Largest scenario, sweep, compare or results file read: 16 MiB (a scenario is a few kB). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

const first = (m: string): string => clip((m.split('\n')[0] ?? m).replace(/:\s*$/, ''), 160);

/** The text of `path`, checked: a regular file, not too large, UTF-8. `name` is how messages call it. */
export function readText(path: string, name = path, max = MAX_FILE_BYTES): string {
  const shown = clip(name, 100);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError([`${shown}: cannot read: ${first((e as Error).message)}`]);
  }
  if (st.isDirectory()) throw new InputError([`${shown}: is a directory, not a file`]);
  if (!st.isFile()) throw new InputError([`${shown}: not a regular file (a device, FIFO or socket is not read)`]);
  if (st.size > max) throw new InputError([`${shown}: ${st.size.toLocaleString('en-US')} bytes, more than the ${(max / 1024 / 1024).toFixed(0)} MiB limit (docs/limits.md)`]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError([`${shown}: cannot read: ${first((e as Error).message)}`]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError([`${shown}: not UTF-8 text`]);
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Read and parse a YAML or JSON file. */
export function readDocument(path: string, name = path): unknown {
  return parseText(readText(path, name), name);
}

// the parsing itself is pure (the browser lab parses with it too)
export { parseText, parseValue } from '../src/scenarios/overrides.ts';
