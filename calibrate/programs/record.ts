/**
 * Record the real-program fixtures: run each scenario of calibrate/programs/scenarios with
 * the real programs (root, namespaces, the Debian packages of docs/programs.md) and write
 * test/fixtures/programs/<name>.real.json.
 *
 *   npx tsx calibrate/programs/record.ts                   # every scenario
 *   npx tsx calibrate/programs/record.ts mqtt-silent-ka2   # some of them
 *   npx tsx calibrate/programs/record.ts --dry-run NAME    # run and print, write nothing
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HarnessError } from '../kernel.ts';
import { renderTrace } from '../report.ts';
import { runPrograms } from './run.ts';
import { loadProgramScenario, PROGRAM_FIXTURE_DIR, programFixturePath, programSuiteNames } from './suite.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } } });

async function main(): Promise<number> {
  const names = positionals.length > 0 ? positionals : programSuiteNames();
  for (const name of names) {
    const scenario = loadProgramScenario(name);
    const json = await runPrograms(scenario, values.quiet ? {} : { log: (m) => console.error(m) });
    if (!values.quiet) {
      console.log(renderTrace(json));
      for (const e of json.events.filter((x) => x.kind === 'app' || x.kind === 'nat' || x.kind === 'note')) console.log(`${e.t.toFixed(6)} ${e.host ?? ''} ${e.kind} ${e.detail}`);
      console.log(json.programs.map((p) => `${p.app}: ${p.program}`).join('\n'));
    }
    if (!values['dry-run']) {
      mkdirSync(PROGRAM_FIXTURE_DIR, { recursive: true });
      writeFileSync(programFixturePath(name), `${JSON.stringify({ ...json, recordedAt: new Date().toISOString() }, null, 1)}\n`);
      console.error(`wrote ${programFixturePath(name)}`);
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof HarnessError ? e.exitCode : 1);
  },
);
