/**
 * Many flows through one NAT (docs/scenarios.md "Many flows"): `instances: N` expands to N
 * programs; the table-pressure scenarios evict (LRU) or refuse (Linux early drop) exactly the
 * flows their articles name, in order. Their documents are several MB, so they are checked
 * here rather than by goldens (test/scenarios/builtin.test.ts NO_GOLDEN).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { expandApps } from '../../src/scenarios/apps.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { checkExpectations } from '../../src/scenarios/expect.ts';
import { countOutcomes, flowOutcomes, globMatcher } from '../../src/report/flows.ts';
import type { AppSpec } from '../../src/scenarios/schema.ts';

const S = 1_000_000;

describe('apps[].instances and stagger', () => {
  const base: AppSpec = {
    host: 'client',
    name: 'w',
    onError: 'stop',
    instances: 3,
    stagger: 10_000,
    steps: [
      { call: 'connect', to: 'server', port: 80 },
      { call: 'send', bytes: 1 },
      { at: 5 * S, call: 'close' },
    ],
  };

  it('makes N programs named <name>#<i>, copy i shifted by i × stagger (first step and every `at`)', () => {
    const out = expandApps([base]);
    expect(out.map((a) => a.name)).toEqual(['w#0', 'w#1', 'w#2']);
    expect(out.map((a) => a.steps[0]?.at)).toEqual([undefined, 10_000, 20_000]);
    expect(out.map((a) => a.steps[1]?.at)).toEqual([undefined, undefined, undefined]); // sequential steps follow on
    expect(out.map((a) => a.steps[2]?.at)).toEqual([5 * S, 5 * S + 10_000, 5 * S + 20_000]);
    expect(out.every((a) => a.instances === undefined && a.stagger === undefined)).toBe(true);
  });

  it('keeps a program without `instances` as it is (name and all)', () => {
    const { instances: _i, stagger: _s, ...one } = base;
    expect(expandApps([one])).toEqual([one]);
  });

  it('names copies after the host when the program has no name', () => {
    const { name: _n, ...anon } = base;
    expect(expandApps([{ ...anon, instances: 2 }]).map((a) => a.name)).toEqual(['client#0', 'client#1']);
  });

  it('validates instances as a positive integer and stagger as a duration', () => {
    const sc = (app: Record<string, unknown>): unknown => ({
      hosts: { client: {}, server: {} },
      apps: [{ host: 'client', steps: [{ call: 'connect', to: 'server', port: 80 }], ...app }],
    });
    expect(validateScenario(sc({ instances: 0 })).ok).toBe(false);
    expect(validateScenario(sc({ instances: 2.5 })).ok).toBe(false);
    const bad = validateScenario(sc({ instances: 2, stagger: 'soon' }));
    expect(bad.ok ? [] : bad.problems.join('\n')).toMatch(/apps\.0\.stagger/);
    const lone = validateScenario(sc({ stagger: '10ms' }));
    expect(lone.ok ? [] : lone.problems).toEqual(['apps.0.stagger: staggers the copies of a program; give `instances` too']);
    const ok = validateScenario(sc({ instances: 2, stagger: '10ms' }));
    expect(ok.ok && ok.scenario.apps[0]?.stagger).toBe(10_000);
  });
});

describe('flow outcomes and the app:<glob> expectation', () => {
  it('globs match literally except for *', () => {
    const m = globMatcher('ka60#*');
    expect(['ka60#0', 'ka60#12', 'ka600#1', 'xka60#1'].map(m)).toEqual([true, true, false, false]);
  });

  it('reports a miss, a wrong count and an unknown program', () => {
    const { scenario } = loadScenario('nat-table-full');
    const json = runScenario(scenario).json;
    expect(checkExpectations(json, { 'app:old#*': { ok: 4 }, 'app:new': 'ETIMEDOUT' })).toEqual([]);
    expect(checkExpectations(json, { 'app:old#*': { ok: 3, ETIMEDOUT: 1 } })).toHaveLength(1);
    expect(checkExpectations(json, { 'app:new': 'ok' })).toHaveLength(1);
    expect(checkExpectations(json, { 'app:nobody': 'ok' })[0]).toMatch(/no program of that name/);
  });
});

describe('nat-table-pressure: 250 flows, 220-entry LRU table', () => {
  const { scenario } = loadScenario('nat-table-pressure');
  const run = runScenario(scenario);
  const nat = run.nats[0];
  const events = run.json.events.filter((e) => e.kind === 'nat');
  const flowOf = (detail: string): string => /^(?:new mapping|evicted) (\S+ > \S+)/.exec(detail)?.[1] ?? '';

  it('holds at most 220 entries: 250 created, 30 evicted, none expired', () => {
    expect(nat?.stats).toMatchObject({ created: 250, evicted: 30, expired: 0, refused: 0 });
    expect(nat?.size).toBe(220);
  });

  it('evicts in LRU order: the 30 flows opened first (idle since their handshake), oldest first', () => {
    const created = events.filter((e) => e.detail.startsWith('new mapping')).map((e) => flowOf(e.detail));
    const evicted = events.filter((e) => e.detail.startsWith('evicted')).map((e) => flowOf(e.detail));
    expect(evicted).toEqual(created.slice(0, 30));
    // all while the chatty flows connect (120 s + 50 × 100 ms)
    const times = events.filter((e) => e.detail.startsWith('evicted')).map((e) => e.t);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(120);
    expect(Math.max(...times)).toBeLessThan(125);
  });

  it('breaks exactly plain#0–14 and ka600#0–14 (interleaved connects), nothing else', () => {
    const broken = flowOutcomes(run.json).filter((f) => f.outcome !== 'ok').map((f) => f.app);
    const want = Array.from({ length: 15 }, (_, i) => [`plain#${i}`, `ka600#${i}`]).flat();
    expect(broken.sort()).toEqual(want.sort());
    const rows = flowOutcomes(run.json);
    expect(countOutcomes(rows, 'ka60#*')).toEqual({ ok: 60 });
    expect(countOutcomes(rows, 'chatty#*')).toEqual({ ok: 50 });
  });

  it('keepalive 600 s detects the loss at its first probe; no keepalive only at the write', () => {
    const ka = run.json.summary.aborts.filter((a) => a.reason === 'keepalive timeout');
    const rto = run.json.summary.aborts.filter((a) => a.reason === 'retransmission timeout');
    expect(ka).toHaveLength(15);
    expect(rto).toHaveLength(15);
    // first probe ≈ 1 s + 600 s (plus timer-wheel slack), then 3 unanswered probes 10 s apart
    for (const a of ka) expect(a.t > 620 && a.t < 660, `keepalive abort at ${a.t} s`).toBe(true);
    for (const a of rto) expect(a.t > 900 && a.t < 920, `retransmission abort at ${a.t} s`).toBe(true);
  });

  it('meets its documented expectations', () => {
    expect(checkExpectations(run.json, scenario.expect ?? {})).toEqual([]);
  });
});

describe('nat-table-pressure-linux: the same flows, Linux early drop', () => {
  const { scenario } = loadScenario('nat-table-pressure-linux');
  const run = runScenario(scenario);
  const nat = run.nats[0];

  it('never evicts an ASSURED entry: the last 30 chatty SYNs are refused, every idle flow survives', () => {
    expect(nat?.stats.evicted).toBe(0);
    expect(nat?.stats.created).toBe(220);
    expect(nat?.entries().every((e) => e.assured)).toBe(true);
    const rows = flowOutcomes(run.json);
    expect(countOutcomes(rows, 'chatty#*')).toEqual({ ok: 20, ETIMEDOUT: 30 });
    const refusedApps = rows.filter((r) => r.outcome !== 'ok').map((r) => r.app);
    expect(refusedApps.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `chatty#${i + 20}`).sort());
    for (const g of ['plain#*', 'ka600#*', 'ka60#*']) expect(Object.keys(countOutcomes(rows, g))).toEqual(['ok']);
  });

  it('meets its documented expectations', () => {
    expect(checkExpectations(run.json, scenario.expect ?? {})).toEqual([]);
  });
});

describe('nat-keepalive-sweep: 6 × 20 flows through aws-natgw (350 s)', () => {
  const { scenario } = loadScenario('nat-keepalive-sweep');
  const run = runScenario(scenario);

  it('keepidle 60, 300 and 330 s survive; 360 s, 600 s and none are reset', () => {
    const rows = flowOutcomes(run.json);
    for (const g of ['ka60', 'ka300', 'ka330']) expect(countOutcomes(rows, `${g}#*`)).toEqual({ ok: 20 });
    for (const g of ['ka360', 'ka600', 'none']) expect(countOutcomes(rows, `${g}#*`)).toEqual({ ECONNRESET: 20 });
    expect(run.nats[0]?.stats.expired).toBe(60);
  });

  it('each losing group is reset at its first packet after the mapping expired', () => {
    const at = run.json.summary.aborts.map((a) => a.t);
    const within = (lo: number, hi: number): number => at.filter((t) => t >= lo && t < hi).length;
    expect(at).toHaveLength(60);
    expect(within(351, 380)).toBe(20); // keepidle 360 s: the first probe
    expect(within(600, 630)).toBe(20); // keepidle 600 s: the first probe
    expect(within(700, 702)).toBe(20); // no keepalive: the write at 700 s
  });
});
