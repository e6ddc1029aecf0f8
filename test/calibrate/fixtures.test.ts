/**
 * The recorded real-kernel fixtures (test/fixtures/calibration/*.real.json) stay in step with
 * the calibration scenarios: every scenario has a fixture recorded from exactly its current
 * text (descriptions and `expect` aside), on a kernel whose release and HZ are stated, and the kernel's outcome is the one the
 * scenario's `expect` block documents. Re-record with `npx tsx calibrate/record.ts NAME`.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffRuns } from '../../calibrate/diff.ts';
import { checkExpect } from '../../calibrate/expect.ts';
import { lateness, overLimits } from '../../calibrate/lateness.ts';
import { fixturePath, loadFixture, loadScenario, suiteNames } from '../../calibrate/suite.ts';

const names = suiteNames();

/** The parts of a scenario that change what runs (documentation fields left out). */
function behaviour(sc: object): unknown {
  const { description: _d, article: _a, expect: _e, ...rest } = JSON.parse(JSON.stringify(sc)) as Record<string, unknown>;
  return rest;
}

describe('calibration fixtures', () => {
  it('cover at least 15 scenarios', () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(names)('%s', (name) => {
    it('has a fixture recorded from the current scenario text', () => {
      expect(existsSync(fixturePath(name)), `missing ${fixturePath(name)}: run npx tsx calibrate/record.ts ${name}`).toBe(true);
      const fixture = loadFixture(name);
      expect(behaviour(fixture.scenario), 'scenario changed since recording: re-record it').toEqual(behaviour(loadScenario(name)));
      expect(fixture.kernel.hz).toBeGreaterThan(0);
      expect(fixture.kernel.release).not.toBe('');
    });

    it('kept to its schedule (no program, fault or timer callback delayed by a busy machine)', () => {
      const l = lateness(loadScenario(name), loadFixture(name));
      expect(overLimits(l), l.worst).toEqual([]);
    });

    it("matches its scenario's expect block, and itself", () => {
      const fixture = loadFixture(name);
      const report = checkExpect(fixture, loadScenario(name).expect);
      expect(report.failures).toEqual([]);
      expect(diffRuns(fixture, fixture).mismatches).toBe(0);
    });
  });
});
