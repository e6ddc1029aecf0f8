/**
 * Proxy profiles: named behaviours of an application-level proxy hop (nat.md §3, §6, §7).
 * A proxy terminates TCP on each leg; its timers count only payload bytes, so TCP keepalive
 * probes (answered by the proxy's own kernel) never reset them.
 *
 * - `socks5`: a SOCKS5 relay (seed 003's weakness: "keepalive probes are not forwarded, so
 *   keepalive only checks the hop to the proxy"). No idle timeout and no keepalive on either
 *   leg (ssh -D's forwarded sockets; Dante is `dante-1.4` below: it turns keepalive on).
 * - `dante-1.4`: Debian 12's Dante sockd 1.4.2 as recorded (test/fixtures/programs/dante-*):
 *   a `socks5` relay that sets SO_KEEPALIVE on both legs, with the kernel's keepalive times
 *   (danted(8) `-n`: "Disables TCP keep-alive messages. Normally Dante enables TCP keep-alive
 *   messages"; the recording's `ss -tno` shows timer:(keepalive,…) on both legs) and no I/O
 *   timeout for a TCP session by default (danted.conf(5) `timeout.io`: "The default is 0, meaning forever"). Its probes of a dead
 *   server therefore start only after tcp_keepalive_time (2 h by default) — far too late to
 *   save the client of seed 003.
 * - `haproxy-2.6`: Debian 12's HAProxy 2.6.12 as recorded (test/fixtures/programs/haproxy-*):
 *   the `haproxy` rules, confirmed: millisecond timers (`timeout client` / `timeout server`
 *   in ms), a leg's inactivity timer refreshed by data read *or written* on it (HAProxy
 *   configuration manual, "option independent-streams": "By default, when data is sent over
 *   a socket, both the write timeout and the read timeout for that socket are refreshed"),
 *   never by keepalive probes (answered by its kernel). How it ends a session differs from
 *   `haproxy` (read in the v2.6 sources, ./proxy.ts `HalfClose`): a timeout shuts only
 *   the reading of that leg and sends a FIN on the other (src/stream.c `process_stream`:
 *   `channel_check_timeouts`, then `sc_shutr`; log state cD / sD); the other direction
 *   stays open until its own end; and a server connection HAProxy never read a FIN from is
 *   closed with SO_LINGER 0 — a FIN then at once a RST (src/proto_tcp.c
 *   `tcp_connect_server` sets FD_LINGER_RISK, include/haproxy/connection.h
 *   `conn_sock_read0` clears it, src/fd.c `fd_delete` applies it).
 * - `haproxy`: HAProxy in TCP mode. `timeout client` (inside leg) and `timeout server`
 *   (outside leg) are inactivity timers [doc: HAProxy configuration manual, "timeout
 *   server": "maximum inactivity time on the server side"]; 50 s each as in HAProxy's
 *   example configurations [mem]. `option clitcpka` / `srvtcpka` = SO_KEEPALIVE per leg.
 * - `aws-alb`: AWS Application Load Balancer, idle timeout 60 s on both legs, reset only
 *   by data: "send at least 1 byte"; "TCP keep-alive probes do not prevent the load
 *   balancer from terminating the connection" [doc: ALB edit-load-balancer-attributes,
 *   CLB config-idle-timeout; nat.md §3 row aws-alb].
 */
import type { Micros } from '../../engine/time.ts';
import type { SockOptName } from '../../os/profile.ts';

const S = 1_000_000;

/** Socket options the proxy sets on one leg's sockets (HAProxy clitcpka/srvtcpka and friends). */
export type LegOptions = Partial<Record<SockOptName, number | boolean>>;

export interface ProxyConfig {
  /** port the proxy listens on at its own address */
  listen: number;
  /** where each accepted connection is relayed (SOCKS5: the CONNECT request's destination) */
  target: { host: string; port: number };
  /** inactivity timeout of the inside (client) leg; 0 = none */
  timeoutClient: Micros;
  /** inactivity timeout of the outside (server) leg; 0 = none */
  timeoutServer: Micros;
  /** options applied to the inside leg's listening socket (accepted sockets inherit them) */
  clientSocket: LegOptions;
  /** options applied to each outside leg socket before connect() */
  serverSocket: LegOptions;
  /** one-way latency between the inside host and the proxy */
  latency: Micros;
  /**
   * how a session ends: `both-legs` — an idle timeout or an end of stream on one leg closes
   * both with close(); `haproxy-2.6` — as recorded (./proxy.ts `HalfClose`): a leg's end is
   * passed on as a FIN to the other leg, each leg closes once both its directions are shut,
   * and a server leg whose FIN was never read is closed with SO_LINGER 0 (a RST after its FIN)
   */
  closing: 'both-legs' | 'haproxy-2.6';
}

export const PROXY_PROFILE_NAMES = ['socks5', 'haproxy', 'aws-alb', 'haproxy-2.6', 'dante-1.4'] as const;
export type ProxyProfileName = (typeof PROXY_PROFILE_NAMES)[number];

type ProfileFields = Omit<ProxyConfig, 'listen' | 'target'>;

const base: ProfileFields = { timeoutClient: 0, timeoutServer: 0, clientSocket: {}, serverSocket: {}, latency: 0, closing: 'both-legs' };

export const PROXY_PROFILES: Record<ProxyProfileName, ProfileFields> = {
  socks5: base,
  haproxy: { ...base, timeoutClient: 50 * S, timeoutServer: 50 * S },
  'aws-alb': { ...base, timeoutClient: 60 * S, timeoutServer: 60 * S },
  'haproxy-2.6': { ...base, timeoutClient: 50 * S, timeoutServer: 50 * S, closing: 'haproxy-2.6' },
  'dante-1.4': { ...base, clientSocket: { SO_KEEPALIVE: true }, serverSocket: { SO_KEEPALIVE: true } },
};

/** A profile with overrides; listen port and target are always given by the scenario. */
export function proxyConfig(profile: ProxyProfileName, cfg: Pick<ProxyConfig, 'listen' | 'target'> & Partial<ProfileFields>): ProxyConfig {
  const p = PROXY_PROFILES[profile];
  return { ...p, ...cfg, clientSocket: { ...p.clientSocket, ...cfg.clientSocket }, serverSocket: { ...p.serverSocket, ...cfg.serverSocket } };
}
