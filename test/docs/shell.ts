/**
 * Runs a command line shown in the docs, the way a reader's shell would, and returns what
 * their terminal would show (stdout and stderr together) and the exit status.
 *
 * Where it can, the checker skips the shell: a pipeline whose first command is
 * `npx keepalive-lab ARGS` (plain words and quotes, redirections `>`, `>>`, `2>`, `2>&1`) runs
 * in this process through the CLI's own `main(argv, io)` (test/support/cli.ts does the same),
 * the rest of the pipeline (`| jq …`, `| tail -1`) in bash fed with its output (sweeps excepted:
 * see runLine). Lists
 * (`;`, `&&`, `||`) are split and each part run in turn; `$?` in a part run by bash is the
 * previous part's status. Anything else (loops, `$(…)`, other programs) runs in bash, where
 * `npx keepalive-lab` is the built CLI (bin/keepalive-lab.mjs, dist/ as `npm test` builds it).
 *
 * Every page runs in a sandbox of its own: a temporary directory holding links to the
 * repository's top-level entries, so commands read `sim/sweeps/…` as from a clone and write
 * their files (`results/`, `client.pcapng`) into the sandbox, never into the repository.
 * The sandbox's path is replaced by `.` in the output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../sim/cli.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'keepalive-lab.mjs');

export interface Shown {
  code: number;
  /** what the terminal shows: stdout and stderr in the order written */
  terminal: string;
}

export function makeSandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kal-docs-'));
  for (const e of readdirSync(ROOT)) {
    if (e === '.git') continue;
    symlinkSync(join(ROOT, e), join(dir, e));
  }
  return dir;
}

export const removeSandbox = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Split at unquoted operators. Returns the parts and the operator before each. */
function splitTop(line: string, ops: readonly string[]): { op: string | null; text: string }[] {
  const parts: { op: string | null; text: string }[] = [];
  let cur = '';
  let op: string | null = null;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      cur += c;
      if (c === '\\' && q === '"' && i + 1 < line.length) cur += line[++i];
      else if (c === q) q = null;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      cur += c + line[++i];
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      cur += c;
      continue;
    }
    const hit = ops.find((o) => line.startsWith(o, i));
    // a `|` of `||` or of the redirection `>|` is not a pipe
    const pipeLike = hit === '|' && (line[i + 1] === '|' || line[i - 1] === '|' || line[i - 1] === '>');
    if (hit && !pipeLike) {
      parts.push({ op, text: cur.trim() });
      op = hit;
      cur = '';
      i += hit.length - 1;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break; // a comment
    cur += c;
  }
  parts.push({ op, text: cur.trim() });
  return parts.filter((p) => p.text !== '' || p.op !== null);
}

/** Shell syntax this module leaves to bash for the whole line. */
const compound = (line: string): boolean => /^\s*(for|while|until|if|case|function)\b/.test(line) || /<<|\$\(|`/.test(line.replace(/'[^']*'/g, "''"));

type Target = { to: 'term' | 'pipe' | 'null' } | { to: 'file'; path: string; append: boolean };

interface Simple {
  argv: string[];
  fd1: Target;
  fd2: Target;
}

/**
 * `npx keepalive-lab ARGS [redirections]` as words, or null when it needs a real shell
 * (expansions, globs, other programs).
 */
export function parseSimple(text: string, piped: boolean): Simple | null {
  const words: { w: string; quoted: boolean }[] = [];
  let fd1: Target = { to: piped ? 'pipe' : 'term' };
  let fd2: Target = { to: 'term' };
  let i = 0;
  const s = text.replace(/\\\n/g, ' ');
  /** one word with its quotes removed; null when it needs a real shell (expansions, globs) */
  const word = (): { w: string; quoted: boolean } | null => {
    let w = '';
    let quoted = false;
    for (; i < s.length && !/\s/.test(s[i]!); i++) {
      const c = s[i]!;
      if (c === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) return null;
        w += s.slice(i + 1, end);
        i = end;
        quoted = true;
      } else if (c === '"') {
        let j = i + 1;
        for (; j < s.length && s[j] !== '"'; j++) {
          if (s[j] === '$' || s[j] === '`') return null;
          if (s[j] === '\\' && /["\\$`]/.test(s[j + 1] ?? '')) j++;
          w += s[j];
        }
        if (j >= s.length) return null;
        i = j;
        quoted = true;
      } else if (c === '\\') {
        w += s[++i] ?? '';
      } else if (c === '>') {
        break; // a redirection follows this word
      } else if (/[$*?[\]{}()<&;|`]/.test(c) || (c === '~' && w === '')) {
        return null;
      } else w += c;
    }
    return { w, quoted };
  };
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const rest = s.slice(i);
    const redir = /^(2>&1|&>|>>|2>|>)\s*/.exec(rest);
    if (redir) {
      i += redir[0].length;
      if (redir[1] === '2>&1') {
        fd2 = fd1;
        continue;
      }
      const target = word();
      if (!target || target.w === '') return null;
      const t: Target = target.w === '/dev/null' ? { to: 'null' } : { to: 'file', path: target.w, append: redir[1] === '>>' };
      if (redir[1] === '2>') fd2 = t;
      else if (redir[1] === '&>') fd1 = fd2 = t;
      else fd1 = t;
      continue;
    }
    const w = word();
    if (!w || (w.w === '' && !w.quoted)) return null;
    words.push(w);
  }
  if (words[0]?.w !== 'npx' || words[1]?.w !== 'keepalive-lab') return null;
  return { argv: words.slice(2).map((w) => w.w), fd1, fd2 };
}

function bash(script: string, cwd: string, input?: string): Shown {
  const prelude = [
    'exec 2>&1',
    // `npx keepalive-lab` as in a clone after `npm install`, without npm's start-up
    `npx() { if [ "$1" = keepalive-lab ]; then shift; "${process.execPath}" "${BIN}" "$@"; else command npx "$@"; fi; }`,
    '',
  ].join('\n');
  const r = spawnSync('bash', ['-c', prelude + script], {
    cwd,
    input: input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, LC_ALL: 'C.UTF-8', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 128, terminal: r.stdout };
}

/**
 * The slow commands that read and write no files (`advise`, and `compare` of a built-in) are
 * run once and their output shared between pages: README.md repeats some of the docs' examples.
 */
const memo = new Map<string, { code: number; term: string; pipe: string }>();
const pure = (cmd: Simple): boolean =>
  ['advise', 'compare'].includes(cmd.argv[0] ?? '') && [cmd.fd1, cmd.fd2].every((t) => t.to !== 'file') && cmd.argv.every((a) => !a.includes('/') && !/\.[a-z]/i.test(a));

async function inProcess(cmd: Simple, cwd: string): Promise<{ code: number; term: string; pipe: string }> {
  const key = pure(cmd) ? JSON.stringify([cmd.argv, cmd.fd1.to, cmd.fd2.to]) : null;
  const hit = key === null ? undefined : memo.get(key);
  if (hit) return hit;
  const r = await runMain(cmd, cwd);
  if (key !== null) memo.set(key, r);
  return r;
}

async function runMain(cmd: Simple, cwd: string): Promise<{ code: number; term: string; pipe: string }> {
  let term = '';
  let pipe = '';
  const files = new Map<string, { text: string; append: boolean }>();
  const write = (t: Target, s: string): void => {
    if (t.to === 'term') term += s;
    else if (t.to === 'pipe') pipe += s;
    else if (t.to === 'file') {
      const f = files.get(t.path) ?? { text: '', append: t.append };
      f.text += s;
      files.set(t.path, f);
    }
  };
  for (const t of [cmd.fd1, cmd.fd2]) if (t.to === 'file' && !files.has(t.path)) files.set(t.path, { text: '', append: t.append });
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(cmd.argv, { stdout: (s) => write(cmd.fd1, s), stderr: (s) => write(cmd.fd2, s), isTTY: false });
    for (const [path, f] of files) (f.append ? appendFileSync : writeFileSync)(join(cwd, path), f.text);
    return { code, term, pipe };
  } finally {
    process.chdir(before);
  }
}

/**
 * Lines a reader's terminal may or may not show, depending on their machine rather than on
 * keepalive-lab: Wireshark's tools warn when run as root (CI runs as root, readers seldom do).
 */
const MACHINE_NOISE = [/^Running as user "root" and group "root"\. This could be dangerous\.\n/gm];

/** Run one shown command line in `cwd`; what the reader's terminal would show. */
export async function runShown(line: string, cwd: string): Promise<Shown> {
  const shown = await runLine(line, cwd);
  let terminal = shown.terminal.split(cwd + '/').join('').split(cwd).join('.');
  for (const re of MACHINE_NOISE) terminal = terminal.replace(re, '');
  return { code: shown.code, terminal };
}

/**
 * `for NAME in WORD…; do BODY; done` over plain words: each pass is BODY with `$NAME` put in
 * (not inside single quotes, as the shell does), run like any other line, so the docs' loops
 * over keepalive-lab runs stay in this process too.
 */
export function unrollFor(line: string): string[] | null {
  const m = /^\s*for\s+([A-Za-z_]\w*)\s+in\s+([\w.,:/=+-]+(?:\s+[\w.,:/=+-]+)*)\s*;\s*do\s+([\s\S]*?)\s*;?\s*done\s*$/.exec(line);
  if (!m || /\b(for|while|do|done)\b/.test(m[3]!.replace(/'[^']*'|"[^"]*"/g, ''))) return null;
  const [, name, words, body] = m as unknown as [string, string, string, string];
  const ref = new RegExp(`\\$(?:${name}\\b|\\{${name}\\})`, 'g');
  // split the body into single-quoted parts (left alone) and the rest (expanded)
  const parts = body.split(/('[^']*')/);
  return words.split(/\s+/).map((w) => parts.map((p) => (p.startsWith("'") ? p : p.replace(ref, w))).join(''));
}

async function runLine(line: string, cwd: string): Promise<Shown> {
  const passes = unrollFor(line);
  if (passes) {
    let code = 0;
    let terminal = '';
    for (const p of passes) {
      const r = await runLine(p, cwd);
      code = r.code;
      terminal += r.terminal;
    }
    return { code, terminal };
  }
  if (compound(line)) return bash(line, cwd);
  let code = 0;
  let terminal = '';
  const parts = splitTop(line, ['&&', '||', ';']);
  for (const [k, part] of parts.entries()) {
    if ((part.op === '&&' && code !== 0) || (part.op === '||' && code === 0)) continue;
    const stages = splitTop(part.text, ['|']).map((p) => p.text);
    const first = parseSimple(stages[0] ?? '', stages.length > 1);
    // A sweep's worker threads would load the TypeScript sources through tsx in this process;
    // the built CLI's workers load compiled JavaScript, at about half the CPU. A sweep shown
    // failing (`; echo "exit $?"` next) stops before any worker starts: it stays here.
    const failing = /^echo "?exit \$\?"?$/.test(parts[k + 1]?.text ?? '');
    if (!first || (first.argv[0] === 'sweep' && !failing)) {
      const r = bash(`(exit ${code}); ${part.text}`, cwd);
      code = r.code;
      terminal += r.terminal;
      continue;
    }
    const r = await inProcess(first, cwd);
    terminal += r.term;
    code = r.code;
    if (stages.length > 1) {
      const rest = bash(stages.slice(1).join(' | '), cwd, r.pipe);
      terminal += rest.terminal;
      code = rest.code;
    }
  }
  return { code, terminal };
}
