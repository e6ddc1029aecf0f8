/**
 * 32-bit modular sequence-number arithmetic (RFC 9293 §3.4; gVisor pkg/tcpip/seqnum).
 * Sequence numbers are unsigned 32-bit values stored in JS numbers; comparisons are
 * made on the signed 32-bit difference, valid while the values are less than 2^31 apart.
 */
export type Seq = number;

/** a + n modulo 2^32. */
export const seqAdd = (a: Seq, n: number): Seq => (a + n) >>> 0;
/** Signed distance a − b. */
export const seqDiff = (a: Seq, b: Seq): number => (a - b) | 0;
export const seqLt = (a: Seq, b: Seq): boolean => seqDiff(a, b) < 0;
export const seqLe = (a: Seq, b: Seq): boolean => seqDiff(a, b) <= 0;
export const seqGt = (a: Seq, b: Seq): boolean => seqDiff(a, b) > 0;
export const seqGe = (a: Seq, b: Seq): boolean => seqDiff(a, b) >= 0;
/** lo <= x < lo + len. */
export const seqInWindow = (x: Seq, lo: Seq, len: number): boolean => {
  const d = seqDiff(x, lo);
  return d >= 0 && d < len;
};
