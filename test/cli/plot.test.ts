/**
 * `keepalive-lab plot` and the figure options of `run` (--svg, --timeline) as a user meets
 * them: files written in the asked format, exit 2 with one line naming the bad field or flag
 * and nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleRows } from '../../sim/plot/sample.ts';
import { parseCsv, parseRows } from '../../sim/plot/rows.ts';
import { pngSize, xmlElements } from '../report/plots-xml.ts';
import { cli } from '../support/cli.ts';


const dir = mkdtempSync(join(tmpdir(), 'kal-plot-'));
const rows = sampleRows('aws-natgw-keepidle-300', { 'hosts.client.socket.TCP_KEEPIDLE': [60, 300, 600], 'path.middleboxes.0.established': [120, 350] }, [1, 2]);
const jsonl = join(dir, 'results.jsonl');
writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const fields = Object.keys(rows[0] ?? {});
const csvCell = (v: unknown): string => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
const csv = join(dir, 'results.csv');
writeFileSync(csv, [fields.join(','), ...rows.map((r) => fields.map((f) => csvCell(r[f])).join(','))].join('\n') + '\n');

describe('keepalive-lab plot', () => {
  it('draws a survival heatmap from JSON lines as SVG', async () => {
    const out = join(dir, 'heat.svg');
    const r = await cli('plot', jsonl, '--kind', 'heatmap', '--x', 'hosts.client.socket.TCP_KEEPIDLE', '--y', 'path.middleboxes.0.established', '--color', 'nat.survived', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${out} (heatmap, 12 rows)\n`);
    const svg = readFileSync(out, 'utf8');
    expect(xmlElements(svg)[0]).toBe('svg');
    expect(svg).toContain('>mean(nat.survived) over client TCP_KEEPIDLE × middleboxes.0.established</text>');
  });

  it('gives the same spec from CSV as from JSON lines', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const args = ['--kind', 'pareto', '--x', 'overhead.packetsPerHour', '--y', 'nat.brokeAt', '--label', 'hosts.client.socket.TCP_KEEPIDLE', '--label', 'path.middleboxes.0.established'];
    expect((await cli('plot', jsonl, ...args, '-o', a)).code).toBe(0);
    expect((await cli('plot', csv, ...args, '-o', b)).code).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    const values = (JSON.parse(readFileSync(a, 'utf8')) as { data: { values: { label: string; front: boolean }[] } }).data.values;
    expect(values.map((v) => v.label)).toEqual(['TCP_KEEPIDLE=300 established=120', 'TCP_KEEPIDLE=600 established=120', 'TCP_KEEPIDLE=600 established=350']);
  });

  it('writes PNG with the PNG signature', async () => {
    const out = join(dir, 'cdf.png');
    expect((await cli('plot', jsonl, '--kind', 'cdf', '--x', 'overhead.packetsPerHour', '--group', 'path.middleboxes.0.established', '-o', out)).code).toBe(0);
    expect(pngSize(readFileSync(out)).width).toBeGreaterThan(400);
  });

  it('an unknown field exits 2 naming it and listing the available ones, writing nothing', async () => {
    const out = join(dir, 'never.svg');
    const r = await cli('plot', jsonl, '--kind', 'heatmap', '--x', 'keepidle', '--y', 'path.middleboxes.0.established', '--color', 'nat.survived', '-o', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --x: no field "keepidle" in ${jsonl} (available: ${fields.join(', ')})\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('a missing field for the kind, a bad extension, a bad kind and an unreadable file exit 2', async () => {
    expect((await cli('plot', jsonl, '--kind', 'heatmap', '--x', 'seed', '--y', 'run', '-o', join(dir, 'x.svg'))).err).toBe('error: --color: required for --kind heatmap (the metric per cell, e.g. nat.survived)\n');
    expect((await cli('plot', jsonl, '--kind', 'cdf', '--x', 'seed', '-o', join(dir, 'x.gif'))).err).toBe(`error: --output: "${join(dir, 'x.gif')}" must end in .svg, .png, .json\n`);
    const k = await cli('plot', jsonl, '--kind', 'pie', '--x', 'seed', '-o', join(dir, 'x.svg'));
    expect(k.code).toBe(2);
    expect(k.err).toContain("error: option '--kind <kind>' argument 'pie' is invalid. Allowed choices are heatmap, cdf, pareto, line.");
    const m = await cli('plot', join(dir, 'missing.jsonl'), '--kind', 'cdf', '--x', 'seed', '-o', join(dir, 'x.svg'));
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/^error: .*missing\.jsonl: cannot read: ENOENT/);
  });

  it('without --kind writes the automatic plots for the varied fields', async () => {
    const out = join(dir, 'auto');
    const r = await cli('plot', jsonl, '-o', out);
    expect(r.err).toBe('');
    // keepidle × NAT timeout → heatmap; detect.first and overhead present → Pareto over the two fields
    // every setting sends the same packets per hour here: a Pareto "front" would be one column, so it is skipped with a note (issue 15)
    expect(r.out).toBe(`plot pareto skipped: every setting has the same overhead.packetsPerHour (7.2): no trade-off to draw\nwrote ${join(out, 'results.survival-heatmap.svg')}\n`);
    xmlElements(readFileSync(join(out, 'results.survival-heatmap.svg'), 'utf8'));
    const flat = join(dir, 'flat.jsonl');
    writeFileSync(flat, '{"run":0,"seed":1,"x":1}\n{"run":1,"seed":2,"x":1}\n');
    expect((await cli('plot', flat)).err).toBe(`error: ${flat}: no automatic plot fits the varied fields (none); choose one with --kind\n`);
  });

  it('reads RFC 4180 CSV and JSON lines into the same typed rows', async () => {
    expect(parseCsv('a,b\n1,"x, ""y"""\r\n')).toEqual([['a', 'b'], ['1', 'x, "y"']]);
    expect(parseRows('a,b,c,d\n1.5,true,,x\n', 'r.csv')).toEqual([{ a: 1.5, b: true, c: null, d: 'x' }]);
    expect(() => parseRows('{"a":1}\n[1]\n', 'r.jsonl')).toThrow();
  });
});

describe('keepalive-lab run: --svg and --timeline', () => {
  it('writes the ladder with the NAT column as SVG and the timeline as SVG', async () => {
    const svg = join(dir, 'ladder.svg');
    const tl = join(dir, 'timeline.svg');
    const r = await cli('run', 'seed001-nat-table', '--svg', svg, '--timeline', tl);
    expect(r.code).toBe(0);
    const l = readFileSync(svg, 'utf8');
    xmlElements(l);
    expect(l).toContain('data-from="client" data-to="router" data-label="1.000000 [S] seq 0 10.0.0.1:57731 &gt; 10.0.0.2:8000"');
    const t = readFileSync(tl, 'utf8');
    xmlElements(t);
    expect(t).toContain('>seed001-nat-table: timers (seed 1)</text>');
  });

  it('--timeline - prints text lanes after the trace', async () => {
    const r = await cli('run', 'seed000-cable-pull', '--timeline', '-');
    expect(r.code).toBe(0);
    expect(r.out).toContain('\n== timer timeline (docs/diagrams.md) ==\ntimers over virtual time, 0 to 220.000000 s (one column = 3.055556 s)\nserver:22345>client:57731 keepalive ');
    expect(r.out).toContain('\n! 133.000000 path cut (both directions)\n');
  });

  it('--ladder-max applies to --mermaid; out-of-range values and --timeline - with --json exit 2', async () => {
    const mmd = join(dir, 'capped.mmd');
    expect((await cli('run', 'seed001-nat-table', '--mermaid', mmd, '--ladder-max', '20')).code).toBe(0);
    expect(readFileSync(mmd, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 3 + 20 + 1);
    expect((await cli('run', 'seed000-cable-pull', '--ladder-max', '5')).err).toBe('error: --ladder-max: 5 is out of range 10..100000 (arrows and notes drawn)\n');
    expect((await cli('run', 'seed000-cable-pull', '--json', '--timeline', '-')).err).toBe('error: --timeline -: text lanes cannot go into --json output; give a file (.svg, .png, .json)\n');
    const bad = await cli('run', 'seed000-cable-pull', '--timeline', join(dir, 't.txt'));
    expect(bad.code).toBe(2);
    expect(existsSync(join(dir, 't.txt'))).toBe(false);
  });
});
