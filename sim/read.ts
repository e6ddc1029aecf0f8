/**
 * Reading a user's YAML or JSON file as hostile input (docs/limits.md): only a regular file
 * (not a directory, a device or a FIFO, which could be read forever), at most
 * MAX_FILE_BYTES, in UTF-8 (a byte-order mark is skipped), one document, no duplicate keys
 * (in JSON too, where JSON.parse would silently keep the last), no unresolved YAML tags,
 * no alias bombs. Every failure is one InputError line naming the file.
 */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { InputError } from './errors.ts';
import { clip } from '../src/scenarios/show.ts';

/** Largest scenario, sweep, compare or results file read: 16 MiB (a scenario is a few kB). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** YAML aliases expanded at most this many times (yaml's default; a "billion laughs" file stops here). */
const MAX_ALIASES = 100;

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

/** `line L, column C` of an offset in a text (1-based, as editors count). */
function position(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) [line, start] = [line + 1, i + 1];
  return `line ${line}, column ${offset - start + 1}`;
}

/**
 * The first key that appears twice in one YAML mapping. The yaml library can check this
 * itself (`uniqueKeys`), but compares each key with every earlier one: 100,000 keys took
 * minutes. A set per mapping is linear.
 */
function duplicateYamlKey(doc: YAML.Document.Parsed, text: string): string | null {
  let found: string | null = null;
  YAML.visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        const k = YAML.isScalar(item.key) ? `s:${String(item.key.value)}` : `n:${String(item.key)}`;
        if (seen.has(k)) {
          const at = YAML.isNode(item.key) && item.key.range ? ` at ${position(text, item.key.range[0])}` : '';
          found = `Map keys must be unique${at}`;
          return YAML.visit.BREAK;
        }
        seen.add(k);
      }
      return undefined;
    },
  });
  return found;
}

/** The first key that appears twice in one JSON object (the text is valid JSON), in one linear pass. */
function duplicateJsonKey(text: string): string | null {
  const stack: ({ keys: Set<string>; expectKey: boolean } | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top) top.expectKey = true;
    else if (c === ':' && top) top.expectKey = false;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return `Map keys must be unique at ${position(text, i)}`;
        top.keys.add(key);
      }
      i = j;
    }
  }
  return null;
}

/** Parse YAML text strictly; problems as messages. */
function parseYaml(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  let doc: YAML.Document.Parsed;
  try {
    doc = YAML.parseDocument(text, { uniqueKeys: false, prettyErrors: true, logLevel: 'silent' });
  } catch (e) {
    return { ok: false, problem: first((e as Error).message) };
  }
  const err = doc.errors[0] ?? doc.warnings[0];
  if (err) return { ok: false, problem: first(err.message) };
  const dup = duplicateYamlKey(doc, text);
  if (dup) return { ok: false, problem: dup };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (e) {
    return { ok: false, problem: first((e as Error).message) };
  }
}

/** A `--set` or list value read as YAML; not ok when it is not clean YAML (then the text is meant). */
export function parseValue(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  return parseYaml(text);
}

/** Parse a file's text: JSON for `.json`, else YAML. */
export function parseText(text: string, name: string): unknown {
  const shown = clip(name, 100);
  if (/\.json$/i.test(name)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError([`${shown}: not valid JSON: ${first((e as Error).message)}`]);
    }
    // JSON.parse keeps the last of two equal keys without a word
    const dup = duplicateJsonKey(text);
    if (dup) throw new InputError([`${shown}: not valid JSON: ${dup}`]);
    return value;
  }
  const r = parseYaml(text);
  if (!r.ok) throw new InputError([`${shown}: not valid YAML: ${r.problem}`]);
  return r.value;
}

/** Read and parse a YAML or JSON file. */
export function readDocument(path: string, name = path): unknown {
  return parseText(readText(path, name), name);
}
