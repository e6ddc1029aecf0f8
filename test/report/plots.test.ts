/**
 * The plot library: aggregation, empirical CDFs and the Pareto front computed on constructed
 * rows with known answers; spec choice for a sweep's varied parameters; rendering to
 * well-formed SVG and to PNG of the right size.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fontFiles, plotBytes, renderPng, renderSvg } from '../../sim/plot/render.ts';
import { sampleRows } from '../../sim/plot/sample.ts';
import { aggregate, autoPlots, autoPlotSpecs, cdfSpec, paretoPoints, ecdf, heatmapSpec, num, paretoFront, paretoSpec, short, title, variedFields, type Row } from '../../src/report/plots.ts';
import { pngSize, xmlElements } from './plots-xml.ts';

type Values = { values: Record<string, unknown>[] };
const dataOf = (spec: Record<string, unknown>): Record<string, unknown>[] => (spec.data as Values).values;

describe('paretoFront', () => {
  it('keeps exactly the non-dominated points (both minimised), sorted by x', () => {
    const pts = [
      { x: 1, y: 9, n: 'a' },
      { x: 2, y: 5, n: 'b' },
      { x: 3, y: 5, n: 'c' }, // dominated by b (same y, more x)
      { x: 4, y: 2, n: 'd' },
      { x: 5, y: 3, n: 'e' }, // dominated by d
      { x: 6, y: 1, n: 'f' },
      { x: 2, y: 7, n: 'g' }, // dominated by b
    ];
    expect(paretoFront(pts).map((p) => p.n)).toEqual(['a', 'b', 'd', 'f']);
  });

  it('agrees with the definition on random point sets', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.integer({ min: 0, max: 20 }), y: fc.integer({ min: 0, max: 20 }) }), { maxLength: 30 }), (pts) => {
        const front = new Set(paretoFront(pts));
        const dominated = (p: { x: number; y: number }): boolean => pts.some((q) => q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y));
        const distinct = new Map(pts.map((p) => [`${p.x},${p.y}`, p]));
        // one representative per distinct non-dominated point
        expect(new Set([...front].map((p) => `${p.x},${p.y}`))).toEqual(new Set([...distinct.values()].filter((p) => !dominated(p)).map((p) => `${p.x},${p.y}`)));
      }),
    );
  });

  it('paretoSpec summarises seeds by their median and marks the front', () => {
    const rows: Row[] = [
      { k: 1, cost: 10, delay: 50 },
      { k: 1, cost: 10, delay: 70 },
      { k: 1, cost: 10, delay: 90 }, // median 70
      { k: 2, cost: 20, delay: 40 },
      { k: 3, cost: 30, delay: 45 }, // dominated by k=2
      { k: 4, cost: 40, delay: null }, // no detection: not a point
    ];
    const v = dataOf(paretoSpec(rows, { x: 'cost', y: 'delay', label: 'k' }));
    expect(v).toEqual([
      { label: 'k=1', x: 10, y: 70, front: true },
      { label: 'k=2', x: 20, y: 40, front: true },
      { label: 'k=3', x: 30, y: 45, front: false },
    ]);
  });
});

describe('heatmap and CDF data', () => {
  it('a boolean metric becomes the proportion of runs per cell, with the run count', () => {
    const rows: Row[] = [
      { a: 60, b: 120, ok: true },
      { a: 60, b: 120, ok: false },
      { a: 60, b: 120, ok: true },
      { a: 60, b: 120, ok: true },
      { a: 300, b: 120, ok: false },
      { a: 300, b: 350, ok: null },
    ];
    const v = dataOf(heatmapSpec(rows, { x: 'a', y: 'b', color: 'ok' }));
    expect(v).toEqual([
      { x: 60, y: 120, value: 0.75, runs: 4 },
      { x: 300, y: 120, value: 0, runs: 1 },
      { x: 300, y: 350, value: null, runs: 1 },
    ]);
  });

  it('aggregates: median, nearest-rank p95, count', () => {
    expect(aggregate([3, 1, 2, 10], 'median')).toBe(2.5);
    expect(aggregate(Array.from({ length: 20 }, (_, i) => i + 1), 'p95')).toBe(19);
    expect(aggregate([], 'mean')).toBeNull();
    expect(aggregate([], 'count')).toBe(0);
    expect([num(true), num(false), num('2.5'), num(null), num('x'), num(Number.NaN)]).toEqual([1, 0, 2.5, undefined, undefined, undefined]);
  });

  it('the empirical CDF steps by 1/n per group and stays below 1 when some runs never detected', () => {
    const rows: Row[] = [
      { loss: 0, d: 16 },
      { loss: 0, d: 16 },
      { loss: 0.1, d: 20 },
      { loss: 0.1, d: 30 },
      { loss: 0.1, d: null },
      { loss: 0.1, d: 25 },
    ];
    expect(ecdf(rows, { value: 'd', group: 'loss' })).toEqual([
      { group: '0', v: 16, p: 1 },
      { group: '0.1', v: 20, p: 0.25 },
      { group: '0.1', v: 25, p: 0.5 },
      { group: '0.1', v: 30, p: 0.75 },
    ]);
    expect(dataOf(cdfSpec(rows, { value: 'd', group: 'loss' }))).toHaveLength(4);
  });

  it('titles carry the metric unit from the catalogue and short parameter names', () => {
    expect(title('detect.first')).toBe('detect.first (s)');
    expect(title('detect.server')).toBe('detect.server (s)');
    expect(title('overhead.packetsPerHour')).toBe('overhead.packetsPerHour (packets/h)');
    expect(title('nat.survived')).toBe('nat.survived');
    expect(short('hosts.client.socket.TCP_KEEPIDLE')).toBe('client TCP_KEEPIDLE');
    expect(short('path.middleboxes.0.established')).toBe('middleboxes.0.established');
    expect(short('path.loss')).toBe('path.loss');
  });
});

describe('autoPlotSpecs', () => {
  it('varied fields are the non-metric fields with more than one value', () => {
    const rows: Row[] = [
      { run: 0, seed: 1, 'path.loss': 0, 'hosts.a.hz': 250, 'detect.first': 1, 'detect.server': 1, 'nat.survived': true },
      { run: 1, seed: 2, 'path.loss': 0.1, 'hosts.a.hz': 250, 'detect.first': 2, 'detect.server': 3, 'nat.survived': false },
    ];
    expect(variedFields(rows)).toEqual(['path.loss']);
  });

  const row = (o: Row): Row => ({ 'detect.first': 10, 'nat.survived': true, 'overhead.packetsPerHour': 100, ...o });

  it('keepidle × NAT timeout → survival heatmap; loss → detection CDF; overhead and detection → Pareto', () => {
    const rows = [
      row({ 'hosts.client.socket.TCP_KEEPIDLE': 60, 'path.middleboxes.0.established': 120, 'path.loss': 0.01 }),
      row({ 'hosts.client.socket.TCP_KEEPIDLE': 300, 'path.middleboxes.0.established': 350, 'path.loss': 0.02, 'overhead.packetsPerHour': 20, 'detect.first': 30 }),
    ];
    const names = autoPlotSpecs(rows, ['hosts.client.socket.TCP_KEEPIDLE', 'path.middleboxes.0.established', 'path.loss']).map((p) => p.name);
    expect(names).toEqual(['survival-heatmap', 'detection-cdf', 'pareto']);
  });

  it('falls back to metric-vs-parameter lines when no dedicated plot fits', () => {
    const rows = [5, 7].map((r) => row({ 'hosts.server.sysctl.tcp_retries2': r, 'detect.first': null, 'overhead.packetsPerHour': null }));
    expect(autoPlotSpecs(rows, ['hosts.server.sysctl.tcp_retries2']).map((p) => p.name)).toEqual(['nat.survived-vs-tcp_retries2']);
  });

  it('skips degenerate plots with a note: a Pareto plot with every setting at one cost, a line with one x (issue 15)', () => {
    const same = [60, 300].map((k) => row({ 'hosts.client.socket.TCP_KEEPIDLE': k, 'detect.first': k / 10 }));
    const a = autoPlots(same, ['hosts.client.socket.TCP_KEEPIDLE']);
    expect(a.skipped).toEqual([{ name: 'pareto', why: 'every setting has the same overhead.packetsPerHour (100): no trade-off to draw' }]);
    // instead, each metric against the parameter
    expect(a.plots.map((p) => p.name)).toEqual(['detect.first-vs-TCP_KEEPIDLE', 'nat.survived-vs-TCP_KEEPIDLE', 'overhead.packetsPerHour-vs-TCP_KEEPIDLE']);
    const one = [row({ 'hosts.server.sysctl.tcp_retries2': 5, 'detect.first': null, 'overhead.packetsPerHour': null })];
    expect(autoPlots(one, ['hosts.server.sysctl.tcp_retries2']).skipped).toEqual([{ name: 'nat.survived-vs-tcp_retries2', why: 'nat.survived is known at fewer than two values of hosts.server.sysctl.tcp_retries2' }]);
  });

  it('a setting whose flow a middlebox broke is never on the Pareto front, however cheap (issue 15)', () => {
    // keepidle 600 sends the fewest packets and "detects" fastest only because the NAT dropped the flow
    const rows: Row[] = [
      { k: 60, 'overhead.packetsPerHour': 60, 'detect.first': 90, 'nat.survived': true },
      { k: 300, 'overhead.packetsPerHour': 12, 'detect.first': 330, 'nat.survived': true },
      { k: 600, 'overhead.packetsPerHour': 6, 'detect.first': 20, 'nat.survived': false },
    ];
    const pts = paretoPoints(rows, { x: 'overhead.packetsPerHour', y: 'detect.first', label: 'k', valid: 'nat.survived' });
    expect(pts).toEqual([
      { label: 'k=60', x: 60, y: 90, front: true },
      { label: 'k=300', x: 12, y: 330, front: true },
      { label: 'k=600', x: 6, y: 20, front: false, broken: true },
    ]);
    // without `valid` the dead setting would dominate both others
    expect(paretoPoints(rows, { x: 'overhead.packetsPerHour', y: 'detect.first', label: 'k' }).filter((p) => p.front).map((p) => p.label)).toEqual(['k=600']);
    const spec = paretoSpec(rows, { x: 'overhead.packetsPerHour', y: 'detect.first', label: 'k', valid: 'nat.survived' });
    expect(dataOf(spec).map((v) => (v as { status: string }).status)).toEqual(['on the Pareto front', 'on the Pareto front', 'middlebox broke the flow']);
  });
});

describe('rendering', () => {
  const rows = sampleRows('aws-natgw-keepidle-300', { 'hosts.client.socket.TCP_KEEPIDLE': [60, 300, 600], 'path.middleboxes.0.established': [120, 350] });
  const spec = heatmapSpec(rows, { x: 'hosts.client.socket.TCP_KEEPIDLE', y: 'path.middleboxes.0.established', color: 'nat.survived' });

  it('survival over keepidle × NAT timeout from real runs: survives iff keepidle < the NAT timeout', () => {
    const cells = dataOf(spec).map((c) => [c.x, c.y, c.value]);
    expect(cells).toEqual([
      [60, 120, 1],
      [60, 350, 1],
      [300, 120, 0],
      [300, 350, 1],
      [600, 120, 0],
      [600, 350, 0],
    ]);
  });

  it('renders to well-formed, deterministic SVG with axis titles and cell values', async () => {
    const svg = await renderSvg(spec as never);
    expect(xmlElements(svg)[0]).toBe('svg');
    expect(svg).toContain('>client TCP_KEEPIDLE</text>');
    expect(svg).toContain('>middleboxes.0.established</text>');
    expect(svg).toContain('>mean(nat.survived)</text>');
    expect(await renderSvg(spec as never)).toBe(svg);
  });

  it('renders PNG with the signature and the SVG size × scale', async () => {
    const svg = await renderSvg(spec as never);
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(svg);
    const png = await renderPng(svg, 2);
    expect(pngSize(png)).toEqual({ width: Number(m?.[1]) * 2, height: Number(m?.[2]) * 2 });
  });

  it('finds the DejaVu fonts PNG text needs on this machine (Debian: fonts-dejavu-core)', () => {
    expect(fontFiles().some((f) => f.endsWith('/DejaVuSans.ttf'))).toBe(true);
  });

  it('picks the format from the extension and refuses others', async () => {
    expect(JSON.parse((await plotBytes(spec as never, 'x.json')) as string)).toEqual(spec);
    await expect(plotBytes(spec as never, 'x.gif')).rejects.toThrow('x.gif: unknown plot format ".gif" (allowed: .svg, .png, .json)');
  });
});
