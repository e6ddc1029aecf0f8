/**
 * Segment representation and its one-line tcpdump-style format (style.md rule 5).
 */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, PSH, RST, SYN, flagString, formatPacket, segSeqLen, segment } from '../../src/wire/segment.ts';

describe('flagString', () => {
  it.each([
    [SYN, 'S'],
    [SYN | ACK, 'S.'],
    [ACK, '.'],
    [PSH | ACK, 'P.'],
    [FIN | ACK, 'F.'],
    [FIN | PSH | ACK, 'FP.'],
    [RST, 'R'],
    [RST | ACK, 'R.'],
    [FIN | SYN | RST | PSH | ACK, 'FSRP.'],
    [0, 'none'],
  ])('flags 0x%s print as [%s] (tcpdump print-tcp.c order F S R P .)', (flags, text) => {
    expect(flagString(flags)).toBe(text);
  });
});

describe('segSeqLen', () => {
  it('counts payload plus one for SYN and one for FIN', () => {
    expect(segSeqLen(segment({ sport: 1, dport: 2, flags: SYN }))).toBe(1);
    expect(segSeqLen(segment({ sport: 1, dport: 2, flags: ACK, len: 100 }))).toBe(100);
    expect(segSeqLen(segment({ sport: 1, dport: 2, flags: FIN | PSH | ACK, len: 10 }))).toBe(11);
    expect(segSeqLen(segment({ sport: 1, dport: 2, flags: SYN | FIN }))).toBe(2);
    expect(segSeqLen(segment({ sport: 1, dport: 2, flags: RST | ACK }))).toBe(0);
  });
});

describe('segment()', () => {
  it('zero-fills the fields that were not given', () => {
    expect(segment({ sport: 40000, dport: 80 })).toEqual({ sport: 40000, dport: 80, seq: 0, ack: 0, flags: 0, win: 0, len: 0 });
    expect(segment({ sport: 1, dport: 2, seq: 9, flags: SYN }).seq).toBe(9);
  });
});

describe('formatPacket', () => {
  const bases = { seqBase: 1000, ackBase: 5000 };

  it('prints a pure ACK like tcpdump -n with relative numbers (seq printed on pure ACKs too)', () => {
    const s = segment({ sport: 40000, dport: 80, seq: 1000, ack: 5001, flags: ACK, win: 65535 });
    expect(formatPacket(12_345_678, 'A', 'B', s, bases)).toBe('12.345678 A.40000 > B.80: Flags [.], seq 0, ack 1, win 65535, length 0');
  });

  it('prints a data segment as seq start:end', () => {
    const s = segment({ sport: 40000, dport: 80, seq: 1001, ack: 5001, flags: PSH | ACK, win: 65535, len: 100 });
    expect(formatPacket(1_000_000, 'client', 'server', s, bases)).toBe(
      '1.000000 client.40000 > server.80: Flags [P.], seq 1:101, ack 1, win 65535, length 100',
    );
  });

  it('omits ack when the ACK flag is off (a SYN, a no-socket RST)', () => {
    const syn = segment({ sport: 40000, dport: 80, seq: 1000, flags: SYN, win: 65535 });
    expect(formatPacket(0, 'A', 'B', syn, bases)).toBe('0.000000 A.40000 > B.80: Flags [S], seq 0, win 65535, length 0');
    const rst = segment({ sport: 80, dport: 40000, seq: 34, flags: RST });
    expect(formatPacket(5, 'B', 'A', rst)).toBe('0.000005 B.80 > A.40000: Flags [R], seq 34, win 0, length 0');
  });

  it('prints absolute numbers without bases', () => {
    const s = segment({ sport: 1, dport: 2, seq: 4_000_000_000, ack: 17, flags: ACK, win: 10 });
    expect(formatPacket(0, 'a', 'b', s)).toBe('0.000000 a.1 > b.2: Flags [.], seq 4000000000, ack 17, win 10, length 0');
  });

  it('relative numbers survive the 2^32 wrap; a keepalive probe (SND.UNA − 1) reads as the ISN', () => {
    const isn = 0xffff_fff0;
    const data = segment({ sport: 1, dport: 2, seq: (isn + 1) >>> 0, ack: 6, flags: PSH | ACK, win: 1, len: 32 });
    expect(formatPacket(0, 'a', 'b', data, { seqBase: isn, ackBase: 5 })).toBe('0.000000 a.1 > b.2: Flags [P.], seq 1:33, ack 1, win 1, length 32');
    const probe = segment({ sport: 1, dport: 2, seq: (isn + 32) >>> 0, ack: 6, flags: ACK, win: 1 });
    expect(formatPacket(0, 'a', 'b', probe, { seqBase: isn, ackBase: 5 })).toContain('seq 32, ack 1');
    const firstProbe = segment({ sport: 1, dport: 2, seq: isn, ack: 6, flags: ACK, win: 1 });
    expect(formatPacket(0, 'a', 'b', firstProbe, { seqBase: isn, ackBase: 5 })).toContain('Flags [.], seq 0, ack 1');
  });
});
