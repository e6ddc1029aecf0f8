/**
 * Retransmission-death bounds over random parameters (issue 7 "Properties across parameter
 * spaces"; linux-keepalive.md §3): a write into a dead path ends
 * - with TCP_USER_TIMEOUT = UT: at retrans_stamp + UT (the first retransmission's time), plus at
 *   most one wheel rounding of the last, clamped RTO with Linux timers;
 * - without: at the first RTO firing whose elapsed time since retrans_stamp reaches
 *   tcp_model_timeout(tcp_retries2, 200 ms), so no earlier than that and less than one more
 *   RTO (≤ TCP_RTO_MAX, 120 s) later;
 * and never with an RST (tcp_write_err). Timer rounding on (HZ 250, 1000) and off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelTimeoutUs } from '../../src/os/linux/profile.ts';
import { wheelGranularity } from '../../src/os/timerbase.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { scenarioSchema } from '../../src/scenarios/schema.ts';

function writeIntoDeadPath(o: { timer: 'exact' | 'linux'; hz: number; ut: number; retries2: number; latencyMs: number; seed: number }) {
  const sc = scenarioSchema.parse({
    name: 'rto',
    seed: o.seed,
    until: 3000,
    hosts: {
      client: { timer: o.timer, hz: o.hz, sysctl: { tcp_retries2: o.retries2 }, socket: o.ut > 0 ? { TCP_USER_TIMEOUT: o.ut } : {} },
      server: { timer: o.timer, hz: o.hz },
    },
    path: { latency: o.latencyMs / 1000 },
    apps: [
      { host: 'server', steps: [{ call: 'listen', port: 80 }, { call: 'accept' }, { call: 'recv', loop: true }] },
      { host: 'client', steps: [{ at: 1, call: 'connect', to: 'server', port: 80 }, { at: 10, call: 'send', bytes: 100 }, { call: 'recv' }] },
    ],
    faults: [{ at: 10, type: 'cut' }],
  });
  const r = runScenario(sc).json;
  const tx = r.packets.filter((p) => p.at === 'client' && p.dir === 'tx');
  const firstRetrans = tx.find((p) => p.kind === 'retransmission')?.t ?? NaN;
  const abort = r.summary.aborts.find((a) => a.host === 'client');
  return { firstRetrans, abort, rst: tx.some((p) => p.flags.startsWith('R')), recv: r.calls.find((c) => c.host === 'client' && c.call === 'recv') };
}

const common = {
  timer: fc.constantFrom<'exact' | 'linux'>('exact', 'linux'),
  hz: fc.constantFrom(250, 1000),
  latencyMs: fc.integer({ min: 1, max: 150 }),
  seed: fc.integer({ min: 1, max: 1000 }),
};

describe(`retransmission death (fast-check seed ${fc.readConfigureGlobal().seed})`, () => {
  it('TCP_USER_TIMEOUT: death at first retransmission + UT, at most one wheel granularity later; ETIMEDOUT, no RST', () => {
    fc.assert(
      fc.property(fc.record({ ...common, ut: fc.integer({ min: 1000, max: 600_000 }), retries2: fc.constant(15) }), (o) => {
        const r = writeIntoDeadPath(o);
        expect(r.abort?.errno).toBe('ETIMEDOUT');
        expect(r.recv?.errno).toBe('ETIMEDOUT');
        expect(r.rst).toBe(false);
        const dt = (r.abort?.t ?? NaN) - r.firstRetrans;
        // Linux compares ms timestamps (tcp_time_stamp_ms): up to 1 ms early in µs terms
        expect(dt).toBeGreaterThanOrEqual(o.ut / 1000 - 0.001);
        const slack = o.timer === 'linux' ? (wheelGranularity(Math.ceil((120 * o.hz))) + 1) / o.hz : 0.001;
        expect(dt).toBeLessThanOrEqual(o.ut / 1000 + slack);
      }),
      { numRuns: 40 },
    );
  });

  it('tcp_retries2: death at the first RTO firing at or after tcp_model_timeout(retries2, 200 ms) from the first retransmission', () => {
    fc.assert(
      fc.property(fc.record({ ...common, ut: fc.constant(0), retries2: fc.integer({ min: 1, max: 15 }) }), (o) => {
        const r = writeIntoDeadPath(o);
        expect(r.abort?.errno).toBe('ETIMEDOUT');
        expect(r.rst).toBe(false);
        const model = modelTimeoutUs(o.retries2, 200_000, 120_000_000) / 1e6;
        const dt = (r.abort?.t ?? NaN) - r.firstRetrans;
        expect(dt).toBeGreaterThanOrEqual(model - 0.001);
        expect(dt).toBeLessThan(model + 120 + (o.timer === 'linux' ? 2.1 : 0.001));
      }),
      { numRuns: 40 },
    );
  });
});
