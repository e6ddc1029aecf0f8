/**
 * The docs check itself: it finds the commands and outputs a page shows, honours the
 * elisions and markers, runs commands as a shell would, and fails with a diff that names
 * the page and line when a shown output no longer matches.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, slug } from './links.ts';
import { parsePage, type Command } from './markdown.ts';
import { explain, fitsOutput } from './match.ts';
import { parseSimple, runShown } from './shell.ts';
import { needsOf, verdict } from './suite.ts';

const commands = (md: string): Command[] => parsePage('page.md', md).steps.filter((s): s is Command => s.kind === 'command');
const exp = (...lines: string[]) => lines.map((text, i) => ({ text, line: 10 + i }));

describe('finding commands in a page', () => {
  it('a session: each `$ ` line with the output under it, continuation lines joined', () => {
    const md = ['# t', '', '```console', '$ npx keepalive-lab list', 'a', 'b', '$ npx keepalive-lab run x \\', '    --seed 2', 'c', '```', ''].join('\n');
    const cs = commands(md);
    expect(cs.map((c) => [c.line, c.text, c.expected?.map((e) => `${e.line}:${e.text}`)])).toEqual([
      [4, 'npx keepalive-lab list', ['5:a', '6:b']],
      [7, 'npx keepalive-lab run x \\\n    --seed 2', ['9:c']],
    ]);
  });

  it('a sh listing: every line but comments is a command, output not compared', () => {
    const cs = commands(['```sh', '# note', 'npx keepalive-lab list   # the scenarios', '', 'npm run figures', '```'].join('\n'));
    expect(cs.map((c) => [c.line, c.text, c.expected])).toEqual([
      [3, 'npx keepalive-lab list   # the scenarios', null],
      [5, 'npm run figures', null],
    ]);
  });

  it('other blocks are not commands; markers make files, outputs of a command, and skips', () => {
    const md = [
      '```text',
      'npx keepalive-lab plot <results>',
      '```',
      '<!-- docs-check: file a.yaml -->',
      '```yaml',
      'name: a',
      '```',
      '<!-- docs-check: $ npx keepalive-lab machine -->',
      '',
      '```mermaid',
      'stateDiagram-v2',
      '```',
      '<!-- docs-check: skip takes an hour -->',
      '```sh',
      'npx keepalive-lab sweep --file big.yaml',
      '```',
    ].join('\n');
    const p = parsePage('page.md', md);
    expect(p.problems).toEqual([]);
    expect(p.steps).toMatchObject([
      { kind: 'file', name: 'a.yaml', content: 'name: a\n' },
      { kind: 'command', text: 'npx keepalive-lab machine', expected: [{ text: 'stateDiagram-v2', line: 11 }] },
      { kind: 'command', text: 'npx keepalive-lab sweep --file big.yaml', skip: 'takes an hour' },
    ]);
  });

  it('misused markers are reported with their line', () => {
    expect(parsePage('p.md', '<!-- docs-check: skip -->\n```sh\nx\n```').problems).toEqual(['line 1: skip needs a reason: <!-- docs-check: skip REASON -->']);
    expect(parsePage('p.md', '<!-- docs-check: file a.yaml -->\ntext\n```yaml\nx\n```').problems[0]).toMatch(/^line 1: a docs-check marker must be directly above a fenced block/);
    expect(parsePage('p.md', '<!-- docs-check: frobnicate -->\n```sh\nx\n```').problems[0]).toMatch(/unknown docs-check marker "frobnicate"/);
  });

  it('indented fences (in list items) lose their indentation; ~~~ fences nest ``` ones', () => {
    const cs = commands(['- item', '', '  ```', '  $ npx keepalive-lab list', '  x', '  ```', '~~~markdown', '```sh', 'rm -rf /', '```', '~~~'].join('\n'));
    expect(cs.map((c) => [c.text, c.expected?.map((e) => e.text)])).toEqual([['npx keepalive-lab list', ['x']]]);
  });

  it('tools named in a command are needs (skip with one line, or fail in CI)', () => {
    const [c] = commands('```\n$ npx keepalive-lab run x --json | jq .summary\n```');
    expect(needsOf(c!).map((n) => n.name)).toEqual(['jq']);
    const [d] = commands('```sh\ntshark -r a.pcapng\n```');
    expect(needsOf(d!).map((n) => n.name)).toEqual(['tshark']);
  });
});

describe('comparing shown and real output', () => {
  it('exact lines; trailing blanks and trailing empty lines do not count', () => {
    expect(fitsOutput(exp('a', 'b  '), 'a\nb\n\n')).toBe(true);
    expect(fitsOutput(exp('a', 'b'), 'a\nc\n')).toBe(false);
    expect(fitsOutput(exp('a'), 'a\nb\n')).toBe(false); // an extra line is a difference
  });

  it('`...` alone stands for any number of lines, none included', () => {
    expect(fitsOutput(exp('...', 'z'), 'x\ny\nz\n')).toBe(true);
    expect(fitsOutput(exp('a', '...', 'z'), 'a\nz\n')).toBe(true);
    expect(fitsOutput(exp('a', '  ...', 'z'), 'a\nb\nz\n')).toBe(true);
    expect(fitsOutput(exp('a', '%% ...', 'z'), 'a\nb\nz\n')).toBe(true);
    expect(fitsOutput(exp('a', '...'), 'a\nb\nc\n')).toBe(true);
    expect(fitsOutput(exp('a', '...', 'z'), 'a\nb\ny\n')).toBe(false);
  });

  it('a line ending in `...` stands for one line starting with the text before the dots', () => {
    expect(fitsOutput(exp('Evidence (simulated: 60 runs; ...'), 'Evidence (simulated: 60 runs; measured overhead …)\n')).toBe(true);
    expect(fitsOutput(exp('Evidence (simulated: 60 runs; ...'), 'Evidence (simulated: 40 runs; measured)\n')).toBe(false);
    expect(fitsOutput(exp('x...'), 'x\ny\n')).toBe(false);
  });

  it('a mismatch is shown as a diff naming the page line of each shown line', () => {
    const shown = exp('first fault at 133.000000 s', '...', 'server learned of it: ETIMEDOUT at 149.386441 s', 'tail');
    const real = 'first fault at 133.000000 s\nx\ny\nserver learned of it: ETIMEDOUT at 149.386442 s\ntail\n';
    expect(explain('docs/output.md', shown, real)).toBe(
      [
        '  docs/output.md:10  first fault at 133.000000 s',
        '  docs/output.md:11  ...   (2 lines elided)',
        '- docs/output.md:12  server learned of it: ETIMEDOUT at 149.386441 s',
        '+                    server learned of it: ETIMEDOUT at 149.386442 s',
        '  docs/output.md:13  tail',
      ].join('\n'),
    );
    expect(explain('docs/output.md', shown, real.replace('149.386442', '149.386441'))).toBeNull();
  });

  it('the verdict names page and command, and requires exit 0 unless the page shows the status', () => {
    const [c] = commands('```\n$ npx keepalive-lab run bogus\nerror: x\n```');
    expect(verdict(c!, 2, 'error: x\n')).toMatch(/^page\.md:2: \$ npx keepalive-lab run bogus\nexited 2; a command shown without/);
    const [d] = commands('```\n$ npx keepalive-lab run bogus; echo "exit $?"\nerror: x\nexit 2\n```');
    expect(verdict(d!, 0, 'error: x\nexit 2\n')).toBeNull();
    expect(verdict(d!, 0, 'error: y\nexit 2\n')).toMatch(/^page\.md:2: .*\nthe output shown on the page \(-\) is not what the command prints \(\+\):\n- page\.md:3 {2}error: x\n\+ +error: y/);
  });
});

describe('running a shown command', () => {
  it('plain words, quotes and redirections are run in-process; anything else goes to bash', () => {
    expect(parseSimple(`npx keepalive-lab run x --set 'faults.0={at: 60s}' > out.txt 2>&1`, false)).toEqual({
      argv: ['run', 'x', '--set', 'faults.0={at: 60s}'],
      fd1: { to: 'file', path: 'out.txt', append: false },
      fd2: { to: 'file', path: 'out.txt', append: false },
    });
    expect(parseSimple('npx keepalive-lab run x --set hosts.server.hz=$hz', false)).toBeNull();
    expect(parseSimple('npx keepalive-lab run *.yaml', false)).toBeNull();
    expect(parseSimple('tshark -r a.pcapng', false)).toBeNull();
  });

  it('a pipeline, a list with $?, and a file written by one command and read by the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kal-docs-test-'));
    try {
      const a = await runShown('npx keepalive-lab run seed000-cable-pull | grep -c "keepalive probe"', dir);
      expect(a).toEqual({ code: 0, terminal: '27\n' });
      const b = await runShown('npx keepalive-lab run nope; echo "exit $?"', dir);
      expect(b.terminal).toMatch(/^error: nope: .*\nexit 2\n$/);
      const c = await runShown('npx keepalive-lab run seed000-cable-pull --json > r.json && head -c 1 r.json', dir);
      expect(c).toEqual({ code: 0, terminal: '{' });
      expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).summary.faultAt).toBe(133);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('links', () => {
  it('anchors as GitHub makes them', () => {
    expect(slug('NAT tables (`--conntrack`)')).toBe('nat-tables---conntrack');
    expect(slug('Example 3: a stuck writer and TCP_USER_TIMEOUT (JSON)')).toBe('example-3-a-stuck-writer-and-tcp_user_timeout-json');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });
});

describe('loops', () => {
  it('a for loop over plain words is unrolled, $NAME replaced outside single quotes', async () => {
    const { unrollFor } = await import('./shell.ts');
    expect(unrollFor(`for hz in 100 250; do echo "HZ $hz:"; npx keepalive-lab run x --set a=$hz | jq '[range(1; 3) as $i | $i]'; done`)).toEqual([
      `echo "HZ 100:"; npx keepalive-lab run x --set a=100 | jq '[range(1; 3) as $i | $i]'`,
      `echo "HZ 250:"; npx keepalive-lab run x --set a=250 | jq '[range(1; 3) as $i | $i]'`,
    ]);
    expect(unrollFor('for f in *.yaml; do cat $f; done')).toBeNull();
  });
});
