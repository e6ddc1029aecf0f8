/**
 * Loading scenarios for the CLI: a built-in name or a YAML/JSON file, `--set`
 * overrides applied to the raw document before validation, then validated. Problems are
 * collected as lines for a clean exit 2, never thrown as stack traces.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { packagePath } from './paths.ts';
import { InputError } from './errors.ts';
import { validateScenario } from '../src/scenarios/validate.ts';
import { applyAssignments, parseScenarioText, setPath } from '../src/scenarios/overrides.ts';
import type { Scenario } from '../src/scenarios/schema.ts';

export const BUILTIN_DIR = packagePath('sim', 'scenarios');
/** Built-in compare files (`keepalive-lab compare <name>`, docs/heartbeats.md). */
export const COMPARE_DIR = packagePath('sim', 'compare');

/** Seed experiments that need capabilities still to come (their own issues). */
export const PENDING: { name: string; needs: string }[] = [
];

export { InputError } from './errors.ts';

export function builtinNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

export function readRaw(ref: string): { raw: unknown; source: string } {
  const builtin = join(BUILTIN_DIR, `${ref}.yaml`);
  const path = existsSync(ref) ? ref : existsSync(builtin) ? builtin : null;
  if (!path) {
    const pending = PENDING.find((p) => p.name === ref);
    if (pending) throw new InputError([`${ref}: not available yet — it needs ${pending.needs}`]);
    throw new InputError([`${ref}: no such file and no built-in scenario by that name (see \`npx keepalive-lab list\`)`]);
  }
  return { raw: parseScenarioText(readFileSync(path, 'utf8'), path), source: path };
}

// the pure helpers live in src/ so the browser lab (lab/) loads scenarios with the same code and messages
export { setPath, parseAssignment } from '../src/scenarios/overrides.ts';

export interface LoadOptions {
  set?: string[];
  /** seed 001 keepalive-client shorthands for the client socket */
  count?: string;
  idle?: string;
  interval?: string;
}

export function loadScenario(ref: string, o: LoadOptions = {}): { scenario: Scenario; source: string } {
  const { raw, source } = readRaw(ref);
  const shorthands: [string | undefined, string][] = [
    [o.count, 'TCP_KEEPCNT'],
    [o.idle, 'TCP_KEEPIDLE'],
    [o.interval, 'TCP_KEEPINTVL'],
  ];
  for (const [v, opt] of shorthands) {
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InputError([`${opt} shorthand: ${JSON.stringify(v)} is not an integer`]);
    const client = clientHost(raw);
    setPath(raw, `hosts.${client}.socket.SO_KEEPALIVE`, true);
    setPath(raw, `hosts.${client}.socket.${opt}`, n);
  }
  applyAssignments(raw, o.set ?? []);
  const v = validateScenario(raw);
  if (!v.ok) throw new InputError(v.problems.map((p) => `${basename(source)}: ${p}`));
  return { scenario: v.scenario, source };
}

/** The host that connects (the first app with a connect step), else one named client. */
function clientHost(raw: unknown): string {
  const r = raw as { apps?: { host?: string; steps?: { call?: string }[] }[]; hosts?: Record<string, unknown> };
  const app = r.apps?.find((a) => a.steps?.some((s) => s.call === 'connect'));
  if (app?.host) return app.host;
  if (r.hosts && 'client' in r.hosts) return 'client';
  throw new InputError(['-c/-d/-i: this scenario has no connecting client to apply them to']);
}
