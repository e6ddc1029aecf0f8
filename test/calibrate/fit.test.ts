/**
 * The replay of a real run and the jiffy-phase fit (calibrate/replay.ts, calibrate/fit.ts):
 * the simulator runs each call at its recorded time and each fault when it took effect, and the
 * fit recovers a jiffy clock it did not know.
 */
import { describe, expect, it } from 'vitest';
import type { KernelRunJson } from '../../calibrate/convert.ts';
import { calibrateRun, candidates, jiffyBoundary } from '../../calibrate/fit.ts';
import { recordedFaults, replayScenario } from '../../calibrate/replay.ts';
import { loadFixture, loadScenario } from '../../calibrate/suite.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';

/** A simulated run dressed as a kernel run: both hosts on one jiffy clock of phase `phaseUs`. */
function fakeKernelRun(sc: Scenario, phaseUs: number): KernelRunJson {
  const hosts = Object.fromEntries(Object.entries(sc.hosts).map(([n, h]) => [n, { ...h, jiffyPhase: phaseUs }]));
  const json = runScenario({ ...sc, hosts }).json;
  return { ...json, kernel: { release: 'simulated', hz: 250 }, timeBase: { origin: 'scenario-start', scenarioOffset: 0 } };
}

describe('jiffyBoundary', () => {
  it('finds where the boundaries fall, also when the cluster wraps around a tick', () => {
    expect(jiffyBoundary([10_517, 20_519, 30_545], 4000)).toBe(2517);
    expect(jiffyBoundary([3990, 8_002, 12_020], 4000)).toBe(3990);
    expect(jiffyBoundary([], 4000)).toBe(0);
  });
});

describe('candidates', () => {
  it('puts the most firings on their bucket boundaries', () => {
    // firings at jiffies 5 (mod 8) and 37 (mod 64) of the unfitted clock: k ≡ 27 mod 64
    expect(candidates([{ j0: 5, g: 8 }, { j0: 37, g: 64 }])).toEqual([27]);
    // an inconsistent firing (a callback a jiffy late) is outvoted
    expect(candidates([{ j0: 37, g: 64 }, { j0: 101, g: 64 }, { j0: 38, g: 8 }])).toEqual([27]);
    expect(candidates([])).toEqual([0]);
  });
});

describe('replayScenario', () => {
  it('runs every call when the real program made it, a send loop as one send per call', () => {
    // Arrange
    const real = loadFixture('write-after-reset');
    // Act
    const sc = replayScenario(loadScenario('write-after-reset'), real);
    // Assert
    const client = sc.apps.find((a) => a.host === 'client')?.steps ?? [];
    const sends = real.calls.filter((c) => c.host === 'client' && c.call === 'send');
    expect(client.map((s) => s.call)).toEqual(['connect', 'send', 'send', 'send', 'send', 'send', 'send', 'getsockopt', 'send']);
    expect(client.filter((s) => s.call === 'send').map((s) => s.at)).toEqual(sends.map((c) => Math.round((c.start + real.timeBase.scenarioOffset) * 1e6)));
    expect(sc.until).toBe(Math.round((real.summary.endedAt + real.timeBase.scenarioOffset) * 1e6));
    expect(Object.values(sc.hosts).map((h) => h.hz)).toEqual([250, 250]);
  });

  it('reboots the host when the harness began, and brings it back when the real one answered again', () => {
    const real = loadFixture('write-after-reset');
    const [f] = recordedFaults(real);
    const reboot = replayScenario(loadScenario('write-after-reset'), real).faults[0];
    expect(reboot).toMatchObject({ type: 'reboot', at: Math.round((f?.start ?? 0) * 1e6) });
    expect(reboot?.type === 'reboot' ? reboot.downtime : 0).toBe(Math.round(((f?.up ?? 0) - (f?.start ?? 0)) * 1e6));
    expect(reboot?.type === 'reboot' ? reboot.downtime : 0).toBeGreaterThan(100_000); // ~117 ms on the recording machine
  });
});

describe('calibrateRun', () => {
  it.each([[123_456], [1_777_777], [40]])('recovers a jiffy clock it was not told (phase %i µs)', (phaseUs) => {
    // Arrange: a "kernel" run that is the simulator itself on a clock of known phase
    const sc = loadScenario('seed000-cable-pull');
    const real = fakeKernelRun(sc, phaseUs);
    // Act
    const { diff, fit } = calibrateRun(real, sc);
    // Assert: the same run, and the phase modulo the coarsest bucket the run can tell
    expect(diff.mismatches).toBe(0);
    expect(diff.rows.every((r) => Math.abs(r.deltaMs ?? 0) < 0.001)).toBe(true);
    const period = (fit?.period ?? 0) * 4000;
    expect(period).toBe(64 * 4000); // 5 s intervals: level 2, G = 64 jiffies
    expect((((fit?.phaseUs ?? 0) - phaseUs) % period + period) % period).toBe(0);
    expect(fit?.satisfied).toBe(fit?.constraints);
  });

  it('gives each host the same clock: two hosts one jiffy apart in the "kernel" run cannot both match', () => {
    // Arrange: the kernel run's client and server on clocks 8 jiffies apart (impossible on one kernel)
    const sc = loadScenario('seed000-cable-pull');
    const hosts = { client: { ...sc.hosts['client']!, jiffyPhase: 100_000 }, server: { ...sc.hosts['server']!, jiffyPhase: 132_000 } };
    const json = runScenario({ ...sc, hosts }).json;
    const real: KernelRunJson = { ...json, kernel: { release: 'simulated', hz: 250 }, timeBase: { origin: 'scenario-start', scenarioOffset: 0 } };
    // Act
    const { diff } = calibrateRun(real, sc);
    // Assert
    expect(diff.mismatches).toBeGreaterThan(0);
  });
});
