/**
 * The committed course notebooks (notebooks/*.ipynb, docs/teaching.md): valid nbformat 4,
 * state their seed, use the public API only, and carry the outputs of an executed run
 * (`npm run notebooks`). Executing them is CI's `npm run notebooks -- --check` (needs Jupyter);
 * this test reads the files only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'notebooks');
const NOTEBOOKS = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();
const LESSONS = ['01-keepalive-on-the-wire.ipynb', '02-dead-peers-reboots-rst.ipynb', '03-nat-tables-and-cloud-idle-timeouts.ipynb', '04-keepalive-vs-heartbeats.ipynb', '05-choosing-parameters.ipynb'];

interface Output { output_type: string; text?: string | string[]; data?: Record<string, unknown>; execution_count?: number | null; ename?: string }
interface Cell { cell_type: string; source: string | string[]; id?: string; outputs?: Output[]; execution_count?: number | null; metadata: Record<string, unknown> }
interface Notebook { nbformat: number; nbformat_minor: number; metadata: { kernelspec?: { name?: string; language?: string } }; cells: Cell[] }

const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));
const load = (f: string): Notebook => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Notebook;

/** Module specifiers a TypeScript cell (or notebooks/lesson.ts) imports. */
function imports(code: string): string[] {
  return [...code.matchAll(/(?:^|\n)\s*import\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2]) as string);
}

/**
 * Allowed: the package's public API, the command line tool's own modules in sim/ (its scenario
 * loader and renderers: the tool's API), the notebook helpers, and npm packages. Not: src/ internals.
 */
function allowed(spec: string): boolean {
  if (spec === 'keepalive-lab' || spec === './lesson.ts' || /^\.\.\/sim\/[\w/-]+\.ts$/.test(spec)) return true;
  return !spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('node:') && !spec.startsWith('jsr:') && !spec.startsWith('http');
}

describe('course notebooks', () => {
  it('the five lessons are there', () => {
    for (const l of LESSONS) expect(NOTEBOOKS).toContain(l);
  });

  it('the import check rejects deep imports (so the checks below can fail)', () => {
    const code = "import { Sim } from '../src/engine/sim.ts';\nimport { run } from './lesson.ts';\nimport x from 'node:fs';";
    expect(imports(code)).toEqual(['../src/engine/sim.ts', './lesson.ts', 'node:fs']);
    expect(imports(code).filter((s) => !allowed(s))).toEqual(['../src/engine/sim.ts', 'node:fs']);
  });

  it('notebooks/lesson.ts imports the public API only', () => {
    const specs = imports(readFileSync(join(DIR, 'lesson.ts'), 'utf8'));
    expect(specs).toContain('keepalive-lab');
    expect(specs.filter((s) => !allowed(s) || s === './lesson.ts')).toEqual([]);
  });

  describe.each(NOTEBOOKS)('%s', (file) => {
    const nb = load(file);
    const code = nb.cells.filter((c) => c.cell_type === 'code');

    it('is nbformat 4 with the Deno kernel and cell ids', () => {
      expect(nb.nbformat).toBe(4);
      expect(nb.nbformat_minor).toBeGreaterThanOrEqual(5);
      expect(nb.metadata.kernelspec).toMatchObject({ name: 'deno', language: 'typescript' });
      for (const c of nb.cells) {
        expect(['markdown', 'code', 'raw']).toContain(c.cell_type);
        expect(typeof c.id).toBe('string');
        expect(c.metadata).toBeTypeOf('object');
        if (c.cell_type === 'code') expect(Array.isArray(c.outputs)).toBe(true);
      }
      expect(new Set(nb.cells.map((c) => c.id)).size).toBe(nb.cells.length);
    });

    it('states its seed in the first cell and prints the random seed of its runs', () => {
      const first = text(nb.cells[0]?.source);
      expect(first).toMatch(/\*\*Seed:\*\*.*seed \d{3}/s);
      expect(first).toMatch(/random seed \d+/);
      const printed = code.flatMap((c) => c.outputs ?? []).map((o) => text(o.text)).join('');
      expect(printed).toMatch(/random seed \d+/);
    });

    it('imports the public API only (no ../src deep imports)', () => {
      const specs = code.flatMap((c) => imports(text(c.source)));
      expect(specs).toContain('keepalive-lab');
      expect(specs.filter((s) => !allowed(s))).toEqual([]);
      for (const c of code) expect(text(c.source)).not.toMatch(/\bsrc\//);
    });

    it('carries the outputs of a complete, error-free run, numbered 1..n', () => {
      const run = code.filter((c) => text(c.source).trim() !== '');
      expect(run.length).toBeGreaterThan(3);
      expect(run.map((c) => c.execution_count)).toEqual(run.map((_, i) => i + 1));
      const outputs = run.flatMap((c) => c.outputs ?? []);
      expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
      expect(outputs.length).toBeGreaterThan(run.length / 2);
      // no volatile execution metadata (timestamps), so re-running gives a clean diff
      for (const c of nb.cells) expect(c.metadata).not.toHaveProperty('execution');
      // every diagram is rendered to SVG inline, with a plain-text fallback
      const svgs = outputs.filter((o) => o.data && 'image/svg+xml' in o.data);
      expect(svgs.length).toBeGreaterThan(0);
      for (const o of svgs) expect(o.data).toHaveProperty('text/plain');
    });

    it('ends with exercises that give a simulator command, and hidden answers', () => {
      const md = nb.cells.filter((c) => c.cell_type === 'markdown').map((c) => text(c.source)).join('\n');
      const ex = md.slice(md.indexOf('## Exercises'));
      expect(md).toContain('## Exercises');
      expect(ex).toMatch(/npx keepalive-lab run \S+/);
      expect(ex).toMatch(/<details>[\s\S]*Answers[\s\S]*<\/details>/);
      expect(nb.cells.at(-1)?.cell_type).toBe('markdown');
    });
  });
});
