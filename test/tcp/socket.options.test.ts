/**
 * setsockopt / getsockopt for keepalive and timeouts: defaults, valid ranges, the sysctl
 * fallback and SO_ERROR (linux-keepalive.md §2; gVisor socket_ip_tcp_generic.cc, case 15).
 */
import { describe, expect, it } from 'vitest';
import type { SockOptName } from '../../src/os/profile.ts';
import { timerRow, timerRows, formatNetstat } from '../../src/report/timers.ts';
import { MS, SEC, at, cutAt, established, events, network } from './fixtures.ts';

function freshSocket() {
  const p = network();
  return { p, s: p.w.socket(p.client) };
}

describe('socket options on a fresh socket', () => {
  it('read the Linux defaults: SO_KEEPALIVE 0, KEEPIDLE 7200, KEEPINTVL 75, KEEPCNT 9, USER_TIMEOUT 0, SYNCNT 6', () => {
    const { s } = freshSocket();
    const names: SockOptName[] = ['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT'];
    expect(names.map((n) => s.getsockopt(n))).toEqual([0, 7200, 75, 9, 0, 6].map((value) => ({ ok: true, value })));
  });

  it.each<[SockOptName, number]>([
    ['TCP_KEEPIDLE', 0],
    ['TCP_KEEPIDLE', 32768],
    ['TCP_KEEPINTVL', 0],
    ['TCP_KEEPINTVL', 32768],
    ['TCP_KEEPCNT', 0],
    ['TCP_KEEPCNT', -5],
    ['TCP_KEEPCNT', 128],
    ['TCP_USER_TIMEOUT', -10],
    ['TCP_SYNCNT', 0],
    ['TCP_SYNCNT', 128],
    ['TCP_KEEPIDLE', 1.5],
  ])('rejects %s = %d with EINVAL and keeps the old value', (name, value) => {
    const { s } = freshSocket();
    const before = s.getsockopt(name);
    expect(s.setsockopt(name, value)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(s.getsockopt(name)).toEqual(before);
  });

  it.each<[SockOptName, number]>([
    ['TCP_KEEPIDLE', 32767],
    ['TCP_KEEPINTVL', 32767],
    ['TCP_KEEPCNT', 127],
    ['TCP_KEEPIDLE', 1],
    ['TCP_KEEPINTVL', 1],
    ['TCP_KEEPCNT', 1],
    ['TCP_USER_TIMEOUT', 0],
    ['TCP_USER_TIMEOUT', 2 ** 31 - 1],
    ['TCP_SYNCNT', 127],
  ])('accepts %s = %d and reads it back', (name, value) => {
    const { s } = freshSocket();
    expect(s.setsockopt(name, value)).toEqual({ ok: true, value: 0 });
    expect(s.getsockopt(name)).toEqual({ ok: true, value });
  });

  it('SO_KEEPALIVE takes any int: non-zero (or true) reads back 1, zero (or false) 0', () => {
    const { s } = freshSocket();
    for (const [v, want] of [
      [5, 1],
      [0, 0],
      [-1, 1],
      [true, 1],
      [false, 0],
    ] as const) {
      expect(s.setsockopt('SO_KEEPALIVE', v)).toEqual({ ok: true, value: 0 });
      expect(s.getsockopt('SO_KEEPALIVE')).toEqual({ ok: true, value: want });
    }
  });

  it('records setsockopt calls in the trace, with the errno on failure', () => {
    const { p, s } = freshSocket();
    s.setsockopt('TCP_KEEPCNT', 3);
    s.setsockopt('TCP_KEEPCNT', 300);
    const calls = events(p, 'call', p.client).filter((c) => c.call === 'setsockopt');
    expect(calls.map((c) => [c.args, c.result, c.errno])).toEqual([
      [{ name: 'TCP_KEEPCNT', value: 3 }, 0, undefined],
      [{ name: 'TCP_KEEPCNT', value: 300 }, undefined, 'EINVAL'],
    ]);
  });
});

describe('the sysctl fallback', () => {
  it('an unset option reads the host sysctl at every use, so later sysctl changes show; a set option does not move', () => {
    const { p, s } = freshSocket();
    s.setsockopt('TCP_KEEPCNT', 4);
    p.client.sysctl.tcp_keepalive_time = 600;
    p.client.sysctl.tcp_keepalive_intvl = 10;
    p.client.sysctl.tcp_keepalive_probes = 2;
    p.client.sysctl.tcp_syn_retries = 3;
    expect(s.getsockopt('TCP_KEEPIDLE')).toEqual({ ok: true, value: 600 });
    expect(s.getsockopt('TCP_KEEPINTVL')).toEqual({ ok: true, value: 10 });
    expect(s.getsockopt('TCP_KEEPCNT')).toEqual({ ok: true, value: 4 });
    expect(s.getsockopt('TCP_SYNCNT')).toEqual({ ok: true, value: 3 });
  });

  it('sysctls are per host (per network namespace)', () => {
    const p = network({ clientSysctl: { tcp_keepalive_time: 30 } });
    expect(p.w.socket(p.client).getsockopt('TCP_KEEPIDLE')).toEqual({ ok: true, value: 30 });
    expect(p.w.socket(p.server).getsockopt('TCP_KEEPIDLE')).toEqual({ ok: true, value: 7200 });
  });
});

describe('SO_ERROR', () => {
  it('is 0 on a healthy socket; after a keepalive death it returns ETIMEDOUT (110) once and clears it', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 2, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 1 } });
    expect(p.ss.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 0 });
    cutAt(p, p.tEst);
    p.w.run(p.tEst + 10 * SEC);
    expect(p.ss.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 110 });
    expect(p.ss.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 0 });
    const r: unknown[] = [];
    p.ss.recv(10, (x) => r.push(x)); // the error was consumed: EOF
    expect(r).toEqual([{ ok: true, value: 0 }]);
  });
});

describe('netstat -o view (report/timers.ts)', () => {
  it('shows `keepalive` with the time left to the next firing and the probes out', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 3, TCP_KEEPCNT: 5 } });
    cutAt(p, p.tEst);
    const rows: ReturnType<typeof timerRow>[] = [];
    at(p, p.tEst + 4 * SEC, () => rows.push(timerRow(p.sc, p.w.sim.now)));
    at(p, p.tEst + 11 * SEC, () => rows.push(timerRow(p.sc, p.w.sim.now)));
    p.w.run(p.tEst + 12 * SEC);
    expect(rows.map((r) => [r.state, r.timer, r.left, r.retransmits, r.probes])).toEqual([
      ['ESTABLISHED', 'keepalive', 6, 0, 0],
      ['ESTABLISHED', 'keepalive', 2, 0, 1],
    ]);
    expect(rows[0]).toMatchObject({ host: 'server', local: `${p.server.ip}:80`, peer: `${p.client.ip}:${p.cc.lport}`, recvQ: 0, sendQ: 0 });
  });

  it('shows `on` with the retransmit count while retransmitting (the retransmit timer wins over keepalive)', () => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5 } });
    const t0 = p.tEst + SEC;
    cutAt(p, t0);
    at(p, t0, () => p.cs.send(11));
    let row: ReturnType<typeof timerRow> | null = null;
    // first RTO retransmission at t0 + 400.2 ms, the next 400.2 ms later
    at(p, t0 + 500 * MS, () => (row = timerRow(p.cc, p.w.sim.now)));
    p.w.run(t0 + 600 * MS);
    expect(row).toMatchObject({ timer: 'on', retransmits: 1, probes: 0, sendQ: 11, left: 0.3004 });
  });

  it('formats one line per connection like `netstat -tno`', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10 } });
    p.w.run(p.tEst + 4 * SEC);
    const lines = formatNetstat(timerRows([p.server], p.w.sim.now));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^server +tcp +0 +0 10\.0\.0\.1:80 +10\.0\.0\.2:\d+ +ESTABLISHED keepalive \(6\.00\/0\/0\)$/);
  });
});
