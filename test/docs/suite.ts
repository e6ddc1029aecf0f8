/**
 * Documentation that cannot go stale: every command shown in README.md and docs/ is run, and
 * the output pasted under it must still be what it prints (elisions allowed, docs/README.md).
 * A page's commands run in order in a sandbox of their own (test/docs/shell.ts), after the
 * files the page asks the reader to save. A failure names the page and line and shows a
 * diff of the shown lines (-) against the real ones (+).
 *
 * The pages are split over a few test files (commands-N.test.ts) so that vitest runs them on
 * every core; `docsSuite(k, n)` defines shard k of n.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEJAVU, JQ, JUPYTER, NETNS, TSHARK, need, type Need } from '../support/needs.ts';
import type { Command, FileStep, Page } from './markdown.ts';
import { explain } from './match.ts';
import { PAGES } from './pages.ts';
import { makeSandbox, removeSandbox, runShown } from './shell.ts';

/** Tools a command may name, and the names the `needs` marker knows. */
export const TOOLS: Record<string, Need> = { jq: JQ, tshark: TSHARK, capinfos: TSHARK, netns: NETNS, root: NETNS, jupyter: JUPYTER, dejavu: DEJAVU };

export function needsOf(c: Command): Need[] {
  const named = c.needs.map((n) => {
    const t = TOOLS[n];
    if (!t) throw new Error(`${c.page}:${c.line}: docs-check needs "${n}": unknown (known: ${Object.keys(TOOLS).join(', ')})`);
    return t;
  });
  // a program in command position: at the start, after a pipe, `;`, `&&`, `do`
  const used = [...c.text.matchAll(/(?:^|[|;&]\s*|\bdo\s+)(jq|tshark|capinfos)\b/g)].map((m) => TOOLS[m[1]!]!);
  return [...new Set([...named, ...used])];
}

export const short = (s: string): string => {
  const one = s.replace(/\\\n\s*/g, '');
  return one.length > 90 ? `${one.slice(0, 87)}...` : one;
};

/** The failure message for a command's run, or null when the page is right about it. */
export function verdict(c: Command, code: number, terminal: string): string | null {
  const showsStatus = /echo "?exit \$\?"?\s*$/.test(c.text);
  const head = `${c.page}:${c.line}: $ ${short(c.text)}`;
  if (code !== 0 && !showsStatus) {
    const tail = terminal.trimEnd().split('\n').slice(-15).join('\n');
    return `${head}\nexited ${code}; a command shown without \`; echo "exit $?"\` must succeed. Its output ends:\n${tail}`;
  }
  if (c.expected === null) return null;
  const d = explain(c.page, c.expected, terminal);
  return d === null ? null : `${head}\nthe output shown on the page (-) is not what the command prints (+):\n${d}`;
}

export const checked = (p: Page): Command[] => p.steps.filter((s): s is Command => s.kind === 'command' && s.skip === undefined);

/** Rough cost of a page's commands, to balance the shards (advice and comparisons simulate hundreds of runs). */
function weight(p: Page): number {
  return checked(p).reduce((w, c) => w + (/\badvise\b/.test(c.text) ? (/--os all/.test(c.text) ? 25 : 10) : /\b(compare|sweep)\b/.test(c.text) ? 3 : 1), 0);
}

/** Pages for shard k of n: longest first, each to the lightest shard. */
export function shardOf(k: number, n: number): Page[] {
  const load = Array.from({ length: n }, () => 0);
  const mine: Page[] = [];
  for (const p of [...PAGES].sort((a, b) => weight(b) - weight(a) || a.page.localeCompare(b.page))) {
    const s = load.indexOf(Math.min(...load));
    load[s]! += weight(p);
    if (s === k) mine.push(p);
  }
  return mine.sort((a, b) => a.page.localeCompare(b.page));
}

export function docsSuite(k: number, n: number): void {
  for (const page of shardOf(k, n)) {
    const commands = checked(page);
    if (commands.length === 0) continue;
    describe(page.page, () => {
      let dir = '';
      beforeAll(() => {
        dir = makeSandbox();
      });
      afterAll(() => removeSandbox(dir));
      const files = page.steps.filter((s): s is FileStep => s.kind === 'file');
      for (const c of commands) {
        it(`${c.page}:${c.line}: $ ${short(c.text)}`, async (ctx) => {
          need(ctx, ...needsOf(c));
          // the files the page shows above this command, as a reader would have saved them
          for (const f of files) if (f.line < c.line) writeFileSync(join(dir, f.name), f.content);
          const r = await runShown(c.text, dir);
          const v = verdict(c, r.code, r.terminal);
          if (v !== null) expect.fail(v);
        });
      }
    });
  }
}
