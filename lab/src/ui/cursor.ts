/**
 * The panel under the scrubber: at the cursor's instant, each connection's TCP state and
 * keepalive-machine state, the packets so far, `netstat -tno` with its timer column and
 * the NAT's `conntrack -L` table (the same lines `run --timers T --conntrack T` prints).
 */
import type { RunOutcome } from '../../../src/scenarios/run.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';
import { socketsAt, tablesAt } from '../core/snapshot.ts';
import type { LabState } from '../core/session.ts';
import { h, secs } from './dom.ts';

export function renderCursor(root: HTMLElement, r: RunOutcome, sc: Scenario, state: LabState, t: number): { tables: () => void } {
  const socks = socketsAt(r.world.sim.trace.events, t);
  const sent = r.json.packets.filter((p) => p.dir === 'tx' && !p.side && p.t * 1e6 <= t + 0.5).length;
  const all = r.json.packets.filter((p) => p.dir === 'tx' && !p.side).length;
  const table = h(
    'table',
    { id: 'sockets' },
    h('caption', { class: 'sr-only' }, `Connections at ${secs(t)} s`),
    h('thead', {}, h('tr', {}, ...['host', 'connection', 'TCP state', 'keepalive machine'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, ...(socks.length ? socks.map((s) => h('tr', {}, h('td', {}, s.host), h('td', { class: 'mono' }, s.conn), h('td', { class: 'mono' }, s.tcp), h('td', { class: 'mono' }, s.machine))) : [h('tr', {}, h('td', { colspan: 4 }, 'no connection yet'))])),
  );
  const netstat = h('pre', { class: 'table', id: 'netstat', 'aria-live': 'polite' }, '…');
  const hasNat = sc.path.middleboxes.some((m) => m.type === 'nat');
  const conntrack = hasNat ? h('pre', { class: 'table', id: 'conntrack' }, '…') : null;
  root.replaceChildren(
    h('p', { class: 'status' }, `${sent} of ${all} packets sent by ${secs(t)} s`),
    h('div', { class: 'scroll' }, table),
    socks.some((x) => x.machine === '—') ? h('p', { class: 'status' }, '— : keepalive was never enabled on that socket') : '',
    h('h3', {}, 'netstat -tno ', h('span', { class: 'status' }, '(host, Recv-Q, Send-Q, local, peer, state, timer (seconds left/retransmits/probes))')),
    netstat,
    ...(conntrack ? [h('h3', {}, 'conntrack -L ', h('span', { class: 'status' }, '(NAT, proto, seconds left, state, original tuple, reply tuple, flags)')), conntrack] : []),
  );
  return {
    tables() {
      const tb = tablesAt(sc, state, t);
      netstat.textContent = tb.netstat.length ? tb.netstat.join('\n') : '(no connections)';
      if (conntrack) conntrack.textContent = tb.conntrack?.length ? tb.conntrack.join('\n') : '(no entries)';
    },
  };
}
