/**
 * The pure half of loading a scenario, shared by the CLI (sim/load.ts) and the browser lab
 * (lab/): scenario text → raw document, and `--set path=value` overrides applied to the raw
 * document before validation. Same code, so the same one-line messages in both.
 */
import YAML from 'yaml';
import { InputError } from './input-error.ts';

/** Parse a scenario document; `path` names it in the message (`.json` is read as JSON, anything else as YAML). */
export function parseScenarioText(text: string, path: string): unknown {
  try {
    return path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new InputError([`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`]);
  }
}

/** Set `a.b.0.c` in a plain object tree, creating objects as needed. */
export function setPath(root: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '') || typeof root !== 'object' || root === null) throw new InputError([`--set ${path}: not a field path like hosts.client.socket.TCP_KEEPIDLE`]);
  let node = root as Record<string, unknown>;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i] as string;
    const next = node[k];
    if (next === undefined || next === null) node[k] = {};
    else if (typeof next !== 'object') throw new InputError([`--set ${path}: ${keys.slice(0, i + 1).join('.')} is a ${typeof next}, not an object`]);
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Parse `path=value`; the value is read as YAML (numbers, booleans, strings, lists). */
export function parseAssignment(text: string): [string, unknown] {
  const i = text.indexOf('=');
  if (i <= 0) throw new InputError([`--set ${text}: expected path=value`]);
  const v = text.slice(i + 1);
  let value: unknown = v;
  try {
    value = YAML.parse(v);
  } catch {
    value = v;
  }
  return [text.slice(0, i).trim(), value];
}

/** Apply `--set path=value` assignments, in order, to a raw scenario document. */
export function applyAssignments(raw: unknown, assignments: readonly string[]): void {
  for (const a of assignments) {
    const [path, value] = parseAssignment(a);
    setPath(raw, path, value);
  }
}
