/**
 * Orderly and abortive close: FIN_WAIT_1/2, CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT
 * (60 s, TCP_TIMEWAIT_LEN), the orphaned FIN_WAIT_2 timer (tcp_fin_timeout), and
 * close() with unread data (RFC 2525 §2.17: RST). Exact timers, latency 50 µs.
 */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, PSH, RST } from '../../src/wire/segment.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { MS, SEC, at, errors, established, recorder, sent, states } from './fixtures.ts';

describe('ESTABLISHED -> FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT (active close)', () => {
  /** The client closes at t0; the server closes when it has seen EOF, at t1 = t0 + 1 s. */
  function activeClose() {
    const p = established({ latency: 50 });
    const t0 = p.tEst + SEC;
    const t1 = t0 + SEC;
    const finSeq = p.cc.sndNxt;
    const eof = recorder<number>(p);
    p.ss.recv(100, eof.cb);
    at(p, t0, () => p.cs.close());
    at(p, t1, () => p.ss.close());
    p.w.run(t1 + 120 * SEC);
    return { p, t0, t1, finSeq, eof };
  }

  it('moves FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT, and TIME_WAIT lasts exactly 60 s', () => {
    const { p, t0, t1, eof } = activeClose();
    expect(eof.results).toEqual([{ t: t0 + 50, r: { ok: true, value: 0 } }]); // EOF when the FIN arrives
    expect(states(p, p.client).slice(2)).toEqual([
      `ESTABLISHED>FIN_WAIT_1@${t0}`,
      `FIN_WAIT_1>FIN_WAIT_2@${t0 + 100}`,
      `FIN_WAIT_2>TIME_WAIT@${t1 + 50}`,
      `TIME_WAIT>CLOSED@${t1 + 50 + 60 * SEC}`,
    ]);
    expect(states(p, p.server).slice(2)).toEqual([`ESTABLISHED>CLOSE_WAIT@${t0 + 50}`, `CLOSE_WAIT>LAST_ACK@${t1}`, `LAST_ACK>CLOSED@${t1 + 100}`]);
    expect(errors(p, p.client).concat(errors(p, p.server))).toEqual([]);
    expect(p.client.connections()).toEqual([]);
    expect(p.server.connections()).toEqual([]);
  });

  it('the passive side sends the ACK of the FIN, then its own FIN', () => {
    const { p, t0, t1 } = activeClose();
    expect(sent(p, p.server).filter((s) => s.t >= t0).map((s) => [s.t, s.flags])).toEqual([
      [t0 + 50, '.'],
      [t1, 'F.'],
    ]);
  });

  // Regression (fixed in 8255ae7): Conn.unsent wrapped to 2^32 − 1 once the FIN was out, and
  // the ACK of our FIN made pushData() send ~14 KB that was never written.
  it('the active closer sends only its FIN and the ACK of the peer FIN (no bytes beyond the FIN)', () => {
    const { p, t0, t1, finSeq } = activeClose();
    expect(sent(p, p.client).filter((s) => s.t >= t0).map((s) => [s.t, s.flags, s.seg.seq, s.seg.len])).toEqual([
      [t0, 'F.', finSeq, 0],
      [t1 + 50, '.', seqAdd(finSeq, 1), 0],
    ]);
  });

  it('a FIN queued behind unsent data rides on the last data segment as [FP.] (tcp_send_fin)', () => {
    // 20000 bytes exceed the initial window (10 × 1448), so the tail is still unsent at close()
    const p = established();
    const t0 = p.tEst + SEC;
    const start = p.cc.sndNxt;
    at(p, t0, () => {
      p.cs.send(20_000);
      p.cs.close();
    });
    p.w.run(t0 + SEC);
    const fin = sent(p, p.client).filter((s) => s.seg.flags & FIN);
    expect(fin).toHaveLength(1);
    expect(fin[0]).toMatchObject({ flags: 'FP.', seg: { seq: seqAdd(start, 1448 * 13), len: 20_000 - 1448 * 13, flags: FIN | PSH | ACK } });
    expect(p.sc.rcvBuf).toBe(20_000);
    expect(p.sc.state).toBe('CLOSE_WAIT');
  });

  it('shutdown(SHUT_WR) half-closes: send() fails EPIPE but data from the peer is still received', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    const rec = recorder<number>(p);
    at(p, t0, () => expect(p.cs.shutdown('SHUT_WR')).toEqual({ ok: true, value: 0 }));
    at(p, t0 + MS, () => expect(p.cs.send(5)).toEqual({ ok: false, errno: 'EPIPE' }));
    at(p, t0 + 2 * MS, () => p.ss.send(70));
    at(p, t0 + 3 * MS, () => p.cs.recv(1000, rec.cb));
    p.w.run(t0 + SEC);
    expect(p.cc.state).toBe('FIN_WAIT_2');
    expect(p.sc.state).toBe('CLOSE_WAIT');
    expect(rec.results.map((x) => x.r)).toEqual([{ ok: true, value: 70 }]);
  });

  it('an orphaned FIN_WAIT_2 is dropped silently after tcp_fin_timeout (60 s default)', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    at(p, t0, () => p.cs.close()); // the server never closes
    p.w.run(t0 + 200 * SEC);
    expect(states(p, p.client).slice(-2)).toEqual([`FIN_WAIT_1>FIN_WAIT_2@${t0 + 100}`, `FIN_WAIT_2>CLOSED@${t0 + 100 + 60 * SEC}`]);
    expect(sent(p, p.client).filter((s) => s.t > t0)).toEqual([]); // FIN only; it goes silently
    expect(p.sc.state).toBe('CLOSE_WAIT');
  });

  it('the orphaned FIN_WAIT_2 timer follows the tcp_fin_timeout sysctl (10 s)', () => {
    const p = established({ clientSysctl: { tcp_fin_timeout: 10 } });
    const t0 = p.tEst + SEC;
    at(p, t0, () => p.cs.close());
    p.w.run(t0 + 200 * SEC);
    expect(states(p, p.client).at(-1)).toBe(`FIN_WAIT_2>CLOSED@${t0 + 100 + 10 * SEC}`);
  });

  it('data arriving after close() in FIN_WAIT_2 is answered with a RST (abort on data)', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    at(p, t0, () => p.cs.close());
    at(p, t0 + SEC, () => p.ss.send(1));
    p.w.run(t0 + 2 * SEC);
    const rst = sent(p, p.client).filter((s) => s.flags.includes('R'));
    expect(rst.map((s) => [s.t, s.flags, s.seg.seq])).toEqual([[t0 + SEC + 50, 'R', p.sc.rcvNxt]]);
    expect(p.cc.state).toBe('CLOSED');
    expect(errors(p, p.server)).toEqual([{ t: t0 + SEC + 100, errno: 'EPIPE', detail: 'connection reset by peer' }]);
  });
});

describe('CLOSING (simultaneous close)', () => {
  it('both sides close at once: FINs cross, both pass CLOSING into TIME_WAIT', () => {
    const p = established({ latency: 50 });
    const t0 = p.tEst + SEC;
    at(p, t0, () => {
      p.cs.close();
      p.ss.close();
    });
    p.w.run(t0 + 100 * SEC);
    for (const h of [p.client, p.server]) {
      expect(states(p, h).slice(2)).toEqual([
        `ESTABLISHED>FIN_WAIT_1@${t0}`,
        `FIN_WAIT_1>CLOSING@${t0 + 50}`,
        `CLOSING>TIME_WAIT@${t0 + 100}`,
        `TIME_WAIT>CLOSED@${t0 + 100 + 60 * SEC}`,
      ]);
    }
  });
});

describe('close() with unread data (RFC 2525 §2.17)', () => {
  it('in ESTABLISHED sends RST|ACK at SND.NXT instead of a FIN; the peer gets ECONNRESET, then EPIPE', () => {
    // Arrange: the server received 100 bytes it never reads
    const p = established({ latency: 50 });
    const t0 = p.tEst + SEC;
    at(p, p.tEst + MS, () => p.cs.send(100));
    const rec = recorder<number>(p);
    at(p, t0 - MS, () => p.cs.recv(10, rec.cb));
    // Act
    at(p, t0, () => p.ss.close());
    at(p, t0 + SEC, () => {
      expect(p.cs.send(1)).toEqual({ ok: false, errno: 'EPIPE' });
    });
    p.w.run(t0 + 2 * SEC);
    // Assert
    const out = sent(p, p.server).filter((s) => s.t >= t0);
    expect(out).toEqual([
      { t: t0, seg: { sport: 80, dport: p.cc.lport, seq: p.cc.rcvNxt, ack: p.sc.rcvNxt, flags: RST | ACK, win: 65535, len: 0 }, tag: 'reset', flags: 'R.' },
    ]);
    expect(p.sc.state).toBe('CLOSED');
    expect(rec.results).toEqual([{ t: t0 + 50, r: { ok: false, errno: 'ECONNRESET' } }]);
    expect(p.cc.state).toBe('CLOSED');
  });

  it('a FIN alone is not unread data: close() in CLOSE_WAIT after EOF sends a FIN', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    at(p, t0, () => p.cs.shutdown('SHUT_WR'));
    at(p, t0 + SEC, () => p.ss.close());
    p.w.run(t0 + 2 * SEC);
    expect(sent(p, p.server).filter((s) => s.t >= t0 + SEC).map((s) => s.flags)).toEqual(['F.']);
  });

  // Linux __tcp_close(): data_was_unread -> tcp_set_state(TCP_CLOSE) + tcp_send_active_reset
  // in every state, not only ESTABLISHED/CLOSE_WAIT. src/tcp/close.ts appClose() only resets
  // in ESTABLISHED/CLOSE_WAIT; in FIN_WAIT_2 it just arms the FIN_WAIT_2 timer.
  it('in FIN_WAIT_2 (after shutdown(SHUT_WR)) also sends RST|ACK and closes', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    at(p, t0, () => p.cs.shutdown('SHUT_WR'));
    at(p, t0 + MS, () => p.ss.send(100)); // the client never reads it
    at(p, t0 + SEC, () => p.cs.close());
    p.w.run(t0 + 2 * SEC);
    expect(p.cc.rcvBuf).toBe(100);
    expect(sent(p, p.client).filter((s) => s.t >= t0 + SEC).map((s) => [s.flags, s.seg.seq])).toEqual([['R.', p.cc.sndNxt]]);
    expect(p.cc.state).toBe('CLOSED');
  });
});
