/**
 * Keepalive on an established connection: tcp_keepalive_timer() steps 4-8
 * (linux-keepalive.md §1), the published timelines (§5 cases 1-5), and the setsockopt
 * arming rules. Exact timers unless a test says linux; latency 50 µs unless stated.
 */
import { describe, expect, it } from 'vitest';
import { ACK, RST } from '../../src/wire/segment.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { MS, SEC, at, cutAt, errors, established, events, gaps, probes, recorder, sent } from './fixtures.ts';

const KA_1 = { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 3, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 4 };

describe('ESTABLISHED, peer unreachable: probes then death', () => {
  it('packetdrill case 1: defaults read 0/7200/75/9; KEEPIDLE 3 INTVL 2 CNT 4 -> probes at +3,+5,+7,+9 (seq SND.UNA−1, len 0), R. at SND.NXT at +11', () => {
    // Arrange: a passive socket; the peer never answers
    const p = established({ latency: 50 });
    const t0 = p.tEst;
    expect(['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT'].map((o) => p.ss.getsockopt(o as 'TCP_KEEPIDLE'))).toEqual(
      [0, 7200, 75, 9].map((value) => ({ ok: true, value })),
    );
    for (const d of p.path.dirs()) d.up = false;
    // Act: at handshake + 0
    for (const [k, v] of Object.entries(KA_1)) p.ss.setsockopt(k as 'TCP_KEEPIDLE', v);
    p.w.run(t0 + 60 * SEC);
    // Assert
    const una = p.sc.sndUna;
    expect(probes(p, p.server)).toEqual(
      [3, 5, 7, 9].map((s) => ({
        t: t0 + s * SEC,
        seg: { sport: 80, dport: p.cc.lport, seq: seqAdd(una, -1), ack: p.sc.rcvNxt, flags: ACK, win: 65535, len: 0 },
        tag: 'keepalive',
        flags: '.',
      })),
    );
    expect(sent(p, p.server, 'reset')).toEqual([
      { t: t0 + 11 * SEC, seg: { sport: 80, dport: p.cc.lport, seq: p.sc.sndNxt, ack: p.sc.rcvNxt, flags: RST | ACK, win: 65535, len: 0 }, tag: 'reset', flags: 'R.' },
    ]);
    expect(sent(p, p.server).filter((s) => s.t > t0)).toHaveLength(5); // nothing else
    expect(errors(p, p.server)).toEqual([{ t: t0 + 11 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
    expect(p.sc.state).toBe('CLOSED');
  });

  it('case 1, the application: select() wakes at +11, recv() raises ETIMEDOUT once, then returns 0; send() is EPIPE', () => {
    const p = established();
    const t0 = p.tEst;
    for (const d of p.path.dirs()) d.up = false;
    for (const [k, v] of Object.entries(KA_1)) p.ss.setsockopt(k as 'TCP_KEEPIDLE', v);
    const sel = recorder<string>(p);
    const rd = recorder<number>(p);
    p.ss.select(sel.cb);
    at(p, t0 + 11 * SEC + 1, () => {
      p.ss.recv(10, rd.cb);
      p.ss.recv(10, rd.cb);
      expect(p.ss.send(1)).toEqual({ ok: false, errno: 'EPIPE' });
    });
    p.w.run(t0 + 20 * SEC);
    expect(sel.results).toEqual([{ t: t0 + 11 * SEC, r: { ok: true, value: 'readable' } }]);
    expect(rd.results.map((x) => x.r)).toEqual([
      { ok: false, errno: 'ETIMEDOUT' },
      { ok: true, value: 0 },
    ]);
  });

  it('a blocked recv() returns ETIMEDOUT at the moment of death', () => {
    const p = established();
    for (const d of p.path.dirs()) d.up = false;
    for (const [k, v] of Object.entries(KA_1)) p.ss.setsockopt(k as 'TCP_KEEPIDLE', v);
    const rd = recorder<number>(p);
    p.ss.recv(10, rd.cb);
    p.w.run(p.tEst + 20 * SEC);
    expect(rd.results).toEqual([{ t: p.tEst + 11 * SEC, r: { ok: false, errno: 'ETIMEDOUT' } }]);
  });

  it.each([0, 1_000, 123_457, 999_999_937])(
    'Cloudflare case 2, linux HZ 250 (phase %i µs): KEEPIDLE 5 INTVL 3 CNT 3 -> first probe in (5, 5.256] s after the last receive, then exactly 3.072 s apart, RST 3.072 s later',
    (jiffyPhase) => {
      const p = established({ timer: 'linux', hz: 250, jiffyPhase, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 3, TCP_KEEPCNT: 3 } });
      for (const d of p.path.dirs()) d.up = false; // everything dropped after the handshake
      p.w.run(60 * SEC);
      const lastRx = p.tClient; // the SYN-ACK
      const ts = probes(p, p.client).map((s) => s.t);
      const rst = sent(p, p.client, 'reset');
      expect(ts).toHaveLength(3);
      expect((ts[0] as number) - lastRx).toBeGreaterThan(5 * SEC);
      expect((ts[0] as number) - lastRx).toBeLessThanOrEqual(5 * SEC + 256 * MS);
      expect(gaps([...ts, (rst[0] as { t: number }).t])).toEqual([3_072_000, 3_072_000, 3_072_000]);
      expect(rst.map((s) => s.flags)).toEqual(['R.']);
      expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
    },
  );

  it('the same timeline at HZ 1000 has 3.008 s gaps', () => {
    const p = established({ timer: 'linux', hz: 1000, jiffyPhase: 77, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 3, TCP_KEEPCNT: 3 } });
    for (const d of p.path.dirs()) d.up = false;
    p.w.run(60 * SEC);
    const ts = probes(p, p.client).map((s) => s.t).concat(sent(p, p.client, 'reset').map((s) => s.t));
    expect(gaps(ts)).toEqual([3_008_000, 3_008_000, 3_008_000]);
  });

  it('tcp_keepalive_probes 0: dies at the first idle firing without sending a probe', () => {
    const p = established({ serverSysctl: { tcp_keepalive_time: 10, tcp_keepalive_probes: 0 }, server: { SO_KEEPALIVE: 1 } });
    for (const d of p.path.dirs()) d.up = false;
    p.w.run(p.tEst + 60 * SEC);
    expect(probes(p, p.server)).toEqual([]);
    expect(sent(p, p.server, 'reset').map((s) => s.t)).toEqual([p.tEst + 10 * SEC]);
    expect(errors(p, p.server).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });

  it('an answered probe resets probes_out: a cut after the first answer is counted from the last reply', () => {
    // idle 10, intvl 2, cnt 3; probe at +10 is answered at +10 + 100 µs; cut at +15
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 3 } });
    const t0 = p.tEst;
    cutAt(p, t0 + 15 * SEC);
    p.w.run(t0 + 60 * SEC);
    const lastRx = t0 + 10 * SEC + 100;
    expect(probes(p, p.server).map((s) => s.t)).toEqual([t0 + 10 * SEC, lastRx + 10 * SEC, lastRx + 12 * SEC, lastRx + 14 * SEC]);
    expect(errors(p, p.server)).toEqual([{ t: lastRx + 16 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
  });

  it('keeps probing in CLOSE_WAIT (only CLOSE and SYN_SENT stop the timer)', () => {
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 2 } });
    const t0 = p.tEst;
    p.cs.shutdown('SHUT_WR'); // FIN arrives at t0 + 50: the server's last receive
    cutAt(p, t0 + MS);
    p.w.run(t0 + 60 * SEC);
    expect(probes(p, p.server).map((s) => s.t)).toEqual([t0 + 50 + 5 * SEC, t0 + 50 + 6 * SEC]);
    expect(errors(p, p.server)).toEqual([{ t: t0 + 50 + 7 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
  });

  // Regression (fixed in 8255ae7): after our FIN, Conn.unsent wrapped to 2^32 − 1, so busy()
  // stayed true and step 5 re-armed forever. Linux: FIN acked -> packets_out 0, queue empty -> probe.
  it('keeps probing in FIN_WAIT_2 after shutdown(SHUT_WR) once the FIN is acknowledged', () => {
    const p = established({ latency: 50, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 2 } });
    const t0 = p.tEst;
    p.cs.shutdown('SHUT_WR'); // ACK of the FIN arrives at t0 + 100
    cutAt(p, t0 + MS);
    p.w.run(t0 + 60 * SEC);
    expect(p.cc.state === 'FIN_WAIT_2' || p.cc.state === 'CLOSED').toBe(true);
    expect(probes(p, p.client).map((s) => s.t)).toEqual([t0 + 100 + 5 * SEC, t0 + 100 + 6 * SEC]);
    expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });

  it('one-way loss: probes arrive, replies are lost; the RST|ACK at death (seq SND.NXT) is accepted by the peer -> ECONNRESET there', () => {
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 2 } });
    cutAt(p, p.tEst + SEC, 'client->server');
    p.w.run(p.tEst + 60 * SEC);
    const death = p.tEst + 9 * SEC;
    expect(sent(p, p.client, 'keepalive-ack').map((s) => s.t)).toEqual([p.tEst + 5 * SEC + 50, p.tEst + 7 * SEC + 50]);
    expect(errors(p, p.server)).toEqual([{ t: death, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
    expect(errors(p, p.client)).toEqual([{ t: death + 50, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
  });

  it('ICMP errors quoting a probe (seq SND.UNA − 1) are ignored: death reports ETIMEDOUT, not EHOSTUNREACH', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 3, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 2 } });
    (p.path.dirs('server->client')[0] as { unreachable: string | null }).unreachable = 'host';
    p.w.run(p.tEst + 60 * SEC);
    expect(events(p, 'packet', p.server).filter((e) => e.pkt.proto === 'icmp')).toHaveLength(3); // 2 probes + the RST
    expect(errors(p, p.server)).toEqual([{ t: p.tEst + 5 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
  });

  it('peer rebooted: the probe gets <SEQ=SEG.ACK><R> = our RCV.NXT and the connection dies ECONNRESET', () => {
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 5, TCP_KEEPCNT: 3 } });
    const t0 = p.tEst;
    at(p, t0 + SEC, () => p.client.crash());
    at(p, t0 + 2 * SEC, () => p.client.restart());
    p.w.run(t0 + 60 * SEC);
    expect(probes(p, p.server).map((s) => s.t)).toEqual([t0 + 10 * SEC]);
    expect(sent(p, p.client).filter((s) => s.t > t0).map((s) => [s.t, s.flags, s.seg.seq])).toEqual([[t0 + 10 * SEC + 50, 'R', p.sc.rcvNxt]]);
    expect(errors(p, p.server)).toEqual([{ t: t0 + 10 * SEC + 100, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
  });
});

describe('ESTABLISHED, what counts as activity', () => {
  it('received data pushes the first probe to last receive + keepidle (the timer re-arms for the remainder)', () => {
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 1 } });
    at(p, p.tEst + 4 * SEC, () => p.cs.send(10)); // arrives at +4 s + 50 µs
    cutAt(p, p.tEst + 5 * SEC);
    p.w.run(p.tEst + 60 * SEC);
    expect(probes(p, p.server).map((s) => s.t)).toEqual([p.tEst + 14 * SEC + 50]);
    const firings = events(p, 'timer', p.server).map((e) => e.t);
    expect(firings.slice(0, 2)).toEqual([p.tEst + 10 * SEC, p.tEst + 14 * SEC + 50]); // fired at +10, found idle 6 s
  });

  it('data we sent that is never acknowledged keeps the timer busy, and sending does not refresh our idle time', () => {
    // client->server works, server->client is cut: our data is never acknowledged -> no probes
    // while it is outstanding; the last receive stays the SYN-ACK.
    const p = established({ latency: 50, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 3, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 1 } });
    cutAt(p, p.tEst + SEC, 'server->client');
    at(p, p.tEst + 2 * SEC, () => p.cs.send(10));
    p.w.run(p.tEst + 20 * SEC);
    expect(p.sc.rcvBuf).toBe(10); // the server got it
    expect(p.cc.rcvTstamp).toBe(p.tClient); // the client heard nothing since the handshake
    expect(probes(p, p.client)).toEqual([]);
  });

  it('a firewall INPUT drop on the peer makes it look dead: probes arrive but are dropped before TCP (seed 003)', () => {
    const p = established({ latency: 50, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 2 } });
    at(p, p.tEst + SEC, () => p.server.firewall.add({ chain: 'INPUT', dport: 80 }));
    p.w.run(p.tEst + 60 * SEC);
    const dropped = events(p, 'packet', p.server).filter((e) => e.dir === 'rx' && e.dropped === 'INPUT');
    expect(dropped.map((e) => e.pkt.proto === 'tcp' && e.pkt.tag)).toEqual(['keepalive', 'keepalive', 'reset']);
    expect(sent(p, p.server).filter((s) => s.t > p.tEst)).toEqual([]);
    expect(errors(p, p.client)).toEqual([{ t: p.tClient + 9 * SEC, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
    expect(p.sc.state).toBe('ESTABLISHED'); // the server never learns
  });

  it('an OUTPUT rule matches the packet’s own destination port: `-A OUTPUT --dport 80` on the server drops nothing it sends from port 80 (seed 004)', () => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 2 } });
    p.server.firewall.add({ chain: 'OUTPUT', dport: 80 });
    p.w.run(p.tEst + 30 * SEC);
    expect(sent(p, p.server, 'keepalive-ack').length).toBe(probes(p, p.client).length);
    expect(errors(p, p.client)).toEqual([]);
  });
});

describe('ESTABLISHED, TCP_USER_TIMEOUT with keepalive (Cloudflare cases 3-5; KEEPCNT ignored)', () => {
  it.each([
    [5_000, [1], 12],
    [12_500, [1, 12], 23],
    [60_000, [1, 12, 23, 34, 45, 56], 67],
  ])('UT %i ms, KEEPIDLE 1 INTVL 11 CNT 3: probes at %j s, RST at %i s (first firing with probes_out > 0 and idle >= UT)', (ut, probeSecs, deathSec) => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 1, TCP_KEEPINTVL: 11, TCP_KEEPCNT: 3, TCP_USER_TIMEOUT: ut } });
    for (const d of p.path.dirs()) d.up = false;
    p.w.run(200 * SEC);
    const t0 = p.tClient;
    expect(probes(p, p.client).map((s) => s.t)).toEqual(probeSecs.map((s) => t0 + s * SEC));
    expect(sent(p, p.client, 'reset').map((s) => s.t)).toEqual([t0 + deathSec * SEC]);
    expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });

  it('UT never kills before the first probe was sent: idle 10 s > UT 2 s still probes at 10 s first', () => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 1, TCP_USER_TIMEOUT: 2_000 } });
    for (const d of p.path.dirs()) d.up = false;
    p.w.run(60 * SEC);
    expect(probes(p, p.client).map((s) => s.t)).toEqual([p.tClient + 10 * SEC]);
    expect(sent(p, p.client, 'reset').map((s) => s.t)).toEqual([p.tClient + 11 * SEC]);
  });
});

describe('ESTABLISHED, live peer', () => {
  it('a responsive peer on a lossless path is never declared dead; probes are spaced keepidle + RTT', () => {
    const p = established({ latency: 20 * MS, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 1 } });
    p.w.run(600 * SEC);
    const ts = probes(p, p.server).map((s) => s.t);
    expect(ts[0]).toBe(p.tEst + 5 * SEC);
    expect(ts.length).toBe(Math.floor((600 * SEC - p.tEst - 5 * SEC) / 5_040_000) + 1);
    expect(new Set(gaps(ts))).toEqual(new Set([5_040_000]));
    expect(errors(p, p.server)).toEqual([]);
    expect([p.sc.state, p.cc.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('the peer answers a probe with a pure ACK at its SND.NXT / RCV.NXT, and the probe does not refresh the peer’s own idle time', () => {
    // server probes every ~10 s; the client's own keepidle is 15 s and must still expire
    const p = established({ latency: 50, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10 }, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 15 } });
    p.w.run(p.tEst + 16 * SEC);
    const replies = sent(p, p.client, 'keepalive-ack');
    expect(replies[0]).toEqual({
      t: p.tEst + 10 * SEC + 50,
      seg: { sport: p.cc.lport, dport: 80, seq: p.cc.sndNxt, ack: p.cc.rcvNxt, flags: ACK, win: 65535, len: 0 },
      tag: 'keepalive-ack',
      flags: '.',
    });
    expect(probes(p, p.client).map((s) => s.t)).toEqual([p.tClient + 15 * SEC]);
  });

  it('data outstanding defers probes: a send into a cut path gives RTO retransmissions and no probe; the timer re-arms the full keepidle', () => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 1, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 2 } });
    const tSend = p.tEst + 500 * MS;
    cutAt(p, tSend);
    at(p, tSend, () => p.cs.send(100));
    p.w.run(p.tEst + 60 * SEC);
    expect(probes(p, p.client)).toEqual([]);
    expect(sent(p, p.client, 'retransmission').length).toBeGreaterThanOrEqual(5);
    const firings = events(p, 'timer', p.client).filter((e) => e.timer === 'keepalive').map((e) => e.t);
    expect(firings[0]).toBe(p.tClient + SEC);
    expect(new Set(gaps(firings))).toEqual(new Set([SEC]));
    expect(errors(p, p.client)).toEqual([]);
  });

  it('probing resumes once the data is acknowledged, keepidle after the ACK', () => {
    const p = established({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 1, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 2 } });
    const tSend = p.tEst + 500 * MS;
    cutAt(p, tSend);
    at(p, tSend, () => p.cs.send(100));
    cutAt(p, p.tEst + 10 * SEC, undefined, true);
    p.w.run(p.tEst + 30 * SEC);
    const ackAt = events(p, 'packet', p.client).find((e) => e.dir === 'rx' && e.t > p.tEst + 10 * SEC)?.t as number;
    expect(p.cc.inFlight).toBe(0);
    expect(probes(p, p.client)[0]?.t).toBe(ackAt + SEC);
  });
});

describe('arming rules (setsockopt)', () => {
  it('SO_KEEPALIVE set on an idle connection arms a full keepidle from now, not keepidle − idle', () => {
    const p = established({ server: { TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 1 } });
    cutAt(p, p.tEst + 50 * SEC);
    at(p, p.tEst + 100 * SEC, () => p.ss.setsockopt('SO_KEEPALIVE', 1));
    p.w.run(p.tEst + 200 * SEC);
    expect(probes(p, p.server).map((s) => s.t)).toEqual([p.tEst + 110 * SEC]);
    expect(errors(p, p.server).map((e) => e.t)).toEqual([p.tEst + 111 * SEC]);
  });

  it('setting SO_KEEPALIVE 1 again is a no-op (the timer is not pushed back)', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10 } });
    cutAt(p, p.tEst);
    at(p, p.tEst + 5 * SEC, () => p.ss.setsockopt('SO_KEEPALIVE', 7));
    p.w.run(p.tEst + 12 * SEC);
    expect(probes(p, p.server).map((s) => s.t)).toEqual([p.tEst + 10 * SEC]);
  });

  it('SO_KEEPALIVE 0 disarms: no probe ever', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5 } });
    cutAt(p, p.tEst);
    at(p, p.tEst + 2 * SEC, () => p.ss.setsockopt('SO_KEEPALIVE', 0));
    p.w.run(p.tEst + 3600 * SEC);
    expect(probes(p, p.server)).toEqual([]);
    expect(events(p, 'timer', p.server)).toEqual([]);
    expect(p.sc.state).toBe('ESTABLISHED');
  });

  it.each([
    [50, 50],
    [20, 30], // already idle for longer: re-armed for 0, fires at once
  ])('TCP_KEEPIDLE %i set at +30 s on an armed socket re-arms to max(keepidle − idle, 0): probe at +%i s', (idle, probeAt) => {
    const p = established({ server: { SO_KEEPALIVE: 1 } }); // armed for the default 7200 s
    cutAt(p, p.tEst);
    at(p, p.tEst + 30 * SEC, () => p.ss.setsockopt('TCP_KEEPIDLE', idle));
    p.w.run(p.tEst + 100 * SEC);
    expect(probes(p, p.server)[0]?.t).toBe(p.tEst + probeAt * SEC);
  });

  it('linux timers: a TCP_KEEPIDLE already exceeded re-arms for 0 jiffies, i.e. the next jiffy', () => {
    const p = established({ timer: 'linux', hz: 250, jiffyPhase: 1_111, server: { SO_KEEPALIVE: 1 } });
    cutAt(p, p.tEst);
    const t = p.tEst + 30 * SEC + 1_234;
    at(p, t, () => p.ss.setsockopt('TCP_KEEPIDLE', 20));
    p.w.run(p.tEst + 40 * SEC);
    const first = probes(p, p.server)[0]?.t as number;
    expect(first).toBeGreaterThan(t);
    expect(first - t).toBeLessThanOrEqual(4_000); // one jiffy at HZ 250
    expect(p.server.tb.ticks(first)).toBe(p.server.tb.ticks(t) + 1);
  });

  it('TCP_KEEPINTVL and TCP_KEEPCNT do not re-arm; they are read at the next firing', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 10, TCP_KEEPINTVL: 100 } });
    cutAt(p, p.tEst);
    at(p, p.tEst + 12 * SEC, () => {
      p.ss.setsockopt('TCP_KEEPINTVL', 2);
      p.ss.setsockopt('TCP_KEEPCNT', 2);
    });
    p.w.run(p.tEst + 300 * SEC);
    // armed at +10 for 100 s: the change applies from the firing at +110
    expect(probes(p, p.server).map((s) => s.t)).toEqual([p.tEst + 10 * SEC, p.tEst + 110 * SEC]);
    expect(errors(p, p.server).map((e) => e.t)).toEqual([p.tEst + 112 * SEC]);
  });

  it('an unset socket follows later sysctl changes (keepalive_time_when falls back at every use)', () => {
    const p = established({ serverSysctl: { tcp_keepalive_time: 10 }, server: { SO_KEEPALIVE: 1 } });
    cutAt(p, p.tEst);
    at(p, p.tEst + SEC, () => {
      p.server.sysctl.tcp_keepalive_time = 20;
      p.server.sysctl.tcp_keepalive_intvl = 2;
      p.server.sysctl.tcp_keepalive_probes = 3;
      expect(p.ss.getsockopt('TCP_KEEPIDLE')).toEqual({ ok: true, value: 20 });
    });
    p.w.run(p.tEst + 100 * SEC);
    // armed for 10 s at establishment; at +10 idle 10 < 20 -> re-armed for the remaining 10 s
    expect(probes(p, p.server).map((s) => s.t)).toEqual([20, 22, 24].map((s) => p.tEst + s * SEC));
    expect(errors(p, p.server).map((e) => e.t)).toEqual([p.tEst + 26 * SEC]);
  });
});
