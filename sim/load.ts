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
import { readDocument } from './read.ts';
import { applyOverrides, parseAssignment } from '../src/scenarios/overrides.ts';
import { validateScenario } from '../src/scenarios/validate.ts';
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
  return resolveRef(ref, BUILTIN_DIR, 'built-in scenario', 'see `npx keepalive-lab list`');
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

// the pure helpers live in src/ so the browser lab (lab/) loads scenarios with the same code and messages
export { setPath, parseAssignment, applyOverrides, namedHosts, MAX_PATH_PARTS, MAX_PATH_CHARS } from '../src/scenarios/overrides.ts';

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
