/**
 * The advisor's evidence: it does not trust its own model (./model.ts) but simulates each
 * recommendation in three situations and reports what the simulator measured, with the
 * metrics of src/metrics (docs/metrics.md):
 *
 * - **dead peer**: client and server connected and idle (through the NAT, if any); at a
 *   failure instant drawn per seed (uniform over one keepalive cycle, so every phase of the
 *   probe schedule is hit) the path is cut; both ends sit in recv(). Metric `detect.<side>`.
 * - **dead peer, data in flight** (when TCP_USER_TIMEOUT is part of the advice): the same,
 *   but the client writes at the failure instant, so retransmissions own the connection and
 *   keepalive is silent (linux-keepalive.md §1 step 5).
 * - **live idle connection**: no fault, on the lossy path, for `liveHours` per seed.
 *   Metrics `falseAlarm`, `nat.survived`, `overhead.packetsPerHour`.
 */
import { Rng } from '../engine/rng.ts';
import { computeMetrics } from '../metrics/index.ts';
import { runScenario } from '../scenarios/run.ts';
import { scenarioSchema, type ScenarioInput } from '../scenarios/schema.ts';
import type { Triple } from './model.ts';

export type Side = 'client' | 'server' | 'both';

export interface Situation {
  /** NAT on the path: a profile name and/or an explicit established idle timeout (s) */
  nat?: { profile?: string; idle?: number };
  /** one-way latency, seconds */
  latency: number;
  loss: number;
  /** OS of both hosts */
  os: string;
  hz: number;
}

export interface Settings extends Triple {
  /** TCP_USER_TIMEOUT, ms (0 = not set) */
  userTimeoutMs: number;
  /** which ends enable keepalive */
  side: Side;
}

export interface Evidence {
  runs: number;
  /** seconds from failure to the ETIMEDOUT seen by each end's recv(), one per seed (null: not detected) */
  detect: Record<'client' | 'server', (number | null)[]>;
  /** same with data in flight (client side), when TCP_USER_TIMEOUT is set */
  detectWithData: (number | null)[] | null;
  falseAlarms: number;
  liveConnectionHours: number;
  natSurvived: number | null;
  packetsPerHour: number[];
  bytesPerHour: number[];
}

const PORT = 5000;

function natBox(s: Situation): NonNullable<ScenarioInput['path']>['middleboxes'] {
  if (!s.nat) return [];
  return [{ type: 'nat', ...(s.nat.profile ? { profile: s.nat.profile as never } : {}), ...(s.nat.idle !== undefined ? { established: s.nat.idle } : {}) }];
}

/**
 * The settings in the OS's own option names (docs/os-profiles.md): macOS calls the idle time
 * TCP_KEEPALIVE; the bound on retransmission is TCP_USER_TIMEOUT (ms) on Linux. The BSDs need
 * none: they keep probing while retransmitting, so their time-anchored keepalive death covers
 * data in flight too (os-profiles.md §1.5, §2.5). Windows gives up after 5 retransmissions
 * (TcpMaxDataRetransmissions, §3.6: ≈ 19 s at a low RTT); TCP_MAXRT is not set, because it is
 * checked only when a retransmission timer fires: with 57 s the simulator saw death at 63 s.
 */
export function osSocketOptions(os: string, set: Settings): Record<string, number | boolean> {
  const common = { SO_KEEPALIVE: true, TCP_KEEPINTVL: set.intvl, TCP_KEEPCNT: set.cnt };
  const ut = set.userTimeoutMs;
  switch (os) {
    case 'macos':
      return { ...common, TCP_KEEPALIVE: set.idle };
    case 'freebsd':
      return { ...common, TCP_KEEPIDLE: set.idle };
    case 'windows':
      return { ...common, TCP_KEEPIDLE: set.idle };
    default:
      return { ...common, TCP_KEEPIDLE: set.idle, ...(ut > 0 ? { TCP_USER_TIMEOUT: ut } : {}) };
  }
}

function baseScenario(set: Settings, s: Situation, until: number): ScenarioInput {
  const ka = osSocketOptions(s.os, set);
  const on = (side: 'client' | 'server'): typeof ka => (set.side === side || set.side === 'both' ? ka : {});
  const host = (side: 'client' | 'server') => ({ os: s.os as 'linux', ...(s.os === 'linux' ? { hz: s.hz } : {}), socket: on(side) });
  return {
    name: 'advisor',
    until,
    hosts: { client: host('client'), server: host('server') },
    path: { latency: s.latency, loss: s.loss, middleboxes: natBox(s) },
    apps: [
      { host: 'server', steps: [{ call: 'listen', port: PORT }, { call: 'accept' }, { call: 'recv' }] },
      { host: 'client', steps: [{ at: 1, call: 'connect', to: 'server', port: PORT }, { call: 'recv' }] },
    ],
  };
}

/** Run a scenario built by the advisor with this seed and measure it (docs/metrics.md). */
export function simulate(input: ScenarioInput, seed: number) {
  return computeMetrics(runScenario(scenarioSchema.parse({ ...input, seed }), { seed }).json);
}

export interface EvidenceOptions {
  seeds: number;
  /** hours each live run lasts */
  liveHours: number;
  /** detection runs stop this long after the failure (s) */
  detectHorizon: number;
}

export function gather(set: Settings, s: Situation, o: EvidenceOptions): Evidence {
  const rng = Rng.root('advisor').fork(`${set.idle}/${set.intvl}/${set.cnt}/${set.userTimeoutMs}`);
  const detect: Evidence['detect'] = { client: [], server: [] };
  const withData: (number | null)[] = [];
  const cycle = set.idle + set.intvl;
  for (let k = 0; k < o.seeds; k++) {
    // warm up past the handshake and one full keepalive cycle, then a uniform phase
    const fail = Math.round((2 + cycle + rng.next() * cycle) * 1e3) / 1e3;
    const until = fail + o.detectHorizon;
    const idleRun = { ...baseScenario(set, s, until), faults: [{ at: fail, type: 'cut' as const }] };
    const m = simulate(idleRun, k + 1);
    detect.client.push(m.detect.byHost['client'] ?? null);
    detect.server.push(m.detect.byHost['server'] ?? null);
    if (set.userTimeoutMs > 0) {
      const base = baseScenario(set, s, until);
      const dataRun: ScenarioInput = {
        ...base,
        apps: [base.apps?.[0] as never, { host: 'client', steps: [{ at: 1, call: 'connect', to: 'server', port: PORT }, { at: fail, call: 'send', bytes: 100 }, { call: 'recv' }] }],
        faults: [{ at: fail, type: 'cut' }],
      };
      withData.push(simulate(dataRun, k + 1).detect.byHost['client'] ?? null);
    }
  }
  let falseAlarms = 0;
  let survived = 0;
  const pph: number[] = [];
  const bph: number[] = [];
  for (let k = 0; k < o.seeds; k++) {
    const m = simulate(baseScenario(set, s, o.liveHours * 3600), 1000 + k);
    if (m.falseAlarm) falseAlarms++;
    if (m.nat.survived) survived++;
    if (m.overhead.packetsPerHour !== null) pph.push(m.overhead.packetsPerHour);
    if (m.overhead.bytesPerHour !== null) bph.push(m.overhead.bytesPerHour);
  }
  return {
    runs: o.seeds * (set.userTimeoutMs > 0 ? 3 : 2),
    detect,
    detectWithData: set.userTimeoutMs > 0 ? withData : null,
    falseAlarms,
    liveConnectionHours: o.seeds * o.liveHours,
    natSurvived: s.nat ? survived : null,
    packetsPerHour: pph,
    bytesPerHour: bph,
  };
}
