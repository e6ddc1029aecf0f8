/**
 * Connection establishment: the three-way handshake, SYN_SENT (refused, retries, ICMP,
 * close) and SYN_RECV (SYN-ACK retries). Exact timers unless stated; latency 50 µs.
 * Linux: tcp_rcv_synsent_state_process, tcp_v4_send_reset, tcp_write_timeout,
 * reqsk_timer_handler; linux-keepalive.md §3, §4, §5 cases 7-9, 18.
 */
import { describe, expect, it } from 'vitest';
import { ACK, RST, SYN } from '../../src/wire/segment.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { MS, PORT, SEC, at, deliver, errors, established, events, gaps, network, recorder, sent, states } from './fixtures.ts';

describe('fixture sanity: established() is the state the real handshake reaches', () => {
  it('both ends ESTABLISHED, sequence spaces cross-matched, nothing in flight, accept at 3·latency', () => {
    const p = established({ latency: 50 });
    expect(p.tClient).toBe(100);
    expect(p.tEst).toBe(150);
    expect(p.w.sim.now).toBe(150);
    expect([p.cc.state, p.sc.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(p.cc.sndNxt).toBe(seqAdd(p.cc.iss, 1));
    expect(p.sc.sndNxt).toBe(seqAdd(p.sc.iss, 1));
    expect(p.sc.rcvNxt).toBe(p.cc.sndNxt);
    expect(p.cc.rcvNxt).toBe(p.sc.sndNxt);
    expect([p.cc.inFlight, p.sc.inFlight, p.cc.rcvBuf, p.sc.rcvBuf]).toEqual([0, 0, 0, 0]);
  });
});

describe('CLOSED -> SYN_SENT -> ESTABLISHED (three-way handshake)', () => {
  it('sends SYN at 0, SYN-ACK at 50 µs, ACK at 100 µs with the right numbers, and nothing else', () => {
    // Arrange / Act
    const p = established({ latency: 50 });
    p.w.run(10 * SEC);
    // Assert
    const iss = p.cc.iss;
    const irs = p.sc.iss;
    expect(sent(p, p.client)).toEqual([
      { t: 0, seg: { sport: p.cc.lport, dport: PORT, seq: iss, ack: 0, flags: SYN, win: 65535, len: 0 }, tag: undefined, flags: 'S' },
      { t: 100, seg: { sport: p.cc.lport, dport: PORT, seq: seqAdd(iss, 1), ack: seqAdd(irs, 1), flags: ACK, win: 65535, len: 0 }, tag: undefined, flags: '.' },
    ]);
    expect(sent(p, p.server)).toEqual([
      { t: 50, seg: { sport: PORT, dport: p.cc.lport, seq: irs, ack: seqAdd(iss, 1), flags: SYN | ACK, win: 65535, len: 0 }, tag: undefined, flags: 'S.' },
    ]);
  });

  it('moves through the states at the arrival times', () => {
    const p = established({ latency: 50 });
    expect(states(p, p.client)).toEqual(['CLOSED>SYN_SENT@0', 'SYN_SENT>ESTABLISHED@100']);
    expect(states(p, p.server)).toEqual(['CLOSED>SYN_RECV@50', 'SYN_RECV>ESTABLISHED@150']);
  });

  it('connect() returns 0 when the SYN-ACK arrives; accept() returns when the final ACK arrives', () => {
    const p = established({ latency: 50 });
    const done = events(p, 'call').filter((c) => !c.blocked && (c.call === 'connect' || c.call === 'accept'));
    expect(done.map((c) => [c.host, c.call, c.start, c.t, c.result])).toEqual([
      ['client', 'connect', 0, 100, 0],
      ['server', 'accept', 0, 150, 0],
    ]);
  });

  it('draws ISNs and ephemeral ports from the seed: same seed, same numbers; another seed, others', () => {
    const a = established({ seed: 5 });
    const b = established({ seed: 5 });
    const c = established({ seed: 6 });
    expect([b.cc.iss, b.sc.iss, b.cc.lport]).toEqual([a.cc.iss, a.sc.iss, a.cc.lport]);
    expect([c.cc.iss, c.sc.iss]).not.toEqual([a.cc.iss, a.sc.iss]);
    expect(a.cc.lport).toBeGreaterThanOrEqual(32768);
    expect(a.cc.lport).toBeLessThanOrEqual(60999);
  });

  it('the accepted child inherits the listener options (sk_clone copies them)', () => {
    const p = established({ server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 30, TCP_KEEPCNT: 2 } });
    expect(p.ss.getsockopt('SO_KEEPALIVE')).toEqual({ ok: true, value: 1 });
    expect(p.ss.getsockopt('TCP_KEEPIDLE')).toEqual({ ok: true, value: 30 });
    expect(p.ss.getsockopt('TCP_KEEPCNT')).toEqual({ ok: true, value: 2 });
    expect(p.cs.getsockopt('SO_KEEPALIVE')).toEqual({ ok: true, value: 0 });
  });
});

describe('SYN_SENT', () => {
  it('a SYN to a port nobody listens on gets <SEQ=0><ACK=ISS+1><R.>; connect() fails ECONNREFUSED', () => {
    // Arrange
    const p = network({ latency: 50 });
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    // Act
    cs.connect('server', 81, rec.cb);
    p.w.run(5 * SEC);
    // Assert
    const iss = cs.conn?.iss ?? -1;
    const rst = sent(p, p.server);
    expect(rst).toHaveLength(1);
    expect(rst[0]).toMatchObject({ t: 50, flags: 'R.', tag: 'reset', seg: { seq: 0, ack: seqAdd(iss, 1), win: 0, len: 0 } });
    expect(rec.results).toEqual([{ t: 100, r: { ok: false, errno: 'ECONNREFUSED' } }]);
    expect(cs.conn?.state).toBe('CLOSED');
    expect(sent(p, p.client)).toHaveLength(1); // no retransmitted SYN after the reset
  });

  it('ignores a RST without ACK and a RST|ACK with the wrong ACK number', () => {
    const p = network({ latency: 50 });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    cs.connect('server', PORT, () => {});
    const c = cs.conn;
    if (!c) throw new Error('no conn');
    deliver(p, 200 * MS, p.client, { sport: PORT, dport: c.lport, seq: 0, ack: 0, flags: RST, win: 0, len: 0 });
    deliver(p, 300 * MS, p.client, { sport: PORT, dport: c.lport, seq: 0, ack: seqAdd(c.iss, 5), flags: RST | ACK, win: 0, len: 0 });
    p.w.run(900 * MS);
    expect(c.state).toBe('SYN_SENT');
  });

  it('retransmits the SYN at 0,1,2,3,4,5,7,11,19,35,67 s (6.5+: 4 linear timeouts) and fails ETIMEDOUT at 131 s', () => {
    const p = network({ sysctl: { tcp_syn_linear_timeouts: 4 } });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(300 * SEC);
    const syns = sent(p, p.client);
    expect(syns.map((s) => s.t / SEC)).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(syns.every((s) => s.flags === 'S' && s.seg.seq === cs.conn?.iss)).toBe(true);
    expect(syns.slice(1).every((s) => s.tag === 'retransmission')).toBe(true);
    expect(rec.results).toEqual([{ t: 131 * SEC, r: { ok: false, errno: 'ETIMEDOUT' } }]);
    expect(errors(p, p.client)).toEqual([{ t: 131 * SEC, errno: 'ETIMEDOUT', detail: 'retransmission timeout' }]);
  });

  it('pre-6.5 (tcp_syn_linear_timeouts 0): SYNs at 0,1,3,7,15,31,63 s, ETIMEDOUT at 127 s', () => {
    const p = network({ sysctl: { tcp_syn_linear_timeouts: 0 } });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(300 * SEC);
    expect(sent(p, p.client).map((s) => s.t / SEC)).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(rec.results).toEqual([{ t: 127 * SEC, r: { ok: false, errno: 'ETIMEDOUT' } }]);
  });

  it('TCP_SYNCNT 2 overrides tcp_syn_retries: SYNs at 0,1,3 s, ETIMEDOUT at 7 s', () => {
    const p = network({ sysctl: { tcp_syn_linear_timeouts: 0 } });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    expect(cs.setsockopt('TCP_SYNCNT', 2).ok).toBe(true);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(60 * SEC);
    expect(sent(p, p.client).map((s) => s.t / SEC)).toEqual([0, 1, 3]);
    expect(rec.results).toEqual([{ t: 7 * SEC, r: { ok: false, errno: 'ETIMEDOUT' } }]);
  });

  it('linux HZ 250 (pre-6.5 backoff): SYN gaps match Cloudflare case 7 — 2.016, 8.192, 16.128 s exactly, the others within one granularity', () => {
    const p = network({ timer: 'linux', hz: 250, jiffyPhase: 2_468, sysctl: { tcp_syn_linear_timeouts: 0 } });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(300 * SEC);
    const ts = sent(p, p.client).map((s) => s.t);
    const g = gaps([...ts, (rec.results[0] as { t: number }).t]);
    expect(ts).toHaveLength(7);
    const within = (x: number, lo: number, g: number) => x > lo && x <= lo + g;
    expect(within(g[0] as number, 1 * SEC, 32 * MS)).toBe(true); // 1 s unaligned: L1, G 32 ms
    expect(g[1]).toBe(2_016_000);
    expect(within(g[2] as number, 4 * SEC, 256 * MS)).toBe(true); // 4 s: L2, G 256 ms, previous firing not 64-aligned
    expect(g[3]).toBe(8_192_000);
    expect(g[4]).toBe(16_128_000);
    expect(within(g[5] as number, 32 * SEC, 2_048 * MS)).toBe(true); // 32 s: L3, G 2.048 s
    expect(g[6]).toBe(65_536_000); // the 64 s timer that finds the connection expired
    expect(rec.results.map((x) => x.r)).toEqual([{ ok: false, errno: 'ETIMEDOUT' }]);
  });

  it.each([
    // [TCP_USER_TIMEOUT ms, tcp_syn_linear_timeouts, SYN send times (s), connect() fails at (s)]
    [200, 0, [0, 1], 1.000001], // Majkowski's selftest: 2 SYNs
    [1500, 0, [0, 1], 1.5], // 2 SYNs
    [3500, 0, [0, 1, 3], 3.5], // 3 SYNs
    [8000, 0, [0, 1, 3, 7], 8], // Dumazet's packetdrill (case 9): SYNs 0, 1, 3, 7
    [8000, 4, [0, 1, 2, 3, 4, 5, 7], 8], // 6.5+ linear timeouts
  ])('TCP_USER_TIMEOUT %i ms (linear %i) in SYN_SENT: SYNs at %j s, ETIMEDOUT at %f s (RTO clamped to the remaining time)', (ut, linear, synSecs, deathSec) => {
    const p = network({ sysctl: { tcp_syn_linear_timeouts: linear } });
    for (const d of p.path.dirs()) d.up = false;
    const cs = p.w.socket(p.client);
    cs.setsockopt('TCP_USER_TIMEOUT', ut);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(300 * SEC);
    expect(sent(p, p.client).map((s) => s.t)).toEqual(synSecs.map((x) => x * SEC));
    expect(rec.results).toEqual([{ t: Math.round(deathSec * SEC), r: { ok: false, errno: 'ETIMEDOUT' } }]);
  });

  it('ICMP host unreachable quoting the SYN is a hard error: connect() fails EHOSTUNREACH at once', () => {
    const p = network({ latency: 50 });
    (p.path.dirs('client->server')[0] as { unreachable: string | null }).unreachable = 'host';
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(10 * SEC);
    expect(rec.results).toEqual([{ t: 50, r: { ok: false, errno: 'EHOSTUNREACH' } }]);
    expect(cs.conn?.state).toBe('CLOSED');
    expect(sent(p, p.client)).toHaveLength(1); // no SYN retransmission after the error
  });

  it('ICMP net unreachable gives ENETUNREACH', () => {
    const p = network({ latency: 50 });
    (p.path.dirs('client->server')[0] as { unreachable: string | null }).unreachable = 'net';
    const cs = p.w.socket(p.client);
    const rec = recorder<0>(p);
    cs.connect('server', PORT, rec.cb);
    p.w.run(SEC);
    expect(rec.results.map((x) => x.r)).toEqual([{ ok: false, errno: 'ENETUNREACH' }]);
  });

  it('close() in SYN_SENT sends nothing; the late SYN-ACK gets a no-socket <SEQ=SEG.ACK><R> (close-on-syn-sent.pkt)', () => {
    const p = network({ latency: 50 });
    const ls = p.w.socket(p.server);
    ls.listen(PORT);
    ls.accept(() => {});
    const cs = p.w.socket(p.client);
    cs.connect('server', PORT, () => {});
    const c = cs.conn;
    if (!c) throw new Error('no conn');
    at(p, 10, () => cs.close());
    p.w.run(10 * SEC);
    const out = sent(p, p.client);
    expect(out.map((s) => [s.t, s.flags])).toEqual([
      [0, 'S'],
      [100, 'R'],
    ]);
    expect(out[1]?.seg).toMatchObject({ seq: seqAdd(c.iss, 1), ack: 0, win: 0 });
    // The RST is exactly the server's RCV.NXT: its request socket is dropped, no more SYN-ACKs.
    expect(states(p, p.server)).toEqual(['CLOSED>SYN_RECV@50', 'SYN_RECV>CLOSED@150']);
    expect(sent(p, p.server)).toHaveLength(1);
  });
});

describe('SYN_RECV', () => {
  /** A SYN from an address with no route back: the SYN-ACKs go nowhere. */
  function halfOpen() {
    const p = network();
    const ls = p.w.socket(p.server);
    ls.listen(PORT);
    ls.accept(() => {});
    deliver(p, 0, p.server, { sport: 5555, dport: PORT, seq: 1000, ack: 0, flags: SYN, win: 65535, len: 0 }, '10.9.9.9');
    return p;
  }

  it('retransmits the SYN-ACK at 0,1,3,7,15,31 s and drops the request at 63 s (tcp_synack_retries 5)', () => {
    const p = halfOpen();
    p.w.run(200 * SEC);
    const out = sent(p, p.server);
    expect(out.map((s) => s.t / SEC)).toEqual([0, 1, 3, 7, 15, 31]);
    expect(out.every((s) => s.flags === 'S.' && s.seg.ack === 1001)).toBe(true);
    expect(states(p, p.server)).toEqual(['CLOSED>SYN_RECV@0', `SYN_RECV>CLOSED@${63 * SEC}`]);
    expect(errors(p, p.server)).toEqual([]); // nobody to tell: the request never reached accept()
  });

  it('answers a retransmitted SYN with the SYN-ACK again', () => {
    const p = halfOpen();
    deliver(p, 400 * MS, p.server, { sport: 5555, dport: PORT, seq: 1000, ack: 0, flags: SYN, win: 65535, len: 0 }, '10.9.9.9');
    p.w.run(900 * MS);
    expect(sent(p, p.server).map((s) => [s.t, s.flags, s.tag])).toEqual([
      [0, 'S.', undefined],
      [400 * MS, 'S.', 'retransmission'],
    ]);
  });

  it('a final ACK with the wrong ACK number is answered <SEQ=SEG.ACK><R> and the request stays', () => {
    const p = halfOpen();
    deliver(p, 100 * MS, p.server, { sport: 5555, dport: PORT, seq: 1001, ack: 777, flags: ACK, win: 65535, len: 0 }, '10.9.9.9');
    p.w.run(200 * MS);
    expect(sent(p, p.server).map((s) => [s.t, s.flags, s.seg.seq])).toEqual([
      [0, 'S.', expect.any(Number)],
      [100 * MS, 'R', 777],
    ]);
    expect(p.server.connections().map((c) => c.state)).toEqual(['SYN_RECV']);
  });
});

describe('socket API errors around connection setup', () => {
  it('listen() on a port already in use fails EADDRINUSE', () => {
    const p = network();
    expect(p.w.socket(p.server).listen(PORT)).toEqual({ ok: true, value: 0 });
    expect(p.w.socket(p.server).listen(PORT)).toEqual({ ok: false, errno: 'EADDRINUSE' });
  });

  it('connect() on a connected socket fails EISCONN; to an unknown host ENETUNREACH', () => {
    const p = established();
    const rec = recorder<0>(p);
    p.cs.connect('server', PORT, rec.cb);
    p.w.socket(p.client).connect('nowhere', PORT, rec.cb);
    expect(rec.results.map((x) => x.r)).toEqual([
      { ok: false, errno: 'EISCONN' },
      { ok: false, errno: 'ENETUNREACH' },
    ]);
  });

  it('send() before connect() fails ENOTCONN; after close() EBADF', () => {
    const p = network();
    const s = p.w.socket(p.client);
    expect(s.send(1)).toEqual({ ok: false, errno: 'ENOTCONN' });
    s.close();
    expect(s.send(1)).toEqual({ ok: false, errno: 'EBADF' });
    expect(s.close()).toEqual({ ok: false, errno: 'EBADF' });
  });
});
