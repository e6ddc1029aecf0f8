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
import { armLateness, bestTriple, describe, type Candidate, type ModelEnv, type Triple } from './model.ts';
import { snippets, type Snippets } from './snippets.ts';
import { natConfig } from '../net/nat/profiles.ts';
import type { NatProfileName } from '../net/nat/profiles.ts';

export { bestTriple, describe, detectionBound, refreshBound, falseAlarmsPerYear, overheadPerHour, armLateness } from './model.ts';
export type { Candidate, Constraints, ModelEnv, Triple } from './model.ts';
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
  os: string;
  hz: number;
  side: Side;
  /** accepted false alarms per connection-year */
  falseAlarmBudget: number;
  /** simulated runs per situation */
  seeds: number;
  liveHours: number;
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
  evidence: Evidence | null;
  checks: Check[];
  /** the Node.js variant (TCP_KEEPINTVL 1, TCP_KEEPCNT 10 forced) */
  node: { recommendation: Candidate; evidence: Evidence; checks: Check[] } | null;
  snippets: Snippets | null;
  notes: string[];
}

/** The NAT's established idle timeout, seconds (Infinity without a NAT). */
export function natIdleOf(input: Pick<AdviceInput, 'natProfile' | 'natIdle'>): number {
  if (input.natIdle !== undefined) return input.natIdle;
  if (input.natProfile) return natConfig(input.natProfile, {}).timeouts.established / 1e6;
  return Infinity;
}

const fmt = (s: number): string => `${Math.round(s * 1000) / 1000} s`;

function checksOf(ev: Evidence, input: AdviceInput, natIdle: number, withData: boolean): Check[] {
  const sides = input.side === 'both' ? (['client', 'server'] as const) : ([input.side] as const);
  const checks: Check[] = [];
  for (const side of sides) {
    const xs = ev.detect[side];
    const missed = xs.filter((x) => x === null).length;
    const worst = Math.max(...xs.map((x) => x ?? Infinity));
    checks.push({ what: `dead peer noticed by the ${side} (idle connection)`, target: `≤ ${fmt(input.detectWithin)}`, measured: missed ? `${missed}/${xs.length} runs never noticed` : `worst ${fmt(worst)} over ${xs.length} runs`, ok: missed === 0 && worst <= input.detectWithin });
  }
  if (withData && ev.detectWithData) {
    const xs = ev.detectWithData;
    const missed = xs.filter((x) => x === null).length;
    const worst = Math.max(...xs.map((x) => x ?? Infinity));
    checks.push({ what: 'dead peer noticed by a client writing into it', target: `≤ ${fmt(input.detectWithin)}`, measured: missed ? `${missed}/${xs.length} runs never noticed` : `worst ${fmt(worst)} over ${xs.length} runs`, ok: missed === 0 && worst <= input.detectWithin });
  }
  checks.push({ what: `false alarms at ${input.loss * 100} % loss`, target: `≤ ${input.falseAlarmBudget} per connection-year`, measured: `${ev.falseAlarms} in ${ev.liveConnectionHours} connection-hours`, ok: ev.falseAlarms === 0 });
  if (Number.isFinite(natIdle) && ev.natSurvived !== null) {
    checks.push({ what: `idle connection survives the NAT (${fmt(natIdle)} idle timeout)`, target: 'every run', measured: `${ev.natSurvived}/${ev.liveConnectionHours / input.liveHours} runs`, ok: ev.natSurvived === ev.liveConnectionHours / input.liveHours });
  }
  return checks;
}

export function advise(input: AdviceInput): Advice {
  const natIdle = natIdleOf(input);
  const env: ModelEnv = { hz: input.hz, rtt: input.rtt, loss: input.loss };
  const situation: Situation = {
    latency: input.rtt / 2,
    loss: input.loss,
    os: input.os,
    hz: input.hz,
    ...(input.natProfile || input.natIdle !== undefined ? { nat: { ...(input.natProfile ? { profile: input.natProfile } : {}), ...(input.natIdle !== undefined ? { idle: input.natIdle } : {}) } } : {}),
  };
  const notes: string[] = [];
  // with data in flight the RTO path adds the first retransmission (TLP 2·SRTT, then RTO ≥ 200 ms) before TCP_USER_TIMEOUT counts
  const dataSlack = 1 + 4 * input.rtt;
  let best: Candidate | null = null;
  let userTimeoutMs = 0;
  if (input.given) {
    best = describe(input.given, env);
    userTimeoutMs = input.given.userTimeoutMs ?? 0;
  } else {
    // TCP_USER_TIMEOUT replaces the probe count once set (linux-keepalive.md §1 step 7a: dead at
    // the first firing with probes_out > 0 and elapsed ≥ UT). Cloudflare's UT = idle + cnt·intvl
    // is too tight when the timer wheel makes the first probe late (up to 16 s for idle ≥ 131 s
    // at HZ 250, §6): one lost probe then kills a live connection — the simulator showed it at
    // 2 % loss. So UT covers the whole worst-case probe schedule, and the search leaves room for
    // the firing after UT (intvl, rounded) and, with data in flight, the first retransmission.
    for (let target = input.detectWithin - dataSlack; target >= 1; target--) {
      const t = bestTriple({ natIdle, detectWithin: target, falseAlarmBudget: input.falseAlarmBudget }, env);
      if (!t) break;
      const ut = Math.ceil(t.detectBound);
      if (ut + t.intvl + armLateness(t.intvl, env.hz) + dataSlack <= input.detectWithin) {
        best = t;
        userTimeoutMs = ut * 1000;
        break;
      }
    }
  }
  const evOpts = { seeds: input.seeds, liveHours: input.liveHours, detectHorizon: input.detectWithin * 2 + 60 };
  if (!best) {
    notes.push(`No TCP keepalive setting meets these constraints: the detection target ${fmt(input.detectWithin)} leaves too little room for probes under ${input.loss * 100} % loss within the NAT's ${fmt(natIdle)}. Use an application heartbeat, or relax the target.`);
    return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: null, evidence: null, checks: [], node: null, snippets: null, notes };
  }
  if (userTimeoutMs > 0) {
    // with TCP_USER_TIMEOUT the probe count no longer decides: death at the first firing
    // after UT with a probe unanswered (§1 step 7a), so up to one interval (rounded) later
    best = { ...best, detectBound: Math.max(best.detectBound, userTimeoutMs / 1000 + best.intvl + armLateness(best.intvl, env.hz)) };
  }
  const settings: Settings = { ...best, userTimeoutMs, side: input.side };
  const evidence = gather(settings, situation, evOpts);
  const checks = checksOf(evidence, input, natIdle, true);
  if (input.given) {
    const e = describe(input.given, env);
    if (e.falseAlarmsPerYear > input.falseAlarmBudget) checks.push({ what: 'false alarms (model)', target: `≤ ${input.falseAlarmBudget} per connection-year`, measured: `${e.falseAlarmsPerYear.toPrecision(2)} expected`, ok: false });
    return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: { ...best, userTimeoutMs, side: input.side }, evidence, checks, node: null, snippets: snippets(best, userTimeoutMs), notes };
  }

  let node: Advice['node'] = null;
  const nodeTriple = bestTriple({ natIdle, detectWithin: input.detectWithin, falseAlarmBudget: input.falseAlarmBudget, fixed: { intvl: 1, cnt: 10 } }, env);
  if (nodeTriple) {
    const ev = gather({ ...nodeTriple, userTimeoutMs: 0, side: input.side }, situation, evOpts);
    node = { recommendation: nodeTriple, evidence: ev, checks: checksOf(ev, input, natIdle, false) };
  } else {
    notes.push('Node.js: with its forced TCP_KEEPINTVL 1 s × TCP_KEEPCNT 10 no initialDelay meets these constraints.');
  }
  if (!Number.isFinite(natIdle)) notes.push('No NAT given: the idle time is limited only by the detection target.');
  return { input, natIdle: Number.isFinite(natIdle) ? natIdle : null, recommendation: { ...best, userTimeoutMs, side: input.side }, evidence, checks, node, snippets: snippets(best, userTimeoutMs), notes };
}
