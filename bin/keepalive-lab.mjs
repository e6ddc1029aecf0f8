#!/usr/bin/env node
// The keepalive-lab command: the compiled JavaScript in dist/ (built by `npm run build`,
// which `npm install` runs through `prepare`). No TypeScript loader at run time.
let cli;
try {
  cli = await import('../dist/cli/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/cli.js')) throw e;
  process.stderr.write('keepalive-lab: the compiled CLI (dist/) is missing: run `npm install` or `npm run build` in the package folder\n');
  process.exit(2);
}
process.exitCode = await cli.main(process.argv.slice(2));
