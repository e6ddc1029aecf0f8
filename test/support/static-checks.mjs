// `npm test`'s static checks — type-check the package, type-check the browser lab, lint —
// run side by side (each is one process busy on one core), each one's output printed whole
// when it ends. Exit status: the first failure's, or 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// the packages' own entry scripts, run with this Node (no shell, no npx)
const bin = (pkg, name) => fileURLToPath(new URL(`../../node_modules/${pkg}/bin/${name}`, import.meta.url));
const checks = [
  ['tsc --noEmit', [bin('typescript', 'tsc'), '--noEmit']],
  ['tsc --noEmit -p lab', [bin('typescript', 'tsc'), '--noEmit', '-p', 'lab']],
  ['eslint .', [bin('eslint', 'eslint.js'), '.']],
];
const results = await Promise.all(
  checks.map(
    ([label, args]) =>
      new Promise((resolve) => {
        const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('close', (code) => {
          process.stdout.write(`> ${label}: ${code === 0 ? 'ok' : `failed (exit ${code})`}\n${out}`);
          resolve(code ?? 1);
        });
      }),
  ),
);
process.exitCode = results.find((c) => c !== 0) ?? 0;
