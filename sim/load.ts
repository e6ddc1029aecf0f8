/**
 * Loading scenarios for the CLI: a built-in name or a YAML/JSON file, `--set`
 * overrides applied to the raw document before validation, then validated. Problems are
 * collected as lines for a clean exit 2, never thrown as stack traces.
 *
 * Everything here treats its input as hostile (docs/limits.md): a file is read only if it
 * is a regular file of at most MAX_FILE_BYTES, in UTF-8; built-in names are looked up in
 * the list of built-ins, never joined into a path; `--set` paths cannot reach an object's
 * prototype, grow a list by more than one item, or add a host nothing else names.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { packagePath } from './paths.ts';
import { InputError } from './errors.ts';
import { parseValue, readDocument } from './read.ts';
import { validateScenario } from '../src/scenarios/validate.ts';
import { FORBIDDEN_KEYS } from '../src/scenarios/document.ts';
import { clip, didYouMean, quote } from '../src/scenarios/show.ts';
import type { Scenario } from '../src/scenarios/schema.ts';

export const BUILTIN_DIR = packagePath('sim', 'scenarios');
/** Built-in compare files (`keepalive-lab compare <name>`, docs/heartbeats.md). */
export const COMPARE_DIR = packagePath('sim', 'compare');

/** Seed experiments that need capabilities still to come (their own issues). */
export const PENDING: { name: string; needs: string }[] = [
];

export { InputError } from './errors.ts';

/** The `.yaml` files of a package folder, by name (the only names a built-in lookup accepts). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => basename(f, '.yaml'))
      .sort();
  } catch {
    return [];
  }
}

export function builtinNames(): string[] {
  return namesIn(BUILTIN_DIR);
}

/**
 * A scenario's file: `ref` itself when it names an existing file, else the built-in of that
 * exact name; a near miss gets a "did you mean".
 */
export function resolveScenario(ref: string): string {
  return resolveRef(ref, BUILTIN_DIR, 'built-in scenario', 'see `keepalive-lab list`');
}

/** `ref` as a file, else a built-in `<dir>/<ref>.yaml` when `ref` is one of the names there (never a path joined from `ref`). */
export function resolveRef(ref: string, dir: string, what: string, seeList: string): string {
  if (ref === '') throw new InputError([`an empty name is neither a file nor a ${what}`]);
  if (exists(ref)) return ref;
  const known = namesIn(dir);
  if (known.includes(ref)) return join(dir, `${ref}.yaml`);
  const pending = dir === BUILTIN_DIR ? PENDING.find((p) => p.name === ref) : undefined;
  if (pending) throw new InputError([`${ref}: not available yet — it needs ${pending.needs}`]);
  const hint = didYouMean(ref, known);
  throw new InputError([`${clip(ref, 80)}: no such file and no ${what} by that name${hint || ` (${seeList})`}`]);
}

/** An existing file system entry (of any kind: readDocument says what is wrong with it). */
function exists(p: string): boolean {
  if (p.includes('\0')) return false;
  try {
    return statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // a name too long, a parent that is a file: not a file to read
  }
}

export function readRaw(ref: string): { raw: unknown; source: string } {
  const source = resolveScenario(ref);
  return { raw: readDocument(source), source };
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

export interface LoadOptions {
  set?: string[];
  /** seed 001 keepalive-client shorthands for the client socket */
  count?: string;
  idle?: string;
  interval?: string;
}

export function loadScenario(ref: string, o: LoadOptions = {}): { scenario: Scenario; source: string } {
  const { raw, source } = readRaw(ref);
  const overrides: { label: string; path: string; value: unknown }[] = [];
  const shorthands: [string | undefined, string, string][] = [
    [o.count, 'TCP_KEEPCNT', '-c'],
    [o.idle, 'TCP_KEEPIDLE', '-d'],
    [o.interval, 'TCP_KEEPINTVL', '-i'],
  ];
  for (const [v, opt, flag] of shorthands) {
    if (v === undefined) continue;
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new InputError([`${flag} (${opt}): ${quote(v)} is not a whole number`]);
    const client = clientHost(raw);
    overrides.push({ label: `${flag} ${v}`, path: `hosts.${client}.socket.SO_KEEPALIVE`, value: true }, { label: `${flag} ${v}`, path: `hosts.${client}.socket.${opt}`, value: n });
  }
  for (const a of o.set ?? []) {
    const [path, value] = parseAssignment(a);
    overrides.push({ label: a, path, value });
  }
  applyOverrides(raw, overrides);
  const v = validateScenario(raw);
  if (!v.ok) throw new InputError(v.problems.map((p) => `${clip(basename(source), 60)}: ${p}`));
  return { scenario: v.scenario, source };
}

/** The host that connects (the first app with a connect step), else one named client. */
function clientHost(raw: unknown): string {
  const r = raw as { apps?: { host?: string; steps?: { call?: string }[] }[]; hosts?: Record<string, unknown> };
  const app = Array.isArray(r.apps) ? r.apps.find((a) => Array.isArray(a?.steps) && a.steps.some((s) => s?.call === 'connect')) : undefined;
  if (typeof app?.host === 'string') return app.host;
  if (r.hosts && typeof r.hosts === 'object' && Object.hasOwn(r.hosts, 'client')) return 'client';
  throw new InputError(['-c/-d/-i: this scenario has no connecting client to apply them to']);
}
