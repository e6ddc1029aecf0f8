/**
 * The advisor: its model is a sound upper bound of what the simulator does, and its
 * recommendations, simulated, meet the constraints they were made for (issue 7 "Advisor",
 * "the advisor's output always meets its stated constraints when simulated").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advise, bestTriple, detectionBound, falseAlarmsPerYear, natIdleOf, refreshBound } from '../../src/advisor/index.ts';
import { snippets } from '../../src/advisor/snippets.ts';
import { bestHeartbeat, proxyIdleLimit } from '../../src/advisor/heartbeat.ts';

const env = { hz: 250, rtt: 0.02, loss: 0 };

describe('advisor model (linux-keepalive.md §1, §6)', () => {
  it('bounds Cloudflare\'s 5/3/3 trace: death 14.299 s after the last packet at HZ 250 (§5 case 2)', () => {
    // nominal 5 + 3·3 = 14 s; the kernel's 3.072 s intervals and late first probe fit under the bound
    const b = detectionBound({ idle: 5, intvl: 3, cnt: 3 }, env);
    expect(b).toBeGreaterThanOrEqual(14.299);
    expect(b).toBeLessThan(14.299 + 1);
  });

  it('counts false alarms as q^cnt per idle cycle, q = 1 − (1 − p)²', () => {
    const q = 1 - 0.99 ** 2;
    expect(falseAlarmsPerYear({ idle: 60, intvl: 10, cnt: 3 }, { hz: 250, rtt: 0, loss: 0.01 })).toBeCloseTo(q ** 3 * (365 * 86400) / 60, 6);
    expect(falseAlarmsPerYear({ idle: 60, intvl: 10, cnt: 3 }, env)).toBe(0);
  });

  it('takes the NAT idle timeout from the profile, or the explicit value', () => {
    expect(natIdleOf({ natProfile: 'aws-natgw' })).toBe(350);
    expect(natIdleOf({ natProfile: 'aws-natgw', natIdle: 100 })).toBe(100);
    expect(natIdleOf({})).toBe(Infinity);
  });

  it('picks the cheapest triple that meets its bounds, within Linux ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 7200 }), fc.integer({ min: 10, max: 3600 }), fc.constantFrom(0, 0.001, 0.01, 0.05), (nat, detect, loss) => {
        const e = { ...env, loss };
        const t = bestTriple({ natIdle: nat, detectWithin: detect, falseAlarmBudget: 0.01 }, e);
        if (!t) return;
        expect(t.idle).toBeGreaterThanOrEqual(1);
        expect(t.idle).toBeLessThanOrEqual(32_767);
        expect(t.cnt).toBeLessThanOrEqual(127);
        expect(detectionBound(t, e)).toBeLessThanOrEqual(detect);
        expect(refreshBound(t, e)).toBeLessThan(nat);
        expect(falseAlarmsPerYear(t, e)).toBeLessThanOrEqual(0.01);
        // it is the cheapest: with one more second of idle no interval/count (3..127, 1..75 s) meets every bound
        const idle = t.idle + 1;
        for (let cnt = 3; cnt <= 127; cnt++) {
          for (let intvl = 1; intvl <= 75; intvl++) {
            const u = { idle, intvl, cnt };
            const meets = detectionBound(u, e) <= detect && refreshBound(u, e) < nat && falseAlarmsPerYear(u, e) <= 0.01 && intvl >= Math.ceil(3 * e.rtt);
            expect(meets, `${idle}/${intvl}/${cnt}`).toBe(false);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('advisor recommendations, simulated', () => {
  it('Azure NAT (240 s), 30 s target, 1 % loss: 19/1/5 + TCP_USER_TIMEOUT 27 s, every check met', () => {
    const a = advise({ natProfile: 'azure-natgw', detectWithin: 30, loss: 0.01, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 6, liveHours: 2 });
    expect(a.recommendation).toMatchObject({ idle: 19, intvl: 1, cnt: 5, userTimeoutMs: 27_000 });
    expect(a.checks.map((c) => [c.what, c.ok])).toEqual([
      ['dead peer noticed by the client (idle connection)', true],
      ['dead peer noticed by a client writing into it', true],
      ['false alarms at 1 % loss', true],
      ['idle connection survives the NAT (240 s idle timeout)', true],
    ]);
    // Node.js: only the idle time is free (1 s × 10 forced)
    expect(a.node?.recommendation).toMatchObject({ intvl: 1, cnt: 10 });
    expect(a.node?.checks.every((c) => c.ok)).toBe(true);
  });

  it('refreshes a NAT every max(idle + RTT, intvl): KEEPIDLE 60 with the default 75 s interval loses a 60 s NAT', () => {
    expect(refreshBound({ idle: 60, intvl: 75, cnt: 9 }, env)).toBeGreaterThan(75);
    const a = advise({ natProfile: 'linux-conntrack', natIdle: 70, detectWithin: 900, loss: 0, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 2, liveHours: 1, given: { idle: 60, intvl: 75, cnt: 9 } });
    expect(a.checks.find((c) => c.what.startsWith('idle connection survives'))).toMatchObject({ ok: false, measured: '0/2 runs' });
  });

  it('a triple whose idle time exceeds the NAT timeout is caught by the simulation', () => {
    const a = advise({ natProfile: 'azure-natgw', detectWithin: 600, loss: 0, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 3, liveHours: 1, given: { idle: 300, intvl: 10, cnt: 3 } });
    const nat = a.checks.find((c) => c.what.startsWith('idle connection survives'));
    expect(nat).toMatchObject({ ok: false, measured: '0/3 runs' });
  });

  it('always meets its stated constraints when simulated (property over NATs, targets, loss)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('aws-natgw', 'azure-natgw', 'gcp-cloudnat', 'linux-conntrack', undefined), fc.integer({ min: 30, max: 600 })),
        fc.integer({ min: 20, max: 900 }),
        fc.constantFrom(0, 0.005, 0.02),
        fc.constantFrom<'client' | 'both'>('client', 'both'),
        (nat, detect, loss, side) => {
          const natSpec = typeof nat === 'number' ? { natProfile: 'linux-conntrack' as const, natIdle: nat } : nat ? { natProfile: nat as 'aws-natgw' } : {};
          const a = advise({ ...natSpec, detectWithin: detect, loss, rtt: 0.02, oses: ['linux'], hz: 250, side, falseAlarmBudget: 0.01, seeds: 4, liveHours: 2 });
          expect(a.recommendation).not.toBeNull();
          for (const c of a.checks) expect(c, `${c.what}: ${c.measured} (target ${c.target})`).toMatchObject({ ok: true });
          // the model is a sound bound of what the simulator measured
          for (const x of a.evidence?.detect.client ?? []) expect(x).toBeLessThanOrEqual(a.recommendation?.detectBound ?? 0);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('one triple for all four OSes meets the constraints on each, simulated with its own rules and option names', () => {
    fc.assert(
      // targets from 70 s: below 63 s a Windows write into a dead peer can outlast the target (5 retransmissions from a 1 s RTO), which the advice states
      fc.property(fc.constantFrom('aws-natgw', 'azure-natgw', 'gcp-cloudnat'), fc.integer({ min: 70, max: 600 }), fc.constantFrom(0, 0.01), (nat, detect, loss) => {
        const a = advise({ natProfile: nat as 'aws-natgw', detectWithin: detect, loss, rtt: 0.02, oses: ['linux', 'macos', 'freebsd', 'windows'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 3, liveHours: 1 });
        expect(a.byOs.map((b) => b.os)).toEqual(['linux', 'macos', 'freebsd', 'windows']);
        for (const c of a.checks) expect(c, `${c.what}: ${c.measured} (target ${c.target})`).toMatchObject({ ok: true });
        for (const b of a.byOs) for (const x of b.evidence.detect.client) expect(x, b.os).toBeLessThanOrEqual(a.recommendation?.detectBound ?? 0);
      }),
      { numRuns: 10 },
    );
  });

  it('says when Windows cannot bound a write into a dead peer within the target (RTO still 1 s: 63 s)', () => {
    const a = advise({ natProfile: 'azure-natgw', detectWithin: 60, loss: 0.01, rtt: 0.02, oses: ['windows'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 16, liveHours: 1 });
    expect(a.notes.some((n) => n.startsWith('Windows: a write into a dead peer ends after 5 retransmissions'))).toBe(true);
    const data = a.byOs[0]?.evidence.detectWithData ?? [];
    expect(Math.min(...data.map((x) => x ?? Infinity))).toBeLessThan(19.5);
  });

  it('keeps FreeBSD\'s coalescing out of the answer: idle/16 must stay below cnt·intvl (docs/os-profiles.md)', () => {
    const t = bestTriple({ natIdle: Infinity, detectWithin: 3000, falseAlarmBudget: 0.01 }, { os: 'freebsd', hz: 0, rtt: 0.02, loss: 0 });
    expect(t).not.toBeNull();
    expect((t?.idle ?? 0) / 16).toBeLessThan((t?.cnt ?? 0) * (t?.intvl ?? 0));
  });

  it('says so when no keepalive setting can meet the constraints', () => {
    const a = advise({ natIdle: 2, detectWithin: 10, loss: 0.3, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.0001, seeds: 1, liveHours: 1 });
    expect(a.recommendation).toBeNull();
    expect(a.notes[0]).toMatch(/No TCP keepalive setting meets these constraints/);
  });
});

describe('through a proxy: an application heartbeat (seed 003)', () => {
  it('plans the cheapest heartbeat within the target and below the proxy\'s data-idle timer', () => {
    expect(proxyIdleLimit('aws-alb')).toBe(60);
    expect(proxyIdleLimit('socks5')).toBe(Infinity);
    expect(bestHeartbeat(60, 60, 0.02)).toEqual({ interval: 19, timeout: 2, misses: 3, detectBound: 59 });
    expect(bestHeartbeat(600, 60, 0.02)).toEqual({ interval: 59, timeout: 2, misses: 3, detectBound: 179 });
    expect(bestHeartbeat(5, 60, 0.02)).toBeNull();
  });

  it('AWS ALB: keepalive never notices the dead server and the ALB closes the idle connection; the heartbeat does both jobs', () => {
    const a = advise({ proxy: 'aws-alb', detectWithin: 60, loss: 0.01, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 3, liveHours: 1 });
    expect(a.recommendation).toBeNull();
    expect(a.keepaliveThroughProxy?.checks.map((c) => [c.what, c.ok, c.measured])).toEqual([
      ['server crash behind the aws-alb proxy noticed by the client', false, '3/3 runs never noticed'],
      ['false alarms at 1 % loss', true, '0 in 3 connection-hours'],
      ['idle connection survives the aws-alb proxy', false, '0/3 runs'],
    ]);
    expect(a.heartbeat?.plan).toMatchObject({ interval: 19, timeout: 2, misses: 3 });
    expect(a.heartbeat?.checks.every((c) => c.ok)).toBe(true);
    for (const x of a.heartbeat?.evidence.detect ?? []) expect(x).toBeLessThanOrEqual(59);
  });

  it('the heartbeat meets its target through every proxy profile (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<'socks5' | 'haproxy' | 'aws-alb'>('socks5', 'haproxy', 'aws-alb'), fc.integer({ min: 10, max: 900 }), fc.constantFrom(0, 0.01), (proxy, detect, loss) => {
        const a = advise({ proxy, detectWithin: detect, loss, rtt: 0.02, oses: ['linux'], hz: 250, side: 'client', falseAlarmBudget: 0.01, seeds: 2, liveHours: 1 });
        if (!a.heartbeat) return;
        for (const c of a.heartbeat.checks) expect(c, `${proxy} ${detect}: ${c.what}: ${c.measured}`).toMatchObject({ ok: true });
      }),
      { numRuns: 10 },
    );
  });
});

describe('snippets', () => {
  it('prints the exact lines for sysctl, C, Python, Go and Node.js', () => {
    const s = snippets({ idle: 60, intvl: 10, cnt: 3 }, 90_000);
    expect(s.sysctl.slice(0, 3)).toEqual(['sysctl -w net.ipv4.tcp_keepalive_time=60', 'sysctl -w net.ipv4.tcp_keepalive_intvl=10', 'sysctl -w net.ipv4.tcp_keepalive_probes=3']);
    expect(s.python).toContain('sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 90000)');
    expect(s.node[0]).toBe('socket.setKeepAlive(true, 60000); // sets TCP_KEEPIDLE=60, and forces TCP_KEEPINTVL=1, TCP_KEEPCNT=10');
    expect(s.go[0]).toContain('Idle: 60 * time.Second, Interval: 10 * time.Second, Count: 3');
    expect(s.c).toContain('setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof ut);');
  });
});
