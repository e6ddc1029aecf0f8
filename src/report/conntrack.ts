/**
 * A NAT's table at one instant, as `conntrack -L` prints it (conntrack-tools):
 * `tcp 6 <seconds left> <STATE> src= dst= sport= dport= [UNREPLIED] src= dst= sport= dport= [ASSURED]`,
 * the original tuple (inside host → remote) then the reply tuple (remote → NAT address).
 * Seconds left are truncated, as the kernel reports them.
 */
import type { Micros } from '../engine/time.ts';
import type { Nat } from '../net/nat/nat.ts';

export interface ConntrackRow {
  nat: string;
  state: string;
  /** whole seconds until the entry expires */
  left: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** the reply tuple's destination: the NAT's address and port */
  natIp: string;
  natPort: number;
  unreplied: boolean;
  assured: boolean;
}

export function conntrackRows(nat: Nat, now: Micros): ConntrackRow[] {
  return nat.entries().map((e) => ({
    nat: nat.name,
    state: e.ct.state,
    left: Math.floor((e.expiresAt - now) / 1e6),
    src: e.src,
    dst: e.dst,
    sport: e.sport,
    dport: e.dport,
    natIp: nat.ip,
    natPort: e.port,
    unreplied: !e.ct.seenReply,
    assured: e.ct.assured,
  }));
}

/** `nat      tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.2 dst=203.0.113.1 sport=80 dport=40000 [ASSURED]` */
export function formatConntrack(rows: ConntrackRow[]): string[] {
  return rows.map((r) =>
    [
      r.nat.padEnd(8),
      'tcp      6',
      String(r.left),
      r.state,
      `src=${r.src} dst=${r.dst} sport=${r.sport} dport=${r.dport}`,
      ...(r.unreplied ? ['[UNREPLIED]'] : []),
      `src=${r.dst} dst=${r.natIp} sport=${r.dport} dport=${r.natPort}`,
      ...(r.assured ? ['[ASSURED]'] : []),
    ].join(' '),
  );
}
