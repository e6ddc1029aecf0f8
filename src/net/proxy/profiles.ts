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
 *   never by keepalive probes (answered by its kernel), and both legs closed with a FIN when
 *   one times out (log termination state cD / sD).
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
}

export const PROXY_PROFILE_NAMES = ['socks5', 'haproxy', 'aws-alb', 'haproxy-2.6', 'dante-1.4'] as const;
export type ProxyProfileName = (typeof PROXY_PROFILE_NAMES)[number];

type ProfileFields = Omit<ProxyConfig, 'listen' | 'target'>;

const base: ProfileFields = { timeoutClient: 0, timeoutServer: 0, clientSocket: {}, serverSocket: {}, latency: 0 };

export const PROXY_PROFILES: Record<ProxyProfileName, ProfileFields> = {
  socks5: base,
  haproxy: { ...base, timeoutClient: 50 * S, timeoutServer: 50 * S },
  'aws-alb': { ...base, timeoutClient: 60 * S, timeoutServer: 60 * S },
  'haproxy-2.6': { ...base, timeoutClient: 50 * S, timeoutServer: 50 * S },
  'dante-1.4': { ...base, clientSocket: { SO_KEEPALIVE: true }, serverSocket: { SO_KEEPALIVE: true } },
};

/** A profile with overrides; listen port and target are always given by the scenario. */
export function proxyConfig(profile: ProxyProfileName, cfg: Pick<ProxyConfig, 'listen' | 'target'> & Partial<ProfileFields>): ProxyConfig {
  const p = PROXY_PROFILES[profile];
  return { ...p, ...cfg, clientSocket: { ...p.clientSocket, ...cfg.clientSocket }, serverSocket: { ...p.serverSocket, ...cfg.serverSocket } };
}
