/**
 * Resets: what a host without a socket answers (tcp_v4_send_reset, RFC 9293 §3.10.7.1),
 * which RSTs a connection accepts (RFC 5961 §3.2, tcp_validate_incoming / tcp_reset_check),
 * the errno each state reports (tcp_reset), and a peer that rebooted (linux-keepalive.md §4).
 * Exact timers, latency 50 µs.
 */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, PSH, RST, SYN, type Segment } from '../../src/wire/segment.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { MS, PORT, SEC, at, deliver, errors, established, fromClient, network, recorder, sent } from './fixtures.ts';

describe('CLOSED (no socket): the RST a host sends back', () => {
  const seg = (fields: Partial<Segment>): Segment => ({ sport: 40000, dport: 81, seq: 0, ack: 0, flags: 0, win: 512, len: 0, ...fields });

  it('ACK set -> <SEQ=SEG.ACK><CTL=RST>, no ACK, window 0 (FreeBSD rcv-ack-closed: `. 17:17(0) ack 34` -> `R 34:34(0) win 0`)', () => {
    const p = network();
    deliver(p, 10, p.server, seg({ seq: 17, ack: 34, flags: ACK }));
    p.w.run(SEC);
    expect(sent(p, p.server)).toEqual([
      { t: 10, seg: { sport: 81, dport: 40000, seq: 34, ack: 0, flags: RST, win: 0, len: 0 }, tag: 'reset', flags: 'R' },
    ]);
  });

  it.each([
    ['data without ACK', { seq: 1000, flags: PSH, len: 10 }, 1010],
    ['a SYN', { seq: 1000, flags: SYN }, 1001],
    ['a FIN without ACK', { seq: 1000, flags: FIN }, 1001],
    ['SYN+FIN+data', { seq: 0xffff_fffe, flags: SYN | FIN, len: 3 }, 3],
  ])('ACK clear (%s) -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN(+SYN+FIN)><CTL=RST,ACK>', (_name, fields, ack) => {
    const p = network();
    deliver(p, 10, p.server, seg(fields));
    p.w.run(SEC);
    expect(sent(p, p.server).map((s) => s.seg)).toEqual([{ sport: 81, dport: 40000, seq: 0, ack, flags: RST | ACK, win: 0, len: 0 }]);
  });

  it('never answers a RST', () => {
    const p = network();
    deliver(p, 10, p.server, seg({ seq: 5, flags: RST }));
    deliver(p, 20, p.server, seg({ seq: 5, ack: 9, flags: RST | ACK }));
    p.w.run(SEC);
    expect(sent(p, p.server)).toEqual([]);
  });

  it('a listening port answers a non-SYN ACK the same way (SEQ = SEG.ACK)', () => {
    const p = network();
    p.w.socket(p.server).listen(81);
    deliver(p, 10, p.server, seg({ seq: 100, ack: 200, flags: ACK }));
    p.w.run(SEC);
    expect(sent(p, p.server).map((s) => [s.flags, s.seg.seq])).toEqual([['R', 200]]);
  });
});

describe('ESTABLISHED: which RSTs are accepted (RFC 5961 §3.2)', () => {
  it('a RST at exactly RCV.NXT closes the connection: recv() ECONNRESET, then 0; send() then EPIPE', () => {
    // Arrange
    const p = established();
    const t = p.tEst + SEC;
    const rec = recorder<number>(p);
    p.ss.recv(100, rec.cb);
    // Act
    deliver(p, t, p.server, fromClient(p, { flags: RST }));
    at(p, t + MS, () => p.ss.recv(100, rec.cb));
    at(p, t + 2 * MS, () => expect(p.ss.send(1)).toEqual({ ok: false, errno: 'EPIPE' }));
    p.w.run(t + SEC);
    // Assert
    expect(rec.results).toEqual([
      { t, r: { ok: false, errno: 'ECONNRESET' } },
      { t: t + MS, r: { ok: true, value: 0 } },
    ]);
    expect(p.sc.state).toBe('CLOSED');
    expect(errors(p, p.server)).toEqual([{ t, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
    expect(sent(p, p.server).filter((s) => s.t >= t)).toEqual([]); // a RST is never answered
  });

  it('a RST|ACK at RCV.NXT is accepted too; the first send() reports ECONNRESET, the next EPIPE', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { flags: RST | ACK }));
    at(p, t + MS, () => {
      expect(p.ss.send(1)).toEqual({ ok: false, errno: 'ECONNRESET' });
      expect(p.ss.send(1)).toEqual({ ok: false, errno: 'EPIPE' });
    });
    p.w.run(t + SEC);
    expect(p.sc.state).toBe('CLOSED');
  });

  it.each([1, 100, 65535])('a RST in the window but at RCV.NXT + %i gets a challenge ACK and changes nothing', (off) => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, off), flags: RST }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.t, s.flags, s.seg.seq, s.seg.ack])).toEqual([[t, '.', p.sc.sndNxt, p.sc.rcvNxt]]);
    expect(p.sc.state).toBe('ESTABLISHED');
    expect(errors(p, p.server)).toEqual([]);
  });

  // Linux tcp_send_challenge_ack() first checks the per-socket __tcp_oow_rate_limited(...,
  // &tp->last_oow_ack_time) (tcp_invalid_ratelimit, 500 ms), the same limit as dupACKs to
  // out-of-window segments. src/tcp/input.ts synchronized() sends every challenge ACK
  // (sendAck directly, not through the rate limit in oowAck()).
  it('challenge ACKs are rate-limited per socket: a second inexact RST within 500 ms gets no ACK', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, 10), flags: RST }));
    deliver(p, t + 100 * MS, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, 20), flags: RST }));
    deliver(p, t + 600 * MS, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, 30), flags: RST }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => s.t - t)).toEqual([0, 600 * MS]);
  });

  it.each([
    ['left of the window (RCV.NXT − 1)', -1],
    ['far left of the window', -100_000],
    ['right of the window (RCV.NXT + 65536)', 65536],
  ])('a RST %s is dropped silently', (_name, off) => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, off), flags: RST }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t)).toEqual([]);
    expect(p.sc.state).toBe('ESTABLISHED');
  });

  it('buffered data is read before the reset is reported (recv: data, ECONNRESET, then 0)', () => {
    const p = established();
    const t = p.tEst + SEC;
    at(p, p.tEst + MS, () => p.cs.send(100));
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.cc.sndNxt, 100), flags: RST }));
    const rec = recorder<number>(p);
    at(p, t + MS, () => {
      p.ss.recv(60, rec.cb);
      p.ss.recv(60, rec.cb);
      p.ss.recv(60, rec.cb);
      p.ss.recv(60, rec.cb);
    });
    p.w.run(t + SEC);
    expect(rec.results.map((x) => x.r)).toEqual([
      { ok: true, value: 60 },
      { ok: true, value: 40 },
      { ok: false, errno: 'ECONNRESET' },
      { ok: true, value: 0 },
    ]);
  });

  it('select() wakes readable when the reset arrives', () => {
    const p = established();
    const t = p.tEst + SEC;
    const rec = recorder<string>(p);
    p.ss.select(rec.cb);
    deliver(p, t, p.server, fromClient(p, { flags: RST }));
    p.w.run(t + SEC);
    expect(rec.results).toEqual([{ t, r: { ok: true, value: 'readable' } }]);
  });
});

describe('CLOSE_WAIT: an accepted RST reports EPIPE (tcp_reset)', () => {
  /** The client half-closes; the server is in CLOSE_WAIT with the FIN counted in RCV.NXT. */
  function closeWait() {
    const p = established();
    at(p, p.tEst + MS, () => p.cs.shutdown('SHUT_WR'));
    p.w.run(p.tEst + SEC);
    expect(p.sc.state).toBe('CLOSE_WAIT');
    return p;
  }

  it('a RST at RCV.NXT -> EPIPE (SO_ERROR 32)', () => {
    const p = closeWait();
    const t = p.w.sim.now + MS;
    deliver(p, t, p.server, fromClient(p, { seq: p.sc.rcvNxt, flags: RST }));
    p.w.run(t + SEC);
    expect(p.sc.state).toBe('CLOSED');
    expect(errors(p, p.server).map((e) => e.errno)).toEqual(['EPIPE']);
    expect(p.ss.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 32 });
  });

  // BUG src/tcp/input.ts synchronized(): the RCV.NXT−1 case is tested only after the
  // window check, but seq RCV.NXT−1 (len 0) is left of the window and is dropped first.
  // Linux tcp_validate_incoming() calls tcp_reset_check() in the out-of-window branch too:
  // seq == rcv_nxt − 1 in CLOSE_WAIT/LAST_ACK/CLOSING is accepted (peer's RST sent before it
  // saw our ACK of its FIN).
  it('a RST at RCV.NXT − 1 (the peer’s FIN sequence number) is accepted too', () => {
    const p = closeWait();
    const t = p.w.sim.now + MS;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, -1), flags: RST }));
    p.w.run(t + SEC);
    expect(p.sc.state).toBe('CLOSED');
    expect(errors(p, p.server).map((e) => e.errno)).toEqual(['EPIPE']);
  });

  // Linux tcp_recvmsg_locked(): with nothing queued it checks sock_flag(SOCK_DONE) — set by
  // tcp_fin() when the peer's FIN arrived — before sk_err, so read() returns 0 (EOF) and the
  // pending error stays for write()/SO_ERROR. src/tcp/socket.ts recv() reports skErr first.
  it('after the peer’s FIN, recv() returns 0 (EOF) even with the reset pending; SO_ERROR still reports EPIPE', () => {
    const p = closeWait();
    const t = p.w.sim.now + MS;
    deliver(p, t, p.server, fromClient(p, { seq: p.sc.rcvNxt, flags: RST }));
    const rec = recorder<number>(p);
    at(p, t + MS, () => p.ss.recv(10, rec.cb));
    p.w.run(t + SEC);
    expect(rec.results.map((x) => x.r)).toEqual([{ ok: true, value: 0 }]);
    expect(p.ss.getsockopt('SO_ERROR')).toEqual({ ok: true, value: 32 });
  });

  it('a RST at RCV.NXT − 1 in ESTABLISHED stays ignored (only after a FIN)', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, -1), flags: RST }));
    p.w.run(t + SEC);
    expect(p.sc.state).toBe('ESTABLISHED');
  });
});

describe('peer reboot (linux-keepalive.md §4)', () => {
  it('a crash sends nothing; after restart, our data gets <SEQ=SEG.ACK><R> = our RCV.NXT -> recv ECONNRESET, then send EPIPE', () => {
    // Arrange
    const p = established({ latency: 50 });
    const tCrash = p.tEst + SEC;
    at(p, tCrash, () => p.server.crash());
    at(p, tCrash + SEC, () => p.server.restart());
    const rec = recorder<number>(p);
    p.cs.recv(100, rec.cb);
    const tSend = tCrash + 2 * SEC;
    // Act
    at(p, tSend, () => p.cs.send(10));
    at(p, tSend + SEC, () => expect(p.cs.send(10)).toEqual({ ok: false, errno: 'EPIPE' }));
    p.w.run(tSend + 2 * SEC);
    // Assert
    expect(sent(p, p.server).filter((s) => s.t >= tCrash && s.t < tSend)).toEqual([]);
    expect(sent(p, p.server).filter((s) => s.t >= tSend)).toEqual([
      { t: tSend + 50, seg: { sport: PORT, dport: p.cc.lport, seq: p.cc.rcvNxt, ack: 0, flags: RST, win: 0, len: 0 }, tag: 'reset', flags: 'R' },
    ]);
    expect(rec.results).toEqual([{ t: tSend + 100, r: { ok: false, errno: 'ECONNRESET' } }]);
    expect(p.cc.state).toBe('CLOSED');
  });

  it('while the peer stays down, our data is only retransmitted: no reset, no error within 10 s', () => {
    const p = established();
    at(p, p.tEst + SEC, () => p.server.crash());
    at(p, p.tEst + 2 * SEC, () => p.cs.send(10));
    p.w.run(p.tEst + 12 * SEC);
    expect(sent(p, p.client, 'retransmission').length).toBeGreaterThan(3);
    expect(p.cc.state).toBe('ESTABLISHED');
    expect(errors(p, p.client)).toEqual([]);
  });

  it('the restarted host refuses new connections until something listens again', () => {
    const p = established();
    at(p, p.tEst + SEC, () => {
      p.server.crash();
      p.server.restart();
    });
    const rec = recorder<0>(p);
    at(p, p.tEst + 2 * SEC, () => p.w.socket(p.client).connect('server', PORT, rec.cb));
    p.w.run(p.tEst + 3 * SEC);
    expect(rec.results.map((x) => x.r)).toEqual([{ ok: false, errno: 'ECONNREFUSED' }]);
  });
});
