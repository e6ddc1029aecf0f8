/**
 * The docs' form, checked without running anything: the docs-check markers are used as
 * docs/README.md describes, few commands are exempt from the check, every command is written
 * as users type it (`npx keepalive-lab …`, never a bare `keepalive-lab …`, which is "command
 * not found" after `npm install`), and every link stays inside the repository and lands on a
 * file and heading that exist (readers never have the developers' ../shared/ notes).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf } from './links.ts';
import { PAGES, readPage } from './pages.ts';
import { ROOT } from './shell.ts';
import { short } from './suite.ts';

/** Commands marked `skip` stay few: each is a claim nobody checks. */
const MAX_SKIPPED = 8;

/** Commands marked `slow` run only in CI: each costs every developer's `npm test` nothing, and CI its time. */
const MAX_SLOW = 3;

/** Inline code outside fenced blocks, with its line. */
function inlineCode(page: (typeof PAGES)[number]): { text: string; line: number }[] {
  return page.prose.flatMap((l) => [...l.text.matchAll(/`([^`]+)`/g)].map((m) => ({ text: m[1]!, line: l.line })));
}

const BARE = /(?:^|[|;&(]\s*|\bdo\s+|\$\s+)keepalive-lab\s/;

describe('docs: form', () => {
  it('every docs-check marker sits on a block, every session starts with a command', () => {
    const problems = PAGES.flatMap((p) => p.problems.map((m) => (m.startsWith(p.page) ? m : `${p.page}: ${m}`)));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it(`at most ${MAX_SLOW} shown commands are marked "slow" (run in CI only)`, () => {
    const slow = PAGES.flatMap((p) => p.steps.filter((s) => s.kind === 'command' && s.slow !== undefined));
    const list = slow.map((c) => `${c.page}:${c.line}: ${c.kind === 'command' ? `${short(c.text)} (${c.slow})` : ''}`).join('\n');
    expect(slow.length, `commands marked slow:\n${list}`).toBeLessThanOrEqual(MAX_SLOW);
  });

  it(`at most ${MAX_SKIPPED} shown commands are marked "skip"`, () => {
    const skipped = PAGES.flatMap((p) => p.steps.filter((s) => s.kind === 'command' && s.skip !== undefined));
    const list = skipped.map((c) => `${c.page}:${c.line}: ${c.kind === 'command' ? `${short(c.text)} (${c.skip})` : ''}`).join('\n');
    expect(skipped.length, `commands marked skip:\n${list}`).toBeLessThanOrEqual(MAX_SKIPPED);
  });

  it('commands are written as users type them: `npx keepalive-lab …`, never a bare `keepalive-lab …`', () => {
    const bad: string[] = [];
    for (const p of PAGES) {
      for (const b of p.blocks) for (const l of b.lines) if (BARE.test(l.text) || /^\s*keepalive-lab\s/.test(l.text)) bad.push(`${p.page}:${l.line}: ${l.text.trim()}`);
      for (const c of inlineCode(p)) if (/^keepalive-lab\s/.test(c.text)) bad.push(`${p.page}:${c.line}: \`${c.text}\``);
      for (const s of p.steps) if (s.kind === 'command' && BARE.test(s.text)) bad.push(`${p.page}:${s.line}: ${short(s.text)}`);
    }
    expect([...new Set(bad)], `write these as \`npx keepalive-lab …\`:\n${[...new Set(bad)].join('\n')}`).toEqual([]);
  });

  it('no page points outside the repository (no ../shared/, no /work/ paths)', () => {
    const bad: string[] = [];
    for (const p of PAGES) {
      readPage(p.page)
        .split('\n')
        .forEach((l, i) => {
          if (/\.\.\/shared\/|\/work\/|(?:^|[\s(`])shared\/(?:reference|SEEDS)/.test(l)) bad.push(`${p.page}:${i + 1}: ${l.trim()}`);
        });
    }
    expect(bad, `readers do not have these files; put what they need in docs/ and cite the primary source:\n${bad.join('\n')}`).toEqual([]);
  });

  it('every relative link lands on a file in the repository, and on a heading that exists', () => {
    const bad: string[] = [];
    const anchors = new Map<string, Set<string>>();
    const anchorsIn = (file: string): Set<string> => {
      let a = anchors.get(file);
      if (!a) anchors.set(file, (a = anchorsOf(readPage(relative(ROOT, file)))));
      return a;
    };
    for (const p of PAGES) {
      for (const l of p.prose) {
        // [text](target) and ![alt](target), not inside inline code
        const text = l.text.replace(/`[^`]*`/g, '');
        for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
          const target = m[1]!;
          if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
          const [path, anchor] = target.split('#') as [string, string | undefined];
          const file = path === '' ? join(ROOT, p.page) : resolve(dirname(join(ROOT, p.page)), decodeURIComponent(path));
          const where = `${p.page}:${l.line}: (${target})`;
          if (relative(ROOT, file).startsWith('..')) bad.push(`${where} points outside the repository`);
          else if (!existsSync(file)) bad.push(`${where}: no such file`);
          else if (anchor && file.endsWith('.md') && statSync(file).isFile() && !anchorsIn(file).has(anchor)) bad.push(`${where}: no heading with anchor #${anchor} in ${relative(ROOT, file)}`);
        }
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });
});
