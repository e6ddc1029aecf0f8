/**
 * Reads the documentation the way the docs check needs it: the shell commands a page shows,
 * the output pasted under each, files a page asks the reader to save, and the markers that
 * change how a block is checked. The conventions are described for writers in
 * docs/README.md ("Writing the docs"); this module is their definition.
 *
 * - A fenced block whose first non-blank line starts with `$ ` is a **session**: each `$ `
 *   line is a command (a line ending in `\` continues on the next), and the lines up to the
 *   next `$ ` line are its output as the terminal shows it (stdout and stderr).
 * - A block fenced as `sh`, `bash` or `shell` without `$ ` lines is a **listing**: every
 *   line (comments and blank lines aside) is a command that must succeed; output is not shown.
 * - `<!-- docs-check: … -->` comments directly above a fence (blank lines between allowed):
 *     `skip REASON`     the block's commands are not run (kept few; REASON is required)
 *     `slow REASON`     the block's commands run only in CI (KEEPALIVE_LAB_DOCS_ALL=1)
 *     `file NAME`       the block's text is the file NAME the following commands read
 *     `$ COMMAND`       the block (say a Mermaid diagram, rendered by GitHub) is COMMAND's output
 *     `needs NAME,…`    the commands need a tool from test/support/needs.ts (jq, tshark, netns, jupyter)
 * - Elisions, in shown output: a line that is just `...` (or `%% ...` in a Mermaid block)
 *   stands for any number of lines, including none; a line ending in `...` stands for any
 *   line that starts with the text before the dots.
 */

export interface Expected {
  text: string;
  /** 1-based line in the page */
  line: number;
}

export interface Command {
  kind: 'command';
  page: string;
  /** 1-based line of the command (its first line) */
  line: number;
  /** as typed: continuation lines joined with their backslash-newline kept */
  text: string;
  /** the shown output; null for a listing (only the exit status is checked) */
  expected: Expected[] | null;
  /** tools the block's `needs` marker names (test/docs/suite.ts TOOLS) */
  needs: string[];
  /** set when the block is marked `skip`: the reason */
  skip?: string;
  /** set when the block is marked `slow` (run in CI only): the reason */
  slow?: string;
}

export interface FileStep {
  kind: 'file';
  page: string;
  line: number;
  name: string;
  content: string;
}

export type Step = Command | FileStep;

export interface Page {
  page: string;
  steps: Step[];
  /** every fenced block, for the form checks (bare commands) */
  blocks: Block[];
  /** lines outside fenced blocks, with their line numbers */
  prose: Expected[];
  /** misuse of the conventions: a marker with no block, output before the first command, … */
  problems: string[];
}

export interface Block {
  info: string;
  /** line of the opening fence */
  line: number;
  lines: Expected[];
  markers: Marker[];
}

type Marker = { key: 'skip' | 'slow'; reason: string } | { key: 'file'; name: string } | { key: 'output-of'; command: string } | { key: 'needs'; names: string[] };

const LISTING = new Set(['sh', 'bash', 'shell', 'zsh']);
const MARKER = /^\s*<!--\s*docs-check:\s*(.*?)\s*-->\s*$/;

function parseMarker(body: string): Marker | string {
  if (body.startsWith('$ ')) return { key: 'output-of', command: body.slice(2).trim() };
  const m = /^(\S+)\s*(.*)$/.exec(body);
  const key = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  if (key === 'skip' || key === 'slow') return rest ? { key, reason: rest.replace(/^[—:-]\s*/, '') } : `${key} needs a reason: <!-- docs-check: ${key} REASON -->`;
  if (key === 'file') return rest ? { key: 'file', name: rest } : 'file needs a name: <!-- docs-check: file NAME -->';
  if (key === 'needs') return rest ? { key: 'needs', names: rest.split(/[\s,]+/).filter(Boolean) } : 'needs needs a tool name';
  return `unknown docs-check marker "${body}" (use: skip REASON, slow REASON, file NAME, $ COMMAND, needs NAME)`;
}

/** Split a page into fenced blocks (CommonMark fences: ``` or ~~~, indented up to 3 spaces) and prose. */
export function blocksOf(text: string): { blocks: Block[]; prose: Expected[]; problems: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const prose: Expected[] = [];
  const problems: string[] = [];
  let pending: { marker: Marker; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(l);
    if (open) {
      const indent = open[1]!.length;
      const fence = open[2]!;
      const block: Block = { info: open[3]!.toLowerCase(), line: i + 1, lines: [], markers: pending.map((p) => p.marker) };
      pending = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const c = lines[j]!;
        const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(c);
        if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
        // strip the fence's own indentation, as CommonMark does
        let k = 0;
        while (k < indent && c[k] === ' ') k++;
        block.lines.push({ text: c.slice(k), line: j + 1 });
      }
      blocks.push(block);
      i = j;
      continue;
    }
    const mk = MARKER.exec(l);
    if (mk) {
      const m = parseMarker(mk[1]!);
      if (typeof m === 'string') problems.push(`line ${i + 1}: ${m}`);
      else pending.push({ marker: m, line: i + 1 });
      continue;
    }
    if (l.trim() !== '' && pending.length) {
      problems.push(`line ${pending[0]!.line}: a docs-check marker must be directly above a fenced block (blank lines allowed), but text follows it`);
      pending = [];
    }
    prose.push({ text: l, line: i + 1 });
  }
  if (pending.length) problems.push(`line ${pending[0]!.line}: a docs-check marker at the end of the page, with no block after it`);
  return { blocks, prose, problems };
}

/** Join `\`-continued lines: the command text keeps the backslash-newline (the shell's line continuation). */
function joinContinuations(lines: Expected[], from: number, strip: (s: string) => string): { text: string; next: number } {
  let text = strip(lines[from]!.text);
  let k = from;
  while (/\\$/.test(text) && k + 1 < lines.length) {
    k++;
    text += '\n' + lines[k]!.text.replace(/^> /, '');
  }
  return { text, next: k + 1 };
}

/** The steps (files and commands) of one page, in page order. */
export function parsePage(page: string, text: string): Page {
  const { blocks, prose, problems } = blocksOf(text);
  const steps: Step[] = [];
  const where = (line: number): string => `${page}:${line}`;
  for (const b of blocks) {
    const skip = b.markers.find((m) => m.key === 'skip');
    const slow = b.markers.find((m) => m.key === 'slow');
    const file = b.markers.find((m) => m.key === 'file');
    const outputOf = b.markers.find((m) => m.key === 'output-of');
    const needs = b.markers.flatMap((m) => (m.key === 'needs' ? m.names : []));
    const base = { kind: 'command' as const, page, needs, ...(skip?.key === 'skip' ? { skip: skip.reason } : {}), ...(slow?.key === 'slow' ? { slow: slow.reason } : {}) };
    if (file) {
      steps.push({ kind: 'file', page, line: b.line, name: file.name, content: b.lines.map((l) => l.text).join('\n') + '\n' });
      continue;
    }
    if (outputOf) {
      steps.push({ ...base, line: b.line - 1, text: outputOf.command, expected: b.lines });
      continue;
    }
    const first = b.lines.find((l) => l.text.trim() !== '');
    if (first?.text.startsWith('$ ')) {
      let i = b.lines.indexOf(first);
      while (i < b.lines.length) {
        const { text: cmd, next } = joinContinuations(b.lines, i, (s) => s.slice(2));
        let k = next;
        const out: Expected[] = [];
        while (k < b.lines.length && !b.lines[k]!.text.startsWith('$ ')) out.push(b.lines[k++]!);
        steps.push({ ...base, line: b.lines[i]!.line, text: cmd, expected: out });
        i = k;
      }
      continue;
    }
    if (b.markers.length && !LISTING.has(b.info)) problems.push(`${where(b.line)}: a docs-check marker on a block that is neither a session ($ lines) nor a sh/bash listing`);
    if (!LISTING.has(b.info)) continue;
    for (let i = 0; i < b.lines.length; ) {
      const l = b.lines[i]!;
      if (l.text.trim() === '' || l.text.trim().startsWith('#')) {
        i++;
        continue;
      }
      const { text: cmd, next } = joinContinuations(b.lines, i, (s) => s);
      steps.push({ ...base, line: l.line, text: cmd, expected: null });
      i = next;
    }
  }
  return { page, steps, blocks, prose, problems };
}
