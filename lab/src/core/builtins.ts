/// <reference types="vite/client" />
/**
 * The built-in scenarios (sim/scenarios/*.yaml), bundled into the page at build time by
 * Vite's import.meta.glob: the page needs no server and no fetch to list or run them.
 * Under vitest (also Vite) the same glob works, so tests see exactly what the page sees.
 */
import { parseScenarioText } from '../../../src/scenarios/overrides.ts';

const files = import.meta.glob('../../../sim/scenarios/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface Builtin {
  name: string;
  /** the file's text, as shipped */
  text: string;
  description: string;
}

export const BUILTINS: readonly Builtin[] = Object.entries(files)
  .map(([path, text]) => {
    const name = /([^/]+)\.yaml$/.exec(path)?.[1] ?? path;
    const raw = parseScenarioText(text, `${name}.yaml`) as { description?: unknown };
    return { name, text, description: typeof raw.description === 'string' ? raw.description : '' };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export const builtin = (name: string): Builtin | undefined => BUILTINS.find((b) => b.name === name);
