/**
 * The real-program calibration suite: scenarios in calibrate/programs/scenarios/*.yaml,
 * recordings in test/fixtures/programs/<name>.real.json (each names the program and its
 * exact Debian version in `programs`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { packagePath } from '../../sim/paths.ts';
import { scenarioSchema, type Scenario } from '../../src/scenarios/schema.ts';
import type { ProgramRunJson } from './run.ts';

export const PROGRAM_SCENARIO_DIR = packagePath('calibrate', 'programs', 'scenarios') + '/';
export const PROGRAM_FIXTURE_DIR = packagePath('test', 'fixtures', 'programs') + '/';

export function programSuiteNames(): string[] {
  return readdirSync(PROGRAM_SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

export function loadProgramScenario(nameOrPath: string): Scenario {
  const path = existsSync(nameOrPath) ? nameOrPath : join(PROGRAM_SCENARIO_DIR, `${nameOrPath}.yaml`);
  return scenarioSchema.parse(YAML.parse(readFileSync(path, 'utf8')));
}

export const programFixturePath = (name: string): string => join(PROGRAM_FIXTURE_DIR, `${name}.real.json`);

export function loadProgramFixture(name: string): ProgramRunJson {
  return JSON.parse(readFileSync(programFixturePath(name), 'utf8')) as ProgramRunJson;
}
