/**
 * The installed command as a user runs it: a real process through bin/keepalive-lab.mjs and
 * the compiled bundle in dist/ (every other CLI test runs `main()` in-process). Also guards
 * against a stale build: dist/ must be newer than every source it is built from
 * (`npm test` rebuilds first; `npm run build` by hand).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../sim/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'keepalive-lab.mjs');
const BUNDLE = join(ROOT, 'dist', 'cli', 'cli.js');

const run = (...args: string[]) => {
  // no timeout: a slow machine makes this slow, not wrong
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

describe('keepalive-lab as a process', () => {
  it('the bundle in dist/ is built and newer than the sources (else: npm run build)', () => {
    const built = statSync(BUNDLE, { throwIfNoEntry: false });
    expect(built, 'dist/cli/cli.js is missing: run `npm run build`').toBeDefined();
    const newest = Math.max(...['src', 'sim', 'calibrate'].map((d) => newestSource(join(ROOT, d))));
    expect(built?.mtimeMs ?? 0, 'dist/ is older than the sources: run `npm run build`').toBeGreaterThanOrEqual(newest);
  });

  it('--version prints the version, exit 0', () => {
    const r = run('--version');
    expect(r).toEqual({ code: 0, out: '0.1.0\n', err: '' });
  });

  it('runs seed000-cable-pull with the same output as main() in-process', async () => {
    const r = run('run', 'seed000-cable-pull');
    let out = '';
    const code = await main(['run', 'seed000-cable-pull'], { stdout: (s) => void (out += s), stderr: () => undefined });
    expect(r.code).toBe(0);
    expect(code).toBe(0);
    expect(r.out).toBe(out);
    expect(r.out).toContain('server: recv() -> ETIMEDOUT [errno 110: Connection timed out]');
  });

  it('a big run (--summary, --stream) runs in a second Node with a 64 MB young generation: same output, same exit code', async () => {
    for (const args of [['run', 'seed000-cable-pull', '--summary'], ['run', 'seed000-cable-pull', '--stream']]) {
      const r = run(...args);
      let out = '';
      const code = await main(args, { stdout: (s) => void (out += s), stderr: () => undefined });
      expect([r.code, code]).toEqual([0, 0]);
      expect(r.out).toBe(out);
    }
    const bad = run('run', 'seed000-cable-pull', '--summary', '--seed', 'abc');
    expect(bad).toEqual({ code: 2, out: '', err: 'error: --seed: "abc" is not a whole number (0..4294967295)\n' });
    // which Node processes ran, with which flags: a preloaded hook (inherited by the inner
    // Node with the parent's flags) appends each one's execArgv to a file
    const dir = mkdtempSync(join(tmpdir(), 'kal-young-'));
    const hook = join(dir, 'hook.mjs');
    const log = join(dir, 'argv.jsonl');
    writeFileSync(hook, `import { appendFileSync } from 'node:fs'; appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.execArgv.filter((a) => a.startsWith('--max-semi'))) + '\\n');`);
    const flags = (...args: string[]): string[] => {
      rmSync(log, { force: true });
      expect(spawnSync(process.execPath, ['--import', hook, BIN, ...args]).status).toBe(0);
      return readFileSync(log, 'utf8').trim().split('\n');
    };
    expect(flags('run', 'seed000-cable-pull', '--summary')).toEqual(['[]', '["--max-semi-space-size=64"]']);
    expect(flags('run', 'seed000-cable-pull')).toEqual(['[]']);
    expect(flags('--version')).toEqual(['[]']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a user mistake: one line on stderr, exit 2, nothing on stdout', () => {
    const r = run('run', 'seed000-cable-pull', '--seed', 'abc');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a sweep runs its worker threads from the bundle', () => {
    const r = run('sweep', 'seed000-cable-pull', '--vary', 'hosts.client.socket.TCP_KEEPIDLE=5,6', '--workers', '2', '--metrics', 'detect.first');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^point +TCP_KEEPIDLE +detect.first\n0 +5 +16.386441\n1 +6 +16.386441\n$/);
  });
});
