/**
 * Retransmission timeout in ESTABLISHED: tail loss probe, exponential backoff to RTO_MAX,
 * death by tcp_retries2 (model timeout, measured from the first retransmission) or by
 * TCP_USER_TIMEOUT, ICMP soft errors (linux-keepalive.md §3, §5 case 6).
 * Latency 50 µs, so SRTT = 100 µs and RTO = SRTT + max(4·RTTVAR, 200 ms) = 200.1 ms.
 */
import { describe, expect, it } from 'vitest';
import { ACK, PSH } from '../../src/wire/segment.ts';
import { MS, SEC, at, cutAt, errors, established, gaps, recorder, sent, type Pair, type PairOptions } from './fixtures.ts';

const RTO0 = 200_100;

/** Cut the path at t0 = accept + 1 s and write 11 bytes into it (Cloudflare case 6). */
function sendIntoCut(o: PairOptions = {}): { p: Pair; t0: number; recv: ReturnType<typeof recorder<number>> } {
  const p = established({ latency: 50, ...o });
  const t0 = p.tEst + SEC;
  cutAt(p, t0);
  const recv = recorder<number>(p);
  at(p, t0, () => {
    p.cs.send(11);
    p.cs.recv(100, recv.cb);
  });
  return { p, t0, recv };
}

/** Times of the RTO retransmissions, and of death (the firing that found the connection expired). */
function rtoTimeline(p: Pair): { retx: number[]; death: number } {
  const retx = sent(p, p.client, 'retransmission').map((s) => s.t);
  const death = errors(p, p.client)[0]?.t ?? Number.NaN;
  return { retx, death };
}

describe('ESTABLISHED, data unacknowledged (exact timers)', () => {
  it('sends the data, a tail loss probe after min(2·SRTT + RTO_MIN, RTO) = 200.1 ms, then RTO retransmissions of the same bytes', () => {
    const { p, t0 } = sendIntoCut();
    p.w.run(t0 + 3 * SEC);
    const out = sent(p, p.client).filter((s) => s.t >= t0);
    const data = { sport: p.cc.lport, dport: 80, seq: p.cc.sndUna, ack: p.cc.rcvNxt, flags: PSH | ACK, win: 65535, len: 11 };
    expect(out.slice(0, 4)).toEqual([
      { t: t0, seg: data, tag: undefined, flags: 'P.' },
      { t: t0 + RTO0, seg: data, tag: 'loss-probe', flags: 'P.' },
      { t: t0 + 2 * RTO0, seg: data, tag: 'retransmission', flags: 'P.' },
      { t: t0 + 4 * RTO0, seg: data, tag: 'retransmission', flags: 'P.' },
    ]);
  });

  it('doubles the RTO at every firing up to RTO_MAX (120 s), then stays there', () => {
    const { p, t0 } = sendIntoCut();
    p.w.run(t0 + 1200 * SEC);
    const { retx } = rtoTimeline(p);
    expect(gaps(retx)).toEqual(gaps(retx).map((_, k) => Math.min(RTO0 * 2 ** (k + 1), 120 * SEC)));
    expect(gaps(retx).slice(-3)).toEqual([120 * SEC, 120 * SEC, 120 * SEC]);
  });

  it('tcp_retries2 15: dies ETIMEDOUT at the first RTO firing at or after the first retransmission + 924.6 s, sending nothing', () => {
    const { p, t0, recv } = sendIntoCut();
    p.w.run(t0 + 2000 * SEC);
    const { retx, death } = rtoTimeline(p);
    const stamp = retx[0] as number; // tp->retrans_stamp: the first RTO retransmission
    const last = retx.at(-1) as number;
    expect(stamp).toBe(t0 + 2 * RTO0);
    expect(last - stamp).toBeLessThan(924_600_000);
    expect(death - stamp).toBeGreaterThanOrEqual(924_600_000);
    expect(death - last).toBe(120 * SEC); // death is an RTO firing
    expect(sent(p, p.client).filter((s) => s.t >= death)).toEqual([]); // no RST on RTO death
    expect(recv.results).toEqual([{ t: death, r: { ok: false, errno: 'ETIMEDOUT' } }]);
    expect(errors(p, p.client)).toEqual([{ t: death, errno: 'ETIMEDOUT', detail: 'retransmission timeout' }]);
    expect(p.cc.state).toBe('CLOSED');
  });

  it('tcp_retries2 3 (model 3.0 s): dies at the first firing 3.0 s or more after the first retransmission', () => {
    const { p, t0 } = sendIntoCut({ clientSysctl: { tcp_retries2: 3 } });
    p.w.run(t0 + 60 * SEC);
    const { retx, death } = rtoTimeline(p);
    const stamp = retx[0] as number;
    expect(retx.map((t) => t - stamp)).toEqual([0, 2 * RTO0, 6 * RTO0, 14 * RTO0]);
    expect(death - stamp).toBe(30 * RTO0); // 6.003 s: the first firing >= 3.0 s
    expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });

  it('after death a segment from the peer finds no socket and is reset (SEQ = SEG.ACK)', () => {
    const { p, t0 } = sendIntoCut({ clientSysctl: { tcp_retries2: 3 } });
    p.w.run(t0 + 10 * SEC);
    const { death } = rtoTimeline(p);
    expect(p.cc.state).toBe('CLOSED');
    const tSend = p.w.sim.now + SEC;
    cutAt(p, tSend - 1, undefined, true);
    at(p, tSend, () => p.ss.send(5));
    p.w.run(tSend + SEC);
    expect(sent(p, p.client).filter((s) => s.t > death).map((s) => [s.t, s.flags, s.seg.seq])).toEqual([[tSend + 50, 'R', p.sc.rcvNxt]]);
    expect(errors(p, p.server).map((e) => e.errno)).toEqual(['ECONNRESET']);
  });

  it('an ACK that advances SND.UNA ends the episode: retransmits and retrans_stamp reset, no death', () => {
    const { p, t0 } = sendIntoCut({ clientSysctl: { tcp_retries2: 3 } });
    cutAt(p, t0 + 2 * SEC, undefined, true);
    p.w.run(t0 + 60 * SEC);
    expect(p.sc.rcvBuf).toBe(11);
    expect([p.cc.retransmits, p.cc.retransStamp, p.cc.inFlight]).toEqual([0, null, 0]);
    expect(p.cc.state).toBe('ESTABLISHED');
    expect(errors(p, p.client)).toEqual([]);
  });

  it('TCP_USER_TIMEOUT replaces tcp_retries2: death exactly at the first retransmission + UT (RTO clamped to the remainder)', () => {
    const { p, t0 } = sendIntoCut({ clientSysctl: { tcp_retries2: 1 }, client: { TCP_USER_TIMEOUT: 5_000 } });
    p.w.run(t0 + 60 * SEC);
    const { retx, death } = rtoTimeline(p);
    const stamp = retx[0] as number;
    expect(death - stamp).toBe(5 * SEC); // not 0.6 s (retries2 1) and not rounded to an RTO firing
    expect(retx.map((t) => t - stamp)).toEqual([0, 2 * RTO0, 6 * RTO0, 14 * RTO0]);
    expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });

  it('a TCP_USER_TIMEOUT longer than the retries2 model keeps retransmitting past 924.6 s', () => {
    const { p, t0 } = sendIntoCut({ client: { TCP_USER_TIMEOUT: 2_000_000 } });
    p.w.run(t0 + 3000 * SEC);
    const { retx, death } = rtoTimeline(p);
    expect(death - (retx[0] as number)).toBe(2000 * SEC);
  });

  it('ICMP host unreachable during retransmissions is a soft error: death reports EHOSTUNREACH instead of ETIMEDOUT', () => {
    const { p, t0, recv } = sendIntoCut({ clientSysctl: { tcp_retries2: 3 } });
    at(p, t0, () => {
      for (const d of p.path.dirs()) d.up = true;
      (p.path.dirs('client->server')[0] as { unreachable: string | null }).unreachable = 'host';
    });
    p.w.run(t0 + 60 * SEC);
    expect(p.cc.state).toBe('CLOSED');
    expect(recv.results.map((x) => x.r)).toEqual([{ ok: false, errno: 'EHOSTUNREACH' }]);
    expect(errors(p, p.client).map((e) => [e.errno, e.detail])).toEqual([['EHOSTUNREACH', 'retransmission timeout']]);
  });

  it('the soft error alone does not kill an established connection; an acceptable ACK clears it', () => {
    const p = established();
    const t0 = p.tEst + SEC;
    const dir = p.path.dirs('client->server')[0] as { unreachable: string | null };
    at(p, t0, () => {
      dir.unreachable = 'host';
      p.cs.send(11);
    });
    at(p, t0 + 500 * MS, () => {
      expect(p.cc.skErrSoft).toBe('EHOSTUNREACH');
      expect(p.cc.state).toBe('ESTABLISHED');
      dir.unreachable = null;
    });
    p.w.run(t0 + 10 * SEC);
    expect(p.cc.skErrSoft).toBeNull();
    expect(p.sc.rcvBuf).toBe(11);
    expect(errors(p, p.client)).toEqual([]);
  });
});

describe('ESTABLISHED, data unacknowledged (linux timers, HZ 250)', () => {
  it('once at RTO_MAX the retransmissions are exactly 120.832 s apart (Cloudflare case 6), and death is one such firing later', () => {
    const { p, t0 } = sendIntoCut({ timer: 'linux', hz: 250, jiffyPhase: 4_321 });
    p.w.run(t0 + 2000 * SEC);
    const { retx, death } = rtoTimeline(p);
    const g = gaps([...retx, death]);
    const steady = g.filter((x) => x > 100 * SEC);
    expect(steady.length).toBeGreaterThanOrEqual(6);
    expect(new Set(steady.slice(1))).toEqual(new Set([120_832_000]));
    expect(death - (retx[0] as number)).toBeGreaterThanOrEqual(924_600_000);
    expect((retx.at(-1) as number) - (retx[0] as number)).toBeLessThan(924_600_000);
    expect(errors(p, p.client).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
  });
});
