/**
 * The jiffy phase of a real run, fitted, and the comparison made with it (issue 18).
 *
 * Both hosts of a calibration run live in one kernel, so they share one jiffy clock. Its phase
 * (where the jiffy boundaries fall, and which jiffies are multiples of 8, 64, 512… — the wheel's
 * bucket boundaries) decides when every timer fires. The simulator gets one phase for both
 * hosts: the one that best explains the real run's timer firings.
 *
 *  1. Sub-jiffy: a timer callback runs at a jiffy boundary and its packet reaches tcpdump a few
 *     µs later, so the real timer packets' times modulo one tick cluster just after the
 *     boundary. The boundary is the start of that cluster.
 *  2. Whole jiffies: a timer of d jiffies fires on a multiple of its wheel granularity G(d)
 *     (kernel/time/timer.c calc_index). The simulator tells, for each of its timer firings,
 *     the d it was armed with; the real firing matched to it (same row of the diff) must then
 *     lie on a multiple of G(d) of the fitted clock. The jiffy offset k (mod the largest G)
 *     that puts the most real firings on their bucket boundaries is the fit; ties and a second
 *     look are settled by simulating the candidates and keeping the closest run.
 * Every simulator — the real model and each deliberately wrong one (mutations.ts) — gets its
 * own best phase this way, so a mutation is never caught merely for a phase fitted to another
 * model.
 */
import { runScenario } from '../src/scenarios/run.ts';
import type { RunJson } from '../src/scenarios/result.ts';
import type { Scenario } from '../src/scenarios/schema.ts';
import type { KernelRunJson } from './convert.ts';
import { diffRuns, type DiffResult, type DiffRow } from './diff.ts';
import { replayScenario, scenarioOffset } from './replay.ts';
import { wheelGranularityJiffies } from './tolerance.ts';

export interface PhaseFit {
  /** the jiffy phase both simulated hosts got (scenario field hosts.*.jiffyPhase), µs */
  phaseUs: number;
  /** the simulator's CONFIG_HZ */
  hz: number;
  /** where the real run's jiffy boundaries fall within a tick of its own HZ, µs of scenario time */
  boundaryUs: number;
  /** how many real timer packets placed the boundaries (0: none, the phase within a jiffy is arbitrary) */
  boundaryFrom: number;
  /** the coarsest wheel granularity among the fitted firings, jiffies: the phase is known modulo this */
  period: number;
  /** jiffies at scenario time 0, modulo `period` */
  jiffiesAtZero: number;
  /** real timer firings the simulator could explain by a wheel level above 0, and how many the phase puts on a bucket boundary */
  constraints: number;
  satisfied: number;
  /** simulations run to find it */
  tried: number;
}

export interface Calibration {
  diff: DiffResult;
  /** null when the simulator has no jiffy clock to fit (exact timers, a non-Linux OS) */
  fit: PhaseFit | null;
  sim: RunJson;
  /** the scenario the simulator ran: the replay, with the fitted phase */
  scenario: Scenario;
}

/** How many tied candidates are simulated per round at most. */
const MAX_CANDIDATES = 16;

/**
 * Compare a real run with the simulator: replay the scenario as the real run played out,
 * fit the jiffy phase, diff. `transform` changes the replayed scenario before anything runs
 * (a mutation, mutations.ts).
 */
export function calibrateRun(real: KernelRunJson, scenario: Scenario, transform?: (sc: Scenario) => Scenario): Calibration {
  const base = transform ? transform(replayScenario(scenario, real)) : replayScenario(scenario, real);
  const hosts = Object.values(base.hosts);
  const realHz = real.kernel.hz > 0 ? real.kernel.hz : 250;
  if (hosts.some((h) => h.timer === 'exact' || h.os !== 'linux')) {
    const sim = runScenario(base).json;
    return { diff: diffRuns(real, sim, { hz: realHz }), fit: null, sim, scenario: base };
  }
  const hz = hosts[0]?.hz ?? 250;
  const tick = 1e6 / hz;
  const off = scenarioOffset(real);
  const kernelTimers = real.packets.filter((p) => p.dir === 'tx' && p.at === p.src && timerKind(p.kind)).map((p) => Math.round((p.t + off) * 1e6));
  let boundary = jiffyBoundary(kernelTimers, 1e6 / realHz);
  let boundaryFrom = kernelTimers.length;
  let search = searchPhase(real, base, realHz, hz, Math.round(mod(-boundary, tick)));
  if (kernelTimers.length === 0) {
    // No probe or retransmission to place the boundaries: use the packets the simulator sent
    // from a timer (a delayed ACK, say) — their real twins left at a jiffy boundary too.
    const fromTimers = timerRows(search.best).map((r) => Math.round((r.real as number) * 1e6));
    if (fromTimers.length > 0) {
      boundary = jiffyBoundary(fromTimers, 1e6 / realHz);
      boundaryFrom = fromTimers.length;
      search = searchPhase(real, base, realHz, hz, Math.round(mod(-boundary, tick)));
    }
  }
  const { best, tried } = search;
  const cs = best.constraints;
  const period = Math.max(1, ...cs.map((c) => c.g));
  const fit: PhaseFit = {
    phaseUs: best.phaseUs,
    hz,
    boundaryUs: boundary,
    boundaryFrom,
    period,
    jiffiesAtZero: mod(Math.floor((best.phaseUs * hz) / 1e6), period),
    constraints: cs.length,
    satisfied: cs.filter((c) => mod(c.j0 + best.k, c.g) === 0).length,
    tried: tried.size,
  };
  return { diff: best.diff, fit, sim: best.sim, scenario: withPhase(base, best.phaseUs) };
}

type Tried = { k: number; phaseUs: number; sim: RunJson; diff: DiffResult; constraints: Constraint[]; score: [number, number]; arms: Map<string, Map<number, number[]>> };

/** Simulate jiffy offsets k (phase p0 + k ticks): k = 0, then the candidates the wheel constraints leave, twice. */
function searchPhase(real: KernelRunJson, base: Scenario, realHz: number, hz: number, p0: number): { best: Tried; tried: Map<number, Tried> } {
  const tick = 1e6 / hz;
  const tried = new Map<number, Tried>();
  const attempt = (k: number): Tried => {
    const hit = tried.get(k);
    if (hit) return hit;
    const phaseUs = p0 + Math.round(k * tick);
    const sc = withPhase(base, phaseUs);
    const arms = new Map<string, Map<number, number[]>>();
    const sim = runScenario(sc, {
      onTimer: (host, _now, d, at) => {
        const byT = arms.get(host) ?? new Map<number, number[]>();
        arms.set(host, byT);
        byT.set(at, [...(byT.get(at) ?? []), d]);
      },
    }).json;
    const diff = diffRuns(real, sim, { hz: realHz });
    const t: Tried = { k, phaseUs, sim, diff, constraints: constraintsOf(diff, arms, p0, hz), score: score(diff), arms };
    tried.set(k, t);
    return t;
  };
  let best = attempt(0);
  for (let round = 0; round < 2; round++) {
    const cands = candidates(best.constraints).filter((k) => !tried.has(k)).slice(0, MAX_CANDIDATES);
    if (cands.length === 0) break;
    for (const k of cands) {
      const t = attempt(k);
      if (better(t.score, best.score)) best = t;
    }
    if (best.diff.mismatches === 0) break;
  }
  return { best, tried };
}

/** Matched packet rows the simulator sent from a timer (any level), with their real times. */
function timerRows(t: Tried): DiffRow[] {
  return t.diff.rows.filter((r) => r.section === 'packet' && r.real !== undefined && r.sim !== undefined && r.actor !== undefined && t.arms.get(r.actor)?.has(Math.round(r.sim * 1e6)));
}

/** A real timer firing: at jiffy j0 + k of a clock with offset k, on a multiple of g. */
interface Constraint {
  j0: number;
  g: number;
}

/**
 * The real firings the simulator explains: a matched row that is a host's own action (a packet
 * it sent, a call that returned) at the very µs a timer of that host expired in the simulation.
 * Its wheel granularity comes from the length that timer was armed with.
 */
function constraintsOf(d: DiffResult, arms: Map<string, Map<number, number[]>>, p0: number, hz: number): Constraint[] {
  const out: Constraint[] = [];
  for (const r of d.rows) {
    if (r.real === undefined || r.sim === undefined || !r.actor) continue;
    const lens = arms.get(r.actor)?.get(Math.round(r.sim * 1e6));
    if (!lens) continue;
    const g = Math.min(...lens.map(wheelGranularityJiffies));
    if (g <= 1) continue;
    out.push({ j0: Math.floor(((Math.round(r.real * 1e6) + p0) * hz) / 1e6), g });
  }
  return out;
}

/** The jiffy offsets k (mod the coarsest granularity) that put the most firings on a bucket boundary, smallest first. */
export function candidates(cs: readonly Constraint[]): number[] {
  if (cs.length === 0) return [0];
  const period = Math.max(...cs.map((c) => c.g));
  let top = -1;
  let ks: number[] = [];
  for (let k = 0; k < period; k++) {
    let n = 0;
    for (const c of cs) if (mod(c.j0 + k, c.g) === 0) n++;
    if (n > top) [top, ks] = [n, [k]];
    else if (n === top) ks.push(k);
  }
  return ks;
}

/**
 * Where jiffy boundaries fall (µs, in [0, tick)): timer packets leave a few µs after a
 * boundary, so their times modulo a tick cluster; the cluster starts after the widest gap.
 */
export function jiffyBoundary(timesUs: readonly number[], tick: number): number {
  if (timesUs.length === 0) return 0;
  const r = timesUs.map((t) => mod(t, tick)).sort((a, b) => a - b);
  let start = r[0] as number;
  let widest = -1;
  for (let i = 0; i < r.length; i++) {
    const prev = i === 0 ? (r[r.length - 1] as number) - tick : (r[i - 1] as number);
    const gap = (r[i] as number) - prev;
    if (gap > widest) [widest, start] = [gap, r[i] as number];
  }
  return start;
}

/** Packets a timer callback sends (tcp_keepalive_timer, tcp_retransmit_timer, tcp_probe_timer). */
const timerKind = (k: string | undefined): boolean => k === 'keepalive' || k === 'retransmission' || k === 'loss-probe';

function withPhase(sc: Scenario, phaseUs: number): Scenario {
  return { ...sc, hosts: Object.fromEntries(Object.entries(sc.hosts).map(([n, h]) => [n, { ...h, jiffyPhase: phaseUs }])) };
}

/** [rows that differ, total |Δ| ms of the matched rows]: smaller is closer. */
function score(d: DiffResult): [number, number] {
  return [d.mismatches, d.rows.reduce((s, r) => s + Math.abs(r.deltaMs ?? 0), 0)];
}
const better = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** "phase 194.806 ms (jiffies ≡ 48 mod 64 at t = 0, 10/10 firings on a bucket boundary)" */
export function fitLine(fit: PhaseFit | null): string {
  if (!fit) return 'no jiffy clock to fit';
  if (fit.boundaryFrom === 0) return 'phase arbitrary (no timer packet to fit)';
  const on = fit.constraints > 0 ? `, ${fit.satisfied}/${fit.constraints} firings on a bucket boundary` : `, boundaries from ${fit.boundaryFrom} timer packets`;
  return `phase ${(fit.phaseUs / 1000).toFixed(3)} ms (jiffies ≡ ${fit.jiffiesAtZero} mod ${fit.period} at t = 0${on})`;
}
