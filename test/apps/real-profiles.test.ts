/**
 * The real-program profiles (docs/programs.md): the rules read in mosquitto 2.0.11 and
 * OpenSSH 9.2p1 and confirmed by recordings (test/fixtures/programs), with exact virtual
 * times, and properties over their parameters against the arithmetic they stand for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisions, r6, run, sends } from './helpers.ts';

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

  it('sshd probes every 2 × ClientAliveInterval from the end of the login and drops a dead client 2 × (CountMax + 1) × interval after it', () => {
    const j = run(ssh({}, { clientAliveInterval: 2, clientAliveCountMax: 2 }, [{ at: '3.5s', type: 'cut' }]));
    // its session loop starts when it writes its post-login message (272 bytes); then probes
    // 4 s apart, and the drop 12 s after
    const loop = sends(j, 'server', 272)[0] as number;
    expect(loop).toBeGreaterThan(1.6);
    expect(sends(j, 'server', 52).slice(0, 2).map((t) => r6(t - loop))).toEqual([4, 8]);
    const d = decisions(j).find((x) => x.host === 'server');
    expect(d?.label).toBe('CLIENT_ALIVE_TIMEOUT');
    expect(r6((d?.t ?? 0) - loop)).toBe(12);
  });
});

describe('the OpenSSH 9.2 login (src/apps/ssh-login.ts)', () => {
  const pair = (login?: string) => ({
    hosts: { client: {}, server: {} }, path: { latency: '20us' }, until: '5s',
    apps: [
      { host: 'server', program: { kind: 'ssh-server', clockPhase: 0, ...(login ? { login } : {}) } },
      { host: 'client', program: { kind: 'ssh-client', to: 'server', start: '1s', clockPhase: 0, ...(login ? { login } : {}) } },
    ],
  });
  const sizes = (j: ReturnType<typeof run>, host: string): number[] => j.calls.filter((c) => c.host === host && c.call === 'send').map((c) => c.result as number);

  it('plays the recorded exchange: banners, key exchange, authentication, the post-login messages', () => {
    const j = run(pair());
    expect(sizes(j, 'client')).toEqual([41, 1560, 1208, 16, 44, 60, 140, 308, 60]);
    expect(sizes(j, 'server')).toEqual([41, 1088, 1564, 44, 76, 100, 28, 272, 156]);
  });

  it('lasts the median of the recordings by default (0.313 s to sshd\'s post-login message), `login` when given; the delayed-ACK wait is not stretched', () => {
    const at = (j: ReturnType<typeof run>, bytes: number): number => sends(j, 'server', bytes)[0] as number;
    const byDefault = run(pair());
    expect(at(byDefault, 272) - 1).toBeCloseTo(0.313, 2);
    const slow = run(pair('0.6s'));
    expect(at(slow, 272) - 1).toBeCloseTo(0.6, 2);
    expect(at(slow, 156) - at(slow, 272)).toBeCloseTo(0.0447, 4);
  });

  it('profile spec plays no login: the heartbeats start at the connect', () => {
    const j = run({ ...pair(), apps: pair().apps.map((a) => ({ ...a, program: { ...a.program, profile: 'spec' } })) });
    expect(sizes(j, 'client')).toEqual([]);
  });
});

describe('grpc profile grpc-core-1.51 (src/apps/grpc-core.ts)', () => {
  const grpc = (client: object, server: object = {}, faults: unknown[] = []) => ({
    hosts: { client: {}, server: {} }, path: { latency: '20us' }, until: '40s', faults,
    apps: [
      { host: 'server', program: { kind: 'grpc-server', profile: 'grpc-core-1.51', tls: false, ...server } },
      { host: 'client', program: { kind: 'grpc-client', to: 'server', start: '1s', keepaliveTime: '1s', profile: 'grpc-core-1.51', tls: false, ...client } },
    ],
  });
  const pings = (j: ReturnType<typeof run>): number[] => sends(j, 'client', 17);

  it('an idle channel without permit-without-calls sends no keepalive ping at all', () => {
    expect(pings(run(grpc({})))).toEqual([]);
  });

  it('with permission, GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA (2) pings and no more; 0 lifts the cap', () => {
    const permissive = { permitWithoutCalls: true, minPingInterval: '100ms' };
    expect(pings(run(grpc({ permitWithoutCalls: true }, permissive))).length).toBe(2);
    expect(pings(run(grpc({ permitWithoutCalls: true, maxPingsWithoutData: 0 }, permissive))).length).toBeGreaterThan(30);
  });

  it('too_many_pings: ping 1 fine, pings 2-4 strikes 1-3, GOAWAY with the 4th ping\'s ACK (48 bytes), then 2 s, then 4 s pings on the next connections', () => {
    const j = run(grpc({ permitWithoutCalls: true, maxPingsWithoutData: 0, reconnect: { initial: '1s', multiplier: 1.6 } }));
    const goaways = sends(j, 'server', 48);
    expect(goaways.length).toBeGreaterThanOrEqual(2);
    const p = pings(j).map(r6);
    // connection 1: pings 1 s apart, the 4th answered by GOAWAY; connection 2: 2 s apart
    expect(p.filter((t) => t <= (goaways[0] as number)).length).toBe(4);
    const second = p.filter((t) => t > (goaways[0] as number) && t <= (goaways[1] as number));
    expect(second.length).toBe(4);
    expect(r6((second[1] as number) - (second[0] as number))).toBeCloseTo(2, 3);
    expect(decisions(j).filter((d) => d.host === 'client').map((d) => d.label).slice(0, 2)).toEqual(['GOAWAY too_many_pings', 'GOAWAY too_many_pings']);
  });

  it('only the PING ACK stops the watchdog: a cut path is found keepaliveTimeout after the unanswered ping', () => {
    const j = run(grpc({ permitWithoutCalls: true, maxPingsWithoutData: 0, keepaliveTimeout: '2s' }, { permitWithoutCalls: true, minPingInterval: '100ms' }, [{ at: '3.5s', type: 'cut' }]));
    const last = pings(j).filter((t) => t < 3.5 + 1.1).at(-1) as number;
    const d = decisions(j).find((x) => x.label === 'KEEPALIVE_TIMEOUT');
    expect(r6((d?.t ?? 0) - last)).toBe(2);
  });

  it('connection backoff: 1 s, then 1.6^k s within ± 20 % between attempt starts, the same draws for the same seed', () => {
    const refused = { hosts: { client: {}, server: {} }, path: { latency: '20us' }, until: '60s', seed: 3, apps: [{ host: 'client', program: { kind: 'grpc-client', to: 'server', start: '1s', keepaliveTime: '10s', profile: 'grpc-core-1.51' } }] };
    const syns = (j: ReturnType<typeof run>): number[] => j.calls.filter((c) => c.call === 'connect').map((c) => c.start);
    const a = syns(run(refused));
    expect(a).toEqual(syns(run(refused)));
    const gaps = a.slice(1).map((t, k) => t - (a[k] as number));
    expect(gaps[0]).toBeCloseTo(1, 3);
    gaps.slice(1).forEach((g, k) => {
      const nominal = Math.min(1.6 ** (k + 1), 120);
      expect(g).toBeGreaterThanOrEqual(0.8 * nominal - 1e-3);
      expect(g).toBeLessThanOrEqual(1.2 * nominal + 1e-3);
    });
  });
});
