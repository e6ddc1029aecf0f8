/**
 * Which connection each application's calls used, recovered from a saved run document (its
 * calls carry no connection): a `connect()` that succeeded at t on host H is the connection
 * of H that became ESTABLISHED (from SYN_SENT) at t towards the call's `to:port`; an
 * `accept()` returning at t takes the oldest connection of H that became ESTABLISHED (from
 * SYN_RECV) at or before t and was not yet accepted — the kernel's accept queue is FIFO
 * (net/ipv4/inet_connection_sock.c inet_csk_accept → reqsk_queue_remove).
 */
import type { CallRecord, PacketRecord, RunJson } from '../scenarios/result.ts';

export interface ConnId {
  host: string;
  lport: number;
  peer: string;
  pport: number;
}

const CONN = /^([^:]+):(\d+)>([^:]+):(\d+) (SYN_SENT|SYN_RECV) -> ESTABLISHED$/;

/** For each successful connect/accept call (by its index in run.calls), the connection it gave. */
export function callConnections(run: RunJson): Map<number, ConnId> {
  const established: (ConnId & { t: number; active: boolean; taken: boolean })[] = [];
  for (const e of run.events) {
    if (e.kind !== 'state' || !e.host) continue;
    const m = CONN.exec(e.detail);
    if (!m || m[1] !== e.host) continue;
    established.push({ host: e.host, lport: Number(m[2]), peer: m[3] as string, pport: Number(m[4]), t: e.t, active: m[5] === 'SYN_SENT', taken: false });
  }
  const out = new Map<number, ConnId>();
  run.calls.forEach((c, i) => {
    if (c.errno !== undefined || c.pending) return;
    let hit: (typeof established)[number] | undefined;
    if (c.call === 'connect') {
      const to = c.args?.['to'];
      const port = c.args?.['port'];
      hit = established.find((x) => !x.taken && x.active && x.host === c.host && x.t === c.t && x.peer === to && x.pport === port);
    } else if (c.call === 'accept') {
      hit = established.find((x) => !x.taken && !x.active && x.host === c.host && x.t <= c.t);
    }
    if (!hit) return;
    hit.taken = true;
    out.set(i, { host: hit.host, lport: hit.lport, peer: hit.peer, pport: hit.pport });
  });
  return out;
}

/**
 * Times at which the host learned that its first `bytes` bytes sent on the connection were
 * acknowledged: the first ACK received with a relative ack ≥ bytes + 1 (the SYN takes one
 * sequence number). Undefined when they never were.
 */
export function ackedAt(packets: readonly PacketRecord[], c: ConnId): (bytes: number) => number | undefined {
  const acks: { t: number; ack: number }[] = [];
  for (const p of packets) {
    if (p.at !== c.host || p.dir !== 'rx' || p.side || p.dropped) continue;
    if (p.src !== c.peer || p.sport !== c.pport || p.dport !== c.lport || !p.flags.includes('.')) continue;
    acks.push({ t: p.t, ack: p.ack });
  }
  return (bytes) => acks.find((a) => a.ack >= bytes + 1)?.t;
}

/** The calls of one application, by index, in order. */
export function appCalls(calls: readonly CallRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  calls.forEach((c, i) => {
    const k = `${c.host}|${c.app}`;
    const list = out.get(k) ?? [];
    list.push(i);
    out.set(k, list);
  });
  return out;
}
