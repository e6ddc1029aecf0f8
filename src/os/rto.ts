/**
 * RTO by count over a backoff table, as the BSDs and Windows do it (os-profiles.md §1.7,
 * §2.7, §3.6): RTO(k) = clamp(V · backoff[k] + slop, min, max) with V = max(min, srtt +
 * 4·rttvar) (TCP_REXMTVAL + TCPT_RANGESET); the connection is dropped at the RTO expiry
 * that would be retransmission number maxRetransmissions + 1.
 */
import type { RtoPolicy } from './profile.ts';

/** V = TCP_REXMTVAL: max(t_rttmin, srtt + 4·rttvar), µs; the initial RTO before any sample. */
export function rexmtValUs(p: RtoPolicy, srttUs: number, rttvarUs: number): number {
  if (srttUs === 0 && rttvarUs === 0) return p.initUs;
  return Math.max(p.minUs, srttUs + 4 * rttvarUs);
}

/** RTO after `shift` backoffs for a given V (µs). */
export function rtoAtShiftUs(p: RtoPolicy, vUs: number, shift: number): number {
  const b = p.backoff[Math.min(shift, p.backoff.length - 1)] ?? 1;
  return Math.min(p.maxUs, Math.max(p.minUs, Math.round(vUs * b + p.slopUs)));
}

/**
 * Time from the first transmission of a segment to the drop when nothing is ever acked and
 * V stays constant: Σ_{k=0..max} RTO(k) (the tables' totals; no srtt reset).
 */
export function rtoDeathTotalUs(p: RtoPolicy, vUs: number, maxRetransmissions = p.maxRetransmissions): number {
  let t = 0;
  for (let k = 0; k <= maxRetransmissions; k++) t += rtoAtShiftUs(p, vUs, k);
  return t;
}
