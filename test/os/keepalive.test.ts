/**
 * Keepalive per OS profile, from the worked numbers of os-profiles.md (§1.2, §2.2, §3.2, §4,
 * §6): default death times and probe counts, the probe on the wire, the late-SO_KEEPALIVE
 * death without a probe on the BSDs, FreeBSD's always_keepalive, probes during
 * retransmission, and option re-arming. Timers are exact unless a test is about lateness.
 */
import { describe, expect, it } from 'vitest';
import { seqAdd } from '../../src/wire/seq.ts';
import { errors, probes, sent, SEC, MS, type Sent } from '../tcp/fixtures.ts';
import { osPair, runCut } from './fixtures.ts';

const rel = (xs: Sent[], t0: number): number[] => xs.map((x) => x.t - t0);
const range = (n: number, f: (k: number) => number): number[] => Array.from({ length: n }, (_, k) => f(k));

describe('default settings, peer gone after the handshake (os-profiles.md §6)', () => {
  it('macOS: 8 probes 75 s apart from 7200 s, RST|ACK and ETIMEDOUT at exactly 7800 s', () => {
    const p = osPair({ os: 'macos', client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    const t0 = p.tClient; // last receive: the SYN-ACK
    expect(rel(probes(p, p.client), t0)).toEqual(range(8, (k) => (7200 + 75 * k) * SEC));
    const rst = sent(p, p.client, 'reset');
    expect(rel(rst, t0)).toEqual([7800 * SEC]);
    expect(rst[0]?.flags).toBe('R.');
    expect(errors(p, p.client)).toEqual([{ t: t0 + 7800 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
  });

  it('FreeBSD: the same 8 probes and 7800 s, even without SO_KEEPALIVE (always_keepalive = 1)', () => {
    const p = osPair({ os: 'freebsd' });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    const t0 = p.tClient;
    expect(rel(probes(p, p.client), t0)).toEqual(range(8, (k) => (7200 + 75 * k) * SEC));
    expect(errors(p, p.client)).toEqual([{ t: t0 + 7800 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
  });

  it('FreeBSD with always_keepalive = 0 and macOS by default: no SO_KEEPALIVE, no probe, no death', () => {
    for (const p of [osPair({ os: 'freebsd', knobs: { 'net.inet.tcp.always_keepalive': 0 } }), osPair({ os: 'macos' })]) {
      runCut(p, p.w.sim.now + SEC, 30_000 * SEC);
      expect(probes(p, p.client)).toEqual([]);
      expect(errors(p, p.client)).toEqual([]);
    }
  });

  it('Windows: 10 one-byte probes 1 s apart from 7200 s, RST at 7210 s, WSAECONNRESET with no call in flight', () => {
    const p = osPair({ os: 'windows', client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    const t0 = p.tClient;
    expect(rel(probes(p, p.client), t0)).toEqual(range(10, (k) => (7200 + k) * SEC));
    expect(rel(sent(p, p.client, 'reset'), t0)).toEqual([7210 * SEC]);
    expect(errors(p, p.client)).toEqual([{ t: t0 + 7210 * SEC, errno: 'WSAECONNRESET', detail: 'keepalive timeout' }]);
  });

  it('Linux for contrast: 9 probes, 7875 s', () => {
    const p = osPair({ os: 'linux', client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    expect(probes(p, p.client)).toHaveLength(9);
    expect(errors(p, p.client)[0]?.t).toBe(p.tClient + 7875 * SEC);
  });
});

describe('the probe on the wire (os-profiles.md §1.3, §2.3, §3.3, §5.5)', () => {
  const first = (os: 'macos' | 'freebsd' | 'windows') => {
    const p = osPair({ os, client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 7300 * SEC);
    const pr = probes(p, p.client)[0];
    if (!pr) throw new Error('no probe');
    return { p, seg: pr.seg };
  };
  it('macOS: ACK at SND.UNA−1, no payload, no options', () => {
    const { p, seg } = first('macos');
    expect(seg).toMatchObject({ seq: seqAdd(p.cc.sndUna, -1), ack: p.cc.rcvNxt, flags: 0x10, len: 0, opts: 'none' });
  });
  it('FreeBSD: the same with the timestamp option', () => {
    const { p, seg } = first('freebsd');
    expect(seg).toMatchObject({ seq: seqAdd(p.cc.sndUna, -1), len: 0, opts: 'ts' });
  });
  it('Windows: one byte at SND.NXT−1, no options (timestamps off)', () => {
    const { p, seg } = first('windows');
    expect(seg).toMatchObject({ seq: seqAdd(p.cc.sndNxt, -1), len: 1, opts: 'none' });
  });
  it('Windows probePayload 0: a bare ACK', () => {
    const p = osPair({ os: 'windows', params: { probePayload: 0 }, client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 7300 * SEC);
    expect(probes(p, p.client)[0]?.seg.len).toBe(0);
  });
});

describe('late SO_KEEPALIVE on the BSDs: death without a probe (os-profiles.md §1.2)', () => {
  it('macOS: SO_KEEPALIVE at 8000 s after the last receive; the next KEEP firing (14400 s) is past 7800 s: RST, no probe', () => {
    const p = osPair({ os: 'macos' });
    const t0 = p.tClient;
    p.w.sim.at(t0 + 8000 * SEC, () => p.cs.setsockopt('SO_KEEPALIVE', 1));
    runCut(p, p.w.sim.now + SEC, 20_000 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    expect(rel(sent(p, p.client, 'reset'), t0)).toEqual([14_400 * SEC]);
    expect(errors(p, p.client)[0]?.errno).toBe('ETIMEDOUT');
  });
  it('FreeBSD (always_keepalive 0): the same', () => {
    const p = osPair({ os: 'freebsd', knobs: { 'net.inet.tcp.always_keepalive': 0 } });
    const t0 = p.tClient;
    p.w.sim.at(t0 + 8000 * SEC, () => p.cs.setsockopt('SO_KEEPALIVE', 1));
    runCut(p, p.w.sim.now + SEC, 20_000 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    expect(rel(sent(p, p.client, 'reset'), t0)).toEqual([14_400 * SEC]);
  });
  it('Linux instead arms a full keepidle from the setsockopt and probes 9 times', () => {
    const p = osPair({ os: 'linux' });
    const t0 = p.tClient;
    p.w.sim.at(t0 + 8000 * SEC, () => p.cs.setsockopt('SO_KEEPALIVE', 1));
    runCut(p, p.w.sim.now + SEC, 20_000 * SEC);
    expect(probes(p, p.client)).toHaveLength(9);
    expect(rel(probes(p, p.client), t0)[0]).toBe(15_200 * SEC);
  });
  it('macOS keepcnt 0: death at the first firing, no probe', () => {
    const p = osPair({ os: 'macos', knobs: { 'net.inet.tcp.keepcnt': 0 }, client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    expect(rel(sent(p, p.client, 'reset'), p.tClient)).toEqual([7200 * SEC]);
  });
});

describe('probes while data is being retransmitted (os-profiles.md §1.5, §2.5, §3.2)', () => {
  const opts = (idle: 'TCP_KEEPALIVE' | 'TCP_KEEPIDLE'): [import('../../src/os/profile.ts').OsSockOptName, number][] => [
    ['SO_KEEPALIVE', 1],
    [idle, 5],
    ['TCP_KEEPINTVL', 2],
    ['TCP_KEEPCNT', 3],
  ];
  it('macOS: probes at SND.UNA−1 race the RTO; keepalive wins at last_rx + 5 + 3·2 s with a RST at SND.MAX', () => {
    const p = osPair({ os: 'macos', client: opts('TCP_KEEPALIVE') });
    const t0 = p.tClient;
    const una = p.cc.sndUna;
    p.w.sim.at(t0 + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      p.cs.send(3000); // two segments: SND.MAX is 3000 past SND.UNA
    });
    p.w.run(t0 + 60 * SEC);
    const pr = probes(p, p.client);
    expect(rel(pr, t0)).toEqual([5, 7, 9].map((s) => s * SEC));
    expect(pr.every((x) => x.seg.seq === seqAdd(una, -1))).toBe(true);
    expect(sent(p, p.client, 'retransmission').length).toBeGreaterThan(3); // the RTO ran alongside
    const rst = sent(p, p.client, 'reset');
    expect(rel(rst, t0)).toEqual([11 * SEC]);
    expect(rst[0]?.seg.seq).toBe(seqAdd(una, 3000)); // SND.MAX, not the rewound SND.NXT
    expect(errors(p, p.client)[0]?.errno).toBe('ETIMEDOUT');
  });
  it('FreeBSD: the same race', () => {
    const p = osPair({ os: 'freebsd', client: opts('TCP_KEEPIDLE') });
    const t0 = p.tClient;
    p.w.sim.at(t0 + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      p.cs.send(100);
    });
    p.w.run(t0 + 60 * SEC);
    expect(rel(probes(p, p.client), t0)).toEqual([5, 7, 9].map((s) => s * SEC));
    expect(errors(p, p.client)[0]).toMatchObject({ t: t0 + 11 * SEC, detail: 'keepalive timeout' });
  });
  it('Windows (probeWhileUnacked false, the default): no probe; the RTO kills it (63 × 300 ms)', () => {
    const p = osPair({ os: 'windows', client: opts('TCP_KEEPIDLE') });
    const t0 = p.tClient;
    let tSend = 0;
    p.w.sim.at(t0 + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      tSend = p.w.sim.now;
      p.cs.send(100);
    });
    p.w.run(t0 + 60 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    expect(errors(p, p.client)).toEqual([{ t: tSend + 18_900 * MS, errno: 'WSAECONNABORTED', detail: 'retransmission timeout' }]);
  });
  it('Windows with probeWhileUnacked: true probes during retransmission', () => {
    const p = osPair({ os: 'windows', params: { probeWhileUnacked: true }, client: opts('TCP_KEEPIDLE') });
    const t0 = p.tClient;
    p.w.sim.at(t0 + SEC, () => {
      for (const d of p.path.dirs()) d.up = false;
      p.cs.send(100);
    });
    p.w.run(t0 + 60 * SEC);
    expect(rel(probes(p, p.client), t0)).toEqual([5, 7, 9].map((s) => s * SEC));
    expect(errors(p, p.client)[0]).toMatchObject({ t: t0 + 11 * SEC, detail: 'keepalive timeout' });
  });
});

describe('setting the idle re-arms the timer the way the OS does (os-profiles.md §5.7)', () => {
  it('macOS TCP_KEEPALIVE on an ESTABLISHED socket: next firing a full idle from now', () => {
    const p = osPair({ os: 'macos', client: [['SO_KEEPALIVE', 1]] });
    const t0 = p.tClient;
    p.w.sim.at(t0 + 100 * SEC, () => p.cs.setsockopt('TCP_KEEPALIVE', 30));
    runCut(p, t0 + SEC, t0 + 1000 * SEC);
    // from now (t0+100), not from the last receive: first probe at 130 s; death when elapsed ≥ 30 + 8·75
    expect(rel(probes(p, p.client), t0)[0]).toBe(130 * SEC);
    expect(errors(p, p.client)[0]?.t).toBe(t0 + 655 * SEC); // firings at 130 + 75k; first ≥ 630 is 655
  });
  it('Linux TCP_KEEPIDLE re-arms for keepidle − elapsed instead', () => {
    const p = osPair({ os: 'linux', client: [['SO_KEEPALIVE', 1]] });
    const t0 = p.tClient;
    p.w.sim.at(t0 + 100 * SEC, () => p.cs.setsockopt('TCP_KEEPIDLE', 30));
    runCut(p, t0 + SEC, t0 + 1000 * SEC);
    expect(rel(probes(p, p.client), t0)[0]).toBe(100 * SEC);
  });
});

describe('timer lateness, deterministic from the seed (os-profiles.md §1.6, §2.6, §3.5)', () => {
  const times = (os: 'macos' | 'freebsd' | 'windows', seed: number): number[] => {
    const p = osPair({ os, seed, timer: 'linux', client: [['SO_KEEPALIVE', 1]] });
    runCut(p, p.w.sim.now + SEC, 9000 * SEC);
    return [...rel(probes(p, p.client), p.tClient), ...rel(sent(p, p.client, 'reset'), p.tClient)];
  };
  it('macOS: every firing up to 0.5 s late, cumulatively; the same seed gives the same times', () => {
    const a = times('macos', 1);
    expect(times('macos', 1)).toEqual(a);
    expect(times('macos', 2)).not.toEqual(a);
    a.forEach((t, k) => {
      const gap = k === 0 ? t - 7200 * SEC : t - (a[k - 1] as number) - 75 * SEC;
      expect(gap).toBeGreaterThanOrEqual(-MS); // 1 ms tick rounding
      expect(gap).toBeLessThan(500 * MS + MS);
    });
    expect(a[a.length - 1]).toBeGreaterThanOrEqual(7800 * SEC - MS);
  });
  it('FreeBSD: the first firing up to 7200/16 = 450 s late, later ones up to 75/16 s', () => {
    const a = times('freebsd', 1);
    expect((a[0] as number) - 7200 * SEC).toBeLessThanOrEqual(450 * SEC + MS);
    for (let k = 1; k < a.length; k++) expect((a[k] as number) - (a[k - 1] as number) - 75 * SEC).toBeLessThanOrEqual(4_687_500 + MS);
  });
  it('Windows: on 15.625 ms tick boundaries, never more than one tick late', () => {
    const a = times('windows', 1);
    a.forEach((t, k) => expect(t - (7200 + k) * SEC).toBeLessThanOrEqual(15_625 + 50));
  });
});

describe('finding: FreeBSD callout coalescing can drop a live connection when keepidle/16 ≥ cnt·intvl', () => {
  it('idle 160 s, intvl 1 s, cnt 1, live peer: the first firing comes > 1 s late and is already past the deadline', () => {
    // seed 2 draws 2.29 s of lateness (slack up to 10 s); seed 1 draws 0.98 s, probes once, and dies at 326.9 s
    const p = osPair({ os: 'freebsd', seed: 2, timer: 'linux', client: [['TCP_KEEPIDLE', 160], ['TCP_KEEPINTVL', 1], ['TCP_KEEPCNT', 1]] });
    p.w.run(p.w.sim.now + 400 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    const e = errors(p, p.client)[0];
    expect(e?.errno).toBe('ETIMEDOUT');
    expect((e?.t ?? 0) - p.tClient).toBe(162_287_803);
  });
  it('with calloutSlackDivisor 0 (fire on the tick) the same settings probe and survive', () => {
    const p = osPair({ os: 'freebsd', timer: 'linux', params: { calloutSlackDivisor: 0 }, client: [['TCP_KEEPIDLE', 160], ['TCP_KEEPINTVL', 1], ['TCP_KEEPCNT', 1]] });
    p.w.run(p.w.sim.now + 400 * SEC);
    expect(errors(p, p.client)).toEqual([]);
    expect(probes(p, p.client).length).toBeGreaterThan(0);
  });
});
