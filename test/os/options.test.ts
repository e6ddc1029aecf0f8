/**
 * Socket options, knobs and errors per OS (os-profiles.md §1.1, §2.1, §3.1, §3.4): real
 * names, units and ranges; the errno a refused call fails with; scenario validation that
 * names the field and says what to use instead; Windows' 10052 then 10054.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { ERRNO } from '../../src/tcp/errno.ts';
import { SEC } from '../tcp/fixtures.ts';
import { osPair, runCut } from './fixtures.ts';
import type { OsSockOptName } from '../../src/os/profile.ts';

const set = (os: 'linux' | 'macos' | 'freebsd' | 'windows', name: OsSockOptName, v: number): string => {
  const p = osPair({ os });
  const r = p.cs.setsockopt(name, v);
  return r.ok ? 'ok' : r.errno;
};

describe('setsockopt ranges and errors', () => {
  it('macOS: TCP_KEEPALIVE 0..4294967 s; no TCP_KEEPIDLE or TCP_USER_TIMEOUT (ENOPROTOOPT)', () => {
    expect([0, 4_294_967, 4_294_968, -1].map((v) => set('macos', 'TCP_KEEPALIVE', v))).toEqual(['ok', 'ok', 'EINVAL', 'EINVAL']);
    expect(set('macos', 'TCP_KEEPIDLE', 60)).toBe('ENOPROTOOPT');
    expect(set('macos', 'TCP_USER_TIMEOUT', 1000)).toBe('ENOPROTOOPT');
    expect(set('macos', 'TCP_KEEPCNT', -1)).toBe('EINVAL');
    expect(set('macos', 'TCP_RXT_CONNDROPTIME', -1)).toBe('EINVAL');
    expect(set('macos', 'TCP_MAXRT', 5)).toBe('ENOPROTOOPT');
  });
  it('FreeBSD: TCP_KEEPIDLE up to UINT_MAX/hz s, TCP_MAXUNACKTIME exists, TCP_USER_TIMEOUT does not', () => {
    expect([4_294_967, 4_294_968].map((v) => set('freebsd', 'TCP_KEEPIDLE', v))).toEqual(['ok', 'EINVAL']);
    expect(set('freebsd', 'TCP_KEEPINIT', 75)).toBe('ok');
    expect(set('freebsd', 'TCP_MAXUNACKTIME', 30)).toBe('ok');
    expect(set('freebsd', 'TCP_USER_TIMEOUT', 1000)).toBe('ENOPROTOOPT');
  });
  it('Windows: TCP_KEEPCNT ≤ 255, WSA error names', () => {
    expect([255, 256].map((v) => set('windows', 'TCP_KEEPCNT', v))).toEqual(['ok', 'WSAEINVAL']);
    expect(set('windows', 'TCP_USER_TIMEOUT', 1000)).toBe('WSAENOPROTOOPT');
    expect(set('windows', 'TCP_MAXRT', -1)).toBe('ok');
    expect(set('windows', 'TCP_KEEPIDLE', 0)).toBe('WSAEINVAL');
  });
  it('Linux: the OS-only names are ENOPROTOOPT', () => {
    expect(set('linux', 'TCP_KEEPALIVE', 60)).toBe('ENOPROTOOPT');
  });
  it('getsockopt reads back the OS options; SO_ERROR carries the OS number (macOS ETIMEDOUT = 60)', () => {
    const p = osPair({ os: 'macos', client: [['SO_KEEPALIVE', 1], ['TCP_KEEPALIVE', 10], ['TCP_KEEPINTVL', 1], ['TCP_KEEPCNT', 2]] });
    expect(p.cs.getsockopt('TCP_KEEPALIVE')).toEqual({ ok: true, value: 10 });
    runCut(p, p.w.sim.now + SEC, p.w.sim.now + 100 * SEC);
    expect(p.cs.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 60 });
  });
});

describe('Windows keepalive death: WSAENETRESET (10052) for the call in flight, then WSAECONNRESET (10054)', () => {
  it('a blocked recv gets 10052; later send and recv get 10054; SO_ERROR reads 10054', () => {
    const p = osPair({ os: 'windows', client: [['SO_KEEPALIVE', 1], ['TCP_KEEPIDLE', 10], ['TCP_KEEPINTVL', 1]] });
    const got: string[] = [];
    p.cs.recv(100, (r) => got.push(r.ok ? 'ok' : r.errno));
    runCut(p, p.w.sim.now + SEC, p.w.sim.now + 100 * SEC);
    expect(got).toEqual(['WSAENETRESET']);
    const s = p.cs.send(10);
    expect(s.ok ? 'ok' : s.errno).toBe('WSAECONNRESET');
    p.cs.recv(100, (r) => got.push(r.ok ? 'ok' : r.errno));
    expect(got).toEqual(['WSAENETRESET', 'WSAECONNRESET']);
    expect(p.cs.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 10054 });
    expect([ERRNO.WSAENETRESET, ERRNO.WSAECONNRESET]).toEqual([10052, 10054]);
  });
  it('SIO_KEEPALIVE_VALS sets idle and interval in ms, the count stays 10', () => {
    const p = osPair({ os: 'windows' });
    expect(p.cs.wsaIoctlKeepaliveVals({ onoff: 1, keepalivetime: 5000, keepaliveinterval: 500 }).ok).toBe(true);
    runCut(p, p.w.sim.now + SEC, p.w.sim.now + 100 * SEC);
    const probes = p.w.sim.trace.events.filter((e) => e.kind === 'packet' && e.at === 'client' && e.dir === 'tx' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive');
    expect(probes.map((e) => e.t - p.tClient)).toEqual(Array.from({ length: 10 }, (_, k) => 5 * SEC + k * 500_000));
  });
});

describe('scenario validation against the host OS', () => {
  const sc = (client: Record<string, unknown>) => ({
    name: 't',
    hosts: { client, server: {} },
    apps: [{ host: 'client', steps: [{ call: 'setsockopt', name: 'TCP_KEEPIDLE', value: 10 }] }],
  });
  const problems = (client: Record<string, unknown>): string[] => {
    const v = validateScenario(sc(client));
    return v.ok ? [] : v.problems;
  };
  it('TCP_KEEPIDLE on macOS says to use TCP_KEEPALIVE', () => {
    expect(problems({ os: 'macos' })).toEqual(['apps.0.steps.0.value: macOS / iOS (XNU 11417) has no TCP_KEEPIDLE (setsockopt fails with ENOPROTOOPT); use TCP_KEEPALIVE (seconds)']);
  });
  it('a Linux sysctl on macOS names the macOS knob and lists the valid ones', () => {
    const ps = problems({ os: 'freebsd', sysctl: { tcp_keepalive_time: 60 } });
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatch(/^hosts\.client\.sysctl\.tcp_keepalive_time: not a FreeBSD 14\/15 knob \(for tcp_keepalive_time use net\.inet\.tcp\.keepidle, unit: ms\); valid: net\.inet\.tcp\.keepidle, /);
  });
  it('knob ranges, unknown and bad profile parameters, OS-only socket options on the wrong OS', () => {
    expect(problems({ os: 'freebsd', sysctl: { 'net.inet.tcp.retries': 13 } })).toEqual(['hosts.client.sysctl.net.inet.tcp.retries: 13 is out of range 1..12 (count)']);
    expect(problems({ os: 'windows', profile: { probeWhileUnacked: 'yes' } })).toEqual(['hosts.client.profile.probeWhileUnacked: "yes" is not one of true, false']);
    expect(problems({ os: 'macos', profile: { hz: 100 } })[0]).toMatch(/^hosts\.client\.profile\.hz: not a macOS \/ iOS \(XNU 11417\) profile parameter; valid: probeWhileUnacked, keepTimerLateMs, srttReset$/);
    expect(problems({ os: 'linux', socket: { TCP_KEEPALIVE: 60 } })[0]).toMatch(/^hosts\.client\.socket\.TCP_KEEPALIVE: TCP_KEEPALIVE is not a Linux socket option/);
  });
  it('Linux sysctls keep their messages', () => {
    expect(problems({ sysctl: { tcp_keepalive_probes: 300 } })).toEqual(['hosts.client.sysctl.tcp_keepalive_probes: 300 is too large (at most 255)']);
    expect(problems({ sysctl: { bogus: 1 } })).toEqual(['hosts.client.sysctl: unknown field "bogus" (fields here: tcp_keepalive_time, tcp_keepalive_intvl, tcp_keepalive_probes, tcp_retries2, tcp_syn_retries, tcp_synack_retries, tcp_fin_timeout, tcp_syn_linear_timeouts, tcp_rto_min_us, tcp_early_retrans)']);
    expect(problems({ sysctl: { tcp_keepalive_tme: 1 } })).toEqual(['hosts.client.sysctl: unknown field "tcp_keepalive_tme" (did you mean "tcp_keepalive_time"?)']);
  });
});

describe('scenario plumbing for OS-only options and overrides', () => {
  it('a Windows host with SIO_KEEPALIVE_VALS and rstOnDeath: false: 10 probes 0.5 s apart after 5 s, no RST, recv gets WSAENETRESET', async () => {
    const { runScenario } = await import('../../src/scenarios/run.ts');
    const v = validateScenario({
      name: 'win',
      until: '60s',
      hosts: { client: { os: 'windows', timer: 'exact', profile: { rstOnDeath: false }, socket: { SIO_KEEPALIVE_VALS: { onoff: 1, keepalivetime: 5000, keepaliveinterval: 500 } } }, server: {} },
      apps: [
        { host: 'server', steps: [{ call: 'listen', port: 80 }, { call: 'accept' }, { call: 'recv' }] },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }, { call: 'recv' }] },
      ],
      faults: [{ at: '2s', type: 'cut' }],
    });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    const ev = runScenario(v.scenario).world.sim.trace.events;
    const tx = ev.filter((e) => e.kind === 'packet' && e.at === 'client' && e.dir === 'tx' && e.pkt.proto === 'tcp');
    const probes = tx.filter((e) => e.kind === 'packet' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive');
    expect(probes.map((e) => e.t)).toEqual(Array.from({ length: 10 }, (_, k) => 1_001_000 + 5 * SEC + k * 500_000));
    expect(tx.some((e) => e.kind === 'packet' && e.pkt.proto === 'tcp' && e.pkt.tag === 'reset')).toBe(false);
    const recv = ev.find((e) => e.kind === 'call' && e.host === 'client' && e.call === 'recv' && !e.blocked);
    expect(recv?.kind === 'call' ? [recv.t, recv.errno] : []).toEqual([1_001_000 + 10 * SEC, 'WSAENETRESET']);
  });
  it("Windows deathRule 'elapsed' (the BSD test) is accepted; with exact timers: 3 probes, death at idle + 3·intvl", () => {
    const p = osPair({ os: 'windows', params: { deathRule: 'elapsed' }, client: [['SO_KEEPALIVE', 1], ['TCP_KEEPIDLE', 10], ['TCP_KEEPINTVL', 1], ['TCP_KEEPCNT', 3]] });
    runCut(p, p.w.sim.now + SEC, p.w.sim.now + 100 * SEC);
    const probes = p.w.sim.trace.events.filter((e) => e.kind === 'packet' && e.at === 'client' && e.dir === 'tx' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive');
    expect(probes).toHaveLength(3);
    const err = p.w.sim.trace.events.find((e) => e.kind === 'error');
    expect(err?.t).toBe(p.tClient + 13 * SEC);
  });
});
