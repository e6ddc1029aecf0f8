/**
 * The application-heartbeat alternative, for when TCP keepalive cannot meet the constraints:
 * above all through a proxy that terminates TCP (seed 003: "keepalive probes are not forwarded,
 * so keepalive only checks the hop to the proxy"; AWS ALB and HAProxy idle timers count data
 * only, nat.md §3, src/net/proxy/profiles.ts). The heartbeat is the ping/pong program of
 * src/apps/pingpong.ts: a ping every `interval`, `timeout` to answer, `misses` in a row declare
 * the peer dead, so a peer that dies at d is declared dead by d + misses·interval + timeout.
 */
import { Rng } from '../engine/rng.ts';
import { proxyConfig, type ProxyProfileName } from '../net/proxy/profiles.ts';
import type { ScenarioInput } from '../scenarios/schema.ts';
import { simulate } from './evidence.ts';
import type { Triple } from './model.ts';

export interface HeartbeatPlan {
  /** seconds between pings */
  interval: number;
  /** seconds a ping has to be answered */
  timeout: number;
  misses: number;
  /** worst case from the peer's death to the verdict: misses·interval + timeout */
  detectBound: number;
}

export interface HeartbeatEvidence {
  runs: number;
  /** seconds from the server's crash to the client's verdict, per seed (null: never) */
  detect: (number | null)[];
  falseAlarms: number;
  liveConnectionHours: number;
  /** live runs in which no middlebox closed the connection */
  survived: number;
  packetsPerHour: number[];
}

/** The proxy's data-idle limit on either leg, seconds (Infinity without one). */
export function proxyIdleLimit(profile: ProxyProfileName): number {
  const c = proxyConfig(profile, { listen: 1, target: { host: 'x', port: 1 } });
  const t = [c.timeoutClient, c.timeoutServer].filter((x) => x > 0);
  return t.length ? Math.min(...t) / 1e6 : Infinity;
}

/**
 * The cheapest heartbeat (longest interval) that notices a dead peer within `detectWithin` and
 * sends data more often than every `idleLimit` seconds. Three misses so that two late pongs
 * are never fatal; a timeout long enough for TCP to retransmit a lost ping or pong twice
 * (TLP, then RTO ≥ 200 ms, doubling: linux-keepalive.md §3) — at least 2 s.
 */
export function bestHeartbeat(detectWithin: number, idleLimit: number, rtt: number): HeartbeatPlan | null {
  const misses = 3;
  const timeout = Math.max(2, Math.ceil(10 * rtt));
  const byDetect = Math.floor((detectWithin - timeout) / misses);
  const byIdle = Number.isFinite(idleLimit) ? Math.ceil(idleLimit - 2 * rtt) - 1 : Infinity;
  const interval = Math.min(byDetect, byIdle);
  if (interval < 1 || interval < timeout) return null;
  return { interval, timeout, misses, detectBound: misses * interval + timeout };
}

const PORT = 7000;

/** The one middlebox of the path: an application proxy, or a NAT (profile and/or idle timeout, s). */
export type Box = { proxy: ProxyProfileName } | { nat: { profile?: string; idle?: number } } | null;

function middleboxes(box: Box): NonNullable<ScenarioInput['path']>['middleboxes'] {
  if (!box) return [];
  if ('proxy' in box) return [{ type: 'proxy', name: 'proxy', profile: box.proxy, listen: PORT, target: { host: 'server', port: PORT } }];
  return [{ type: 'nat', ...(box.nat.profile ? { profile: box.nat.profile as never } : {}), ...(box.nat.idle !== undefined ? { established: box.nat.idle } : {}) }];
}

function scenario(h: HeartbeatPlan | null, ka: Triple | null, box: Box, rtt: number, loss: number, until: number): ScenarioInput {
  const to = box && 'proxy' in box ? 'proxy' : 'server';
  const client = h
    ? { host: 'client', program: { kind: 'ping-client' as const, to, port: PORT, ping: { interval: h.interval, timeout: h.timeout, misses: h.misses } } }
    : { host: 'client', steps: [{ at: 1, call: 'connect' as const, to, port: PORT }, { call: 'recv' as const }] };
  return {
    name: 'advisor-heartbeat',
    until,
    hosts: {
      client: { socket: ka ? { SO_KEEPALIVE: true, TCP_KEEPIDLE: ka.idle, TCP_KEEPINTVL: ka.intvl, TCP_KEEPCNT: ka.cnt } : {} },
      server: {},
    },
    path: {
      latency: rtt / 2,
      loss,
      middleboxes: middleboxes(box),
    },
    apps: [h ? { host: 'server', program: { kind: 'ping-server' as const, port: PORT } } : { host: 'server', steps: [{ call: 'listen' as const, port: PORT }, { call: 'accept' as const }, { call: 'recv' as const, loop: true }] }, client],
  };
}

/**
 * Simulate a heartbeat (or, with `h` null, client-side TCP keepalive `ka`) through the box:
 * the server crashes at a random phase; then live runs on the lossy path.
 */
export function gatherHeartbeat(h: HeartbeatPlan | null, ka: Triple | null, box: Box, o: { rtt: number; loss: number; seeds: number; liveHours: number; horizon: number }): HeartbeatEvidence {
  const rng = Rng.root('advisor-heartbeat').fork(h ? `${h.interval}/${h.timeout}/${h.misses}` : `ka`);
  const period = h ? h.interval : (ka?.idle ?? 60);
  const detect: (number | null)[] = [];
  for (let k = 0; k < o.seeds; k++) {
    const fail = Math.round((2 + period + rng.next() * period) * 1e3) / 1e3;
    const sc = { ...scenario(h, ka, box, o.rtt, 0, fail + o.horizon), faults: [{ at: fail, type: 'crash' as const, host: 'server' }] };
    detect.push(simulate(sc, k + 1).detect.byHost['client'] ?? null);
  }
  let falseAlarms = 0;
  let survived = 0;
  const pph: number[] = [];
  for (let k = 0; k < o.seeds; k++) {
    const m = simulate(scenario(h, ka, box, o.rtt, o.loss, o.liveHours * 3600), 1000 + k);
    if (m.falseAlarm) falseAlarms++;
    if (m.nat.survived !== false) survived++;
    if (m.overhead.packetsPerHour !== null) pph.push(m.overhead.packetsPerHour);
  }
  return { runs: 2 * o.seeds, detect, falseAlarms, liveConnectionHours: o.seeds * o.liveHours, survived, packetsPerHour: pph };
}
