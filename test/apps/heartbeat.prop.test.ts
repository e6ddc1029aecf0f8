/**
 * Properties from issue 6 (fast-check, seed pinned in test/setup.ts):
 * - an application heartbeat with interval i, timeout t and miss count k detects a dead
 *   peer within d + k·i + t of its death d, and never declares a live peer on a lossless
 *   path dead (when t exceeds the round trip plus the server's answer delay);
 * - a reaper never closes a connection that sent data within its idle time, and closes an
 *   idle one at the first check after the idle time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisions, reads, run } from './helpers.ts';

const ms = (x: number): string => `${x}ms`;

describe('application heartbeat', () => {
  it('detects a crashed server no later than d + misses × interval + timeout, and not before d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 10_000 }), // interval ms
        fc.integer({ min: 5, max: 20_000 }), // timeout ms
        fc.integer({ min: 1, max: 5 }), // misses
        fc.integer({ min: 3_000, max: 60_000 }), // crash ms
        fc.integer({ min: 0, max: 20 }), // one-way latency ms
        (interval, timeout, misses, crash, lat) => {
          const bound = crash + misses * interval + timeout;
          const j = run({
            hosts: { client: {}, server: {} }, path: { latency: ms(lat + 0.1) }, until: ms(bound + 1000),
            faults: [{ at: ms(crash), type: 'crash', host: 'server' }],
            apps: [
              { host: 'server', program: { kind: 'ping-server', port: 80 } },
              { host: 'client', program: { kind: 'ping-client', to: 'server', port: 80, ping: { interval: ms(interval), timeout: ms(timeout + 2 * lat + 1) , misses } } },
            ],
          });
          const d = decisions(j).filter((x) => x.label === 'PING_TIMEOUT');
          expect(d.length).toBe(1);
          const t = (d[0]?.t ?? 0) * 1000;
          expect(t).toBeGreaterThan(crash);
          expect(t).toBeLessThanOrEqual(bound + 2 * lat + 1 + 1); // the timeout given was timeout + 2·lat + 1 ms; +1 ms for connect time
        },
      ),
    );
  });

  it('never declares a live peer on a lossless path dead', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 5_000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 50 }), // one-way latency ms
        fc.integer({ min: 0, max: 500 }), // server delay ms
        fc.integer({ min: 1, max: 3_000 }), // margin ms
        fc.boolean(), // the server pings too
        (interval, misses, lat, delay, margin, both) => {
          const timeout = 2 * lat + delay + margin;
          const ping = { interval: ms(interval), timeout: ms(timeout), misses };
          const j = run({
            hosts: { client: {}, server: {} }, path: { latency: ms(lat) }, until: '120s',
            apps: [
              { host: 'server', program: { kind: 'ping-server', port: 80, delay: ms(delay), ...(both ? { ping: { ...ping, timeout: ms(2 * lat + margin) } } : {}) } },
              { host: 'client', program: { kind: 'ping-client', to: 'server', port: 80, ping } },
            ],
          });
          expect(decisions(j)).toEqual([]);
          expect(j.summary.detections).toEqual([]);
        },
      ),
    );
  });
});

describe('server idle reaper', () => {
  it('closes only connections idle for at least idleTime, at the first check after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 3_000 }), // check interval ms
        fc.integer({ min: 500, max: 10_000 }), // idle time ms
        fc.array(fc.integer({ min: 10, max: 12_000 }), { minLength: 0, maxLength: 12 }), // gaps between messages, ms
        (check, idle, gaps) => {
          let at = 1_000;
          const messages = gaps.map((g) => ({ at: ms((at += g)), bytes: 10 }));
          const j = run({
            hosts: { client: {}, server: {} }, path: { latency: '0.1ms' }, until: ms(at + idle + check + 2_000),
            apps: [
              { host: 'server', program: { kind: 'reaper', port: 80, checkInterval: ms(check), idleTime: ms(idle) } },
              { host: 'client', program: { kind: 'chatter', to: 'server', port: 80, start: '1s', messages } },
            ],
          });
          const accepted = j.calls.find((c) => c.host === 'server' && c.call === 'accept' && !c.pending)?.t ?? 0;
          const got = reads(j, 'server');
          const reaps = decisions(j).filter((d) => d.label === 'IDLE_REAPED');
          expect(reaps.length).toBe(1); // the last message is followed by more than idle + check
          const T = reaps[0]?.t ?? 0;
          const last = Math.max(accepted, ...got.filter((t) => t <= T));
          expect((T - last) * 1000).toBeGreaterThanOrEqual(idle - 1e-6);
          expect((T - last) * 1000).toBeLessThan(idle + check + 1e-6);
          expect(got.every((t) => t <= T)).toBe(true); // nothing was read on a reaped connection
        },
      ),
    );
  });
});
