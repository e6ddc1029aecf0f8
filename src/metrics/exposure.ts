/**
 * Data-loss exposure: how long and how much a sender kept writing, successfully, into a
 * connection that was already dead. A write counts when it is a successful `send()` (result
 * > 0 bytes) made at or after the failure instant, before that application learned of any
 * failure (its first failed call, or an EOF, at or after the failure instant), and whose
 * bytes were never acknowledged by the peer (no ACK covering them reached the sender's host
 * before the horizon: the data is lost, though the call said it was sent). `seconds` runs
 * from the failure instant to the last such write.
 *
 * The connection of each write is the one its application last connected or accepted
 * (conns.ts). When that cannot be told (a scenario whose calls do not match its state
 * changes), the write counts unless the application received data after it (a reply proves
 * the connection worked) — a weaker test, which counts a send-only application on a live
 * connection as exposed.
 */
import type { RunJson } from '../scenarios/result.ts';
import { ackedAt, appCalls, callConnections, type ConnId } from './conns.ts';
import { round6 } from './round.ts';

export interface Exposure {
  /** successful writes into the dead connection; null without a failure */
  writesAfterFailure: number | null;
  bytesAfterFailure: number | null;
  /** seconds from the failure instant to the last such write (0 when none); null without a failure */
  seconds: number | null;
}

/** errno values that are not a verdict on the connection (a retry will do). */
const TRANSIENT = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export function exposure(run: RunJson, failureAt: number | null): Exposure {
  if (failureAt === null) return { writesAfterFailure: null, bytesAfterFailure: null, seconds: null };
  const conns = callConnections(run);
  const acked = new Map<string, ReturnType<typeof ackedAt>>();
  const ackFn = (c: ConnId): ReturnType<typeof ackedAt> => {
    const k = `${c.host}:${c.lport}>${c.peer}:${c.pport}`;
    let f = acked.get(k);
    if (!f) acked.set(k, (f = ackedAt(run.packets, c)));
    return f;
  };
  let writes = 0;
  let bytes = 0;
  let last = failureAt;
  for (const idx of appCalls(run.calls).values()) {
    const calls = idx.map((i) => run.calls[i] as (typeof run.calls)[number]);
    const learned = calls.find((c) => !c.pending && c.t >= failureAt && ((c.errno !== undefined && !TRANSIENT.has(c.errno)) || (c.call === 'recv' && c.result === 0)))?.t ?? Infinity;
    let lastRecv = -Infinity;
    for (const c of calls) if (!c.pending && c.call === 'recv' && typeof c.result === 'number' && c.result > 0) lastRecv = c.t;
    let conn: ConnId | undefined;
    let sent = 0; // bytes written on `conn` so far
    idx.forEach((i, n) => {
      const c = calls[n] as (typeof calls)[number];
      const cid = conns.get(i);
      if (cid) [conn, sent] = [cid, 0];
      if (c.call !== 'send' || c.pending || typeof c.result !== 'number' || c.result <= 0) return;
      sent += c.result;
      if (c.t < failureAt || c.t >= learned) return;
      const dead = conn ? ackFn(conn)(sent) === undefined : !(c.t < lastRecv);
      if (!dead) return;
      writes++;
      bytes += c.result;
      if (c.t > last) last = c.t;
    });
  }
  return { writesAfterFailure: writes, bytesAfterFailure: bytes, seconds: round6(last - failureAt) };
}
