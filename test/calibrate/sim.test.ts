/**
 * The simulator against the recorded real kernel (calibration, issue 10): every calibration
 * scenario, simulated, must diff clean against its fixture — same calls and errnos, same
 * packets at every vantage point, times within the timer-wheel tolerance (docs/calibration.md).
 * Runs on any machine: the kernel side is the committed fixture.
 */
import { describe, expect, it } from 'vitest';
import { diffRuns } from '../../calibrate/diff.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { loadFixture, loadScenario, suiteNames } from '../../calibrate/suite.ts';
import { runScenario } from '../../src/scenarios/run.ts';

/**
 * Known gaps, each with what the kernel does that the simulator does not. `it.fails` turns
 * into a failure the day the simulator gets it right: then delete the entry.
 */
const KNOWN_GAPS: Record<string, string> = {
  // e.g. 'rto-icmp-unreachable': 'RFC 6069 RTO revert on ICMP host-unreachable' (fixed in e781648)
};

describe('simulator vs recorded kernel', () => {
  for (const name of suiteNames()) {
    const gap = KNOWN_GAPS[name];
    const test = gap ? it.fails : it;
    test(`${name}${gap ? ` (known gap: ${gap})` : ''}`, () => {
      const sim = runScenario(loadScenario(name)).json;
      const d = diffRuns(loadFixture(name), sim);
      expect(d.mismatches, renderDiff(d, `${name}: real kernel vs simulator`)).toBe(0);
    });
  }
});
