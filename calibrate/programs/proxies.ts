/**
 * A scenario's proxy middlebox played by a real proxy in the router namespace: HAProxy
 * (profiles haproxy, haproxy-2.6) or Dante's sockd (socks5, dante-1.4). The proxy's address
 * is added to the router (so packets to it are delivered locally) and used as the source of
 * its server-side connections, as the simulator's proxy does; the captures at the two hosts
 * then name it by the middlebox's name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxySpec, Scenario } from '../../src/scenarios/schema.ts';
import type { Topology } from '../netns.ts';
import { run } from '../sh.ts';
import { Proc } from './proc.ts';
import { debVersion } from './real.ts';

export interface RealProxy {
  version: string;
  proc: Proc;
  /** its own account of each session's end, when it gives one */
  events(): { us: number; detail: string }[];
}

export function proxyOf(sc: Scenario): ProxySpec | undefined {
  return sc.path.middleboxes.find((m): m is ProxySpec => m.type === 'proxy');
}

const HAPROXY = new Set(['haproxy', 'haproxy-2.6']);
export const SOCKS_PROFILES = new Set(['socks5', 'dante-1.4']);

export function proxyRefusals(sc: Scenario): string[] {
  const box = proxyOf(sc);
  if (!box) return [];
  const out: string[] = [];
  if (!HAPROXY.has(box.profile) && !SOCKS_PROFILES.has(box.profile)) out.push(`proxy profile '${box.profile}' has no real program here (haproxy, haproxy-2.6, socks5, dante-1.4)`);
  if ((box.latency ?? 0) > 1_000) out.push('proxy latency: this kernel has no netem; leave it out or under 1 ms');
  for (const f of sc.faults) if ((f.type === 'cut' || f.type === 'restore') && (f.direction ?? 'both') !== 'both') out.push(`faults: a one-way ${f.type} beyond a proxy is not supported (both ways only)`);
  return out;
}

export async function startProxy(topo: Topology, box: ProxySpec, dir: string): Promise<RealProxy> {
  const target = topo.host(box.target.host);
  // The proxy's address on the router's leg towards the target: local delivery for the
  // clients' packets, and the source of its own connections (`source` / `external`).
  await run(['ip', '-n', topo.router, 'addr', 'add', `${box.ip}/32`, 'dev', target.routerIf]);
  return HAPROXY.has(box.profile) ? haproxy(topo.router, box, target.ip, dir) : dante(topo.router, box, dir);
}

const secs = (us: number): string => `${Math.round(us / 1000)}ms`;

/** The leg options of the scenario as HAProxy keywords (clitcpka/srvtcpka and their -idle/-intvl/-cnt, HAProxy >= 2.2). */
function tcpka(side: 'cli' | 'srv', o: Record<string, unknown> | undefined): string[] {
  if (!o?.['SO_KEEPALIVE']) return [];
  const out = [`  option ${side}tcpka`];
  if (o['TCP_KEEPIDLE'] !== undefined) out.push(`  ${side}tcpka-idle ${String(o['TCP_KEEPIDLE'])}s`);
  if (o['TCP_KEEPINTVL'] !== undefined) out.push(`  ${side}tcpka-intvl ${String(o['TCP_KEEPINTVL'])}s`);
  if (o['TCP_KEEPCNT'] !== undefined) out.push(`  ${side}tcpka-cnt ${String(o['TCP_KEEPCNT'])}`);
  return out;
}

async function haproxy(ns: string, box: ProxySpec, targetIp: string, dir: string): Promise<RealProxy> {
  const cfg = join(dir, 'haproxy.cfg');
  // timeouts: the scenario's, else the model profile's 50 s (sim/…/profiles.ts)
  const tc = box.timeoutClient ?? 50_000_000;
  const ts = box.timeoutServer ?? 50_000_000;
  writeFileSync(
    cfg,
    [
      'global',
      '  log stdout format raw local0 info',
      'defaults',
      '  mode tcp',
      '  log global',
      '  option tcplog',
      '  timeout connect 5s',
      ...(tc > 0 ? [`  timeout client ${secs(tc)}`] : []),
      ...(ts > 0 ? [`  timeout server ${secs(ts)}`] : []),
      ...tcpka('cli', box.clientSocket),
      ...tcpka('srv', box.serverSocket),
      'frontend fe',
      `  bind ${box.ip}:${box.listen}`,
      '  default_backend be',
      'backend be',
      `  server s1 ${targetIp}:${box.target.port} source ${box.ip}`,
      '',
    ].join('\n'),
  );
  const proc = new Proc(box.name, ns, ['/usr/sbin/haproxy', '-db', '-f', cfg]);
  proc.start();
  await proc.waitListening(box.listen);
  return {
    version: `HAProxy ${await debVersion('haproxy')}`,
    proc,
    // option tcplog: "... fe be/s1 1/0/15001 2 sD-- ..." — the termination state's first two
    // letters say who ended the session and in which phase (configuration.txt §8.5: c/s =
    // client/server-side timeout, D = data phase).
    events: () =>
      proc.lines.flatMap((l) => {
        const m = /\s([a-zA-Z-]{2})-- \d/.exec(l.text) ?? /\s([a-zA-Z-]{2})--\s/.exec(l.text);
        if (!m?.[1] || !/ fe /.test(l.text)) return [];
        const why: Record<string, string> = { cD: 'timeout client (data phase): closing both legs', sD: 'timeout server (data phase): closing both legs', '--': 'normal end of the session', CD: 'the client aborted', SD: 'the server aborted' };
        return [{ us: l.us, detail: `haproxy log ${m[1]}: ${why[m[1]] ?? 'session ended'}` }];
      }),
  };
}

async function dante(ns: string, box: ProxySpec, dir: string): Promise<RealProxy> {
  const cfg = join(dir, 'danted.conf');
  writeFileSync(
    cfg,
    [
      'logoutput: stderr',
      `internal: ${box.ip} port = ${box.listen}`,
      `external: ${box.ip}`,
      'clientmethod: none',
      'socksmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect disconnect error }',
      'socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect disconnect error iooperation }',
      '',
    ].join('\n'),
  );
  // -N 1: one process of each kind is enough; no -D: stay in the foreground
  const proc = new Proc(box.name, ns, ['/usr/sbin/danted', '-f', cfg, '-N', '1']);
  proc.start();
  await proc.waitListening(box.listen);
  return { version: `Dante ${await debVersion('dante-server')}`, proc, events: () => [] };
}
