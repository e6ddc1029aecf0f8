/**
 * RTO death per OS: the totals tabulated in os-profiles.md §1.7 (macOS), §2.7 (FreeBSD) and
 * §3.6 (Windows) from the backoff tables, then the simulated endpoint dying at exactly the
 * sum of its RTOs when the cable goes with data in flight.
 */
import { describe, expect, it } from 'vitest';
import { buildOs } from '../../src/os/index.ts';
import type { RtoPolicy } from '../../src/os/profile.ts';
import { rtoAtShiftUs, rtoDeathTotalUs } from '../../src/os/rto.ts';
import { errors, sent, SEC, MS } from '../tcp/fixtures.ts';
import { osPair } from './fixtures.ts';

const policy = (os: 'macos' | 'freebsd' | 'windows', params = {}): RtoPolicy => {
  const p = buildOs(os, {}, params).profile.rto;
  if (!p) throw new Error('no policy');
  return p;
};
const secs = (us: number): number => Math.round(us / 1000) / 1000;

describe('RTO death totals (os-profiles.md tables)', () => {
  it('macOS §1.7: 12 retransmissions, ×64 cap, +200 ms slop: 17.93 / 53.7 / 155.9 / 512.2 s', () => {
    const p = policy('macos');
    expect([30, 100, 300, 1000].map((v) => secs(rtoDeathTotalUs(p, v * MS)))).toEqual([17.93, 53.7, 155.9, 512.2]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((k) => rtoAtShiftUs(p, 30 * MS, k) / 1000)).toEqual([230, 260, 320, 440, 680, 1160, 2120, 2120]);
  });
  it('FreeBSD §2.7: backoff to ×512: 79.37 / 258.5 / 398.1 s, 64 s cap at V ≥ 1 s', () => {
    const p = policy('freebsd');
    expect([30, 100, 300].map((v) => secs(rtoDeathTotalUs(p, v * MS)))).toEqual([79.37, 258.5, 398.1]);
    expect(secs(rtoDeathTotalUs(p, 1000 * MS))).toBe(1.2 + 2.2 + 4.2 + 8.2 + 16.2 + 32.2 + 64 * 7);
    expect(secs(rtoDeathTotalUs(p, 30 * MS, 5))).toBe(0.23 + 0.26 + 0.32 + 0.44 + 0.68 + 1.16); // net.inet.tcp.retries = 5
  });
  it('Windows §3.6: 5 retransmissions, doubling, 60 s cap: 63·RTO = 18.9 / 63 / 153 s', () => {
    const p = policy('windows');
    expect([300, 1000, 3000].map((v) => secs(rtoDeathTotalUs(p, v * MS)))).toEqual([18.9, 63, 153]);
  });
});

describe('simulated RTO death with the cable pulled and data in flight (RTT 10 ms: V at the 30 ms / 300 ms floor)', () => {
  const run = (os: 'macos' | 'freebsd' | 'windows') => {
    const p = osPair({ os, latency: 5 * MS });
    let tSend = 0;
    p.w.sim.at(p.tClient + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      tSend = p.w.sim.now;
      p.cs.send(100);
      p.cs.recv(100, () => undefined); // an operation in flight
    });
    p.w.run(p.tClient + 1000 * SEC);
    return { p, tSend };
  };
  it('macOS dies 17.93 s after the send, after 12 retransmissions, ETIMEDOUT', () => {
    const { p, tSend } = run('macos');
    expect(sent(p, p.client, 'retransmission')).toHaveLength(12);
    expect(errors(p, p.client)).toEqual([{ t: tSend + 17_930 * MS, errno: 'ETIMEDOUT', detail: 'retransmission timeout' }]);
    expect(sent(p, p.client, 'reset')).toEqual([]); // no RST on RTO death in this model
  });
  it('FreeBSD dies 79.37 s after the send', () => {
    const { p, tSend } = run('freebsd');
    expect(sent(p, p.client, 'retransmission')).toHaveLength(12);
    expect(errors(p, p.client)[0]?.t).toBe(tSend + 79_370 * MS);
  });
  it('Windows dies 18.9 s after the send, after 5 retransmissions (WSAECONNABORTED, an assumption)', () => {
    const { p, tSend } = run('windows');
    expect(sent(p, p.client, 'retransmission')).toHaveLength(5);
    expect(errors(p, p.client)).toEqual([{ t: tSend + 18_900 * MS, errno: 'WSAECONNABORTED', detail: 'retransmission timeout' }]);
  });
  it('TCP_RXT_CONNDROPTIME 5 on macOS drops at the first RTO expiry ≥ 5 s after the first retransmission', () => {
    const p = osPair({ os: 'macos', latency: 5 * MS, client: [['TCP_RXT_CONNDROPTIME', 5]] });
    let tSend = 0;
    p.w.sim.at(p.tClient + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      tSend = p.w.sim.now;
      p.cs.send(100);
    });
    p.w.run(p.tClient + 100 * SEC);
    // expiries at 0.23, 0.49, 0.81, 1.25, 1.93, 3.09, 5.21, 7.33 s after the send; first retransmission at 0.23
    expect(errors(p, p.client)[0]?.t).toBe(tSend + 7330 * MS);
  });
  it('Windows TcpMaxDataRetransmissions 2: 7 × 300 ms', () => {
    const p = osPair({ os: 'windows', latency: 5 * MS, knobs: { TcpMaxDataRetransmissions: 2 } });
    let tSend = 0;
    p.w.sim.at(p.tClient + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      tSend = p.w.sim.now;
      p.cs.send(100);
    });
    p.w.run(p.tClient + 100 * SEC);
    expect(errors(p, p.client)[0]?.t).toBe(tSend + 2100 * MS);
  });
});
