/**
 * Distributed sweeps (`sweep --engine bullmq`, `keepalive-lab worker`; docs/sweeps.md) on a real
 * redis-server started here on a free loopback port: the same files as the local pool after a
 * worker and the coordinator are killed mid-sweep, a point that crashes its worker reported
 * failed while the sweep finishes, payloads that are not chunk jobs refused, the password in
 * no output, nothing left in Redis. Processes are killed at a known point of the work
 * (KEEPALIVE_LAB_FAULTS, sim/sweep/engine/faults.ts), never after a delay.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../support/cli.ts';
import { need, REDIS } from '../support/needs.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { decodeSpec, encodeSpec, chunkJobSchema, specSchema, type Spec } from '../../sim/sweep/engine/protocol.ts';
import { parseVary } from '../../src/sweep/spec.ts';
import { redact, redisUrl } from '../../sim/sweep/engine/connection.ts';
import { EngineProgress, workersText } from '../../sim/sweep/engine/progress.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'keepalive-lab.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kal-dsweep-'));

let server: TestRedis | null = null;
const redis = async (): Promise<TestRedis> => (server ??= await startRedis());
afterAll(async () => {
  await server?.stop();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

interface Proc {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: () => string;
  err: () => string;
  stop: () => void;
}

/** `keepalive-lab …` as a real process (the compiled CLI, as on a cluster node). */
function start(args: string[], env: Record<string, string>): Proc {
  const base = { ...process.env };
  delete base['KEEPALIVE_LAB_FAULTS'];
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return {
    exit: new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal }))),
    out: () => out,
    err: () => err,
    stop: () => void p.kill('SIGTERM'),
  };
}

const read = (f: string): string => readFileSync(f, 'utf8');
const table = (out: string): string => out.slice(0, out.indexOf('\n\nwrote '));
const worker = (name: string, env: Record<string, string>, ...more: string[]): Proc => start(['worker', '--concurrency', '1', '--name', name, '--lock-duration', '5s', ...more], env);

describe('sweep --engine bullmq on a real Redis', () => {
  beforeEach((ctx) => need(ctx, REDIS));

  it('3,000 runs, 3 worker processes, one killed holding a chunk, the coordinator killed and resumed: the same rows, summary and plots as the local pool', async () => {
    const r = await redis();
    const file = join(dir, 'big.yaml');
    // 30 × 10 × 10 keepalive triples of seed 000's pulled cable: 3,000 runs, 47 chunks of 64
    writeFileSync(file, 'scenario: seed000-cable-pull\nvary:\n  hosts.client.socket.TCP_KEEPIDLE: 1..30\n  hosts.client.socket.TCP_KEEPINTVL: 1..10\n  hosts.client.socket.TCP_KEEPCNT: 1..10\n');
    const local = await cli('sweep', '--file', file, '--workers', '2', '--out', join(dir, 'local'));
    expect(local.err).toBe('');
    expect(local.code).toBe(0);

    const env = { KEEPALIVE_LAB_REDIS_URL: r.url };
    const prefix = join(dir, 'dist');
    const args = ['sweep', file, '--engine', 'bullmq', '--out', prefix];
    // the coordinator dies once 1,200 rows are journaled; worker K alone at first, dies as it starts its 151st point (in chunk 2)
    const c1 = start(args, { ...env, KEEPALIVE_LAB_FAULTS: 'kill-after:1200' });
    const k = worker('wK', { ...env, KEEPALIVE_LAB_FAULTS: 'kill-after:150' });
    expect(await k.exit).toEqual({ code: null, signal: 'SIGKILL' });
    const others = [worker('wA', env), worker('wB', env)];
    expect(await c1.exit).toEqual({ code: null, signal: 'SIGKILL' });

    const journal = read(`${prefix}.jsonl`).trim().split('\n').map((l) => (JSON.parse(l) as { run: number }).run);
    expect(journal.length).toBeGreaterThanOrEqual(1200);
    expect(journal.length).toBeLessThan(3000);
    expect(new Set(journal).size).toBe(journal.length); // no run journaled twice

    const c2 = start([...args, '--resume'], env);
    expect(await c2.exit).toEqual({ code: 0, signal: null });
    for (const w of others) w.stop();
    for (const w of others) expect(await w.exit).toEqual({ code: 0, signal: null });

    // byte for byte: rows, CSV, summary, plots; and the same table on stdout
    for (const ext of ['jsonl', 'csv', 'summary.txt']) expect(read(`${prefix}.${ext}`), ext).toBe(read(join(dir, `local.${ext}`)));
    // plots: the same files (a degenerate Pareto front is skipped by both) with the same bytes
    const plots = (p: string): string[] => readdirSync(dirname(p)).filter((f) => f.startsWith(`${basename(p)}.`) && /\.(svg|png)$/.test(f)).map((f) => f.slice(basename(p).length)).sort();
    expect(plots(prefix)).toEqual(plots(join(dir, 'local')));
    for (const ext of plots(prefix)) expect(readFileSync(`${prefix}${ext}`).equals(readFileSync(join(dir, `local${ext}`))), ext).toBe(true);
    expect(table(c2.out())).toBe(table(local.out));

    // the killed worker's chunk ran again elsewhere; every run counted once over both coordinator sessions
    expect(c1.err() + c2.err()).toMatch(/chunk 2 ran again on w[AB] \(start 2:/);
    const done = /sweep: 3000\/3000 runs \((\d+) now, (\d+) from the journal\).*per worker: (.*)$/m.exec(c2.err());
    expect(done?.[2]).toBe(String(journal.length));
    expect(Number(done?.[1]) + journal.length).toBe(3000);
    expect(done?.[3]).toMatch(/^wA \d+, wB \d+$/);
    expect(c2.err()).toContain('waiting for it to stop or for its lease to expire');

    // the password is in no output; nothing of the sweep is left in Redis
    for (const p of [c1, c2, k, ...others]) expect(p.out() + p.err()).not.toContain(r.password);
    expect(r.cli('--scan', '--pattern', 'kal-sweep:*').trim()).toBe('');
    expect(r.cli('zcard', 'kal:keepalive-lab:failed').trim()).toBe('0');
    expect(r.cli('zcard', 'kal:keepalive-lab:completed').trim()).toBe('0');
  });

  it('a point that crashes its worker twice is reported failed with its error and the sweep finishes; --resume runs it again; a job that is not a chunk of a sweep is refused', async () => {
    const r = await redis();
    const file = join(dir, 'small.yaml');
    writeFileSync(file, 'scenario: seed000-cable-pull\nvary:\n  hosts.client.socket.TCP_KEEPIDLE: 1..10\n  hosts.client.socket.TCP_KEEPCNT: 1..4\nmetrics: [detect, overhead]\n');
    const local = await cli('sweep', '--file', file, '--workers', '1', '--out', join(dir, 'slocal'), '--no-plots');
    expect(local.code).toBe(0);
    const env = { KEEPALIVE_LAB_REDIS_URL: r.url };

    // payloads that are not chunk jobs of a published sweep, queued ahead of the sweep
    const { Queue } = await import('bullmq');
    const { Redis } = await import('ioredis');
    const conn = new Redis(r.url, { maxRetriesPerRequest: null });
    const q = new Queue('keepalive-lab', { connection: conn, prefix: 'kal' });
    await q.add('chunk', { v: 1, sweep: '0123456789abcdef-1', first: 0, count: 5, code: 'process.exit(1)' }, { jobId: 'bogus-1' });
    await q.add('chunk', { v: 1, sweep: '../../etc', first: -1, count: 1e9 }, { jobId: 'bogus-2' });
    await q.add('chunk', { v: 1, sweep: '0123456789abcdef-1', first: 0, count: 5 }, { jobId: 'bogus-3' }); // well formed, no such sweep

    const w = worker('wC', { ...env, KEEPALIVE_LAB_FAULTS: 'crash-run:13' }, '--concurrency', '2');
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', r.url);
    const prefix = join(dir, 'crash');
    const c = await cli('sweep', '--file', file, '--engine', 'bullmq', '--chunk', '8', '--out', prefix, '--no-plots');
    expect(c.code).toBe(3);
    expect(c.err).toContain('chunk 1 failed twice (worker exited with code: 86); running its 8 missing runs one by one');
    expect(c.err).toContain('run 13 failed: worker exited with code: 86\n');
    expect(c.err).toMatch(/1 run\(s\) failed twice and have no row \(listed in \S+crash\.failed\.jsonl\); --resume runs them again\n$/);
    expect(table(c.out)).toMatch(/^point/);
    const failed = read(`${prefix}.failed.jsonl`).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failed).toEqual([{ run: 13, point: 13, 'hosts.client.socket.TCP_KEEPIDLE': 4, 'hosts.client.socket.TCP_KEEPCNT': 2, seed: 1, error: 'worker exited with code: 86' }]);
    const want = read(join(dir, 'slocal.jsonl')).split('\n').filter((l) => l && !l.startsWith('{"run":13,'));
    expect(read(`${prefix}.jsonl`).trim().split('\n')).toEqual(want);

    w.stop();
    expect(await w.exit).toEqual({ code: 0, signal: null });
    expect(w.err()).toMatch(/invalid chunk job bogus-1: .*[Uu]nrecognized key/);
    expect(w.err()).toMatch(/invalid chunk job bogus-2: /);
    expect(w.err()).not.toContain('bogus-3'); // no spec: skipped quietly

    const w2 = worker('wD', env);
    const again = await cli('sweep', '--file', file, '--engine', 'bullmq', '--chunk', '8', '--out', prefix, '--no-plots', '--resume');
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/sweep: 40\/40 runs \(1 now, 39 from the journal\)/);
    for (const ext of ['jsonl', 'csv', 'summary.txt']) expect(read(`${prefix}.${ext}`), ext).toBe(read(join(dir, `slocal.${ext}`)));
    expect(existsSync(`${prefix}.failed.jsonl`)).toBe(false);
    w2.stop();
    expect(await w2.exit).toEqual({ code: 0, signal: null });
    for (const p of [w, w2]) expect(p.out() + p.err()).not.toContain(r.password);
    expect(c.err + again.err).not.toContain(r.password);
    await q.obliterate({ force: true });
    await q.close();
    await conn.quit();
  });

  it('a wrong password or an unreachable queue is one line naming the server, without the password, exit 2', async () => {
    const r = await redis();
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', r.url.replace(r.password, 'wrong-secret-pw'));
    const a = await cli('sweep', 'seed002-probe-ack', '--vary', 'path.loss=0,0.5', '--engine', 'bullmq');
    expect(a).toEqual({ code: 2, out: '', err: `error: cannot reach the queue at redis://127.0.0.1:${r.port}/0: WRONGPASS invalid username-password pair or user is disabled.\n` });
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', `redis://:wrong-secret-pw@127.0.0.1:1/0`);
    const b = await cli('worker');
    expect(b).toEqual({ code: 2, out: '', err: 'error: cannot reach the queue at redis://127.0.0.1:1/0: connect ECONNREFUSED 127.0.0.1:1\n' });
  });
});

describe('the queue URL and the payloads', () => {
  it('takes the URL from the environment or a file, never echoes it, refuses other schemes', () => {
    expect(redisUrl({ env: { KEEPALIVE_LAB_REDIS_URL: 'redis://:pw@h:6380/2' } }).url).toBe('redis://:pw@h:6380/2');
    const f = join(dir, 'url');
    writeFileSync(f, 'rediss://user:secret@cache.example:6379\n', { mode: 0o600 });
    expect(redisUrl({ file: f, env: {} }).url).toBe('rediss://user:secret@cache.example:6379');
    expect(redisUrl({ env: { KEEPALIVE_LAB_REDIS_URL_FILE: f } }).url).toBe('rediss://user:secret@cache.example:6379');
    expect(redact('rediss://user:secret@cache.example:6379')).toBe('rediss://cache.example:6379/0');
    expect(() => redisUrl({ env: { KEEPALIVE_LAB_REDIS_URL: 'http://u:secret@h' } })).toThrow('KEEPALIVE_LAB_REDIS_URL: the scheme must be redis:// or rediss://, not http://');
    expect(() => redisUrl({ env: { KEEPALIVE_LAB_REDIS_URL: 'not a url secret' } })).toThrow(/^KEEPALIVE_LAB_REDIS_URL: not a URL \(expected/);
    expect(() => redisUrl({ file: join(dir, 'missing'), env: {} })).toThrow(`--redis-url-file: cannot read ${join(dir, 'missing')}: ENOENT`);
  });

  it.each([
    [['--engine', 'bullmq'], 'error: --engine bullmq: no queue URL: set KEEPALIVE_LAB_REDIS_URL=redis://[user:password@]host:6379[/db] (rediss:// for TLS), or give --redis-url-file <file> (or KEEPALIVE_LAB_REDIS_URL_FILE)\n'],
    [['--engine', 'bullmq', '--workers', '2'], 'error: --workers: with --engine bullmq the runs execute on `npx keepalive-lab worker` processes (their --concurrency), not here\n'],
    [['--engine', 'bullmq', '--chunk', '0'], 'error: --chunk: 0 is out of range 1..10000\n'],
    [['--engine', 'bullmq', '--chunk', '20000'], 'error: --chunk: 20000 is out of range 1..10000\n'],
    [['--engine', 'bullmq', '--queue', 'a:b'], 'error: --queue: "a:b" must be 1..64 letters, digits, _ or -\n'],
    [['--chunk', '8'], 'error: --chunk: only with --engine bullmq\n'],
    [['--redis-url-file', '/x'], 'error: --redis-url-file: only with --engine bullmq\n'],
  ])('sweep %j → exit 2 and one line', async (args, msg) => {
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', '');
    const r = await cli('sweep', 'seed002-probe-ack', '--vary', 'path.loss=0,0.5', ...args);
    expect(r).toEqual({ code: 2, out: '', err: msg });
  });

  it('worker: a bad flag or no URL is one line, exit 2', async () => {
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', '');
    expect(await cli('worker')).toMatchObject({ code: 2, err: expect.stringMatching(/^error: --engine bullmq: no queue URL: /) as unknown });
    vi.stubEnv('KEEPALIVE_LAB_REDIS_URL', 'redis://:topsecret@127.0.0.1:1/0');
    expect(await cli('worker', '--concurrency', '0')).toEqual({ code: 2, out: '', err: 'error: --concurrency: 0 is out of range 1..256\n' });
    expect(await cli('worker', '--lock-duration', '10ms')).toEqual({ code: 2, out: '', err: 'error: --lock-duration: 10ms is out of range 1s..1h\n' });
    vi.stubEnv('KEEPALIVE_LAB_FAULTS', 'explode');
    expect(await cli('worker')).toEqual({ code: 2, out: '', err: 'error: KEEPALIVE_LAB_FAULTS: "explode" is not kill-after:N or crash-run:R[+R…]\n' });
    vi.stubEnv('KEEPALIVE_LAB_FAULTS', '');
  });

  const spec = (): Spec => ({
    v: 1,
    version: '0.1.0',
    chunk: 64,
    total: 2,
    task: { raw: { hosts: {} }, set: ['path.loss=0.1'] },
    plan: { dims: [parseVary('path.loss=0,0.5')], seeds: [1] },
  });

  it('a spec is content-addressed and strictly shaped: tampering, unknown fields and prototype paths are refused', () => {
    const { text, id } = encodeSpec(spec());
    expect(decodeSpec(text, `${id}-1`)).toEqual(spec());
    expect(() => decodeSpec(text.replace('path.loss=0.1', 'path.loss=0.2'), `${id}-1`)).toThrow('does not match its content address');
    // the chunk size and version are not part of the id: another --chunk is the same sweep, a new generation
    expect(encodeSpec({ ...spec(), chunk: 8 }).id).toBe(id);
    const bad = (s: unknown): boolean => !specSchema.safeParse(s).success;
    expect(bad({ ...spec(), extra: 1 })).toBe(true);
    expect(bad({ ...spec(), plan: { ...spec().plan, dims: [{ ...parseVary('path.loss=1,2'), path: '__proto__.polluted' }] } })).toBe(true);
    expect(bad({ ...spec(), plan: { ...spec().plan, dims: [{ ...parseVary('path.loss=1'), path: 'hosts.constructor.prototype' }] } })).toBe(true);
    expect(bad({ ...spec(), task: { ...spec().task, set: ['hosts.__proto__.x=1'] } })).toBe(true);
    // a "__proto__" key of the scenario document is dropped, never assigned
    const parsed = specSchema.parse({ ...spec(), task: { ...spec().task, raw: JSON.parse('{"hosts": {"__proto__": {"polluted": 1}}}') as unknown } });
    expect(parsed.task.raw).toEqual({ hosts: {} });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(chunkJobSchema.safeParse({ v: 1, sweep: `${id}-1`, first: 0, count: 64 }).success).toBe(true);
    expect(chunkJobSchema.safeParse({ v: 1, sweep: `${id}-1`, first: 0, count: 64, fn: 'x' }).success).toBe(false);
    expect(chunkJobSchema.safeParse({ v: 1, sweep: `${id}-1`, first: 0, count: 20_000 }).success).toBe(false);
  });

  it('progress in a log: done/total, runs/s and ETA of this session, failures, per-worker counts', () => {
    const lines: string[] = [];
    const p = new EngineProgress(100, 20, (l) => lines.push(l), false, 0);
    p.update({ done: 60, failed: 1, perWorker: new Map([['b', 10], ['a', 30]]), rerun: 0 });
    p.finish({ done: 99, failed: 1, perWorker: new Map([['a', 50], ['b', 29]]), rerun: 2 });
    expect(lines[0]).toMatch(/^sweep: 60\/100 runs \(60\.0 %\), \d+ runs\/s, ETA \S+ (s|min|h), 1 failed; per worker: a 30, b 10$/);
    expect(lines[1]).toMatch(/^sweep: 99\/100 runs \(79 now, 20 from the journal\) in \d+\.\d s, \d+ runs\/s; 1 failed; 2 chunks re-run after a lost or crashed worker; per worker: a 50, b 29$/);
    expect(workersText(new Map(Array.from({ length: 12 }, (_, i) => [`w${i}`, 100 + i])))).toBe('12 workers (100..111 runs each)');
  });
});
