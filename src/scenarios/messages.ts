/**
 * zod's issues turned into the one-line problems users read: the field path, what was
 * given (cut to a readable length, src/scenarios/show.ts), what is allowed, and a "did you
 * mean" for near misses (an unknown field, an OS or NAT profile name, a step's call).
 */
import type { z } from 'zod';
import { pathText } from './document.ts';
import { clip, didYouMean, names, show } from './show.ts';

type Schema = z.core.$ZodType;
type Def = { type: string; shape?: Record<string, Schema>; innerType?: Schema; in?: Schema; options?: Schema[]; valueType?: Schema; element?: Schema; items?: Schema[] };
const def = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a path can lead to (through defaults, pipes, unions, records, lists). */
function objectsAt(schema: Schema, path: readonly PropertyKey[]): Def[] {
  let here: Schema[] = [schema];
  const unwrap = (s: Schema): Schema[] => {
    const d = def(s);
    if (d.innerType) return unwrap(d.innerType);
    if (d.type === 'pipe' && d.in) return unwrap(d.in);
    if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
    return [s];
  };
  for (const key of path) {
    here = here.flatMap(unwrap).flatMap((s): Schema[] => {
      const d = def(s);
      if (d.type === 'object' && typeof key === 'string' && d.shape?.[key]) return [d.shape[key]];
      if (d.type === 'record' && d.valueType) return [d.valueType];
      if (d.type === 'array' && d.element && typeof key === 'number') return [d.element];
      if (d.type === 'tuple' && typeof key === 'number' && d.items?.[key]) return [d.items[key]];
      return [];
    });
  }
  return here.flatMap(unwrap).map(def).filter((d) => d.type === 'object');
}

/**
 * The field names the schema allows at `path` (for "did you mean" on an unknown field). With
 * the object given (`input`), a union's option whose tag it carries (`type: nat`) is preferred.
 */
export function fieldsAt(schema: Schema, path: readonly PropertyKey[], input?: unknown): string[] {
  const all = objectsAt(schema, path);
  const tagged = all.filter((d) =>
    Object.entries(d.shape ?? {}).some(([k, s]) => {
      const v = (def(s) as { type: string; values?: unknown[] }).values;
      return def(s).type === 'literal' && input !== null && typeof input === 'object' && v?.includes((input as Record<string, unknown>)[k]);
    }),
  );
  return [...new Set((tagged.length ? tagged : all).flatMap((d) => Object.keys(d.shape ?? {})))];
}

const article = (t: string): string => {
  const words: Record<string, string> = { int: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', object: 'a mapping (key: value)', array: 'a list', record: 'a mapping (key: value)' };
  return words[t] ?? t;
};
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v);

type Issue = z.core.$ZodIssue;

/** One line for one zod issue; `schema` is the schema that was applied (for unknown-field suggestions). */
export function issueText(i: Issue, schema?: Schema): string {
  const where = pathText(i.path.map((p) => clip(String(p), 40)));
  const hasInput = 'input' in i;
  const input = hasInput ? (i as { input?: unknown }).input : undefined;
  switch (i.code) {
    case 'invalid_type': {
      const expected = (i as { expected: string }).expected;
      if (i.path.length === 0 && (input === null || input === undefined)) return '(top level): the document is empty: a scenario is a mapping with at least `hosts` (two of them)';
      if (input === undefined) return `${where}: missing (expected ${article(expected)})`;
      if (input === null) return `${where}: empty (null), expected ${article(expected)}`;
      if (typeof input === 'number' && !Number.isFinite(input)) return `${where}: ${show(input)} is not a finite number`;
      if (expected === 'int' && typeof input === 'number') return `${where}: ${show(input)} is not a whole number`;
      return `${where}: ${show(input)} is ${kindOf(input)}, expected ${article(expected)}`;
    }
    case 'too_big':
    case 'too_small': {
      const b = i as unknown as { minimum?: number | bigint; maximum?: number | bigint; origin?: string };
      if (!/^Too (big|small)/.test(i.message)) return `${where}: ${i.message}`; // the schema's own words
      if (b.origin === 'array' || b.origin === 'set') {
        const n = Array.isArray(input) ? input.length : undefined;
        return `${where}: ${n === undefined ? '' : `${n} item${n === 1 ? '' : 's'}, `}${i.code === 'too_big' ? `at most ${String(b.maximum)}` : `at least ${String(b.minimum)}`}`;
      }
      if (b.origin === 'string') return `${where}: ${show(input)} is too ${i.code === 'too_big' ? `long (at most ${String(b.maximum)} characters)` : `short (at least ${String(b.minimum)} characters)`}`;
      const shown = hasInput ? `${show(input)} ` : '';
      if (i.code === 'too_big') return `${where}: ${shown}is too large (at most ${String(b.maximum)})`;
      return `${where}: ${shown}is too small (at least ${String(b.minimum)})`;
    }
    case 'unrecognized_keys': {
      const keys = i.keys;
      const allowed = schema ? fieldsAt(schema, i.path, input) : [];
      const hint = keys.length === 1 && allowed.length ? didYouMean(keys[0] as string, allowed) || ` (fields here: ${allowed.join(', ')})` : allowed.length ? ` (fields here: ${allowed.join(', ')})` : '';
      return `${where}: unknown field${keys.length > 1 ? 's' : ''} ${names(keys, 5)}${hint}`;
    }
    case 'invalid_value': {
      const values = (i as { values: unknown[] }).values.map(String);
      if (values.length === 1) return `${where}: ${show(input)} is not ${show(values[0])}`;
      return `${where}: ${show(input)} is not one of ${values.join(', ')}${typeof input === 'string' ? didYouMean(input, values) : ''}`;
    }
    case 'invalid_key': {
      const inner = (i as { issues?: Issue[] }).issues?.[0];
      const last = i.path[i.path.length - 1];
      return `${where}: ${show(String(last))} is not ${inner?.message ?? 'a valid key'}`;
    }
    case 'invalid_format': {
      const f = (i as { format?: string }).format;
      if (f === 'ipv4') return `${where}: ${show(input)} is not an IPv4 address (like 10.0.0.7)`;
      if (f === 'regex') return `${where}: ${show(input)} is not ${i.message}`;
      return `${where}: ${show(input)} ${i.message}`;
    }
    case 'invalid_union':
      return unionText(i, where, input, schema);
    default:
      return `${where}: ${i.message}`;
  }
}

function unionText(i: Extract<Issue, { code: 'invalid_union' }>, where: string, input: unknown, schema?: Schema): string {
  // a discriminated union (`program.kind`, `steps.N.call`, `faults.N.type`, `middleboxes.N.type`): name the bad tag, not the whole object
  const d = i as unknown as { discriminator?: string; options?: unknown[] };
  if (d.discriminator !== undefined) {
    const options = (d.options ?? []).map(String);
    const tag = input && typeof input === 'object' ? (input as Record<string, unknown>)[d.discriminator] : undefined;
    const at = pathText([...i.path.slice(0, -1), d.discriminator].map((p) => clip(String(p), 40)));
    // zod 4 puts the discriminator at the end of the path; older shapes do not
    const field = i.path[i.path.length - 1] === d.discriminator ? where : at;
    if (tag === undefined) return `${field}: missing (one of ${options.join(', ')})`;
    return `${field}: ${show(tag)} is not one of ${options.join(', ')}${typeof tag === 'string' ? didYouMean(tag, options) : ''}`;
  }
  if (typeof input === 'number' && !Number.isFinite(input)) return `${where}: ${show(input)} is not a finite number`;
  // the branch whose type matched explains the problem (a negative number of seconds, a bad duration text)
  const branches = i.errors.filter((errs) => errs.length && !errs.every((e) => e.code === 'invalid_type' && e.path.length === 0));
  const only = branches.length === 1 ? (branches[0] as Issue[])[0] : undefined;
  if (only) return issueText({ ...only, path: [...i.path, ...only.path] } as Issue, schema);
  // mappings told apart by a literal field (`loss: {model: …}`): name that field and its values
  const tags = branches.map((errs) => errs.find((e) => e.code === 'invalid_value' && e.path.length === 1));
  const key = tags[0]?.path[0];
  if (branches.length > 1 && tags.every((t) => t !== undefined && t.path[0] === key) && input && typeof input === 'object' && typeof key === 'string') {
    const values = tags.flatMap((t) => (t as { values: unknown[] }).values.map(String));
    const tag = (input as Record<string, unknown>)[key];
    const at = pathText([...i.path, key].map((p) => clip(String(p), 40)));
    if (tag === undefined) return `${at}: missing (one of ${values.join(', ')})`;
    return `${at}: ${show(tag)} is not one of ${values.join(', ')}${typeof tag === 'string' ? didYouMean(tag, values) : ''}`;
  }
  if (branches.length > 1) {
    const fewest = [...branches].sort((a, b) => a.length - b.length)[0] as Issue[];
    const e = fewest[0] as Issue;
    return issueText({ ...e, path: [...i.path, ...e.path] } as Issue, schema);
  }
  const expected = [...new Set(i.errors.flatMap((errs) => errs.filter((e) => e.code === 'invalid_type').map((e) => article((e as { expected: string }).expected))))];
  if (expected.length) return `${where}: ${show(input)} is ${kindOf(input)}, expected ${expected.join(' or ')}`;
  return `${where}: ${show(input)} does not match any allowed form`;
}
