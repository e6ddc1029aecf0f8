/** The pages the docs check reads: README.md and every Markdown file under docs/. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parsePage, type Page } from './markdown.ts';
import { ROOT } from './shell.ts';

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? markdownUnder(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []))
    .sort();
}

export const PAGE_FILES: string[] = [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs'))].map((p) => relative(ROOT, p));

export const readPage = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

export const PAGES: Page[] = PAGE_FILES.map((p) => parsePage(p, readPage(p)));
