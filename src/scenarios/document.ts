/**
 * A scenario document as parsed from YAML, JSON or a program, made safe to validate: a
 * fresh tree of plain objects and arrays, with the limits of docs/limits.md checked before
 * the schema sees it. What this refuses would otherwise crash or mislead later steps:
 * a YAML alias inside its own anchor (a circular structure), nesting thousands of levels
 * deep (stack overflow), keys that reach Object.prototype (`__proto__`), and documents so
 * large that listing their problems is itself the problem.
 *
 * The copy also un-shares YAML aliases (`server: *client`), so a `--set` on one place
 * never changes another.
 */

/** Deepest nesting of lists and objects (the deepest real field, `apps.N.program.ping.interval`, is 5). */
export const MAX_DEPTH = 32;
/** Most values (scalars, lists and objects) in one document. */
export const MAX_NODES = 1_000_000;
/** Keys that would reach or replace an object's prototype when a path or key is applied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type Copy = { ok: true; doc: unknown } | { ok: false; problems: string[] };

/** The path of a value, as messages name fields: `apps.0.steps.1.at`, or `(top level)`. */
export const pathText = (path: readonly (string | number)[]): string => (path.length ? path.join('.') : '(top level)');

/**
 * Copy `raw` into plain data, or say why not. Iterative (an explicit stack), so depth is a
 * checked limit rather than the JavaScript stack's.
 */
export function plainCopy(raw: unknown): Copy {
  const problems: string[] = [];
  let nodes = 0;
  const root: { v: unknown } = { v: undefined };
  // each frame: the source value, where its copy goes, its path, its ancestors (cycle check)
  const stack: { src: unknown; put: (v: unknown) => void; path: (string | number)[]; ancestors: unknown[] }[] = [
    { src: raw, put: (v) => void (root.v = v), path: [], ancestors: [] },
  ];
  while (stack.length) {
    const f = stack.pop() as (typeof stack)[number];
    if (++nodes > MAX_NODES) {
      problems.push(`(top level): more than ${MAX_NODES.toLocaleString('en-US')} values in one document (docs/limits.md)`);
      break;
    }
    const v = f.src;
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') problems.push(`${pathText(f.path)}: a ${typeof v} is not data`);
      else f.put(v);
      continue;
    }
    if (f.ancestors.includes(v)) {
      problems.push(`${pathText(f.path)}: refers to itself (a YAML alias inside its own anchor)`);
      if (problems.length >= 20) break;
      continue;
    }
    if (f.path.length >= MAX_DEPTH) {
      problems.push(`${pathText(f.path.slice(0, 6))}…: nested more than ${MAX_DEPTH} levels deep (docs/limits.md)`);
      break;
    }
    const ancestors = [...f.ancestors, v];
    if (Array.isArray(v)) {
      const out: unknown[] = new Array<unknown>(v.length);
      f.put(out);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ src: v[i], put: (x) => void (out[i] = x), path: [...f.path, i], ancestors });
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      problems.push(`${pathText(f.path)}: a ${(v as object).constructor?.name ?? 'non-plain object'} is not data (expected a mapping or a list)`);
      continue;
    }
    const out: Record<string, unknown> = {};
    f.put(out);
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      if (FORBIDDEN_KEYS.has(k)) {
        problems.push(`${pathText([...f.path, k])}: ${JSON.stringify(k)} is not allowed as a key (it would reach the object's prototype)`);
        continue;
      }
      stack.push({ src: (v as Record<string, unknown>)[k], put: (x) => void (out[k] = x), path: [...f.path, k], ancestors });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, doc: root.v };
}
