/**
 * close() with SO_LINGER {l_onoff 1, l_linger 0} for the proxy's own sockets: the abortive
 * close HAProxy uses on a server connection it never read a FIN from (./haproxy.ts).
 *
 * HOOK, to be replaced: the simulated socket API has no SO_LINGER yet (it is being added to
 * src/tcp by the calibration-gate work). Until then this does, on the proxy's own stack only,
 * what Linux's tcp_close() does for a lingering-0 socket (net/ipv4/tcp.c `__tcp_close` ->
 * `tcp_disconnect`): a RST|ACK at SND.NXT where `tcp_need_reset()` holds (ESTABLISHED,
 * CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, SYN_RECV), then CLOSED at once — no FIN, no TIME_WAIT.
 * Once the socket API offers it, this becomes `sock.setsockopt('SO_LINGER', 0); sock.close()`.
 */
import { tcpDone } from '../../tcp/close.ts';
import { sendActiveReset } from '../../tcp/output.ts';
import type { Socket } from '../../tcp/socket.ts';

const NEED_RESET = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'SYN_RECV']);

export function closeLingerZero(sock: Socket): void {
  const c = sock.conn;
  if (c && !c.done) {
    if (NEED_RESET.has(c.state)) sendActiveReset(c);
    tcpDone(c, null, 'close with SO_LINGER 0');
  }
  sock.close();
}
