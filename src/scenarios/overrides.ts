/**
 * The pure half of loading a scenario, shared by the CLI (sim/load.ts, sim/read.ts) and the
 * browser lab (lab/): scenario text → raw document, and `--set path=value` overrides applied
 * to the raw document before validation. Same code, so the same one-line messages in both.
 *
 * Input is hostile (docs/limits.md): YAML is parsed strictly (no duplicate keys, in JSON
 * too; aliases expanded at most MAX_ALIASES times), and an override cannot reach an object's
 * prototype, grow a list by more than one item, or add a host nothing else names.
 */
import YAML from 'yaml';
import { InputError } from './input-error.ts';
import { FORBIDDEN_KEYS } from './document.ts';
import { clip, didYouMean, quote } from './show.ts';

/** YAML aliases expanded at most this many times (yaml's default; a "billion laughs" file stops here). */
const MAX_ALIASES = 100;

const first = (m: string): string => clip((m.split('\n')[0] ?? m).replace(/:\s*$/, ''), 160);

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

/** At most this many parts in a `--set` path (the deepest real field has 6). */
export const MAX_PATH_PARTS = 16;
/** At most this many characters in a `--set` path. */
export const MAX_PATH_CHARS = 256;

const own = (o: object, k: string): unknown => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
const INDEX = /^(0|[1-9]\d{0,6})$/;

/**
 * Set `a.b.0.c` in a plain object tree, creating what is missing: an object, or a list where
 * the next part is an index. A list grows by one item at most (`faults.2` on a list of two
 * appends), so no list gets holes. `flag` names the option in messages.
 */
export function setPath(root: unknown, path: string, value: unknown, flag = '--set'): void {
  const keys = path.split('.');
  const bad = (why: string): never => {
    throw new InputError([`${flag} ${clip(path, 80)}: ${why}`]);
  };
  if (path.length > MAX_PATH_CHARS || keys.length > MAX_PATH_PARTS) bad(`a field path has at most ${MAX_PATH_PARTS} parts and ${MAX_PATH_CHARS} characters (the deepest field has 6)`);
  if (keys.some((k) => k.trim() === '') || typeof root !== 'object' || root === null || Array.isArray(root)) bad('not a field path like hosts.client.socket.TCP_KEEPIDLE');
  const forbidden = keys.find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden !== undefined) bad(`${quote(forbidden)} cannot be a field name (it would reach the object's prototype)`);
  let node = root as Record<string, unknown> | unknown[];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const at = keys.slice(0, i).join('.') || '(top level)';
    if (Array.isArray(node)) {
      if (!INDEX.test(k) || Number(k) > node.length) bad(`${at} is a list of ${node.length} item${node.length === 1 ? '' : 's'}: give an index 0..${node.length} (${node.length} adds one)`);
    }
    if (i === keys.length - 1) {
      (node as Record<string, unknown>)[k] = value;
      return;
    }
    let next = own(node, k);
    if (next === undefined || next === null) {
      next = INDEX.test(keys[i + 1] as string) ? [] : {};
      (node as Record<string, unknown>)[k] = next;
    } else if (typeof next !== 'object') bad(`${keys.slice(0, i + 1).join('.')} is ${typeof next === 'string' ? 'a string' : `a ${typeof next}`} (${clip(String(next), 30)}), not a mapping or a list`);
    node = next as Record<string, unknown> | unknown[];
  }
}

/** Parse `path=value`; the value is read as YAML (numbers, booleans, strings, lists). */
export function parseAssignment(text: string, flag = '--set'): [string, unknown] {
  const i = text.indexOf('=');
  if (i <= 0) throw new InputError([`${flag} ${quote(text, 80)}: expected path=value (e.g. hosts.client.socket.TCP_KEEPIDLE=20)`]);
  const v = text.slice(i + 1);
  return [text.slice(0, i).trim(), yamlValue(v)];
}

/** A `--set` value: YAML (so `[a, b]`, `{…}`, `30s`, `true` work), or the text itself when it is not YAML. */
function yamlValue(v: string): unknown {
  const r = parseValue(v);
  return r.ok ? r.value : v;
}

/** Hosts the document names outside `hosts` (apps, connects, the path, faults, vantage, a proxy's target). */
export function namedHosts(raw: unknown): Set<string> {
  const out = new Set<string>();
  const r = (raw ?? {}) as Record<string, unknown>;
  const add = (v: unknown): void => void (typeof v === 'string' && out.add(v));
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  for (const a of list(r['apps']).map(obj)) {
    add(a['host']);
    add(obj(a['program'])['to']);
    for (const s of list(a['steps']).map(obj)) add(s['to']);
  }
  const path = obj(r['path']);
  for (const h of list(path['between'])) add(h);
  for (const m of list(path['middleboxes']).map(obj)) add(obj(m['target'])['host']);
  for (const f of list(r['faults']).map(obj)) {
    add(f['host']);
    add(f['to']);
    if (typeof f['direction'] === 'string') for (const h of f['direction'].split('->')) add(h.trim());
  }
  for (const v of list(r['vantage'])) add(v);
  return out;
}

const hostKeys = (raw: unknown): string[] => {
  const h = raw && typeof raw === 'object' ? own(raw, 'hosts') : undefined;
  return h && typeof h === 'object' && !Array.isArray(h) ? Object.keys(h) : [];
};

/**
 * Apply overrides (`--set`, a sweep's values, a compare file's sets) to a raw document.
 * An override may add a host only when something else in the document names it: a typo
 * like `hosts.cleint.sysctl.tcp_keepalive_time=5` would otherwise add a third host nobody
 * uses and silently change nothing.
 */
export function applyOverrides(raw: unknown, overrides: readonly { label: string; path: string; value: unknown }[], flag = '--set'): void {
  const before = new Set(hostKeys(raw));
  const added = new Map<string, string>();
  for (const o of overrides) {
    setPath(raw, o.path, o.value, flag);
    for (const h of hostKeys(raw)) if (!before.has(h) && !added.has(h)) added.set(h, o.label);
  }
  if (!added.size) return;
  const named = namedHosts(raw);
  const problems: string[] = [];
  for (const [h, label] of added) {
    if (named.has(h)) continue;
    const hint = didYouMean(h, [...before]);
    problems.push(`${flag} ${clip(label, 80)}: no host named ${quote(h)}${hint}; an override adds a host only when an app, path.between, a fault or vantage names it`);
  }
  if (problems.length) throw new InputError(problems);
}

/** Parse a scenario document; `path` names it in messages (`.json` is read as JSON, anything else as YAML). */
export function parseScenarioText(text: string, path: string): unknown {
  return parseText(text.startsWith('\uFEFF') ? text.slice(1) : text, path);
}

/** Apply `--set path=value` assignments, in order, to a raw scenario document. */
export function applyAssignments(raw: unknown, assignments: readonly string[]): void {
  applyOverrides(
    raw,
    assignments.map((a) => {
      const [path, value] = parseAssignment(a);
      return { label: a, path, value };
    }),
  );
}
