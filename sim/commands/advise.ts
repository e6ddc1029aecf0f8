/**
 * `keepalive-lab advise`: constraints in, settings out, with the simulated evidence and
 * the lines to apply them (docs/advisor.md). Exit 0 when every simulated check met its
 * target, 3 when the simulation contradicts the advice (printed anyway), 2 on bad input.
 */
import { advise, type Advice, type AdvisorOs, type Check, type Triple } from '../../src/advisor/index.ts';
import type { NatProfileName } from '../../src/net/nat/profiles.ts';
import type { ProxyProfileName } from '../../src/net/proxy/profiles.ts';
import { AdviceFailedError, InputError } from '../errors.ts';
import { round3 } from '../../src/metrics/round.ts';
import { quantile } from '../../src/sweep/stats.ts';

const r3 = round3;

function checkLines(checks: Check[]): string[] {
  const w = Math.max(...checks.map((c) => c.what.length));
  return checks.map((c) => `  ${c.ok ? 'ok  ' : 'MISS'} ${c.what.padEnd(w)}  target ${c.target}; measured ${c.measured}`);
}

export function formatAdvice(a: Advice): string[] {
  const i = a.input;
  const out: string[] = [];
  const nat = i.proxy ? `${i.proxy} proxy` : a.natIdle === null ? 'no NAT' : `NAT ${i.natProfile ?? 'on the path'} (idle timeout ${a.natIdle} s)`;
  out.push(`Constraints: ${nat}; notice a dead peer within ${i.detectWithin} s; ${r3(i.loss * 100)} % loss each way; RTT ${r3(i.rtt * 1000)} ms; ${(i.oses ?? ['linux']).map((x) => (x === 'linux' ? `linux HZ ${i.hz}` : x)).join(', ')}; keepalive on: ${i.side}; ≤ ${i.falseAlarmBudget} false alarms per connection-year.`);
  out.push('');
  const rec = a.recommendation;
  if (!rec || !a.evidence || !a.snippets) {
    out.push(...a.notes);
    if (a.keepaliveThroughProxy) {
      out.push('', 'TCP keepalive on the client, through the proxy (simulated):', ...checkLines(a.keepaliveThroughProxy.checks));
    }
    if (a.heartbeat) out.push('', ...heartbeatLines(a));
    return out;
  }
  out.push(i.given ? 'Settings checked (--check):' : 'Recommendation (TCP keepalive):');
  out.push(`  TCP_KEEPIDLE ${rec.idle} s, TCP_KEEPINTVL ${rec.intvl} s, TCP_KEEPCNT ${rec.cnt}, TCP_USER_TIMEOUT ${rec.userTimeoutMs ? `${rec.userTimeoutMs} ms` : 'not set'}`);
  out.push(`  model: detection ≤ ${r3(rec.detectBound)} s; NAT sees a packet at least every ${r3(rec.refreshBound)} s; ${rec.falseAlarmsPerYear.toPrecision(2)} false alarms per connection-year; ${Math.round(rec.packetsPerHour)} packets/h (${r3(rec.bytesPerHour / 1000)} kB/h) per connection with one end probing`);
  out.push('');
  out.push(`Evidence (simulated: ${a.byOs.reduce((n, b) => n + b.evidence.runs, 0)} runs; measured overhead, median: ${median(a.evidence.packetsPerHour)} packets/h per connection${i.side === 'both' ? ', both ends probing' : ''}; detection is timed from the failure: the cut, or the NAT forgetting the flow if that came first):`);
  out.push(...checkLines(a.checks));
  out.push('');
  out.push('Apply it — sysctl (defaults for sockets that enable SO_KEEPALIVE without their own values):', ...a.snippets.sysctl.map((l) => `  ${l}`));
  out.push('C:', ...a.snippets.c.map((l) => `  ${l}`));
  out.push('Python:', ...a.snippets.python.map((l) => `  ${l}`));
  out.push('Go (1.23+):', ...a.snippets.go.map((l) => `  ${l}`));
  out.push('Node.js:', ...a.snippets.node.map((l) => `  ${l}`));
  if (a.node) {
    const n = a.node.recommendation;
    out.push('');
    out.push(`Node.js variant (setKeepAlive forces TCP_KEEPINTVL 1 s, TCP_KEEPCNT 10): socket.setKeepAlive(true, ${n.idle * 1000})`);
    out.push(`  model: detection ≤ ${r3(n.detectBound)} s; ${n.falseAlarmsPerYear.toPrecision(2)} false alarms per connection-year; ${Math.round(n.packetsPerHour)} packets/h; no TCP_USER_TIMEOUT, so a write into a dead peer waits for tcp_retries2 (≈ 924.6 s)`);
    out.push(...checkLines(a.node.checks));
  }
  if (a.notes.length) out.push('', ...a.notes);
  return out;
}

function heartbeatLines(a: Advice): string[] {
  const h = a.heartbeat;
  if (!h) return [];
  const p = h.plan;
  return [
    'Recommendation (application heartbeat, end to end):',
    `  ping every ${p.interval} s, pong within ${p.timeout} s, ${p.misses} misses in a row declare the peer dead (e.g. WebSocket ping, Redis PING, gRPC keepalive with the server's permission)`,
    `  model: a dead peer is noticed within ${p.misses} × ${p.interval} + ${p.timeout} = ${p.detectBound} s; data every ${p.interval} s keeps data-only idle timers open`,
    `Evidence (simulated: ${h.evidence.runs} runs; measured overhead, median: ${median(h.evidence.packetsPerHour)} packets/h per connection):`,
    ...checkLines(h.checks),
    '  scenario form: apps: [{ host: server, program: { kind: ping-server, port: 7000 } },',
    `                        { host: client, program: { kind: ping-client, to: <server or proxy>, port: 7000, ping: { interval: ${p.interval}s, timeout: ${p.timeout}s, misses: ${p.misses} } } }]   (docs/heartbeats.md)`,
  ];
}

const median = (xs: readonly number[]): number => r3(quantile([...xs].sort((a, b) => a - b), 0.5));

export interface AdviseFlags { proxy?: ProxyProfileName; check?: Triple & { userTimeoutMs?: number }; nat?: NatProfileName; natIdle?: number; detect: number; loss: number; rtt: number; os: AdvisorOs[]; hz: number; side: string; falseAlarms: number; seeds: number; liveHours: number; json?: boolean }

export function adviseAction(o: AdviseFlags, out: (...s: string[]) => void): void {
  if (o.proxy && (o.nat || o.natIdle !== undefined)) throw new InputError(['--proxy: a path has one middlebox: give --proxy or --nat/--nat-idle, not both']);
  if (o.proxy && o.check) throw new InputError(['--check: checks TCP keepalive settings; through a --proxy the advice is a heartbeat']);
  if (![100, 250, 300, 1000].includes(o.hz)) throw new InputError([`--hz: ${o.hz} is not a CONFIG_HZ value (100, 250, 300 or 1000)`]);
  if (!['client', 'server', 'both'].includes(o.side)) throw new InputError([`--side: ${JSON.stringify(o.side)} is not one of client, server, both`]);
  const a = advise({
    ...(o.nat ? { natProfile: o.nat } : {}),
    ...(o.natIdle !== undefined ? { natIdle: o.natIdle } : {}),
    detectWithin: o.detect,
    loss: o.loss,
    rtt: o.rtt,
    oses: o.os,
    hz: o.hz,
    side: o.side as 'client' | 'server' | 'both',
    falseAlarmBudget: o.falseAlarms,
    seeds: o.seeds,
    liveHours: o.liveHours,
    ...(o.check ? { given: o.check } : {}),
    ...(o.proxy ? { proxy: o.proxy } : {}),
  });
  out(...(o.json ? [JSON.stringify(a, null, 1)] : formatAdvice(a)));
  const failed = a.checks.filter((c) => !c.ok).length;
  if (failed) throw new AdviceFailedError(failed);
}
