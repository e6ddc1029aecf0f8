/**
 * Where the package's data lives (built-in scenarios, compare and sweep files, the
 * calibration suite and its fixtures), found from the package root so the same code works
 * run from its TypeScript sources (tests, notebooks) and compiled under dist/ (the CLI).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sim', 'scenarios'))) return dir;
    if (dirname(dir) === dir) throw new Error(`keepalive-lab: cannot find the package root above ${from}`);
  }
}

/** The folder holding package.json, sim/ and calibrate/. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package. */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);

/** True when this module runs from its TypeScript source (vitest, tsx), false from dist/. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');
