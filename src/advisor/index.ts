/**
 * `keepalive-lab advise`: from constraints (a NAT profile or idle timeout, a detection
 * target, a loss rate, the RTT, the OS) to settings, justified by simulation.
 *
 * 1. The model (./model.ts) picks the cheapest keepalive triple whose worst-case bounds
 *    meet the constraints, and TCP_USER_TIMEOUT = idle + cnt·intvl so that a dead peer is
 *    also noticed while data is unacknowledged, when keepalive is silent (Cloudflare, "When
 *    TCP sockets refuse to die", 2019: set TCP_USER_TIMEOUT to TCP_KEEPIDLE + TCP_KEEPINTVL ×
 *    TCP_KEEPCNT; linux-keepalive.md §1 step 5 and §3).
 * 2. The simulator runs it (./evidence.ts) and the advice states whether the measured runs
 *    met each constraint — the model proposes, the simulation decides.
 * 3. Node.js cannot set the interval or the count (it forces 1 s × 10): its variant is
 *    simulated too, so a Node user sees what they will actually get.
 */
import { gather, type Evidence, type Settings, type Side, type Situation } from './evidence.ts';
import { armLateness, bestTriple, describe, type AdvisorOs, type Candidate, type ModelEnv, type Triple } from './model.ts';
import { snippets, type Snippets } from './snippets.ts';
import { natConfig } from '../net/nat/profiles.ts';
import type { NatProfileName } from '../net/nat/profiles.ts';
import type { ProxyProfileName } from '../net/proxy/profiles.ts';
import { bestHeartbeat, gatherHeartbeat, proxyIdleLimit, type Box, type HeartbeatEvidence, type HeartbeatPlan } from './heartbeat.ts';

export { bestTriple, describe, detectionBound, refreshBound, falseAlarmsPerYear, overheadPerHour, armLateness } from './model.ts';
export type { AdvisorOs, Candidate, Constraints, ModelEnv, Triple } from './model.ts';
export type { Evidence, Settings, Side, Situation } from './evidence.ts';

export interface AdviceInput {
  /** NAT / firewall profile on the path (src/net/nat/profiles.ts) */
  natProfile?: NatProfileName;
  /** its idle timeout in seconds (overrides the profile's established timeout) */
  natIdle?: number;
  /** a dead peer must be noticed within this many seconds */
  detectWithin: number;
  /** independent packet loss per direction, 0..1 */
  loss: number;
  /** round-trip time, seconds */
  rtt: number;
  /** the OSes the settings must work on (all ends run the same OS in each simulated run); default linux */
  oses?: AdvisorOs[];
  hz: number;
  side: Side;
  /** accepted false alarms per connection-year */
  falseAlarmBudget: number;
  /** simulated runs per situation */
  seeds: number;
  liveHours: number;
  /** an application proxy / load balancer on the path (src/net/proxy/profiles.ts) */
  proxy?: ProxyProfileName;
  /** evaluate this triple (and its TCP_USER_TIMEOUT) instead of searching for one */
  given?: Triple & { userTimeoutMs?: number };
}

export interface Check {
  what: string;
  target: string;
  measured: string;
  ok: boolean;
}

export interface Advice {
  input: AdviceInput;
  natIdle: number | null;
  recommendation: (Candidate & { userTimeoutMs: number; side: Side }) | null;
  /** the simulated evidence on the first OS (see byOs for every OS) */
  evidence: Evidence | null;
  /** every simulated check; prefixed with the OS when several are given */
  checks: Check[];
  byOs: { os: AdvisorOs; evidence: Evidence; checks: Check[] }[];
  /** the Node.js variant (TCP_KEEPINTVL 1, TCP_KEEPCNT 10 forced) */
  node: { recommendation: Candidate; evidence: Evidence; checks: Check[] } | null;
  snippets: Snippets | null;
  /** the application heartbeat, when TCP keepalive cannot do the job (a proxy, or no triple fits) */
  heartbeat: { plan: HeartbeatPlan; evidence: HeartbeatEvidence; checks: Check[] } | null;
  /** through a proxy: what client-side TCP keepalive does there (simulated) */
  keepaliveThroughProxy: { evidence: HeartbeatEvidence; checks: Check[] } | null;
  notes: string[];
}

/** The NAT's established idle timeout, seconds (Infinity without a NAT). */
export function natIdleOf(input: Pick<AdviceInput, 'natProfile' | 'natIdle'>): number {
  if (input.natIdle !== undefined) return input.natIdle;
  if (input.natProfile) return natConfig(input.natProfile, {}).timeouts.established / 1e6;
  return Infinity;
}

const fmt = (s: number): string => `${Math.round(s * 1000) / 1000} s`;

/** Every run must notice, and the slowest within the target. */
function detectCheck(what: string, xs: readonly (number | null)[], target: number): Check {
  const missed = xs.filter((x) => x === null).length;
  const worst = Math.max(...xs.map((x) => x ?? Infinity));
  return { what, target: `≤ ${fmt(target)}`, measured: missed ? `${missed}/${xs.length} runs never noticed` : `worst ${fmt(worst)} over ${xs.length} runs`, ok: missed === 0 && worst <= target };
}

function checksOf(ev: Evidence, input: AdviceInput, natIdle: number, withData: boolean, os?: AdvisorOs): Check[] {
  const cs = checksOn(ev, input, natIdle, withData);
  return os && (input.oses?.length ?? 1) > 1 ? cs.map((c) => ({ ...c, what: `${os}: ${c.what}` })) : cs;
}

function checksOn(ev: Evidence, input: AdviceInput, natIdle: number, withData: boolean): Check[] {
  const sides = input.side === 'both' ? (['client', 'server'] as const) : ([input.side] as const);
  const checks: Check[] = [];
  for (const side of sides) {
    const xs = ev.detect[side];
    checks.push(detectCheck(`dead peer noticed by the ${side} (idle connection)`, xs, input.detectWithin));
  }
  if (withData && ev.detectWithData) {
    const xs = ev.detectWithData;
    checks.push(detectCheck('dead peer noticed by a client writing into it', xs, input.detectWithin));
  }
  checks.push({ what: `false alarms at ${input.loss * 100} % loss`, target: `≤ ${input.falseAlarmBudget} per connection-year`, measured: `${ev.falseAlarms} in ${ev.liveConnectionHours} connection-hours`, ok: ev.falseAlarms === 0 });
  if (Number.isFinite(natIdle) && ev.natSurvived !== null) {
    checks.push({ what: `idle connection survives the NAT (${fmt(natIdle)} idle timeout)`, target: 'every run', measured: `${ev.natSurvived}/${ev.liveConnectionHours / input.liveHours} runs`, ok: ev.natSurvived === ev.liveConnectionHours / input.liveHours });
  }
  return checks;
}

function heartbeatChecks(ev: HeartbeatEvidence, input: AdviceInput, box: Box): Check[] {
  const where = box && 'proxy' in box ? ` behind the ${box.proxy} proxy` : '';
  const checks: Check[] = [
    detectCheck(`server crash${where} noticed by the client`, ev.detect, input.detectWithin),
    { what: `false alarms at ${input.loss * 100} % loss`, target: `≤ ${input.falseAlarmBudget} per connection-year`, measured: `${ev.falseAlarms} in ${ev.liveConnectionHours} connection-hours`, ok: ev.falseAlarms === 0 },
  ];
  if (box) checks.push({ what: `idle connection survives the ${'proxy' in box ? `${box.proxy} proxy` : 'NAT'}`, target: 'every run', measured: `${ev.survived}/${ev.detect.length} runs`, ok: ev.survived === ev.detect.length });
  return checks;
}

/** The heartbeat alternative, simulated; null when even a heartbeat cannot meet the target. */
function heartbeatAdvice(input: AdviceInput, box: Box, idleLimit: number): Advice['heartbeat'] {
  const plan = bestHeartbeat(input.detectWithin, idleLimit, input.rtt);
  if (!plan) return null;
  const evidence = gatherHeartbeat(plan, null, box, { rtt: input.rtt, loss: input.loss, seeds: input.seeds, liveHours: input.liveHours, horizon: input.detectWithin * 2 + 60 });
  return { plan, evidence, checks: heartbeatChecks(evidence, input, box) };
}

export function advise(input: AdviceInput): Advice {
  if (input.proxy) return adviseThroughProxy(input, input.proxy);
  const natIdle = natIdleOf(input);
  const oses: AdvisorOs[] = input.oses?.length ? input.oses : ['linux'];
  const envs: ModelEnv[] = oses.map((os) => ({ os, hz: input.hz, rtt: input.rtt, loss: input.loss }));
  const situation = (os: AdvisorOs): Situation => ({
    latency: input.rtt / 2,
    loss: input.loss,
    os,
    hz: input.hz,
    ...(input.natProfile || input.natIdle !== undefined ? { nat: { ...(input.natProfile ? { profile: input.natProfile } : {}), ...(input.natIdle !== undefined ? { idle: input.natIdle } : {}) } } : {}),
  });
  const worstLate = (secs: number): number => Math.max(...envs.map((e) => armLateness(secs, e.hz, e.os)));
  const notes: string[] = [];
  const none = (why: string): Advice => {
    notes.push(why);
    const box: Box = input.natProfile || input.natIdle !== undefined ? { nat: { ...(input.natProfile ? { profile: input.natProfile } : {}), ...(input.natIdle !== undefined ? { idle: input.natIdle } : {}) } } : null;
    return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: null, evidence: null, checks: [], byOs: [], node: null, snippets: null, heartbeat: heartbeatAdvice(input, box, natIdle), keepaliveThroughProxy: null, notes };
  };
  // with data in flight the RTO path adds the first retransmission (TLP 2·SRTT, then RTO ≥ 200 ms) before TCP_USER_TIMEOUT counts
  const dataSlack = 1 + 4 * input.rtt;
  let best: Candidate | null = null;
  let userTimeoutMs = 0;
  if (input.given) {
    best = describe(input.given, envs);
    userTimeoutMs = input.given.userTimeoutMs ?? 0;
  } else {
    // TCP_USER_TIMEOUT replaces the probe count once set (linux-keepalive.md §1 step 7a: dead at
    // the first firing with probes_out > 0 and elapsed ≥ UT). Cloudflare's UT = idle + cnt·intvl
    // is too tight when the timer wheel makes the first probe late (up to 16 s for idle ≥ 131 s
    // at HZ 250, §6): one lost probe then kills a live connection — the simulator showed it at
    // 2 % loss. So UT covers the whole worst-case probe schedule, and the search leaves room for
    // the firing after UT (intvl, rounded) and, with data in flight, the first retransmission.
    for (let target = input.detectWithin - dataSlack; target >= 1; target--) {
      const t = bestTriple({ natIdle, detectWithin: target, falseAlarmBudget: input.falseAlarmBudget }, envs);
      if (!t) break;
      const ut = Math.ceil(t.detectBound);
      if (ut + t.intvl + worstLate(t.intvl) + dataSlack <= input.detectWithin) {
        best = t;
        userTimeoutMs = ut * 1000;
        break;
      }
    }
  }
  if (!best) {
    return none(`No TCP keepalive setting meets these constraints${oses.length > 1 ? ` on ${oses.join(', ')}` : ''}: the detection target ${fmt(input.detectWithin)} leaves too little room for probes under ${input.loss * 100} % loss within the NAT's ${fmt(natIdle)}. Use an application heartbeat, or relax the target.`);
  }
  if (userTimeoutMs > 0) {
    // with TCP_USER_TIMEOUT the probe count no longer decides: death at the first firing
    // after UT with a probe unanswered (§1 step 7a), so up to one interval (rounded) later
    best = { ...best, detectBound: Math.max(best.detectBound, userTimeoutMs / 1000 + best.intvl + worstLate(best.intvl)) };
  }
  const evOpts = { seeds: input.seeds, liveHours: input.liveHours, detectHorizon: input.detectWithin * 2 + 60 };
  const settings: Settings = { ...best, userTimeoutMs, side: input.side };
  const byOs = oses.map((os) => {
    const evidence = gather(settings, situation(os), evOpts);
    // the BSDs probe while retransmitting, so their keepalive covers data in flight too; Linux and Windows rely on UT / TCP_MAXRT
    return { os, evidence, checks: checksOf(evidence, input, natIdle, true, os) };
  });
  const checks = byOs.flatMap((b) => b.checks);
  const first = byOs[0] as (typeof byOs)[number];
  const rec = { ...best, userTimeoutMs, side: input.side };
  if (input.given) {
    if (best.falseAlarmsPerYear > input.falseAlarmBudget) checks.push({ what: 'false alarms (model)', target: `≤ ${input.falseAlarmBudget} per connection-year`, measured: `${best.falseAlarmsPerYear.toPrecision(2)} expected`, ok: false });
    return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: rec, evidence: first.evidence, checks, byOs, node: null, snippets: snippets(best, userTimeoutMs), heartbeat: null, keepaliveThroughProxy: null, notes };
  }

  let node: Advice['node'] = null;
  if (oses.includes('linux')) {
    // Node.js on Linux: setKeepAlive forces TCP_KEEPINTVL 1 and TCP_KEEPCNT 10 (snippets.ts)
    const linux = envs.filter((e) => e.os === 'linux');
    const nodeTriple = bestTriple({ natIdle, detectWithin: input.detectWithin, falseAlarmBudget: input.falseAlarmBudget, fixed: { intvl: 1, cnt: 10 } }, linux);
    if (nodeTriple) {
      const ev = gather({ ...nodeTriple, userTimeoutMs: 0, side: input.side }, situation('linux'), evOpts);
      node = { recommendation: nodeTriple, evidence: ev, checks: checksOn(ev, input, natIdle, false) };
    } else {
      notes.push('Node.js: with its forced TCP_KEEPINTVL 1 s × TCP_KEEPCNT 10 no initialDelay meets these constraints.');
    }
  }
  if (!Number.isFinite(natIdle)) notes.push('No NAT given: the idle time is limited only by the detection target.');
  if (oses.includes('windows') && input.detectWithin < 63) {
    notes.push('Windows: a write into a dead peer ends after 5 retransmissions with doubling (TcpMaxDataRetransmissions, os-profiles.md §3.6): ≈ 19 s at a 300 ms RTO, but 63 s while the RTO is still its initial 1 s (no RTT sample yet, e.g. after a lost SYN) — the simulator finds such runs. TCP_MAXRT cannot cut it short (it is checked when the retransmission timer fires); bound writes with an application timeout.');
  }
  if (oses.length > 1) notes.push('Option names per OS: macOS sets the idle time with TCP_KEEPALIVE (seconds) and has no TCP_USER_TIMEOUT (it probes while retransmitting, as FreeBSD does); Windows ends a write into a dead peer after 5 retransmissions (TcpMaxDataRetransmissions); TCP_MAXRT is left alone, since it is checked only at a retransmission timer firing and can come later. docs/os-profiles.md.');
  return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: rec, evidence: first.evidence, checks, byOs, node, snippets: snippets(best, userTimeoutMs), heartbeat: null, keepaliveThroughProxy: null, notes };
}

/**
 * Through a proxy TCP keepalive is hop-by-hop: the proxy's own kernel answers the client's
 * probes, so a dead server behind it goes unnoticed, and a data-only idle timer (AWS ALB,
 * HAProxy) closes the connection whatever the probes say. The advice is an application
 * heartbeat, checked by simulation; what keepalive does there is simulated too, as the reason.
 */
function adviseThroughProxy(input: AdviceInput, proxy: ProxyProfileName): Advice {
  const box: Box = { proxy };
  const idleLimit = proxyIdleLimit(proxy);
  const notes = [`The ${proxy} proxy terminates TCP: keepalive probes are answered by the proxy's kernel and never reach the server, and ${Number.isFinite(idleLimit) ? `its ${idleLimit} s idle timer counts data only` : 'it has no idle timer of its own'} (src/net/proxy/profiles.ts). An application heartbeat crosses it end to end.`];
  const ka = bestTriple({ natIdle: Infinity, detectWithin: input.detectWithin, falseAlarmBudget: input.falseAlarmBudget }, { hz: input.hz, rtt: input.rtt, loss: input.loss });
  let keepaliveThroughProxy: Advice['keepaliveThroughProxy'] = null;
  if (ka) {
    const ev = gatherHeartbeat(null, ka, box, { rtt: input.rtt, loss: input.loss, seeds: input.seeds, liveHours: input.liveHours, horizon: input.detectWithin * 2 + 60 });
    keepaliveThroughProxy = { evidence: ev, checks: heartbeatChecks(ev, input, box) };
    notes.push(`For comparison, client TCP keepalive ${ka.idle}/${ka.intvl}/${ka.cnt} through the proxy was simulated as well.`);
  }
  const heartbeat = heartbeatAdvice(input, box, idleLimit);
  if (!heartbeat) notes.push(`No heartbeat meets a ${fmt(input.detectWithin)} target with three misses and a ≥ 2 s timeout; relax the target.`);
  const checks = heartbeat?.checks ?? [];
  return { input, natIdle: null, recommendation: null, evidence: null, checks, byOs: [], node: null, snippets: null, heartbeat, keepaliveThroughProxy, notes };
}
