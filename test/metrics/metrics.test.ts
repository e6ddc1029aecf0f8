/**
 * The run metrics (src/metrics, docs/metrics.md) on real runs of built-in scenarios, with
 * exact values: each definition is checked where the scenario's documented outcome pins it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { computeMetrics, flattenMetrics, METRICS, type FlatValue } from '../../src/metrics/index.ts';
import type { RunJson } from '../../src/scenarios/result.ts';

function run(name: string, set: string[] = [], seed?: number): RunJson {
  const { scenario } = loadScenario(name, { set });
  return runScenario(scenario, seed === undefined ? {} : { seed }).json;
}
const flat = (name: string, set: string[] = [], seed?: number): Record<string, FlatValue> => flattenMetrics(computeMetrics(run(name, set, seed)));

describe('failure instant and detection', () => {
  it('seed000-cable-pull: cut at 133 s, the server learns 16.386441 s later (3 probes 5.12 s apart, then ETIMEDOUT)', () => {
    const m = flat('seed000-cable-pull');
    expect(m).toMatchObject({
      failureAt: 133, failureCause: 'fault',
      'detect.client': null, 'detect.server': 16.386441, 'detect.first': 16.386441, 'detect.who': 'server',
      'abort.first': 16.386441, falseAlarm: false, 'falseAlarm.at': null,
      'nat.survived': null, 'nat.brokeAt': null,
    });
  });

  it('azure-lb-rst-on-idle: the NAT expires the mapping at 241.002 s and resets both ends: client at once, server 1 ms later', () => {
    const m = flat('azure-lb-rst-on-idle');
    expect(m).toMatchObject({
      failureAt: 241.002, failureCause: 'expire',
      'detect.client': 0, 'detect.server': 0.001, 'detect.first': 0, 'detect.who': 'client+server',
      'nat.survived': false, 'nat.brokeAt': 241.002,
    });
  });

  it('a middlebox break before any fault is the failure instant: nat-table-pressure evicts at 122 s (LRU)', () => {
    const m = flat('nat-table-pressure');
    expect(m).toMatchObject({ failureAt: 122, failureCause: 'evict', 'nat.survived': false, 'nat.brokeAt': 122, 'detect.first': 778, 'abort.first': 520.458556 });
  });

  it('a refused new flow breaks the NAT too: nat-table-full refuses at 10 s, the connect fails 19.338556 s later', () => {
    const m = flat('nat-table-full');
    expect(m).toMatchObject({ failureAt: 10, failureCause: 'refuse', 'detect.client': 19.338556, 'nat.survived': false, 'nat.brokeAt': 10 });
  });

  it('a proxy idle close is a middlebox break: haproxy-proxy-trap closes both legs at 16.007 s and no application notices', () => {
    const m = flat('haproxy-proxy-trap');
    expect(m).toMatchObject({ failureAt: 16.007, failureCause: 'idle', 'detect.first': null, 'detect.who': 'none', 'nat.survived': false, 'nat.brokeAt': 16.007 });
  });

  it('a mapping expired after the connection ended does not count: linux-conntrack-keepalive expires a CLOSE entry', () => {
    const m = flat('linux-conntrack-keepalive');
    expect(m).toMatchObject({ failureAt: 600, failureCause: 'fault', 'detect.client': 568.794556, 'nat.survived': true, 'nat.brokeAt': null });
  });

  it('a kernel abort nobody asked about: seed004-cable-pull has no detection but abort.first = 17.994556', () => {
    const m = flat('seed004-cable-pull');
    expect(m).toMatchObject({ failureAt: 50, 'detect.first': null, 'detect.who': 'none', 'abort.first': 17.994556, falseAlarm: false });
  });

  it('hosts are named as in the scenario: seed001-peer-reboot has detect.A and detect.B', () => {
    const m = flat('seed001-peer-reboot');
    expect(m).toMatchObject({ failureAt: 10, 'detect.A': 30.0004, 'detect.B': null, 'detect.who': 'A' });
  });
});

describe('false alarms', () => {
  it('seed002-probe-ack on a 50 % lossy path (seed 3): the client declares the live peer dead at 79.390773 s', () => {
    const m = flat('seed002-probe-ack', ['path.loss=0.5'], 3);
    expect(m).toMatchObject({ failureAt: null, falseAlarm: true, 'falseAlarm.at': 79.390773, 'detect.first': null, 'detect.who': 'none' });
  });

  it('the same run without loss raises none', () => {
    expect(flat('seed002-probe-ack')).toMatchObject({ failureAt: null, falseAlarm: false, 'falseAlarm.at': null });
  });
});

describe('NAT survival and overhead', () => {
  it('aws-natgw-keepidle-300: probes every 300 s beat the 350 s timeout: survived, with exact overhead per hour', () => {
    const m = flat('aws-natgw-keepidle-300');
    expect(m).toMatchObject({
      failureAt: null, 'nat.survived': true, 'nat.brokeAt': null,
      'overhead.connections': 1, 'overhead.packetsPerHour': 30.6, 'overhead.bytesPerHour': 1771.2,
      'overhead.keepaliveProbesPerHour': 10.8, 'overhead.packetsPerHourPerNatEntry': 30.6,
    });
  });

  it('aws-natgw-default-keepalive: the 7200 s default loses the mapping at 351.002 s', () => {
    expect(flat('aws-natgw-default-keepalive')).toMatchObject({ 'nat.survived': false, 'nat.brokeAt': 351.002, failureCause: 'expire' });
  });

  it('seed000-cable-pull overhead: 59 segments (30 of them keepalive probes) in 220 s on one connection', () => {
    const j = run('seed000-cable-pull');
    const m = computeMetrics(j);
    expect(j.summary.endedAt).toBe(220);
    expect(m.overhead).toEqual({ connections: 1, packetsPerHour: 965.455, bytesPerHour: 50203.636, keepaliveProbesPerHour: 490.909, packetsPerHourPerNatEntry: null });
    expect(Math.round((m.overhead.packetsPerHour as number) * 220 / 3600)).toBe(59);
    expect(Math.round((m.overhead.keepaliveProbesPerHour as number) * 220 / 3600)).toBe(30);
  });
});

describe('data-loss exposure', () => {
  it('seed001-peer-reboot: A writes 100 bytes into the dead connection 30 s after the crash, then gets ECONNRESET', () => {
    expect(flat('seed001-peer-reboot')).toMatchObject({ 'exposure.writesAfterFailure': 1, 'exposure.bytesAfterFailure': 100, 'exposure.seconds': 30 });
  });

  it('azure-lb-silent: the client sends 100 bytes 58.998 s after the silent expiry and only learns 997 s later', () => {
    expect(flat('azure-lb-silent')).toMatchObject({ 'exposure.writesAfterFailure': 1, 'exposure.bytesAfterFailure': 100, 'exposure.seconds': 58.998, 'detect.client': 997.424556 });
  });

  it('seed001-nat-table: of the writes after the eviction at 20 s, only the evicted flow\'s 10 bytes at 100 s were never acknowledged', () => {
    expect(flat('seed001-nat-table')).toMatchObject({ failureAt: 20, 'exposure.writesAfterFailure': 1, 'exposure.bytesAfterFailure': 10, 'exposure.seconds': 80 });
  });

  it('aws-alb-idle: writes on the other, live connection after the proxy closed one are acknowledged, so not counted', () => {
    const j = run('aws-alb-idle');
    const after = j.calls.filter((c) => c.call === 'send' && c.t >= 61.003 && typeof c.result === 'number' && c.result > 0);
    expect(after.map((c) => [c.app, c.t])).toEqual([['bytes', 62.002], ['bytes', 92.002], ['bytes', 122.002]]);
    expect(flattenMetrics(computeMetrics(j))).toMatchObject({ failureAt: 61.003, 'exposure.writesAfterFailure': 0, 'exposure.bytesAfterFailure': 0, 'exposure.seconds': 0 });
  });

  it('no write after the failure: zero, not null; no failure: null', () => {
    expect(flat('seed000-cable-pull')).toMatchObject({ 'exposure.writesAfterFailure': 0, 'exposure.bytesAfterFailure': 0, 'exposure.seconds': 0 });
    expect(flat('seed002-probe-ack')).toMatchObject({ 'exposure.writesAfterFailure': null, 'exposure.seconds': null });
  });
});

describe('the catalogue', () => {
  it('a saved --json document gives the same metrics as the live run', () => {
    const j = run('azure-lb-silent');
    expect(computeMetrics(JSON.parse(JSON.stringify(j)) as RunJson)).toEqual(computeMetrics(j));
  });

  it('every flattened column is in METRICS (with <host> for each end host), and every METRICS entry is produced', () => {
    const m = flat('seed000-cable-pull');
    const pattern = (k: string): string => k.replace(/^detect\.(client|server)$/, 'detect.<host>');
    const names = new Set(METRICS.map((x) => x.name));
    expect(new Set(Object.keys(m).map(pattern))).toEqual(names);
  });

  it('docs/metrics.md documents every metric', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'metrics.md'), 'utf8');
    for (const x of METRICS) expect(doc, x.name).toContain(`\`${x.name}\``);
  });
});
