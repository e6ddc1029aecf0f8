/**
 * The calibration suite on disk: scenarios in calibrate/scenarios/*.yaml, real-kernel
 * fixtures in test/fixtures/calibration/<name>.real.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packagePath } from '../sim/paths.ts';
import YAML from 'yaml';
import { scenarioSchema, type Scenario } from '../src/scenarios/schema.ts';
import type { KernelRunJson } from './convert.ts';

export const SCENARIO_DIR = packagePath('calibrate', 'scenarios') + '/';
export const FIXTURE_DIR = packagePath('test', 'fixtures', 'calibration') + '/';

/** Names of every calibration scenario, sorted. */
export function suiteNames(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** Load a scenario by suite name or by path to a YAML/JSON file. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = existsSync(nameOrPath) ? nameOrPath : join(SCENARIO_DIR, `${nameOrPath}.yaml`);
  return scenarioSchema.parse(YAML.parse(readFileSync(path, 'utf8')));
}

export const fixturePath = (name: string): string => join(FIXTURE_DIR, `${name}.real.json`);

/** A recorded real-kernel run. */
export function loadFixture(name: string): KernelRunJson {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as KernelRunJson;
}
