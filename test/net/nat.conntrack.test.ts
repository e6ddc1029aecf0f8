/**
 * The NAT's TCP state tracker as a pure function (nat.md §2.1–§2.3): states, ASSURED,
 * which timeout each packet arms, and the Linux refinements that decide keepalive outcomes.
 */
import { describe, expect, it } from 'vitest';
import { ctPacket, newTrack, ORIG, REPLY, type CtTrack } from '../../src/net/nat/conntrack.ts';
import { natConfig } from '../../src/net/nat/profiles.ts';
import { ACK, FIN, PSH, RST, SYN, segment, type Segment } from '../../src/wire/segment.ts';

const S = 1_000_000;
const linux = natConfig('linux-conntrack');
const C = 1000; // client ISN
const V = 5000; // server ISN

const syn = segment({ sport: 40000, dport: 80, seq: C, flags: SYN, win: 65535 });
const synAck = segment({ sport: 80, dport: 40000, seq: V, ack: C + 1, flags: SYN | ACK, win: 65535 });
const ack = (o: Partial<Segment> = {}): Segment => segment({ sport: 40000, dport: 80, seq: C + 1, ack: V + 1, flags: ACK, win: 65535, ...o });
const rack = (o: Partial<Segment> = {}): Segment => segment({ sport: 80, dport: 40000, seq: V + 1, ack: C + 1, flags: ACK, win: 65535, ...o });

function established(): CtTrack {
  const t = newTrack(syn) as CtTrack;
  ctPacket(t, ORIG, syn, linux);
  ctPacket(t, REPLY, synAck, linux);
  ctPacket(t, ORIG, ack(), linux);
  return t;
}

describe('handshake', () => {
  it('SYN → SYN_SENT (120 s), SYN-ACK → SYN_RECV (60 s), ACK → ESTABLISHED (5 days) and ASSURED', () => {
    // Arrange
    const t = newTrack(syn) as CtTrack;
    // Act / Assert
    expect(ctPacket(t, ORIG, syn, linux)).toEqual({ kind: 'refresh', timeout: 120 * S });
    expect([t.state, t.assured]).toEqual(['SYN_SENT', false]);
    expect(ctPacket(t, REPLY, synAck, linux)).toEqual({ kind: 'refresh', timeout: 60 * S });
    expect([t.state, t.assured, t.seenReply]).toEqual(['SYN_RECV', false, true]);
    expect(ctPacket(t, ORIG, ack(), linux)).toEqual({ kind: 'refresh', timeout: 432_000 * S });
    expect([t.state, t.assured]).toEqual(['ESTABLISHED', true]);
  });

  it('a retransmitted SYN does not renew the timeout', () => {
    const t = newTrack(syn) as CtTrack;
    ctPacket(t, ORIG, syn, linux);
    expect(ctPacket(t, ORIG, syn, linux)).toEqual({ kind: 'keep' });
  });

  it('a RST before any reply deletes the entry at once (connection refused)', () => {
    const t = newTrack(syn) as CtTrack;
    ctPacket(t, ORIG, syn, linux);
    expect(ctPacket(t, REPLY, segment({ sport: 80, dport: 40000, ack: C + 1, flags: RST | ACK }), linux)).toEqual({ kind: 'kill' });
  });

  it('a RST never creates an entry', () => {
    expect(newTrack(segment({ sport: 1, dport: 2, flags: RST }))).toBeNull();
  });
});

describe('ESTABLISHED', () => {
  it('data in flight caps the timeout at UNACK 300 s until it is acknowledged', () => {
    const t = established();
    expect(ctPacket(t, ORIG, ack({ flags: ACK | PSH, len: 100 }), linux)).toEqual({ kind: 'refresh', timeout: 300 * S });
    expect(t.unacked).toEqual([true, false]);
    expect(ctPacket(t, REPLY, rack({ ack: C + 101 }), linux)).toEqual({ kind: 'refresh', timeout: 432_000 * S });
    expect(t.unacked).toEqual([false, false]);
  });

  it('a keepalive probe (seq = SND.UNA − 1, no data) is accepted, leaves no data unacknowledged and refreshes 5 days', () => {
    const t = established();
    expect(ctPacket(t, ORIG, ack({ seq: C }), linux)).toEqual({ kind: 'refresh', timeout: 432_000 * S });
    expect(t.unacked).toEqual([false, false]);
  });

  it('the 4th identical unanswered probe caps the timeout at RETRANS 300 s (max_retrans 3)', () => {
    const t = established();
    const probe = ack({ seq: C });
    const timeouts = [1, 2, 3, 4].map(() => ctPacket(t, ORIG, probe, linux));
    expect(timeouts.map((v) => (v.kind === 'refresh' ? v.timeout / S : v.kind))).toEqual([432_000, 432_000, 432_000, 300]);
    expect(t.retrans).toBe(3);
  });

  it('answered probes alternate direction and reset the retransmission counter', () => {
    const t = established();
    for (let i = 0; i < 6; i++) {
      ctPacket(t, ORIG, ack({ seq: C }), linux);
      expect(ctPacket(t, REPLY, rack(), linux)).toEqual({ kind: 'refresh', timeout: 432_000 * S });
    }
    expect(t.retrans).toBe(0);
  });

  it('OpenWrt counts 5 identical retransmissions before the cap (tcp_max_retrans 5)', () => {
    const t = established();
    const cfg = natConfig('openwrt');
    const probe = ack({ seq: C });
    const v = [1, 2, 3, 4, 5, 6].map(() => ctPacket(t, ORIG, probe, cfg));
    expect(v.map((x) => (x.kind === 'refresh' ? x.timeout / S : x.kind))).toEqual([7440, 7440, 7440, 7440, 7440, 300]);
  });

  it('a RST moves the entry to CLOSE (10 s)', () => {
    const t = established();
    expect(ctPacket(t, REPLY, rack({ flags: RST }), linux)).toEqual({ kind: 'refresh', timeout: 10 * S });
    expect(t.state).toBe('CLOSE');
  });

  it('profiles without the Linux refinements never cap (aws-natgw: 350 s for data in flight too)', () => {
    const aws = natConfig('aws-natgw');
    const t = newTrack(syn) as CtTrack;
    ctPacket(t, ORIG, syn, aws);
    ctPacket(t, REPLY, synAck, aws);
    ctPacket(t, ORIG, ack(), aws);
    expect(ctPacket(t, ORIG, ack({ flags: ACK | PSH, len: 10 }), aws)).toEqual({ kind: 'refresh', timeout: 350 * S });
  });
});

describe('closing', () => {
  it('FIN → FIN_WAIT, its ACK → CLOSE_WAIT, the other FIN → LAST_ACK, the last ACK → TIME_WAIT', () => {
    const t = established();
    const seen: string[] = [];
    const step = (dir: 0 | 1, s: Segment): void => {
      const v = ctPacket(t, dir, s, linux);
      seen.push(`${t.state}:${v.kind === 'refresh' ? v.timeout / S : v.kind}`);
    };
    step(ORIG, ack({ flags: FIN | ACK }));
    step(REPLY, rack({ ack: C + 2 }));
    step(REPLY, rack({ ack: C + 2, flags: FIN | ACK }));
    step(ORIG, ack({ seq: C + 2, ack: V + 2 }));
    expect(seen).toEqual(['FIN_WAIT:120', 'CLOSE_WAIT:60', 'LAST_ACK:30', 'TIME_WAIT:120']);
  });

  it('a new SYN reopens a CLOSE entry as SYN_SENT', () => {
    const t = established();
    ctPacket(t, REPLY, rack({ flags: RST }), linux);
    expect(ctPacket(t, ORIG, segment({ sport: 40000, dport: 80, seq: C + 99999, flags: SYN }), linux)).toEqual({ kind: 'refresh', timeout: 120 * S });
    expect([t.state, t.assured]).toEqual(['SYN_SENT', false]);
  });
});

describe('mid-stream pickup (nf_conntrack_tcp_loose)', () => {
  it('starts ESTABLISHED capped at 300 s until a reply, then ASSURED with the full timeout', () => {
    const t = newTrack(ack()) as CtTrack;
    expect(t.state).toBe('ESTABLISHED');
    expect(ctPacket(t, ORIG, ack(), linux)).toEqual({ kind: 'refresh', timeout: 300 * S });
    expect(ctPacket(t, REPLY, rack(), linux)).toEqual({ kind: 'refresh', timeout: 300 * S });
    expect(t.assured).toBe(false);
    expect(ctPacket(t, ORIG, ack(), linux)).toEqual({ kind: 'refresh', timeout: 432_000 * S });
    expect(t.assured).toBe(true);
  });
});
