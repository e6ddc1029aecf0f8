/**
 * A throwaway redis-server for the distributed-sweep tests: a free loopback port, a temp
 * directory, no persistence, a random password (so the tests also check that the password
 * never shows in any output). Started by the test, stopped by the test (`stop()`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  password: string;
  port: number;
  /** redis-cli against it; returns stdout */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'kal-redis-'));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const log = join(dir, 'redis.log');
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', password, '--logfile', log], { stdio: 'ignore' });
  const cli = (...args: string[]): string => spawnSync('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', password, ...args], { encoding: 'utf8' }).stdout;
  // ready when it answers; a server that exits (port taken between freePort and now) is an error
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (let i = 0; cli('ping').trim() !== 'PONG'; i++) {
    if (exited || i > 3000) {
      const text = (() => {
        try {
          return readFileSync(log, 'utf8');
        } catch {
          return '';
        }
      })();
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}: ${text.split('\n').slice(-5).join(' | ')}`);
    }
    await pause(20);
  }
  return {
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    password,
    port,
    cli,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
