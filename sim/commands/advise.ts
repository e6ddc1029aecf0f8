/**
 * `keepalive-lab advise`: constraints in, settings out, with the simulated evidence and
 * the lines to apply them (docs/advisor.md). Exit 0 when every simulated check met its
 * target, 3 when the simulation contradicts the advice (printed anyway), 2 on bad input.
 */
import type { Command } from 'commander';
import { advise, type Advice, type AdvisorOs, type Check, type Triple } from '../../src/advisor/index.ts';
import { NAT_PROFILE_NAMES, type NatProfileName } from '../../src/net/nat/profiles.ts';
import { PROXY_PROFILE_NAMES, type ProxyProfileName } from '../../src/net/proxy/profiles.ts';
import { parseDuration } from '../../src/scenarios/duration.ts';
import { InputError } from '../load.ts';
import { round3 } from '../../src/metrics/round.ts';
import { quantile } from '../../src/sweep/stats.ts';

/** The simulation did not confirm the advice: exit 3, like a calibration mismatch. */
export class AdviceFailedError extends Error {
  constructor(readonly failed: number) {
    super(`${failed} simulated check(s) missed their target`);
  }
}

function seconds(flag: string, lo: number, hi: number) {
  return (v: string): number => {
    const us = parseDuration(v);
    if (us === null) throw new InputError([`${flag}: ${JSON.stringify(v)} is not a duration (e.g. 30, "30s", "20ms", "2h")`]);
    const s = us / 1e6;
    if (s < lo || s > hi) throw new InputError([`${flag}: ${v} is out of range ${lo}..${hi} s`]);
    return s;
  };
}

function number(flag: string, lo: number, hi: number, int = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi || (int && !Number.isInteger(n))) throw new InputError([`${flag}: ${JSON.stringify(v)} is out of range ${lo}..${hi}${int ? ' (an integer)' : ''}`]);
    return n;
  };
}

function proxyProfile(v: string): ProxyProfileName {
  if (!(PROXY_PROFILE_NAMES as readonly string[]).includes(v)) throw new InputError([`--proxy: ${JSON.stringify(v)} is not a proxy profile (one of: ${PROXY_PROFILE_NAMES.join(', ')})`]);
  return v as ProxyProfileName;
}

function natProfile(v: string): NatProfileName {
  if (!(NAT_PROFILE_NAMES as readonly string[]).includes(v)) throw new InputError([`--nat: ${JSON.stringify(v)} is not a NAT profile (one of: ${NAT_PROFILE_NAMES.join(', ')})`]);
  return v as NatProfileName;
}

const OSES: AdvisorOs[] = ['linux', 'macos', 'freebsd', 'windows'];

function osList(v: string): AdvisorOs[] {
  if (v === 'all') return OSES;
  const names = v.split(',').map((x) => x.trim());
  for (const n of names) if (!(OSES as string[]).includes(n)) throw new InputError([`--os: ${JSON.stringify(n)} is not an OS profile (linux, macos, freebsd, windows, or all)`]);
  return [...new Set(names)] as AdvisorOs[];
}

/** `60/10/3` or `60/10/3/90000`, range-checked like Linux setsockopt (linux-keepalive.md §2). */
function triple(v: string): Triple & { userTimeoutMs?: number } {
  const parts = v.split('/').map(Number);
  const [idle, intvl, cnt, ut] = parts;
  const bad = (why: string): never => {
    throw new InputError([`--check: ${JSON.stringify(v)} ${why}`]);
  };
  if (parts.length < 3 || parts.length > 4 || parts.some((x) => !Number.isInteger(x))) bad('is not idle/intvl/cnt[/user_timeout_ms] in whole numbers, e.g. 60/10/3');
  if ((idle as number) < 1 || (idle as number) > 32_767) bad(`: TCP_KEEPIDLE ${idle} is out of range 1..32767`);
  if ((intvl as number) < 1 || (intvl as number) > 32_767) bad(`: TCP_KEEPINTVL ${intvl} is out of range 1..32767`);
  if ((cnt as number) < 1 || (cnt as number) > 127) bad(`: TCP_KEEPCNT ${cnt} is out of range 1..127`);
  if (ut !== undefined && ut < 0) bad(`: TCP_USER_TIMEOUT ${ut} is out of range 0..`);
  return { idle: idle as number, intvl: intvl as number, cnt: cnt as number, ...(ut !== undefined ? { userTimeoutMs: ut } : {}) };
}

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

export function registerAdvise(program: Command, out: (...s: string[]) => void): void {
  program
    .command('advise')
    .description('recommend keepalive settings for a NAT / detection target / loss rate, justified by simulation (docs/advisor.md)')
    .option('--nat <profile>', `NAT or stateful firewall on the path: ${NAT_PROFILE_NAMES.join(', ')}`, natProfile)
    .option('--nat-idle <duration>', 'its idle timeout (overrides the profile), e.g. 240s', seconds('--nat-idle', 1, 10 * 86_400))
    .requiredOption('--detect <duration>', 'notice a dead peer within this time, e.g. 30s', seconds('--detect', 1, 86_400))
    .option('--loss <p>', 'independent packet loss per direction, 0..0.5', number('--loss', 0, 0.5), 0)
    .option('--proxy <profile>', `an application proxy / load balancer on the path (${PROXY_PROFILE_NAMES.join(', ')}): the advice becomes an application heartbeat`, proxyProfile)
    .option('--rtt <duration>', 'round-trip time', seconds('--rtt', 0, 10), 0.02)
    .option('--os <names>', 'OS of both ends, or a comma-separated list the settings must work on: linux, macos, freebsd, windows, or all', osList, ['linux'] as AdvisorOs[])
    .option('--hz <n>', 'CONFIG_HZ of the Linux hosts: 100, 250, 300 or 1000', number('--hz', 100, 1000, true), 250)
    .option('--side <side>', 'which end must notice: client, server or both', 'both')
    .option('--false-alarms <n>', 'accepted false alarms per connection-year', number('--false-alarms', 0, 1000), 0.01)
    .option('--seeds <n>', 'simulated runs per situation', number('--seeds', 1, 1000, true), 20)
    .option('--live-hours <n>', 'length of each simulated live run, hours', number('--live-hours', 0.1, 240), 24)
    .option('--check <idle/intvl/cnt[/ut]>', 'evaluate these settings instead of searching: TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT in s, optional TCP_USER_TIMEOUT in ms, e.g. 60/10/3', triple)
    .option('--json', 'print the advice and its evidence as JSON')
    .action((o: { proxy?: ProxyProfileName; check?: Triple & { userTimeoutMs?: number }; nat?: NatProfileName; natIdle?: number; detect: number; loss: number; rtt: number; os: AdvisorOs[]; hz: number; side: string; falseAlarms: number; seeds: number; liveHours: number; json?: boolean }) => {
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
    });
}
