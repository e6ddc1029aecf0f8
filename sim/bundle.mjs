// Bundles the CLI (sim/cli.ts, the sweep worker and the distributed worker's thread) with esbuild into dist/cli/: one file
// per entry plus shared chunks, so a command starts without resolving hundreds of modules
// (`keepalive-lab --version` ≈ 0.13 s, `run seed000-cable-pull` ≈ 0.3 s; bench/startup.ts).
// The drawing libraries, worker pool and queue clients stay external: they load only when used.
//
//   node sim/bundle.mjs           the CLI (npm run build)
//   node sim/bundle.mjs --bench   the benchmarks (bench/*.ts -> dist/bench/), so they time the
//                                 same compiled JavaScript users run, not a loader's output
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bench = process.argv.includes('--bench');
const outdir = bench ? 'dist/bench' : 'dist/cli';
rmSync(`${root}/${outdir}`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: bench
    ? ['bench/run.ts', 'bench/nat.ts', 'bench/sweep.ts', 'bench/startup.ts', 'bench/big.ts', 'sim/sweep/worker.ts']
    : ['sim/cli.ts', 'sim/sweep/worker.ts', { in: 'sim/sweep/engine/thread.ts', out: 'engine-thread' }],
  // every entry beside its chunks: the runner finds the worker as ./worker.js, the engine's worker ./engine-thread.js
  entryNames: '[name]',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@resvg/resvg-js', 'vega', 'vega-lite', 'beautiful-mermaid', 'piscina', 'cli-progress', 'bullmq', 'ioredis'],
  // bundled CommonJS dependencies (commander, yaml) call require() for Node's built-ins
  banner: { js: "import { createRequire as __kalRequire } from 'node:module'; const require = __kalRequire(import.meta.url);" },
});
