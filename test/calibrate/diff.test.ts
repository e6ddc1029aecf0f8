/**
 * diffRuns on synthetic runs (calibration, issues 10 and 18): a keepalive death at HZ=250 as
 * the kernel would trace it, then one change at a time. Every row is held to one jiffy +
 * 0.5 ms in scenario time, however late in the run it is.
 */
import { describe, expect, it } from 'vitest';
import { diffRuns, lcsPairs, visibleToTcpdump } from '../../calibrate/diff.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { CAPTURE_SLACK, tolerance, wheelExpiry, wheelGranularity } from '../../calibrate/tolerance.ts';
import type { CallRecord, PacketRecord, RunJson } from '../../src/scenarios/result.ts';
import { scenarioSchema } from '../../src/scenarios/schema.ts';

const SCENARIO = scenarioSchema.parse({
  name: 'synthetic',
  hosts: { client: {}, server: {} },
  apps: [
    { host: 'server', steps: [{ call: 'listen', port: 7000 }, { call: 'accept' }, { call: 'recv' }] },
    { host: 'client', steps: [{ call: 'connect', to: 'server', port: 7000 }, { call: 'recv' }] },
  ],
});

const TX = { at: 'client', dir: 'tx', src: 'client', dst: 'server', sport: 40000, dport: 7000, win: 502 } as const;
const RX = { at: 'client', dir: 'rx', src: 'server', dst: 'client', sport: 7000, dport: 40000, win: 509 } as const;

/** Handshake, keepalive 3/1/3 into a cut path: probes at 3.19 + k·1.024, RST|ACK one interval later. */
function keepaliveDeath(shift = 0, sport = 40000): RunJson {
  const t = (x: number): number => Math.round((x + shift) * 1e6) / 1e6;
  const tx = { ...TX, sport };
  const rx = { ...RX, dport: sport };
  const packets: PacketRecord[] = [
    { ...tx, t: t(-0.0007), flags: 'S', seq: 0, ack: 0, len: 0 },
    { ...rx, t: t(-0.0006), flags: 'S.', seq: 0, ack: 1, len: 0 },
    { ...tx, t: t(-0.0005), flags: '.', seq: 1, ack: 1, len: 0 },
    ...[0, 1, 2].map((k): PacketRecord => ({ ...tx, t: t(3.1928 + k * 1.024), flags: '.', seq: 0, ack: 1, len: 0, kind: 'keepalive' })),
    { ...tx, t: t(3.1928 + 3 * 1.024), flags: 'R.', seq: 1, ack: 1, len: 0, kind: 'reset' },
  ];
  const calls: CallRecord[] = [
    { t: t(0), start: t(-0.001), host: 'client', app: 'client', call: 'connect', result: 0 },
    { t: t(6.265), start: t(0.0001), host: 'client', app: 'client', call: 'recv', errno: 'ETIMEDOUT' },
  ];
  return {
    format: 'keepalive-lab/run@1',
    tool: 'test',
    scenario: SCENARIO,
    seed: 1,
    hosts: { client: { ip: '10.77.0.1', os: 'linux', hz: 250, timer: 'linux', jiffyPhaseUs: 0 }, server: { ip: '10.77.0.2', os: 'linux', hz: 250, timer: 'linux', jiffyPhaseUs: 0 } },
    packets,
    calls,
    events: [],
    summary: { detections: [], aborts: [], keepalive: {}, packets: packets.length, endedAt: t(8.9), verdict: '' },
  };
}

const clone = (r: RunJson): RunJson => structuredClone(r);
const bad = (r: ReturnType<typeof diffRuns>): string[] => r.rows.filter((x) => x.verdict !== 'ok').map((x) => `${x.verdict}: ${x.what}`);

describe('diffRuns', () => {
  it('matches identical runs', () => {
    const d = diffRuns(keepaliveDeath(), keepaliveDeath());
    expect(d.mismatches).toBe(0);
    expect(d.rows).toHaveLength(2 + 7);
  });

  it('compares in scenario time (a kernel run is anchored on connect() return) and ignores ephemeral port numbers', () => {
    // Arrange: the kernel run counts from its connect() return, 0.1003 s of scenario time;
    // the simulator counts from scenario start and picked another port.
    const real = { ...keepaliveDeath(-0.1003), timeBase: { origin: 'connect-return', scenarioOffset: 0.1003 } };
    const sim = keepaliveDeath(0, 51234);
    // Act
    const d = diffRuns(real, sim);
    // Assert
    expect(bad(d)).toEqual([]);
    expect(d.rows[0]?.real).toBeCloseTo(d.rows[0]?.sim ?? NaN, 6);
  });

  it('holds every row to one jiffy + 0.5 ms, however late in the run', () => {
    // The last probe, the RST and the ETIMEDOUT, 6 s into the run: 4.4 ms apart passes, 4.6 ms does not.
    const within = clone(keepaliveDeath());
    for (const p of within.packets.slice(5)) p.t += 0.0044;
    for (const c of within.calls.slice(1)) c.t += 0.0044;
    expect(diffRuns(keepaliveDeath(), within).mismatches).toBe(0);
    const beyond = clone(keepaliveDeath());
    for (const p of beyond.packets.slice(5)) p.t += 0.0046;
    for (const c of beyond.calls.slice(1)) c.t += 0.0046;
    const d = diffRuns(keepaliveDeath(), beyond);
    expect(bad(d)).toEqual(['early: recv ETIMEDOUT', 'early: tx client>server eph1>7000 . 0:1 len 0', 'early: tx client>server eph1>7000 R. 1:1 len 0']);
    expect(d.rows.every((r) => r.tolMs === undefined || r.tolMs === 4.5)).toBe(true);
  });

  it('fails a first probe one wheel bucket away (no window for a first arming)', () => {
    const sim = clone(keepaliveDeath());
    for (const p of sim.packets.slice(3)) p.t -= 0.128;
    for (const c of sim.calls.slice(1)) c.t -= 0.128;
    expect(diffRuns(keepaliveDeath(), sim).mismatches).toBe(5);
  });

  it('fails a wrong errno', () => {
    const sim = clone(keepaliveDeath());
    (sim.calls[1] as CallRecord).errno = 'ECONNRESET';
    const d = diffRuns(keepaliveDeath(), sim);
    expect(bad(d)).toEqual(['missing-in-sim: recv ETIMEDOUT', 'extra-in-sim: recv ECONNRESET']);
  });

  it('fails an extra packet, and shows it as one row (the rest stays aligned)', () => {
    const sim = clone(keepaliveDeath());
    sim.packets.splice(4, 0, { ...TX, t: 3.5, flags: '.', seq: 0, ack: 1, len: 0, kind: 'keepalive' });
    const d = diffRuns(keepaliveDeath(), sim);
    expect(bad(d)).toEqual(['extra-in-sim: tx client>server eph1>7000 . 0:1 len 0']);
  });

  it('fails a missing packet', () => {
    const sim = clone(keepaliveDeath());
    sim.packets.pop();
    expect(bad(diffRuns(keepaliveDeath(), sim))).toEqual(['missing-in-sim: tx client>server eph1>7000 R. 1:1 len 0']);
  });

  it('does not compare packets tcpdump could not have seen', () => {
    const sim = clone(keepaliveDeath());
    sim.packets.push({ ...TX, t: 7, flags: '.', seq: 1, ack: 1, len: 0, dropped: 'OUTPUT' });
    expect(diffRuns(keepaliveDeath(), sim).mismatches).toBe(0);
    expect(visibleToTcpdump({ ...RX, t: 0, flags: '.', seq: 1, ack: 1, len: 0, dropped: 'INPUT' })).toBe(true);
    expect(visibleToTcpdump({ ...RX, t: 0, flags: '.', seq: 1, ack: 1, len: 0, dropped: 'cut' })).toBe(false);
  });

  it('renders a table that ends with the verdict', () => {
    const sim = clone(keepaliveDeath());
    (sim.calls[1] as CallRecord).errno = 'EPIPE';
    const text = renderDiff(diffRuns(keepaliveDeath(), sim));
    expect(text).toMatch(/^#\s+where\s+real s\s+sim s/m);
    expect(text).toMatch(/MISMATCH: 2 of \d+ rows differ$/);
  });
});

describe('tolerance and the timer wheel (linux-keepalive.md §6)', () => {
  it('is one jiffy + capture slack', () => {
    expect(tolerance(250)).toBeCloseTo(0.004 + CAPTURE_SLACK, 12);
    expect(tolerance(1000)).toBeCloseTo(0.001 + CAPTURE_SLACK, 12);
  });

  it('has the documented level granularities', () => {
    expect(wheelGranularity(0.2, 250)).toBe(0.004); // < 63 jiffies: level 0
    expect(wheelGranularity(1, 250)).toBe(0.032); // 250 J: level 1
    expect(wheelGranularity(5, 250)).toBe(0.256); // 1250 J: level 2
    expect(wheelGranularity(20, 250)).toBe(2.048); // 5000 J: level 3
  });

  it('reproduces the aligned re-arm values of the reference (5.12 s, 3.072 s, 120.832 s)', () => {
    expect(wheelExpiry(0, 1250) / 250).toBe(5.12);
    expect(wheelExpiry(0, 750) / 250).toBe(3.072);
    expect(wheelExpiry(0, 30000) / 250).toBe(120.832);
  });
});

describe('lcsPairs', () => {
  it('pairs the longest common subsequence in order', () => {
    expect(lcsPairs(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e'])).toEqual([[0, 0], [2, 1], [3, 2]]);
    expect(lcsPairs([], ['x'])).toEqual([]);
  });
});
