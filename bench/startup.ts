/**
 * `npm run bench:startup`: how long a command takes from a user's shell, for the compiled CLI
 * (bin/keepalive-lab.mjs → dist/cli/): `--version`, `run seed000-cable-pull`, and an empty Node
 * for reference. Median and minimum wall time over repeated runs, each a fresh process.
 * Figures are printed, never asserted (house rule: no timed tests).
 *
 *   npm run bench:startup                 11 runs of each
 *   npm run bench:startup -- --runs 31
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench -> package root
const BIN = join(root, 'bin', 'keepalive-lab.mjs');
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 11;
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs: ${process.argv[i + 1]} must be a whole number, at least 1\n`);
  process.exit(2);
}

const cases: [string, string[]][] = [
  ['node -e "" (Node itself)', ['-e', '']],
  ['keepalive-lab --version', [BIN, '--version']],
  ['keepalive-lab run seed000-cable-pull', [BIN, 'run', 'seed000-cable-pull']],
  ['keepalive-lab run seed000-cable-pull --json', [BIN, 'run', 'seed000-cable-pull', '--json']],
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >>> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

console.log(`startup: ${runs} fresh processes per command, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? '?'}`);
const times = cases.map(() => [] as number[]);
for (let r = 0; r < runs; r++) {
  // round-robin, so a burst of load elsewhere falls on every command alike
  cases.forEach(([, args], k) => {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, args, { stdio: 'ignore' });
    const t = performance.now() - t0;
    if (p.status !== 0) throw new Error(`${cases[k]?.[0]}: exit ${p.status}`);
    times[k]?.push(t);
  });
}
for (const [k, [name]] of cases.entries()) {
  const t = times[k] as number[];
  console.log(`${name.padEnd(44)} median ${(median(t) / 1000).toFixed(3)} s   min ${(Math.min(...t) / 1000).toFixed(3)} s`);
}
