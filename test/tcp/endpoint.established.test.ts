/**
 * ESTABLISHED: data transfer and acknowledgement, reads, and how out-of-window
 * segments are answered (tcp_validate_incoming, tcp_ack, tcp_data_queue).
 * Exact timers, latency 50 µs; t0 = the server's accept() (150 µs).
 */
import { describe, expect, it } from 'vitest';
import { ACK, PSH, SYN } from '../../src/wire/segment.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { HOUR, MS, SEC, at, deliver, established, events, fromClient, recorder, sent } from './fixtures.ts';

describe('ESTABLISHED', () => {
  it('sends written bytes at once as [P.] and the peer ACKs them on arrival', () => {
    // Arrange
    const p = established({ latency: 50 });
    const t0 = p.tEst + 1 * MS;
    const start = p.cc.sndNxt;
    // Act
    at(p, t0, () => expect(p.cs.send(100)).toEqual({ ok: true, value: 100 }));
    p.w.run(t0 + 10 * MS);
    // Assert
    expect(sent(p, p.client).filter((s) => s.t >= t0)).toEqual([
      { t: t0, seg: { sport: p.cc.lport, dport: 80, seq: start, ack: p.cc.rcvNxt, flags: PSH | ACK, win: 65535, len: 100 }, tag: undefined, flags: 'P.' },
    ]);
    expect(sent(p, p.server).filter((s) => s.t >= t0).map((s) => [s.t, s.flags, s.seg.seq, s.seg.ack, s.seg.len])).toEqual([
      [t0 + 50, '.', p.sc.sndNxt, seqAdd(start, 100), 0],
    ]);
    expect(p.cc.sndUna).toBe(seqAdd(start, 100));
    expect(p.cc.inFlight).toBe(0);
    expect(p.sc.rcvBuf).toBe(100);
  });

  it('splits a large write into MSS-sized segments (1448), PSH only on the last', () => {
    const p = established();
    const t0 = p.tEst + MS;
    const start = p.cc.sndNxt;
    at(p, t0, () => p.cs.send(3000));
    p.w.run(t0 + 10 * MS);
    const data = sent(p, p.client).filter((s) => s.seg.len > 0);
    expect(data.map((s) => [s.t, s.flags, s.seg.seq, s.seg.len])).toEqual([
      [t0, '.', start, 1448],
      [t0, '.', seqAdd(start, 1448), 1448],
      [t0, 'P.', seqAdd(start, 2896), 104],
    ]);
    expect(p.sc.rcvBuf).toBe(3000);
    expect(p.cc.inFlight).toBe(0);
  });

  it('a blocked recv() returns when data arrives; reads are bounded by max and drain the buffer in order', () => {
    const p = established({ latency: 50 });
    const rec = recorder<number>(p);
    p.ss.recv(60, rec.cb); // blocks at t0
    at(p, p.tEst + MS, () => p.cs.send(100));
    at(p, p.tEst + 5 * MS, () => p.ss.recv(1000, rec.cb));
    at(p, p.tEst + 6 * MS, () => p.ss.recv(1000, rec.cb)); // nothing left: blocks
    p.w.run(p.tEst + 10 * MS);
    expect(rec.results).toEqual([
      { t: p.tEst + MS + 50, r: { ok: true, value: 60 } },
      { t: p.tEst + 5 * MS, r: { ok: true, value: 40 } },
    ]);
    const blocked = events(p, 'call', p.server).filter((c) => c.call === 'recv' && c.blocked);
    expect(blocked.map((c) => c.t)).toEqual([p.tEst, p.tEst + 6 * MS]);
  });

  it('an idle connection without SO_KEEPALIVE sends nothing at all for hours (RFC 1122 MUST-25: off by default)', () => {
    const p = established();
    p.w.run(5 * HOUR);
    expect(sent(p, p.client).filter((s) => s.t > p.tEst)).toEqual([]);
    expect(sent(p, p.server).filter((s) => s.t > p.tEst)).toEqual([]);
    expect([p.cc.state, p.sc.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('answers an ACK for data never sent with an ACK and ignores the segment', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { ack: seqAdd(p.sc.sndNxt, 500), len: 20, flags: PSH | ACK }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.t, s.flags, s.seg.seq, s.seg.ack])).toEqual([[t, '.', p.sc.sndNxt, p.sc.rcvNxt]]);
    expect(p.sc.rcvBuf).toBe(0);
    expect(p.sc.sndUna).toBe(p.sc.sndNxt);
  });

  it('answers a segment entirely left of the window with a duplicate ACK (seq SND.NXT, ack RCV.NXT)', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, -100), len: 50, flags: PSH | ACK }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.t, s.flags, s.seg.seq, s.seg.ack, s.seg.len])).toEqual([
      [t, '.', p.sc.sndNxt, p.sc.rcvNxt, 0],
    ]);
    expect(p.sc.rcvBuf).toBe(0);
  });

  it('rate-limits dupACKs to out-of-window pure ACKs to one per 500 ms (tcp_invalid_ratelimit)', () => {
    const p = established();
    const old = (t: number) => deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, -1) }));
    const t = p.tEst + SEC;
    old(t);
    old(t + 100 * MS); // suppressed
    old(t + 499 * MS); // suppressed
    old(t + 500 * MS); // answered
    p.w.run(t + 2 * SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.t - t, s.tag])).toEqual([
      [0, 'keepalive-ack'],
      [500 * MS, 'keepalive-ack'],
    ]);
  });

  it('answers data beyond RCV.NXT (out of order) with an ACK for RCV.NXT and does not queue it', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, 10), len: 10, flags: PSH | ACK }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.flags, s.seg.ack])).toEqual([['.', p.sc.rcvNxt]]);
    expect(p.sc.rcvBuf).toBe(0);
  });

  it('answers a SYN on an established connection with a challenge ACK and stays ESTABLISHED (RFC 5961 §4)', () => {
    const p = established();
    const t = p.tEst + SEC;
    deliver(p, t, p.server, fromClient(p, { seq: seqAdd(p.sc.rcvNxt, 1000), flags: SYN, ack: 0 }));
    p.w.run(t + SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t).map((s) => [s.flags, s.seg.seq, s.seg.ack])).toEqual([['.', p.sc.sndNxt, p.sc.rcvNxt]]);
    expect(p.sc.state).toBe('ESTABLISHED');
  });

  it('data refreshes the receiver’s last-receive time; a pure ACK refreshes its last-ACK time', () => {
    const p = established({ timer: 'exact' });
    at(p, p.tEst + 2 * SEC, () => p.cs.send(10));
    p.w.run(p.tEst + 3 * SEC);
    expect(p.sc.lrcvtime).toBe(p.tEst + 2 * SEC + 50); // exact mode: ticks are µs
    expect(p.cc.rcvTstamp).toBe(p.tEst + 2 * SEC + 100);
    expect(p.cc.lrcvtime).toBe(p.tClient); // the client received no data
    expect(p.cc.idleTicks()).toBe(SEC - 100);
  });
});
