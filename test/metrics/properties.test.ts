/**
 * The mission's core claims as properties of the run metrics over wide parameter spaces, on
 * real scenario runs, with OS timer rounding on (Linux jiffies + timer wheel) and off (exact):
 *
 * - keepalive detection bound: a peer cut while idle is detected (`detect.server`) no sooner
 *   than cnt·intvl after the cut and no later than max(idle, intvl) + cnt·intvl, plus at most
 *   one wheel granularity per timer arming with Linux timers (linux-keepalive.md §1, §6;
 *   kernel/time/timer.c: a timer fires up to one level granularity late, never early). The
 *   max(): after an answered probe, net/ipv4/tcp_timer.c tcp_keepalive_timer() re-arms for
 *   keepalive_intvl, not keepalive_time, so with intvl > idle the probes come every intvl;
 * - NAT survival iff the keepalive refresh beats the NAT idle timeout (nat.md §6, §8.2): the
 *   refresh period is max(TCP_KEEPIDLE, TCP_KEEPINTVL) for the same reason. Below the
 *   ESTABLISHED timeout (with its worst rounding) the mapping survives (`nat.survived`); above
 *   it the mapping is lost; with TCP_KEEPIDLE above it, one timeout after the handshake
 *   (`nat.brokeAt`).
 *
 * fast-check's seed is pinned in test/setup.ts (FC_SEED to explore) and printed on failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { computeMetrics } from '../../src/metrics/index.ts';
import { wheelGranularity } from '../../src/os/timerbase.ts';

const HZ = 250; // the built-in scenarios' hosts (src/os/linux/profile.ts default)
const timer = fc.constantFrom('linux' as const, 'exact' as const);

describe('keepalive detection time bounds (seed000-cable-pull, server keepalive varied)', () => {
  it('cnt·intvl ≤ detect.server ≤ max(idle, intvl) + cnt·intvl (+ one wheel granularity per arming with Linux timers)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 9 }), timer, (idle, intvl, cnt, t) => {
        const { scenario } = loadScenario('seed000-cable-pull', {
          set: [`hosts.server.sysctl.tcp_keepalive_time=${idle}`, `hosts.server.sysctl.tcp_keepalive_intvl=${intvl}`, `hosts.server.sysctl.tcp_keepalive_probes=${cnt}`, `hosts.server.timer=${t}`],
        });
        const m = computeMetrics(runScenario(scenario, { until: 1000_000_000 }).json);
        const gran = (s: number): number => (t === 'linux' ? wheelGranularity(s * HZ) / HZ : 0);
        const slack = Math.max(gran(idle), gran(intvl)) + cnt * gran(intvl);
        expect(m.failureAt).toBe(133);
        expect(m.falseAlarm).toBe(false);
        const d = m.detect.byHost['server'];
        expect(d).not.toBeNull();
        expect(d as number).toBeGreaterThanOrEqual(cnt * intvl);
        expect(d as number).toBeLessThanOrEqual(Math.max(idle, intvl) + cnt * intvl + slack + 0.001);
      }),
      { numRuns: 60 },
    );
  });
});

describe('NAT survival iff the keepalive refresh beats the NAT idle timeout (aws-natgw-keepidle-300)', () => {
  it('max(keepidle, keepintvl) (worst-rounded) < timeout → survived; above → broken; keepidle above → broken one timeout after the handshake', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 1200 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 60, max: 1200 }), timer, (idle, intvl, timeout, t) => {
        const gran = (s: number): number => (t === 'linux' ? wheelGranularity(s * HZ) / HZ : 0);
        const period = Math.max(idle, intvl);
        const worst = Math.max(idle + gran(idle), intvl + gran(intvl)) + 0.01; // + the 2 ms round trip, rounded up
        fc.pre(worst < timeout || period > timeout + 0.01); // the tie band is a race, not a claim
        const { scenario } = loadScenario('aws-natgw-keepidle-300', {
          set: [`hosts.client.socket.TCP_KEEPIDLE=${idle}`, `hosts.client.socket.TCP_KEEPINTVL=${intvl}`, `path.middleboxes.0.established=${timeout}`, `hosts.client.timer=${t}`, `hosts.server.timer=${t}`],
        });
        const m = computeMetrics(runScenario(scenario).json);
        if (worst < timeout) {
          expect(m.nat).toEqual({ survived: true, brokeAt: null });
          expect(m.failureAt).toBeNull();
          return;
        }
        expect(m.nat.survived).toBe(false);
        expect(m.failureCause).toBe('expire');
        if (idle > timeout + 0.01) {
          // the last packet through the NAT was the handshake's final ACK (≈ 1.001 s)
          expect(m.nat.brokeAt as number).toBeGreaterThan(timeout + 1);
          expect(m.nat.brokeAt as number).toBeLessThan(timeout + 1.01);
        }
      }),
      { numRuns: 60 },
    );
  });
});
