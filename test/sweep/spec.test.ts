/**
 * The pure part of sweeps (src/sweep): value specs, seeds, the plan (grid order, run
 * indexes, seeded sampling), summary statistics and the table/CSV text.
 */
import { describe, expect, it } from 'vitest';
import { dimensionSize, gridValues, parseDimension, parseSeeds, parseVary, SweepSpecError, valueAt } from '../../src/sweep/spec.ts';
import { countRuns, planPoints, planRuns } from '../../src/sweep/plan.ts';
import { quantile, summarizePoints, summarizeValues, wilson } from '../../src/sweep/stats.ts';
import { formatSummary, shortNames, toCsv } from '../../src/sweep/table.ts';
import { checkMetricNames, selectMetrics } from '../../src/sweep/metrics.ts';

const KEEPIDLE = 'hosts.client.socket.TCP_KEEPIDLE';

describe('--vary specs', () => {
  it('a duration range gives seconds, both ends included: 30s..600s/30s is 30, 60, …, 600', () => {
    const v = gridValues(parseVary(`${KEEPIDLE}=30s..600s/30s`));
    expect(v).toHaveLength(20);
    expect(v[0]).toBe(30);
    expect(v[19]).toBe(600);
  });

  it('sub-second durations and decimal numbers do not drift', () => {
    expect(gridValues(parseVary('path.latency=100ms..0.5s/100ms'))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(gridValues(parseVary('path.loss=0..0.05/0.01'))).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05]);
    expect(gridValues(parseVary('path.loss=0.1..0.3/0.1'))).toEqual([0.1, 0.2, 0.3]);
  });

  it('a step that does not land on the end stops below it; no step means the coarsest whole unit', () => {
    expect(gridValues(parseVary('x.y=10..25/10'))).toEqual([10, 20]);
    expect(gridValues(parseVary('x.y=1..4'))).toEqual([1, 2, 3, 4]);
    expect(gridValues(parseVary('x.y=1s..3s'))).toEqual([1, 2, 3]);
    expect(gridValues(parseVary('x.y=1500ms..2s'))).toHaveLength(501);
  });

  it('lists are read as YAML scalars, like --set values', () => {
    expect(gridValues(parseVary('path.middleboxes.0.profile=aws-natgw,gcp-cloudnat'))).toEqual(['aws-natgw', 'gcp-cloudnat']);
    expect(gridValues(parseVary('a.b=1,2.5,true,350s'))).toEqual([1, 2.5, true, '350s']);
    expect(gridValues(parseDimension('a.b', [3, 'x']))).toEqual([3, 'x']);
  });

  it('mistakes name the flag and the path', () => {
    const err = (s: string): string => {
      try {
        parseVary(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SweepSpecError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('path.loss=0.3..0.1')).toBe('--vary path.loss: empty range 0.3..0.1 (the end is below the start)');
    expect(err('path.loss=0..1/0')).toBe('--vary path.loss: step "0" must be more than 0');
    expect(err('path.loss=0..1/0s')).toBe('--vary path.loss: step "0s" must be more than 0');
    expect(err('x.y=1..fast')).toBe('--vary x.y: "fast" is neither a number nor a duration (e.g. 30s, 1.5ms, 2h)');
    expect(err('x.y=1,,2')).toBe('--vary x.y: "1,,2" has an empty item (expected a,b,c or lo..hi/step)');
    expect(err('noequals')).toMatch(/^--vary: "noequals" is not path=spec/);
    expect(err('a..b=1')).toMatch(/^--vary: "a..b" is not a field path/);
  });
});

describe('--seeds', () => {
  it('K means 1..K; a..b and lists as written', () => {
    expect(parseSeeds('3')).toEqual([1, 2, 3]);
    expect(parseSeeds(2)).toEqual([1, 2]);
    expect(parseSeeds('5..7')).toEqual([5, 6, 7]);
    expect(parseSeeds('9,4')).toEqual([9, 4]);
  });

  it('N < 1, empty ranges, duplicates and junk are refused', () => {
    expect(() => parseSeeds('0')).toThrow('--seeds: 0 must be a whole number of seeds, at least 1');
    expect(() => parseSeeds('7..5')).toThrow('--seeds: empty range 7..5');
    expect(() => parseSeeds('1,1')).toThrow('--seeds: a seed is listed twice');
    expect(() => parseSeeds('x')).toThrow('--seeds: "x" is not K, a..b or a,b,c');
  });
});

describe('the plan', () => {
  const dims = [parseVary('a.x=1..3'), parseVary('b.y=p,q')];

  it('a grid is point-major, the last dimension fastest; run = point × seeds + seed index', () => {
    const pts = planPoints({ dims, seeds: [7, 8] });
    expect(pts.map((p) => p.values.map(([, v]) => v).join(''))).toEqual(['1p', '1q', '2p', '2q', '3p', '3q']);
    const runs = planRuns(pts, [7, 8]);
    expect(runs).toHaveLength(12);
    expect(runs[5]).toEqual({ run: 5, point: 2, seed: 8, values: [['a.x', 2], ['b.y', 'p']] });
  });

  it('sampling is seeded: the same --sample-seed gives the same points, another seed others, all on the grid', () => {
    const d = [parseVary(`${KEEPIDLE}=30s..600s/30s`), parseVary('path.loss=0..0.05/0.01')];
    const a = planPoints({ dims: d, seeds: [1], sample: 50, sampleSeed: 4 });
    expect(planPoints({ dims: d, seeds: [1], sample: 50, sampleSeed: 4 })).toEqual(a);
    expect(planPoints({ dims: d, seeds: [1], sample: 50, sampleSeed: 5 })).not.toEqual(a);
    for (const p of a) {
      const [idle, loss] = p.values.map(([, v]) => v as number) as [number, number];
      expect(idle % 30).toBe(0);
      expect(idle).toBeGreaterThanOrEqual(30);
      expect(idle).toBeLessThanOrEqual(600);
      expect([0, 0.01, 0.02, 0.03, 0.04, 0.05]).toContain(loss);
    }
    expect(new Set(a.map((p) => String(p.values[0]?.[1]))).size).toBeGreaterThan(10);
  });

  it('refuses a path varied twice and --sample < 1', () => {
    expect(() => planPoints({ dims: [dims[0], dims[0]] as never, seeds: [1] })).toThrow('--vary a.x: the same path is varied twice');
    expect(() => planPoints({ dims, seeds: [1], sample: 0 })).toThrow('--sample: 0 must be a whole number of points, at least 1');
  });
});

describe('statistics', () => {
  it('quantiles interpolate between order statistics (Hyndman–Fan 7)', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(s, 0.5)).toBe(5.5);
    expect(quantile(s, 0.95)).toBeCloseTo(9.55, 12);
    expect(quantile([4], 0.95)).toBe(4);
  });

  it('Wilson 95 % intervals match published values (Brown, Cai & DasGupta 2001)', () => {
    const [lo, hi] = wilson(4, 20);
    expect(lo).toBeCloseTo(0.0807, 4);
    expect(hi).toBeCloseTo(0.416, 3);
    expect(wilson(0, 20)[0]).toBe(0);
    expect(wilson(0, 20)[1]).toBeCloseTo(0.1611, 4);
    expect(wilson(20, 20)[1]).toBe(1);
  });

  it('numbers: median, p95, min, max without the nulls; booleans: share and interval; text: the mode', () => {
    expect(summarizeValues('d', [3, null, 1, 2])).toEqual({ metric: 'd', kind: 'number', n: 3, nulls: 1, median: 2, p95: 2.9, min: 1, max: 3 });
    const b = summarizeValues('s', [true, false, true, true]);
    expect(b).toMatchObject({ kind: 'bool', n: 4, yes: 3, proportion: 0.75 });
    expect(summarizeValues('w', ['server', 'none', 'server'])).toMatchObject({ kind: 'text', mode: 'server', modeCount: 2 });
    expect(summarizeValues('z', [null, null])).toEqual({ metric: 'z', kind: 'null', n: 0, nulls: 2 });
  });

  it('groups rows by point, in point order', () => {
    const rows = [
      { run: 2, point: 1, 'a.x': 2, seed: 1, m: 5 },
      { run: 0, point: 0, 'a.x': 1, seed: 1, m: 1 },
      { run: 1, point: 0, 'a.x': 1, seed: 2, m: 3 },
    ];
    const s = summarizePoints(rows, ['a.x'], ['m']);
    expect(s.map((p) => [p.point, p.values['a.x'], p.runs])).toEqual([[0, 1, 2], [1, 2, 1]]);
    expect(s[0]?.metrics[0]).toMatchObject({ median: 2, min: 1, max: 3 });
  });
});

describe('text output', () => {
  it('short column names stay unambiguous', () => {
    expect(shortNames(['hosts.client.socket.TCP_KEEPIDLE', 'hosts.server.socket.TCP_KEEPIDLE', 'path.loss'])).toEqual(['client.socket.TCP_KEEPIDLE', 'server.socket.TCP_KEEPIDLE', 'loss']);
  });

  it('the table: one line per point with one run each, else one line per point and metric', () => {
    const one = summarizePoints([{ run: 0, point: 0, 'a.x': 1, seed: 1, d: 1.5, ok: true }], ['a.x'], ['d', 'ok']);
    expect(formatSummary(one, ['a.x'])).toBe('point  x  d    ok\n0      1  1.5  true\n');
    const two = summarizePoints([{ run: 0, point: 0, 'a.x': 1, seed: 1, ok: true }, { run: 1, point: 0, 'a.x': 1, seed: 2, ok: false }], ['a.x'], ['ok']);
    expect(formatSummary(two, ['a.x'])).toBe(
      'point  x  runs  metric  n  median|share  p95|95% CI      min  max\n' +
      '0      1  2     ok      2  1/2 = 0.5     [0.095, 0.905]\n',
    );
  });

  it('CSV follows RFC 4180: CRLF, quoted fields, empty for null', () => {
    expect(toCsv([{ run: 0, who: 'a,b', x: null, t: 'say "hi"' }])).toBe('run,who,x,t\r\n0,"a,b",,"say ""hi"""\r\n');
  });

  it('metric names are checked against the catalogue; prefixes select groups', () => {
    expect(() => checkMetricNames(['detect.server', 'overhead', 'falseAlarm'])).not.toThrow();
    expect(() => checkMetricNames(['bogus'])).toThrow(/^--metrics: unknown metric "bogus"/);
    expect(selectMetrics({ 'overhead.a': 1, 'detect.first': 2, falseAlarm: false, 'falseAlarm.at': null }, ['overhead', 'falseAlarm'])).toEqual({ 'overhead.a': 1, falseAlarm: false, 'falseAlarm.at': null });
  });
});

describe('sizes before lists (issue 17)', () => {
  it('counts a range without listing it and gives any value by index', () => {
    const d = parseVary('path.latency=1us..10s');
    expect(dimensionSize(d)).toBe(10_000_000);
    expect([valueAt(d, 0), valueAt(d, 9_999_999)]).toEqual([0.000001, 10]);
    const loss = parseVary('path.loss=0..0.05/0.01');
    expect(gridValues(loss)).toEqual(Array.from({ length: dimensionSize(loss) }, (_, i) => valueAt(loss, i)));
  });

  it('refuses a plan above its limit naming the runs, the points, the seeds and the limit', () => {
    const dims = [parseVary('path.latency=1ms..100ms/1ms'), parseVary('path.loss=0..0.2/0.001')];
    expect(countRuns({ dims, seeds: [1, 2, 3] })).toEqual({ points: 20_100, runs: 60_300 });
    expect(() => planPoints({ dims, seeds: [1, 2, 3] })).toThrow('--vary: the sweep has 60,300 runs (20,100 points × 3 seeds), more than the limit of 10,000: narrow the ranges, use --sample N, or raise the limit with --max-points 60300');
    expect(planPoints({ dims, seeds: [1, 2, 3], maxRuns: 60_300 })).toHaveLength(20_100);
    expect(() => planPoints({ dims, seeds: [1], sample: 20_000 })).toThrow(/^--sample: the sweep has 20,000 runs \(20,000 points × 1 seed\), more than the limit of 10,000: sample fewer points/);
  });

  it('counts seeds before making the list', () => {
    expect(() => parseSeeds('4294967295', '--seeds', 10_000)).toThrow('--seeds: 4294967295 seeds, more than the 10000 runs a sweep may plan (--max-points raises it; docs/limits.md)');
    expect(() => parseSeeds('0..4294967295', '--seeds', 10_000)).toThrow('--seeds: 4294967296 seeds, more than');
    expect(() => parseSeeds('0..4294967296')).toThrow('--seeds: seed 4294967296 is out of range 0..4294967295');
    expect(parseSeeds('5..7', '--seeds', 3)).toEqual([5, 6, 7]);
  });

  it('refuses prototype keys and endpoints beyond 100 years in --vary', () => {
    expect(() => parseVary('hosts.constructor.x=1,2')).toThrow('--vary: "hosts.constructor.x": "constructor" cannot be a field name');
    expect(() => parseVary('path.latency=0..101y')).toThrow(/neither a number nor a duration/);
    expect(() => parseVary('path.latency=0..36526d')).toThrow('--vary path.latency: "36526d" is longer than 100 years, the longest duration (docs/limits.md)');
  });
});
