/**
 * What travels through Redis in a distributed sweep, and its validation. Nothing read from
 * the queue is ever run as code: a worker accepts only these shapes (zod, strict: an unknown
 * field is refused), and everything it runs is a scenario document validated like any
 * scenario file, with field paths that cannot reach an object's prototype.
 *
 * - The sweep spec (`kal-sweep:<queue>:spec:<token>`): the scenario document, the fixed
 *   overrides, horizon and metrics, the dimensions and seeds (what the rows mean), and the
 *   chunk size and version (how they are made). Content-addressed: the token starts with the
 *   first 16 hex digits of the SHA-256 of the task and plan as stored, which the worker
 *   checks, so a corrupted or swapped spec is refused rather than silently run.
 * - A chunk job on the points queue: `{v, sweep, first, count}`, only indexes into the plan;
 *   the worker rebuilds those runs from the spec (PlanIndex), so the job cannot name values.
 * - A result job on the sweep's results queue: the rows of one chunk, checked by the
 *   coordinator against its own plan before they reach the journal.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Dimension } from '../../../src/sweep/spec.ts';
import type { Row } from '../../../src/sweep/stats.ts';

/** BullMQ's key prefix for our queues; our own keys use KEY_PREFIX. */
export const BULL_PREFIX = 'kal';
export const KEY_PREFIX = 'kal-sweep';
export const DEFAULT_QUEUE = 'keepalive-lab';
/** One chunk job: at most this many runs. */
export const MAX_CHUNK = 10_000;
/** A spec larger than this is refused (a scenario document is a few kB). */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[0-9a-f]{16}-[1-9]\d{0,8}$/;

export const keys = {
  spec: (queue: string, token: string): string => `${KEY_PREFIX}:${queue}:spec:${token}`,
  gen: (queue: string, id: string): string => `${KEY_PREFIX}:${queue}:gen:${id}`,
  lease: (queue: string, token: string): string => `${KEY_PREFIX}:${queue}:lease:${token}`,
  results: (queue: string, token: string): string => `${queue}-results-${token}`,
};

/** Job ids: `<token>.c<chunk>`, and `<token>.c<chunk>.r<run>` for a chunk split into single runs. */
export const jobId = (token: string, chunk: number, run?: number): string => `${token}.c${chunk}${run !== undefined ? `.r${run}` : ''}`;
export function parseJobId(id: string): { token: string; chunk: number; run?: number } | null {
  const m = /^([0-9a-f]{16}-\d+)\.c(\d+)(?:\.r(\d+))?$/.exec(id);
  if (!m) return null;
  return { token: m[1] as string, chunk: Number(m[2]), ...(m[3] !== undefined ? { run: Number(m[3]) } : {}) };
}

/** A field path segment that could reach Object.prototype through `setPath` is refused. */
const SAFE_PATH = /^(?!.*(?:^|\.)(?:__proto__|constructor|prototype)(?:\.|$))[^.\s]+(\.[^.\s]+)*$/;
const path = z.string().max(500).regex(SAFE_PATH, 'not a safe field path');
const int = z.number().int().safe();
const value = z.union([z.number(), z.string().max(10_000), z.boolean()]);

const dimension = z.discriminatedUnion('kind', [
  z.strictObject({ path, kind: z.literal('range'), text: z.string().max(1000), lo: int, hi: int, step: int.min(1), scale: z.number().positive() }).refine((d) => d.hi >= d.lo, 'empty range'),
  z.strictObject({ path, kind: z.literal('list'), text: z.string().max(100_000), values: z.array(value).min(1).max(1_000_000) }),
]);

/** A JSON document: plain data only (the scenario is validated again when each run is built). */
const json: z.ZodType<unknown> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string().regex(/^(?!__proto__$|constructor$|prototype$)/), json)]));

export const specSchema = z.strictObject({
  v: z.literal(1),
  /** the coordinator's keepalive-lab version: a worker of another version refuses the sweep */
  version: z.string().max(50),
  chunk: int.min(1).max(MAX_CHUNK),
  total: int.min(1),
  task: z.strictObject({
    raw: json,
    set: z.array(z.string().max(100_000).refine((s) => SAFE_PATH.test(s.slice(0, Math.max(0, s.indexOf('='))).trim()), 'not path=value with a safe field path')).max(10_000),
    until: int.min(1).optional(),
    metrics: z.array(z.string().max(200)).max(1000).optional(),
  }),
  plan: z.strictObject({
    dims: z.array(dimension).min(1).max(100),
    seeds: z.array(int.min(0).max(2 ** 32 - 1)).min(1).max(1_000_000),
    sample: int.min(1).optional(),
    sampleSeed: int.min(0).optional(),
  }),
});
export type Spec = z.infer<typeof specSchema> & { plan: { dims: Dimension[] } };

/**
 * The sweep's id: 16 hex digits of the SHA-256 of its task and plan. The same sweep run with
 * another chunk size keeps its id (a new generation replaces the old one). JSON.stringify of a
 * parsed JSON text gives the text back, so the worker recomputes the same id from what it reads.
 */
const sweepId = (s: Pick<Spec, 'task' | 'plan'>): string => createHash('sha256').update(JSON.stringify({ task: s.task, plan: s.plan })).digest('hex').slice(0, 16);

/** The spec as stored, and the sweep id. */
export function encodeSpec(s: Spec): { text: string; id: string } {
  return { text: JSON.stringify(s), id: sweepId(s) };
}

/** A spec read back from Redis for `token`: checked against its content address, then its shape. */
export function decodeSpec(text: string, token: string): Spec {
  if (text.length > MAX_SPEC_BYTES) throw new Error(`spec of ${token} is ${text.length} bytes, more than ${MAX_SPEC_BYTES}`);
  const doc = JSON.parse(text) as Pick<Spec, 'task' | 'plan'>;
  const id = sweepId(doc);
  if (!token.startsWith(`${id}-`)) throw new Error(`spec of ${token} does not match its content address (${id}): refused`);
  const r = specSchema.safeParse(doc);
  if (!r.success) throw new Error(`spec of ${token} is malformed: ${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''}`);
  return r.data as Spec;
}

export const chunkJobSchema = z.strictObject({
  v: z.literal(1),
  sweep: z.string().regex(TOKEN),
  first: int.min(0),
  count: int.min(1).max(MAX_CHUNK),
});
export type ChunkJob = z.infer<typeof chunkJobSchema>;

const cell = z.union([z.number(), z.string().max(100_000), z.boolean(), z.null()]);
export const resultSchema = z.strictObject({
  v: z.literal(1),
  sweep: z.string().regex(TOKEN),
  /** the chunk job that produced it */
  job: z.string().max(200),
  /** the worker's name, for the per-worker counts */
  worker: z.string().max(200),
  /** how many times the chunk job had been started (> 1: re-run after a lost worker or a crash) */
  started: int.min(0),
  rows: z.array(z.record(z.string().max(1000), cell)).max(MAX_CHUNK),
  /** a run whose combination of values is invalid: the sweep stops, as it does locally */
  invalid: z.strictObject({ run: int.min(0), error: z.string().max(10_000) }).optional(),
});
export type Result = z.infer<typeof resultSchema> & { rows: Row[] };
