/**
 * Regression tests for issue 17 (hostile input and extreme settings) and issue 15's safety
 * nets: every crash, hang and unclear message found by hand and by the fuzzer, each by name.
 * The contract: exit 2, one `error: …` line per problem naming the field, what was given
 * (cut short) and what is allowed, nothing written, never a stack trace.
 */
import { existsSync, lstatSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cli, type CliResult } from '../support/cli.ts';
import { tempFile as file } from '../support/needs.ts';

/** The user-mistake contract: exit 2, nothing on stdout, only short `error:` lines, no stack trace. */
function refused(r: CliResult, ...expected: (string | RegExp)[]): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.trimEnd().split('\n');
  for (const l of lines) {
    expect(l).toMatch(/^error: /);
    expect(l.length).toBeLessThan(400);
  }
  expect(r.err).not.toMatch(/\n\s+at |TypeError|RangeError|internal error/);
  for (const e of expected) {
    if (typeof e === 'string') expect(lines).toContain(e);
    else expect(r.err).toMatch(e);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kal-hostile-'));

describe('issue 17 crashes: each is now one clear line, exit 2', () => {
  it('1. a circular YAML alias (a file, or a --set value) is refused, not a TypeError from JSON.stringify', async () => {
    refused(await cli('run', file('circ.yaml', 'a: &a [*a]\n')), 'error: circ.yaml: a.0: refers to itself (a YAML alias inside its own anchor)');
    refused(await cli('run', 'seed000-cable-pull', '--set', 'name=&a [*a]'), 'error: seed000-cable-pull.yaml: name.0: refers to itself (a YAML alias inside its own anchor)');
  });

  it('2. 10,000-deep nesting and a --set path of 5,000 parts are refused, not a stack overflow', async () => {
    refused(await cli('run', file('deep.json', '['.repeat(10_000) + ']'.repeat(10_000))), /^error: deep\.json: 0\.0\.0\.0\.0\.0…: nested more than 32 levels deep \(docs\/limits\.md\)\n$/);
    refused(await cli('run', 'seed000-cable-pull', '--set', `${Array(5000).fill('a').join('.')}=1`), /^error: --set a\.a\.a.*…\(9999 characters\): a field path has at most 16 parts and 256 characters/);
  });

  it('3. a directory as the scenario is refused, not EISDIR; so are devices', async () => {
    refused(await cli('run', dir), `error: ${dir}: is a directory, not a file`);
    refused(await cli('run', '/dev/null'), 'error: /dev/null: not a regular file (a device, FIFO or socket is not read)');
  });

  it('4. __proto__ in a --set or --vary path is refused and Object.prototype stays clean', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--set', '__proto__.x=1'), `error: --set __proto__.x: "__proto__" cannot be a field name (it would reach the object's prototype)`);
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.__proto__.polluted=1'), /"__proto__" cannot be a field name/);
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.constructor.prototype.polluted=1'), /"constructor" cannot be a field name/);
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', '__proto__.x=1,2'), `error: --vary: "__proto__.x": "__proto__" cannot be a field name (it would reach the object's prototype)`);
    refused(await cli('run', file('proto.yaml', 'hosts:\n  client: {}\n  server: {}\n  __proto__: {}\n')), `error: proto.yaml: hosts.__proto__: "__proto__" is not allowed as a key (it would reach the object's prototype)`);
    refused(await cli('run', file('proto.json', '{"hosts": {"client": {}, "server": {}}, "__proto__": {"polluted": 1}}')), /"__proto__" is not allowed as a key/);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('5. --set apps.0.steps.length=x is refused, not "Invalid array length"; a list grows by one item at most', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--set', 'apps.0.steps.length=x'), 'error: --set apps.0.steps.length: apps.0.steps is a list of 4 items: give an index 0..4 (4 adds one)');
    refused(await cli('run', 'seed000-cable-pull', '--set', 'faults.99.type=crash'), /^error: --set faults\.99\.type: faults is a list of 1 item: give an index 0\.\.1/);
    // appending is how a fault is added
    const r = await cli('run', 'seed000-cable-pull', '--set', 'faults.1={at: 200, type: restore}', '--json');
    expect(r.code).toBe(0);
  });

  it('6. durations beyond 100 years are refused at validation, not an Infinity event time', async () => {
    for (const [path, v] of [['path.latency', '1e303'], ['apps.0.steps.0.at', '1e302'], ['apps.1.steps.1.for', '1e20'], ['faults.0.at', '36525000d'], ['hosts.client.jiffyPhase', '101e9']] as [string, string][]) {
      const r = await cli('run', path.startsWith('faults') ? 'seed000-cable-pull' : 'seed000-both-sides', '--set', `${path}=${v}`);
      refused(r, new RegExp(`^error: seed000-[a-z-]+\\.yaml: ${path.replace(/\./g, '\\.')}: \\S+ is longer than 100 years, the longest duration \\(docs/limits\\.md\\)\n$`));
    }
    refused(await cli('run', 'seed000-cable-pull', '--set', 'path.latency=.inf'), 'error: seed000-cable-pull.yaml: path.latency: Infinity is not a finite number');
  });

  it('7. instances: 28233 connecting copies are refused (28,232 ephemeral ports), not "no free ephemeral port"', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--set', 'apps.1.instances=28233'), 'error: seed000-cable-pull.yaml: apps.1.instances: the programs on client open 28233 connections to server port 22345, more than the 28232 ephemeral ports of ip_local_port_range 32768..60999 (docs/limits.md)');
  });

  it('8-9. --seeds 0..4294967295 and --seeds 4294967295 are refused by count, not a RangeError or 1.7 GB', async () => {
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--seeds', '0..4294967295'), 'error: --seeds: 4294967296 seeds, more than the 10000 runs a sweep may plan (--max-points raises it; docs/limits.md)');
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--seeds', '4294967295'), 'error: --seeds: 4294967295 seeds, more than the 10000 runs a sweep may plan (--max-points raises it; docs/limits.md)');
  });

  it('10. a grid of 8.6e16 points is refused naming the count and the limit, not a V8 fatal error', async () => {
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1us..1000000d'), 'error: --vary path.latency: "1000000d" is longer than 100 years, the longest duration (docs/limits.md)');
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1us..10s'), 'error: --vary: the sweep has 10,000,000 runs (10,000,000 points × 1 seed), more than the limit of 10,000: narrow the ranges, use --sample N, or raise the limit with --max-points (at most 250,000)');
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms..100ms/1ms', '--vary', 'path.loss=0..0.2/0.001', '--seeds', '3'), /the sweep has 60,300 runs \(20,100 points × 3 seeds\), more than the limit of 10,000: .* --max-points 60300$/m);
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.loss=0..1/0.1', '--max-points', '2000000'), 'error: --max-points: 2000000 is out of range 1..250000');
  });

  it('a period of 0 (send every: 0, MQTT publishEvery: 0) is refused: it repeated at one instant forever (found by the fuzzer)', async () => {
    refused(await cli('run', 'aws-alb-idle', '--set', 'apps.2.steps.1.every=0'), 'error: aws-alb-idle.yaml: apps.2.steps.1.every: a period must be more than 0');
    refused(await cli('run', 'mqtt-keepalive', '--set', 'apps.1.program.publishEvery=0'), 'error: mqtt-keepalive.yaml: apps.1.program.publishEvery: publishEvery must be more than 0');
  });

  it('the hang: timers at 1e26 µs and a horizon of 1e22 days are refused, so virtual time never freezes', async () => {
    refused(await cli('run', 'seed000-both-sides', '--set', 'apps.1.steps.0.at=1e20', '--set', 'apps.1.steps.1.for=1e20', '--until', '9999999999999999999999d'), 'error: --until: "9999999999999999999999d" is longer than 100 years, the longest duration (docs/limits.md)');
    refused(await cli('run', 'seed000-both-sides', '--set', 'until=1.6e175'), 'error: seed000-both-sides.yaml: until: 1.6e+175 is longer than 100 years, the longest duration (docs/limits.md)');
    refused(await cli('run', 'seed000-both-sides', '--set', 'apps.1.steps.0.at=1e20'), /apps\.1\.steps\.0\.at: 100000000000000000000 is longer than 100 years/);
  });
});

describe('issue 17 unclear messages', () => {
  it('an empty file says it is empty', async () => {
    refused(await cli('run', file('empty.yaml', '')), 'error: empty.yaml: (top level): the document is empty: a scenario is a mapping with at least `hosts` (two of them)');
  });

  it('a missing field says missing, Infinity is not "null", 2.5 is not "expected int"', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--set', 'apps.0={steps: [{call: close}]}'), 'error: seed000-cable-pull.yaml: apps.0.host: missing (expected a string)');
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.socket.TCP_KEEPIDLE=2.5'), 'error: seed000-cable-pull.yaml: hosts.client.socket.TCP_KEEPIDLE: 2.5 is not a whole number');
    refused(await cli('run', file('inf.json', '{"hosts": {"client": {}, "server": {}}, "path": {"latency": 1e400}}')), 'error: inf.json: path.latency: Infinity is not a finite number');
  });

  it('very long inputs are cut: a 1,000,080-character value, 100,000 unknown keys, a 100,000-character name, garbage bytes', async () => {
    const long = await cli('run', 'seed000-cable-pull', '--set', `hosts.client.os=${'x'.repeat(1_000_080)}`);
    refused(long, /^error: seed000-cable-pull\.yaml: hosts\.client\.os: "x{60}…" \(1000080 characters\) is not one of linux, macos, freebsd, windows\n$/);
    const keys = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 1]));
    refused(await cli('run', file('keys.json', JSON.stringify({ hosts: { client: {}, server: {} }, ...keys }))), /^error: keys\.json: \(top level\): unknown fields "k0", "k1", "k2", "k3", "k4" and 99995 more \(fields here: name, description/);
    refused(await cli('run', 'y'.repeat(100_000)), /^error: y{80}…\(100000 characters\): no such file and no built-in scenario by that name/);
    refused(await cli('run', file('garbage.yaml', new Uint8Array([0xff, 0xfe, 0, 0x41, 0x80]))), /^error: \S+garbage\.yaml: not UTF-8 text\n$/);
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.os=\u0000\u001b[31mred'), 'error: seed000-cable-pull.yaml: hosts.client.os: "\\u0000\\u001b[31mred" is not one of linux, macos, freebsd, windows');
  });

  it('a thousand problems print as twenty lines and a count', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`h${i}`, { hz: 123 }]));
    const r = await cli('run', file('many.json', JSON.stringify({ hosts })));
    refused(r, 'error: … and 180 more problems');
    expect(r.err.trimEnd().split('\n')).toHaveLength(21);
  });

  it('--seed abc / "" and -c "" / --pcap "" are errors, not "out of range", seed 0 or silently ignored', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--seed', 'abc'), 'error: --seed: "abc" is not a whole number (0..4294967295)');
    refused(await cli('run', 'seed000-cable-pull', '--seed', ''), 'error: --seed: "" is not a whole number (0..4294967295)');
    refused(await cli('run', 'seed000-cable-pull', '--seed', '4294967296'), 'error: --seed: 4294967296 is out of range 0..4294967295');
    refused(await cli('run', 'seed000-cable-pull', '-c', ''), 'error: -c/--count: "" is not a whole number (0..2147483647)');
    refused(await cli('run', 'seed000-cable-pull', '--pcap', ''), 'error: --pcap: an empty file name');
    refused(await cli('advise', '--detect', '30s', '--loss', 'lots'), 'error: --loss: "lots" is not a number (0..0.5)');
  });

  it('--vantage toString / constructor / __proto__ are not hosts', async () => {
    for (const v of ['toString', 'constructor', '__proto__']) refused(await cli('run', 'seed000-cable-pull', '--vantage', v), `error: --vantage: no host or NAT named "${v}" (hosts: client, server)`);
  });

  it('more than 254 hosts are refused (no 10.0.0.299), and only host addresses are taken', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`h${i}`, {}]));
    refused(await cli('run', file('hosts.json', JSON.stringify({ hosts }))), 'error: hosts.json: hosts: 300 hosts, more than 254 (automatic addresses are 10.0.0.1..10.0.0.254; docs/limits.md)');
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.ip=255.255.255.255'), 'error: seed000-cable-pull.yaml: hosts.client.ip: 255.255.255.255 is reserved or broadcast (240.0.0.0/4), not a host address');
  });

  it('YAML warnings become one error line, not a multi-line Node warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    refused(await cli('run', file('tag.yaml', 'hosts: {client: {}, server: {}}\nname: !!foo x\n')), /^error: \S+tag\.yaml: not valid YAML: Unresolved tag: tag:yaml\.org,2002:foo at line 2, column 7\n$/);
    const v = await cli('run', 'seed000-cable-pull', '--set', 'name=!!foo x', '--json');
    expect(v.code).toBe(0); // a --set value that is not clean YAML is the text itself
    expect(JSON.parse(v.out).scenario.name).toBe('!!foo x');
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('JSON with a byte-order mark is read; duplicate keys are an error in JSON as in YAML', async () => {
    const doc = { hosts: { client: {}, server: {} }, apps: [{ host: 'server', steps: [{ call: 'listen', port: 1 }] }] };
    expect((await cli('run', file('bom.json', `\uFEFF${JSON.stringify(doc)}`))).code).toBe(0);
    refused(await cli('run', file('dup.json', '{"hosts": {"client": {}, "server": {}}, "seed": 1, "seed": 2}')), /^error: \S+dup\.json: not valid JSON: Map keys must be unique at line 1, column 52\n$/);
  });

  it('a built-in name cannot walk out of the scenarios folder', async () => {
    refused(await cli('run', '../scenarios/seed000-cable-pull'), /no such file and no built-in scenario by that name/);
    refused(await cli('run', '../../package'), /no such file and no built-in scenario by that name/);
    refused(await cli('compare', '../scenarios/seed000-cable-pull'), /no such file and no built-in compare file by that name/);
  });
});

describe('issue 17 output paths', () => {
  it('sweep --out /tmp (a folder) and --out / are refused before anything runs', async () => {
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--out', dir), new RegExp(`^error: --out: ${dir} is a directory, and this is a file prefix: give a name inside it`));
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--out', '/'), /^error: --out: \/ is a directory, and this is a file prefix/);
    refused(await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--out', `${dir}/`), /is a directory, and this is a file prefix/);
  });

  it('sweep --out results/ns creates results/ (issue 15: was ENOENT)', async () => {
    const prefix = join(dir, 'results', 'deeper', 'ns');
    const r = await cli('sweep', 'seed000-cable-pull', '--vary', 'path.latency=1ms,2ms', '--workers', '1', '--out', prefix, '--no-plots');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(`${prefix}.jsonl`) && existsSync(`${prefix}.csv`) && existsSync(`${prefix}.summary.txt`)).toBe(true);
    expect(readdirSync(join(dir, 'results', 'deeper')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a folder where a file is expected is refused, and nothing is written', async () => {
    const out = join(dir, 'figs');
    mkdirSync(out, { recursive: true });
    refused(await cli('run', 'seed000-cable-pull', '--svg', out), `error: --svg: ${out} is a directory; give a file name (e.g. ${join(out, 'out')}…)`);
    refused(await cli('run', 'seed000-cable-pull', '--mermaid', join(out, 'ok.mmd'), '--pcap', out), /^error: --pcap: .* is a directory/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a compare file of more than 10,000 runs is refused before anything runs', async () => {
    const situations = Array.from({ length: 6 }, (_, i) => `{name: s${i}, seeds: 1000}`).join(', ');
    refused(await cli('compare', file('big.yaml', `base: seed000-cable-pull\nstrategies: [{name: a, set: {}}, {name: b, set: {}}]\nsituations: [${situations}]\n`)), 'error: big.yaml: 12,000 runs (2 strategies × 6 situations with their seeds), more than 10,000: use a sweep for grids this large (docs/sweeps.md)');
  });

  it('the same file for two outputs is refused', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--mermaid', join(dir, 'same.x'), '--pcap', join(dir, 'same.x')), /is also the file of --mermaid; give each output its own file/);
  });

  it('an existing file is replaced atomically: a symlink at the target is replaced, not followed; no temp files stay', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const link = join(dir, 'link.mmd');
    symlinkSync(victim, link);
    const r = await cli('run', 'seed000-cable-pull', '--mermaid', link);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(link, 'utf8')).toMatch(/^sequenceDiagram\n/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('missing parent folders of --svg / --pcap are created', async () => {
    const pcap = join(dir, 'a', 'b', 'c.pcap');
    const r = await cli('run', 'seed000-cable-pull', '--pcap', pcap);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(pcap).readUInt32LE(0)).toBe(0xa1b2c3d4);
  });

  it('a failure after rendering leaves no file behind (all outputs are written together, last)', async () => {
    const mmd = join(dir, 'never.mmd');
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file, not a folder\n');
    refused(await cli('run', 'seed000-cable-pull', '--mermaid', mmd, '--pcap', join(blocker, 'x.pcap')), /^error: --pcap: cannot create the folder .*blocker: /);
    expect(existsSync(mmd)).toBe(false);
  });
});

describe('issue 15 safety nets', () => {
  it('--set cannot add a host nothing names: hosts.cleint.* is a typo with a did-you-mean, not a silent third host', async () => {
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.cleint.sysctl.tcp_keepalive_time=5'), 'error: --set hosts.cleint.sysctl.tcp_keepalive_time=5: no host named "cleint" (did you mean "client"?); an override adds a host only when an app, path.between, a fault or vantage names it');
    // a host that is named is added
    const r = await cli('run', 'seed000-cable-pull', '--set', 'hosts.watcher.os=linux', '--set', 'vantage=[client, watcher]', '--json');
    expect(r.code, r.err).toBe(0);
  });

  it('a detection before the first fault is labelled a false alarm, in the summary and the JSON', async () => {
    const r = await cli('run', 'seed000-cable-pull', '--set', 'path.loss=0.3', '--seed', '3');
    expect(r.code).toBe(0);
    expect(r.out).toContain('first fault at 133.000000 s\nserver learned of it: ETIMEDOUT at 26.589494 s (false alarm: before the first fault)\n');
    const j = JSON.parse((await cli('run', 'seed000-cable-pull', '--set', 'path.loss=0.3', '--seed', '3', '--json')).out) as { summary: { detections: { falseAlarm?: boolean }[]; aborts: { falseAlarm?: boolean }[]; verdict: string } };
    expect(j.summary.detections.map((d) => d.falseAlarm)).toEqual([true]);
    expect(j.summary.aborts.every((a) => a.falseAlarm === true)).toBe(true);
    expect(j.summary.verdict).toBe('server got ETIMEDOUT at 26.589494 s (false alarm: before the first fault)');
    // a real detection is not labelled
    const ok = await cli('run', 'seed000-cable-pull');
    expect(ok.out).toContain('server learned of it: ETIMEDOUT at 149.386441 s, 16.386 s after the fault\n');
  });

  it('missing arguments and options are one line, not the whole help', async () => {
    refused(await cli('run'), "error: missing required argument 'scenario' (see npx keepalive-lab run --help)");
    refused(await cli('advise'), "error: required option '--detect <duration>' not specified (see npx keepalive-lab advise --help)");
    refused(await cli('rn', 'x'), "error: unknown command 'rn' (did you mean run?) (see npx keepalive-lab --help)");
    refused(await cli('run', 'seed000-cable-pull', '--sed', '3'), "error: unknown option '--sed' (did you mean one of --seed, --set?) (see npx keepalive-lab run --help)");
  });

  it('did-you-mean for scenario and profile names', async () => {
    refused(await cli('run', 'seed000-cable-pul'), 'error: seed000-cable-pul: no such file and no built-in scenario by that name (did you mean "seed000-cable-pull"?)');
    refused(await cli('advise', '--detect', '30s', '--nat', 'aws-natgwx'), 'error: --nat: "aws-natgwx" is not a NAT profile (did you mean "aws-natgw"?)');
    refused(await cli('run', 'seed000-cable-pull', '--set', 'hosts.client.os=macOS'), 'error: seed000-cable-pull.yaml: hosts.client.os: "macOS" is not one of linux, macos, freebsd, windows (did you mean "macos"?)');
    refused(await cli('run', 'aws-natgw-keepidle-300', '--set', 'path.middleboxes.0.profile=gcp-cloud-nat'), /profile: "gcp-cloud-nat" is not one of .* \(did you mean "gcp-cloudnat"\?\)$/m);
  });
});
