/**
 * The world at one virtual instant, for the scrubber:
 * - each connection's TCP state and keepalive-machine state, folded from the trace's
 *   `state` and `machine` events (what `-v` prints), and the packets seen so far;
 * - `netstat -tno` timers and the NATs' `conntrack -L` tables, taken by running the same
 *   scenario up to that instant with the tables requested there, exactly as
 *   `keepalive-lab run --timers T --conntrack T` takes them.
 */
import type { TraceEvent } from '../../../src/engine/trace.ts';
import { formatNetstat } from '../../../src/report/timers.ts';
import { formatConntrack } from '../../../src/report/conntrack.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { simulate, type LabState } from './session.ts';

export interface SocketAt {
  host: string;
  conn: string;
  tcp: string;
  /** keepalive machine: off, idle, probing, dead (— before the machine exists) */
  machine: string;
}

export function socketsAt(events: readonly TraceEvent[], t: number): SocketAt[] {
  const by = new Map<string, SocketAt>();
  const get = (host: string, conn: string): SocketAt => {
    let s = by.get(conn);
    if (!s) by.set(conn, (s = { host, conn, tcp: 'CLOSED', machine: '—' }));
    return s;
  };
  for (const e of events) {
    if (e.t > t) break;
    if (e.kind === 'state') get(e.host, e.conn).tcp = e.to;
    else if (e.kind === 'machine') get(e.host, e.conn).machine = e.to;
  }
  return [...by.values()];
}

/** The diagram node (stateDiagram ids) a machine state is drawn as. */
export const MACHINE_NODE: Record<string, string> = { off: 'keepalive_off', idle: 'keepalive_armed_idle', probing: 'keepalive_armed_probing', check: 'keepalive_armed_check', dead: 'keepalive_dead' };

export interface Tables {
  t: number;
  /** formatNetstat lines, as under `== timers at T ==` */
  netstat: string[];
  /** formatConntrack lines; null when the path has no NAT */
  conntrack: string[] | null;
}

export function tablesAt(sc: Scenario, s: LabState, t: number): Tables {
  const r = simulate(sc, s, { snapshot: t });
  const timers = r.timerTables.find((x) => x.t === t);
  const ct = r.conntrackTables.find((x) => x.t === t);
  return { t, netstat: formatNetstat(timers?.rows ?? []), conntrack: sc.path.middleboxes.some((m) => m.type === 'nat') ? formatConntrack(ct?.rows ?? []) : null };
}
