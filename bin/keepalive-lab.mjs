#!/usr/bin/env node
// The keepalive-lab command: the compiled JavaScript in dist/ (built by `npm run build`,
// which `npm install` runs through `prepare`). No TypeScript loader at run time.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A big run (`run --summary` or `run --stream`, the modes for big runs: docs/output.md)
// executes in a Node with a larger young generation. Each packet makes a few short-lived
// objects; with V8's default semi-space (16 MB on 64-bit) many survive long enough to reach the
// old generation, which a big run then grows to several times its live size. With 64 MB,
// 100,000 connections x 1 h through a NAT peak at 0.86 GB instead of 2.2 GB and take 47 s
// instead of 68 s (bench/README.md). V8 reads the size only when the heap is created, so
// the command runs itself once more with the flag: about 0.15 s, paid by those runs only.
const YOUNG = '--max-semi-space-size=64';
const set = (a) => a.startsWith('--max-semi-space-size');
const big = process.argv[2] === 'run' && process.argv.some((a) => a === '--summary' || a === '--stream');
if (big && !process.execArgv.some(set) && !(process.env.NODE_OPTIONS ?? '').split(/\s+/).some(set)) {
  const r = spawnSync(process.execPath, [...process.execArgv, YOUNG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}

let cli;
try {
  cli = await import('../dist/cli/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/cli.js')) throw e;
  process.stderr.write('keepalive-lab: the compiled CLI (dist/) is missing: run `npm install` or `npm run build` in the package folder\n');
  process.exit(2);
}
process.exitCode = await cli.main(process.argv.slice(2));
