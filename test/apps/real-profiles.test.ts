/**
 * The real-program profiles (docs/programs.md): the rules read in mosquitto 2.0.11 and
 * OpenSSH 9.2p1 and confirmed by recordings (test/fixtures/programs), with exact virtual
 * times, and properties over their parameters against the arithmetic they stand for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisions, run, sends } from './helpers.ts';

const mqtt = (keepAlive: number, start: string, broker: object = {}) => ({
  hosts: { client: {}, broker: {} }, path: { latency: '0.1ms' }, until: '60s',
  apps: [
    { host: 'broker', program: { kind: 'mqtt-broker', clockPhase: 0, checkPhase: 0, ...broker } },
    { host: 'client', program: { kind: 'mqtt-client', to: 'broker', start, keepAlive, silentAfter: 0 } },
  ],
});
const closedAt = (j: ReturnType<typeof run>): number | undefined => decisions(j).find((d) => d.label === 'KEEPALIVE_TIMEOUT')?.t;

describe('mqtt-broker profile mosquitto-2.0 (the default)', () => {
  it('is the default profile', () => {
    const j = run({ ...mqtt(2, '1.3s'), apps: [{ host: 'broker', program: { kind: 'mqtt-broker', clockPhase: 0, checkPhase: 0 } }, mqtt(2, '1.3s').apps[1]] });
    expect(closedAt(j)).toBe(6);
  });

  it('keep alive 2, CONNECT in second 1: due in second 5 (1 + 3 + 1), closed at the check of second 6; the spec closes at 4.3', () => {
    expect(closedAt(run(mqtt(2, '1.3s')))).toBe(6);
    expect(closedAt(run(mqtt(2, '1.3s', { profile: 'spec' })))).toBeCloseTo(4.3003, 4);
  });

  it('keep alive 3 allows 3 × 3 / 2 = 4 whole seconds (integer arithmetic), not 4.5', () => {
    // CONNECT in second 1: due in second 6 (1 + 4 + 1) = a check second
    expect(closedAt(run(mqtt(3, '1.1s')))).toBe(6);
    // CONNECT in second 2: due in second 7, next check 12
    expect(closedAt(run(mqtt(3, '2.5s')))).toBe(12);
  });

  it('the first check second not before last second + floor(1.5 k) + 1, on the 6 s grid of checkPhase', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1_000, max: 9_999 }), fc.integer({ min: 0, max: 5 }), (k, startMs, phase) => {
        const start = startMs / 1000;
        const t = closedAt(run({ ...mqtt(k, `${startMs}ms`), apps: [{ host: 'broker', program: { kind: 'mqtt-broker', clockPhase: 0, checkPhase: phase } }, mqtt(k, `${startMs}ms`).apps[1]] }));
        const last = Math.floor(start + 0.0002); // CONNECT read 0.2 ms after connect() starts (two one-way latencies)
        const due = last + Math.floor((k * 3) / 2) + 1;
        expect(t).toBeDefined();
        expect(Number.isInteger(t)).toBe(true);
        expect(((t as number) - phase) % 6).toBe(0);
        expect(t).toBeGreaterThanOrEqual(due);
        expect(t).toBeLessThan(due + 6);
      }),
      { numRuns: 40 },
    );
  });

  it('without clockPhase/checkPhase the phases come from the seed: same seed, same close', () => {
    const free = { ...mqtt(4, '1.3s'), apps: [{ host: 'broker', program: { kind: 'mqtt-broker' } }, mqtt(4, '1.3s').apps[1]] };
    expect(closedAt(run({ ...free, seed: 7 }))).toBe(closedAt(run({ ...free, seed: 7 })));
  });
});

describe('ssh profile openssh-9.2 (the default)', () => {
  const ssh = (client: object, server: object, faults: unknown[]) => ({
    hosts: { client: {}, server: {} }, path: { latency: '0.1ms' }, until: '60s', faults,
    apps: [
      { host: 'server', program: { kind: 'ssh-server', clockPhase: 0, ...server } },
      { host: 'client', program: { kind: 'ssh-client', to: 'server', start: '1.3s', clockPhase: 0, ...client } },
    ],
  });

  it('ssh sends ServerAlive requests at whole seconds: the first 0.7 s early, then every interval', () => {
    const j = run(ssh({ serverAliveInterval: 2, serverAliveCountMax: 2 }, {}, []));
    expect(sends(j, 'client', 52).slice(0, 3)).toEqual([3, 5, 7]);
  });

  it('ssh 1 × 3 with the path cut at 4.5 s exits at 8: three more checks after the unanswered one at 5', () => {
    const j = run(ssh({ serverAliveInterval: 1, serverAliveCountMax: 3 }, {}, [{ at: '4.5s', type: 'cut' }]));
    expect(decisions(j).find((d) => d.host === 'client')).toEqual({ host: 'client', label: 'SERVER_ALIVE_TIMEOUT', t: 8 });
  });

  it('sshd probes every 2 × ClientAliveInterval and drops a dead client 2 × (CountMax + 1) × interval after its last packet', () => {
    const j = run(ssh({}, { clientAliveInterval: 2, clientAliveCountMax: 2 }, [{ at: '3.5s', type: 'cut' }]));
    // accepted at 1.3003 (its last input); probes at 5.3003, 9.3003 (4 s apart); dropped at 13.3003
    expect(sends(j, 'server', 52).slice(0, 2).map((t) => Math.round(t * 1e4) / 1e4)).toEqual([5.3003, 9.3003]);
    const d = decisions(j).find((x) => x.host === 'server');
    expect(d?.label).toBe('CLIENT_ALIVE_TIMEOUT');
    expect(d?.t).toBeCloseTo(13.3003, 4);
  });
});
