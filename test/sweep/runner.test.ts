/**
 * The sweep runner (sim/sweep) on real runs: the same files whatever the number of worker
 * threads, an interrupted sweep resumed to the same bytes, and the CLI's handling of files
 * and mistakes (exit 2, one line naming the flag, nothing written).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSweep, type SweepOptions } from '../../sim/sweep/runner.ts';
import { parseVary } from '../../src/sweep/spec.ts';
import { InputError } from '../../sim/load.ts';
import { main } from '../../sim/cli.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kal-sweep-'));
});
afterEach(() => vi.restoreAllMocks());

/** 2 loss rates × 4 seeds of seed 002's healthy connection: some runs raise false alarms. */
const small = (out: string, workers: number): SweepOptions => ({
  scenario: 'seed002-probe-ack',
  dims: [parseVary('path.loss=0,0.5')],
  seeds: [1, 2, 3, 4],
  workers,
  out: join(dir, out),
});
const files = (prefix: string): string[] => ['jsonl', 'csv', 'summary.txt'].map((e) => readFileSync(join(dir, `${prefix}.${e}`), 'utf8'));

describe('runSweep', () => {
  it('writes the same bytes with 1 and 2 workers, rows in run order', async () => {
    const a = await runSweep(small('w1', 1));
    const b = await runSweep(small('w2', 2));
    expect(a.ran).toBe(8);
    expect(b.rows).toEqual(a.rows);
    expect(files('w2')).toEqual(files('w1'));
    const rows = files('w1')[0]?.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) ?? [];
    expect(rows.map((r) => r['run'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rows[5]).toMatchObject({ run: 5, point: 1, 'path.loss': 0.5, seed: 2, failureAt: null, falseAlarm: true, 'falseAlarm.at': 78.768019 });
    // the lossless point raises no alarm; the 50 % point does in 3 of 4 seeds (seed002-probe-ack, metrics.test.ts)
    expect(a.summary[0]?.metrics.find((m) => m.metric === 'falseAlarm')).toMatchObject({ yes: 0, n: 4 });
    expect(a.summary[1]?.metrics.find((m) => m.metric === 'falseAlarm')).toMatchObject({ yes: 3, n: 4 });
  });

  it('resumes an interrupted sweep: runs only the missing indexes, ends with the same files', async () => {
    const full = readFileSync(join(dir, 'w1.jsonl'), 'utf8').trim().split('\n');
    // killed midway: three rows finished out of order, the last write torn
    writeFileSync(join(dir, 'cut.jsonl'), `${full[5]}\n${full[1]}\n${full[6]}\n${full[2]?.slice(0, 20)}`);
    const r = await runSweep({ ...small('cut', 2), resume: true });
    expect(r.ran).toBe(5);
    expect(files('cut')).toEqual(files('w1'));
  });

  it('refuses to resume from the journal of another sweep, and to overwrite one without --resume or --force', async () => {
    writeFileSync(join(dir, 'other.jsonl'), readFileSync(join(dir, 'w1.jsonl'), 'utf8'));
    const other = { ...small('other', 1), dims: [parseVary('path.loss=0,0.25')] };
    await expect(runSweep({ ...other, resume: true })).rejects.toThrow('--resume: ' + join(dir, 'other.jsonl') + ' line 5 (run 4) was written by a different sweep');
    await expect(runSweep(other)).rejects.toThrow(`--out: ${join(dir, 'other.jsonl')} exists: add --resume to continue that sweep, or --force to start over`);
  });

  it('bad values are found before anything runs or is written', async () => {
    const o = { ...small('bad', 1), dims: [parseVary('hosts.client.socket.TCP_KEEPIDLE=0..2')] };
    await expect(runSweep(o)).rejects.toBeInstanceOf(InputError);
    await expect(runSweep(o)).rejects.toThrow('--vary hosts.client.socket.TCP_KEEPIDLE=0..2: value 0: hosts.client.socket.TCP_KEEPIDLE: 0 is out of range 1..32767 (setsockopt would fail with EINVAL)');
    expect(existsSync(join(dir, 'bad.jsonl'))).toBe(false);
  });
});

/** Run the CLI; returns exit code, stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('keepalive-lab sweep', () => {
  it.each([
    [['--vary', 'hosts.client.socket.TCP_KEEPIDEL=1..3'], 'error: --vary hosts.client.socket.TCP_KEEPIDEL=1..3: value 1: hosts.client.socket: unknown field "TCP_KEEPIDEL" (did you mean "TCP_KEEPIDLE"?)\n'],
    [['--vary', 'path.loss=0.3..0.1'], 'error: --vary path.loss: empty range 0.3..0.1 (the end is below the start)\n'],
    [['--vary', 'path.loss=0..1/0'], 'error: --vary path.loss: step "0" must be more than 0\n'],
    [['--vary', 'path.loss=0,1', '--sample', '0'], 'error: --sample: 0 is out of range 1..250000\n'],
    [['--vary', 'path.loss=0,1', '--seeds', '0'], 'error: --seeds: 0 must be a whole number of seeds, at least 1\n'],
    [['--vary', 'path.loss=0,1', '--workers', '0'], 'error: --workers: 0 is out of range 1..64\n'],
    [['--vary', 'path.loss=0,1', '--metrics', 'bogus'], /^error: --metrics: unknown metric "bogus" \(names: failureAt, .*\)\n$/],
    [['--vary', 'path.loss=0,1', '--resume'], 'error: --resume: needs --out <prefix> (the sweep to continue)\n'],
  ])('%j → exit 2 and one line', async (args, msg) => {
    const r = await cli('sweep', 'seed002-probe-ack', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    if (typeof msg === 'string') expect(r.err).toBe(msg);
    else expect(r.err).toMatch(msg);
  });

  it('a sweep file is equivalent to the flags', async () => {
    const f = join(dir, 'loss.yaml');
    writeFileSync(f, 'scenario: seed002-probe-ack\nvary:\n  path.loss: [0, 0.5]\nseeds: 2\nmetrics: [falseAlarm, overhead]\n');
    const a = await cli('sweep', '--file', f, '--workers', '1');
    const b = await cli('sweep', 'seed002-probe-ack', '--vary', 'path.loss=0,0.5', '--seeds', '2', '--metrics', 'falseAlarm,overhead', '--workers', '1');
    const c = await cli('sweep', f, '--workers', '1'); // sweep FILE: the same as --file FILE
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(c).toEqual(a);
    expect(a.out).toContain('falseAlarm');
    expect(a.err).toBe(''); // no progress bar when stderr is not a terminal
  });

  it('--out writes the journal, CSV, summary and plots (SVG + PNG); --no-plots skips the plots', async () => {
    const prefix = join(dir, 'cli');
    const r = await cli('sweep', 'seed000-cable-pull', '--vary', 'hosts.server.sysctl.tcp_keepalive_intvl=1,5', '--workers', '1', '--out', prefix);
    expect(r.code).toBe(0);
    const written = r.out.split('\n').find((l) => l.startsWith('wrote '))?.slice(6).split(', ') ?? [];
    expect(written.slice(0, 3)).toEqual([`${prefix}.jsonl`, `${prefix}.csv`, `${prefix}.summary.txt`]);
    expect(written.some((f) => f.endsWith('.svg'))).toBe(true);
    expect(written.some((f) => f.endsWith('.png'))).toBe(true);
    for (const f of written) expect(existsSync(f), f).toBe(true);
    expect(readFileSync(`${prefix}.summary.txt`, 'utf8')).toBe(r.out.slice(0, r.out.indexOf('\n\n')) + '\n');
    // both intervals cost the same here: the Pareto plot would be one column, so it is skipped with a note
    expect(r.out).toContain('\n\nplot pareto skipped: every setting has the same overhead.packetsPerHour (965.455): no trade-off to draw\n');
    const q = await cli('sweep', 'seed000-cable-pull', '--vary', 'hosts.server.sysctl.tcp_keepalive_intvl=1,5', '--workers', '1', '--out', join(dir, 'cli2'), '--no-plots');
    expect(q.out).toMatch(/\nwrote \S+cli2\.jsonl, \S+cli2\.csv, \S+cli2\.summary\.txt\n$/);
  });

  it('a combination invalid only together stops the sweep with one line; only the journal is left', async () => {
    const prefix = join(dir, 'combo');
    const r = await cli('sweep', 'aws-natgw-keepidle-300', '--set', 'path.middleboxes.0.ports=[1024,65535]', '--vary', 'path.middleboxes.0.ports.0=1024,60000', '--vary', 'path.middleboxes.0.ports.1=2000,65535', '--workers', '1', '--out', prefix);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --vary: path.middleboxes.0.ports.0=60000 path.middleboxes.0.ports.1=2000: path.middleboxes.0.ports: [60000, 2000] is not a range lo <= hi (finished runs are in ${prefix}.jsonl; fix the sweep and use a new --out)\n`);
    expect(existsSync(`${prefix}.csv`)).toBe(false);
    expect(existsSync(`${prefix}.summary.txt`)).toBe(false);
  });

  it.each(['cable-pull-keepalive', 'nat-survival', 'loss-false-alarms'])('the example sweep file sim/sweeps/%s.yaml runs (2 sampled points, 1 seed)', async (name) => {
    const r = await cli('sweep', '--file', join(import.meta.dirname, '..', '..', 'sim', 'sweeps', `${name}.yaml`), '--sample', '2', '--seeds', '1', '--workers', '1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => /^\d/.test(l))).toHaveLength(2);
  });

  it('a bad sweep file names the file and the field', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'scenario: seed002-probe-ack\nvary: {}\nbogus: 1\n');
    const r = await cli('sweep', '--file', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: --file ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+\n$`));
  });
});
