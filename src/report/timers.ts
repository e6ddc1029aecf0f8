/**
 * Socket timer views at one instant, as `netstat -tno` and `ss -tno` print them
 * (seed 004: `keepalive (12.19/0/0)` = seconds left / retransmits / probes out).
 * Which timer is shown follows /proc/net/tcp (get_tcp4_sock): the retransmit timer
 * ("on") first, then keepalive, then off; TIME_WAIT sockets show "timewait".
 */
import type { Conn } from '../tcp/conn.ts';
import type { Host } from '../net/host.ts';

export interface TimerRow {
  host: string;
  state: string;
  local: string;
  peer: string;
  recvQ: number;
  sendQ: number;
  timer: 'on' | 'keepalive' | 'timewait' | 'off';
  /** seconds until the timer fires */
  left: number;
  retransmits: number;
  probes: number;
}

/** The keepalive timer is armed: the machine is idle or probing (src/tcp/keepalive/). */
function kaArmed(c: Conn): boolean {
  const m = c.ka?.state;
  return m === 'idle' || m === 'probing';
}

export function timerRow(c: Conn, now: number): TimerRow {
  let timer: TimerRow['timer'] = 'off';
  let expires = now;
  const tw = c.sim.timeOf(c.timeWaitTimer);
  const rtx = c.sim.timeOf(c.rtxTimer);
  if (c.state === 'TIME_WAIT' && tw !== undefined) {
    timer = 'timewait';
    expires = tw;
  } else if (rtx !== undefined) {
    timer = 'on';
    expires = rtx;
  } else if (kaArmed(c)) {
    timer = 'keepalive';
    expires = c.kaExpires;
  }
  return {
    host: c.stack.name,
    state: c.state,
    local: `${c.lip}:${c.lport}`,
    peer: `${c.rip}:${c.rport}`,
    recvQ: c.rcvBuf,
    sendQ: c.inFlight + c.unsent,
    timer,
    left: Math.max(0, expires - now) / 1e6,
    retransmits: c.retransmits,
    probes: c.probesOut,
  };
}

export function timerRows(hosts: Iterable<Host>, now: number): TimerRow[] {
  const rows: TimerRow[] = [];
  for (const h of hosts) for (const c of h.connections()) rows.push(timerRow(c, now));
  return rows;
}

/** `netstat -tno` lines: `tcp  0  0 10.0.0.2:80  10.0.0.1:40000  ESTABLISHED keepalive (12.19/0/0)`. */
export function formatNetstat(rows: TimerRow[]): string[] {
  return rows.map(
    (r) =>
      `${r.host.padEnd(8)} tcp ${String(r.recvQ).padStart(6)} ${String(r.sendQ).padStart(6)} ${r.local.padEnd(21)} ${r.peer.padEnd(21)} ${r.state.padEnd(11)} ${r.timer} (${r.left.toFixed(2)}/${r.retransmits}/${r.probes})`,
  );
}
