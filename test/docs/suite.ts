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
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEJAVU, JQ, JUPYTER, NETNS, TSHARK, need, type Need } from '../support/needs.ts';
import type { Command, FileStep, Page } from './markdown.ts';
import { explain } from './match.ts';
import { PAGES } from './pages.ts';
import { ROOT, makeSandbox, removeSandbox, runShown } from './shell.ts';

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

/** Set by .ci/run: the commands marked `slow` run too. */
const RUN_SLOW = process.env['KEEPALIVE_LAB_DOCS_ALL'] === '1';

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

/** Commands whose result is shared between pages (shell.ts memo): advice and comparisons by name. */
const sharedKey = (c: Command): string | null => {
  const text = c.text.replace(/\s+#.*$/, '').trim();
  return /^npx keepalive-lab (advise|compare) [^/<>|;&]*$/.test(text) ? text : null;
};

/**
 * Rough cost of a command in seconds of CPU, to balance the shards: advice simulates hundreds
 * of runs, a comparison or a sweep dozens (a sweep shown failing stops at once), `npx tsx`
 * transpiles before it runs, everything else takes a fraction of a second.
 */
const cost = (c: Command): number =>
  c.slow !== undefined && !RUN_SLOW ? 0 : /\badvise\b/.test(c.text) ? (c.slow !== undefined ? 20 : 8) : /echo "?exit/.test(c.text) ? 0.2 : /\b(compare|sweep)\b|npx tsx/.test(c.text) ? 3 : 0.3;

/**
 * Pages for shard k of n. Pages that show the same advice or comparison go to one shard, so
 * the command runs once (shell.ts memo); then groups go, heaviest first, to the lightest shard.
 */
export function shardOf(k: number, n: number): Page[] {
  const groups: { pages: Page[]; keys: Set<string> }[] = [];
  for (const p of [...PAGES].sort((a, b) => a.page.localeCompare(b.page))) {
    const keys = new Set(checked(p).map(sharedKey).filter((x): x is string => x !== null));
    const joined = groups.filter((g) => [...keys].some((x) => g.keys.has(x)));
    const g = { pages: [p, ...joined.flatMap((j) => j.pages)], keys: new Set([...keys, ...joined.flatMap((j) => [...j.keys])]) };
    for (const j of joined) groups.splice(groups.indexOf(j), 1);
    groups.push(g);
  }
  const weight = (g: (typeof groups)[number]): number => {
    const seen = new Set<string>();
    let w = 0;
    for (const c of g.pages.flatMap(checked)) {
      const key = sharedKey(c);
      if (key !== null && seen.has(key)) continue;
      if (key !== null) seen.add(key);
      w += cost(c);
    }
    return w;
  };
  const load = Array.from({ length: n }, () => 0);
  const mine: Page[] = [];
  for (const g of groups.sort((a, b) => weight(b) - weight(a) || a.pages[0]!.page.localeCompare(b.pages[0]!.page))) {
    const s = load.indexOf(Math.min(...load));
    load[s]! += weight(g);
    if (s === k) mine.push(...g.pages);
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
        // sweeps and other programs' commands run the built CLI, as a reader's shell would
        if (!existsSync(join(ROOT, 'dist', 'cli', 'cli.js'))) throw new Error('dist/cli/cli.js is missing: run `npm run build` (npm test builds first)');
        dir = makeSandbox();
      });
      afterAll(() => removeSandbox(dir));
      const files = page.steps.filter((s): s is FileStep => s.kind === 'file');
      for (const c of commands) {
        it(`${c.page}:${c.line}: $ ${short(c.text)}`, async (ctx) => {
          if (c.slow !== undefined && !RUN_SLOW) ctx.skip(`slow docs command (${c.slow}): runs in CI, or with KEEPALIVE_LAB_DOCS_ALL=1`);
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
