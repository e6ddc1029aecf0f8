/**
 * The NAT's TCP state tracker: a pure function from (tracked state, packet, direction) to
 * the new state and the idle timeout to apply. It follows Linux nf_conntrack_tcp_packet
 * (nat.md §2.1–§2.3), simplified: every packet is accepted (no in-window check, as with
 * `nf_conntrack_tcp_be_liberal`), and a RST closes the entry whatever its sequence number.
 * Kept from Linux because they decide keepalive outcomes: the per-state timeouts, the
 * UNACK cap while data is unacknowledged, the RETRANS cap after `max_retrans` identical
 * packets (unanswered keepalive probes are identical), the 300 s cap on a mid-stream
 * pickup until a reply is seen, ASSURED after a valid reply, and "a RST before any reply
 * kills the entry at once".
 */
import type { Micros } from '../../engine/time.ts';
import { ACK, FIN, RST, SYN, segSeqLen, type Segment } from '../../wire/segment.ts';
import { seqAdd, seqGt, type Seq } from '../../wire/seq.ts';
import type { NatConfig, NatTimeouts } from './profiles.ts';

/** conntrack TCP states (`conntrack -L` names). */
export type CtState = 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT' | 'CLOSE_WAIT' | 'LAST_ACK' | 'TIME_WAIT' | 'CLOSE';

/** 0 = original direction (inside → outside), 1 = reply direction. */
export type CtDir = 0 | 1;
export const ORIG: CtDir = 0;
export const REPLY: CtDir = 1;

/** What conntrack remembers about one flow. */
export interface CtTrack {
  state: CtState;
  assured: boolean;
  seenReply: boolean;
  /** per direction: highest sequence end sent (td_end), undefined before the first packet */
  end: [Seq | undefined, Seq | undefined];
  /** per direction: data sent and not yet acknowledged (IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED) */
  unacked: [boolean, boolean];
  /** per direction: sequence number just after that side's FIN, once seen */
  finEnd: [Seq | undefined, Seq | undefined];
  /** the last pure-ACK/data packet, for the retransmission detector */
  last: { dir: CtDir; seq: Seq; ack: Seq; end: Seq; win: number } | null;
  retrans: number;
}

/** The result of one packet: the timeout to arm, or keep the timer as it is, or delete the entry. */
export type CtVerdict = { kind: 'refresh'; timeout: Micros } | { kind: 'keep' } | { kind: 'kill' };

const STATE_TIMEOUT: Record<CtState, keyof NatTimeouts> = {
  SYN_SENT: 'synSent', SYN_RECV: 'synRecv', ESTABLISHED: 'established', FIN_WAIT: 'finWait',
  CLOSE_WAIT: 'closeWait', LAST_ACK: 'lastAck', TIME_WAIT: 'timeWait', CLOSE: 'close',
};

/** States conntrack enters when tracking starts: a SYN, or (loose pickup) any other non-RST segment. */
export function newTrack(seg: Segment): CtTrack | null {
  if (seg.flags & RST) return null; // tcp_new(): a RST never creates an entry
  const syn = (seg.flags & (SYN | ACK)) === SYN;
  return {
    state: syn ? 'SYN_SENT' : 'ESTABLISHED',
    assured: false,
    seenReply: false,
    end: [undefined, undefined],
    unacked: [false, false],
    finEnd: [undefined, undefined],
    last: null,
    retrans: 0,
  };
}

/** The timeout the tracker's state calls for, before caps. */
export const stateTimeout = (t: CtTrack, cfg: NatConfig): Micros => cfg.timeouts[STATE_TIMEOUT[t.state]];

function nextState(t: CtTrack, dir: CtDir, s: Segment): CtState {
  const other: CtDir = dir === ORIG ? REPLY : ORIG;
  const f = s.flags;
  if (f & RST) return 'CLOSE';
  if ((f & (SYN | ACK)) === SYN) {
    // a new SYN from the originator reopens a closed or closing entry (tcp_conntracks sIV/sSS)
    if (dir === ORIG && (t.state === 'TIME_WAIT' || t.state === 'CLOSE' || t.state === 'SYN_SENT')) return 'SYN_SENT';
    return t.state;
  }
  if (f & SYN) return dir === REPLY && t.state === 'SYN_SENT' ? 'SYN_RECV' : t.state;
  let st = t.state;
  if (st === 'SYN_RECV' && dir === ORIG && f & ACK) st = 'ESTABLISHED';
  // an ACK of the other side's FIN
  const otherFin = t.finEnd[other];
  const acksOtherFin = f & ACK && otherFin !== undefined && s.ack === otherFin;
  if (f & FIN) {
    if (st === 'ESTABLISHED') return 'FIN_WAIT';
    if (st === 'FIN_WAIT' || st === 'CLOSE_WAIT') return t.finEnd[other] !== undefined ? 'LAST_ACK' : st;
    return st;
  }
  if (acksOtherFin) {
    if (st === 'FIN_WAIT' && t.finEnd[dir] === undefined) return 'CLOSE_WAIT';
    if (st === 'LAST_ACK' && t.finEnd[dir] !== undefined) return 'TIME_WAIT';
  }
  return st;
}

/**
 * Account one packet (nf_conntrack_tcp_packet order, nat.md §2.1): new state, window flags,
 * retransmission counter, ASSURED; then the timeout: RETRANS cap, else UNACK cap, else the
 * state's timeout; a mid-stream pickup without a reply is capped at UNACK too.
 */
export function ctPacket(t: CtTrack, dir: CtDir, s: Segment, cfg: NatConfig): CtVerdict {
  const v = ctPacketTimeout(t, dir, s, cfg);
  return v === KEEP ? { kind: 'keep' } : v === KILL ? { kind: 'kill' } : { kind: 'refresh', timeout: v };
}

/** `ctPacketTimeout` results other than a timeout (µs ≥ 0). */
export const KEEP = -1;
export const KILL = -2;

/** ctPacket without an object per packet (the NAT's packet path): the timeout, or KEEP / KILL. */
export function ctPacketTimeout(t: CtTrack, dir: CtDir, s: Segment, cfg: NatConfig): number {
  const other: CtDir = dir === ORIG ? REPLY : ORIG;
  const old = t.state;
  if (!t.seenReply && s.flags & RST) return KILL; // no reply seen yet: a RST deletes the entry at once
  if (!t.seenReply && old === 'SYN_SENT' && dir === ORIG && (s.flags & (SYN | ACK)) === SYN && t.end[ORIG] !== undefined) {
    return KEEP; // a retransmitted SYN does not renew the timeout
  }
  t.state = nextState(t, dir, s);
  if (t.state === 'SYN_SENT' && old !== 'SYN_SENT') {
    // reopened by a new SYN: forget the old flow's windows
    t.end = [undefined, undefined];
    t.unacked = [false, false];
    t.finEnd = [undefined, undefined];
    t.assured = false;
  }
  // window bookkeeping (tcp_in_window): the receiver's data is acknowledged, the sender's end advances
  const otherEnd = t.end[other];
  if (s.flags & ACK && otherEnd !== undefined && s.ack === otherEnd) t.unacked[other] = false;
  const len = segSeqLen(s);
  const end = seqAdd(s.seq, len);
  const mine = t.end[dir];
  if (mine === undefined || seqGt(end, mine)) {
    t.end[dir] = end;
    if (len > 0) t.unacked[dir] = true;
  }
  if (s.flags & FIN && t.finEnd[dir] === undefined) t.finEnd[dir] = end;
  // retransmission detector: identical ACK-class packets in a row (not SYN, FIN or RST)
  if (!(s.flags & (SYN | FIN | RST)) && s.flags & ACK) {
    const l = t.last;
    if (l && l.dir === dir && l.seq === s.seq && l.ack === s.ack && l.end === end && l.win === s.win) t.retrans++;
    else {
      if (l) {
        // the record is reused: one per flow, not one per packet
        l.dir = dir;
        l.seq = s.seq;
        l.ack = s.ack;
        l.end = end;
        l.win = s.win;
      } else t.last = { dir, seq: s.seq, ack: s.ack, end, win: s.win };
      t.retrans = 0;
    }
  }
  const seenBefore = t.seenReply;
  if (seenBefore && !t.assured && (old === 'SYN_RECV' || old === 'ESTABLISHED') && t.state === 'ESTABLISHED') t.assured = true;
  if (dir === REPLY) t.seenReply = true;
  return ctTimeout(t, cfg, seenBefore);
}

/** Timer selection, nat.md §2.1 steps 1–5 plus the pickup cap. */
export function ctTimeout(t: CtTrack, cfg: NatConfig, seenReply = t.seenReply): Micros {
  const to = cfg.timeouts;
  let timeout = stateTimeout(t, cfg);
  if (cfg.maxRetrans > 0 && to.retrans > 0 && t.retrans >= cfg.maxRetrans && timeout > to.retrans) timeout = to.retrans;
  else if (to.unacknowledged > 0 && (t.unacked[0] || t.unacked[1]) && timeout > to.unacknowledged) timeout = to.unacknowledged;
  if (!seenReply && t.state === 'ESTABLISHED' && to.unacknowledged > 0 && timeout > to.unacknowledged) timeout = to.unacknowledged;
  return timeout;
}
