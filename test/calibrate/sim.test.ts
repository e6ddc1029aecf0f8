/**
 * The simulator against the recorded real kernel (calibration, issues 10 and 18): every
 * calibration scenario, replayed as its fixture played out on the fitted jiffy clock, must diff
 * clean — same calls and errnos, same packets at every vantage point, every row within one
 * jiffy + 0.5 ms (docs/calibration.md). Runs on any machine: the kernel side is the committed
 * fixture.
 */
import { describe, expect, it } from 'vitest';
import { calibrateRun, fitLine } from '../../calibrate/fit.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { loadFixture, loadScenario, suiteNames } from '../../calibrate/suite.ts';

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
      const { diff, fit } = calibrateRun(loadFixture(name), loadScenario(name));
      expect(diff.mismatches, renderDiff(diff, `${name}: real kernel vs simulator (${fitLine(fit)})`)).toBe(0);
    });
  }
});
