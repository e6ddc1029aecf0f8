/**
 * The simulator's side of a calibration: the scenario as the real run actually played out.
 *
 * A kernel run is driven by real programs and a real harness, each a little late: a Python
 * call starts a few hundred µs after its `at`, an iptables rule takes 3-50 ms to apply, a
 * namespace reboot takes 0.1-1 s. Those delays move the instants at which the kernel arms its
 * timers, and a timer armed a jiffy later can fire a whole wheel bucket later (§6 of the
 * reference). So the simulator is not given the scenario as written but its replay:
 *  - every application call starts when the real program started it (its recorded `start`);
 *  - every fault takes effect when the harness applied it, and a rebooted host is back when
 *    the real one answered again;
 *  - both hosts share one jiffy clock (one kernel), with the phase fitted by fit.ts;
 *  - the horizon is the real run's end.
 * Outcomes (results, errnos, packets) are never copied: the simulator computes them.
 */
import type { CallRecord } from '../src/scenarios/result.ts';
import type { FaultSpec, Scenario, StepSpec } from '../src/scenarios/schema.ts';
import type { KernelRunJson, RecordedFault } from './convert.ts';

/** Seconds to add to a run's times to get scenario time (kernel runs are anchored on connect()). */
export function scenarioOffset(run: object): number {
  return (run as { timeBase?: { scenarioOffset: number } }).timeBase?.scenarioOffset ?? 0;
}

/** The app's name in call records: its `name`, else its host (suffixed when a host runs several). */
export function appName(scenario: Scenario, k: number): string {
  const spec = scenario.apps[k];
  if (!spec) return `app${k}`;
  if (spec.name) return spec.name;
  const sameHost = scenario.apps.filter((a) => a.host === spec.host);
  return sameHost.length === 1 ? spec.host : `${spec.host}-${sameHost.indexOf(spec)}`;
}

const us = (seconds: number): number => Math.max(0, Math.round(seconds * 1e6));

/** Host socket options apply() sets before listen/connect, each logged as a setsockopt call. */
const HOST_OPTIONS = ['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT', 'SO_RCVBUF'];

export interface ReplayOptions {
  /** jiffy phase for every host, µs (fit.ts); absent = the scenario's own */
  phaseUs?: number;
}

/** The scenario as the real run played it out (see the file comment). */
export function replayScenario(sc: Scenario, real: KernelRunJson, o: ReplayOptions = {}): Scenario {
  const off = scenarioOffset(real);
  const hz = real.kernel.hz > 0 ? real.kernel.hz : undefined;
  const hosts = Object.fromEntries(
    Object.entries(sc.hosts).map(([name, h]) => [name, { ...h, ...(hz ? { hz } : {}), ...(o.phaseUs !== undefined ? { jiffyPhase: o.phaseUs } : {}) }]),
  );
  const apps = sc.apps.map((a, k) => {
    const name = appName(sc, k);
    const calls = real.calls.filter((c) => c.app === name && c.host === a.host).sort((x, y) => x.start - y.start);
    const nOpts = HOST_OPTIONS.filter((n) => (sc.hosts[a.host]?.socket as Record<string, unknown> | undefined)?.[n] !== undefined).length;
    return { ...a, steps: replaySteps(a.steps, calls, nOpts, off) };
  });
  return { ...sc, hosts, apps, faults: replayFaults(sc.faults, recordedFaults(real)), until: us(real.summary.endedAt + off) };
}

/** A step's arguments as the real program logged them (everything but `call` and `at`). */
function argsOf(st: StepSpec): string {
  const { call: _c, at: _a, ...args } = st;
  return JSON.stringify(args, Object.keys(args).sort());
}
const recArgs = (c: CallRecord): string => JSON.stringify(c.args ?? {}, Object.keys(c.args ?? {}).sort());

/**
 * Walk the program's steps beside its recorded calls: each executed call becomes one step at
 * its real start (a `send every` or `recv loop` becomes one step per call); what the real
 * program never reached stays as written.
 */
export function replaySteps(steps: readonly StepSpec[], calls: readonly CallRecord[], nOpts: number, off: number): StepSpec[] {
  const out: StepSpec[] = [];
  let r = 0;
  const at = (c: CallRecord): number => us(c.start + off);
  for (let si = 0; si < steps.length; si++) {
    const st = steps[si] as StepSpec;
    if (r >= calls.length) {
      out.push(...steps.slice(si));
      break;
    }
    if (st.call === 'listen' || st.call === 'connect') {
      for (let k = 0; k < nOpts && calls[r]?.call === 'setsockopt'; k++) r++;
      const rec = calls[r];
      if (!rec || rec.call !== st.call) {
        out.push(...steps.slice(si));
        break;
      }
      out.push({ ...st, at: at(rec) });
      r++;
      continue;
    }
    if (st.call === 'send') {
      const n = st.count ?? (st.every !== undefined ? Infinity : 1);
      let k = 0;
      let last: CallRecord | undefined;
      while (k < n && calls[r]?.call === 'send' && recArgs(calls[r] as CallRecord) === argsOf(st)) {
        last = calls[r++] as CallRecord;
        out.push({ call: 'send', bytes: st.bytes, at: at(last) });
        k++;
        if (last.errno !== undefined) break;
      }
      if (last?.errno !== undefined) continue; // the program saw the error here, as the simulator will
      if (k < n && r >= calls.length) {
        // the run ended between two sends: the rest of the loop, on its own clock
        const next = last && st.every !== undefined ? { at: at(last) + st.every } : {};
        out.push({ ...st, ...(Number.isFinite(n) ? { count: n - k } : {}), ...next });
        out.push(...steps.slice(si + 1));
        break;
      }
      continue;
    }
    if (st.call === 'recv' && st.loop) {
      let last: CallRecord | undefined;
      while (calls[r]?.call === 'recv' && recArgs(calls[r] as CallRecord) === argsOf(st)) {
        last = calls[r++] as CallRecord;
        out.push({ call: 'recv', loop: false, at: at(last) });
        if (last.errno !== undefined || last.result === 0 || last.pending) break;
      }
      const ended = last !== undefined && (last.errno !== undefined || last.result === 0 || last.pending === true);
      if (!ended) {
        // killed in the blocked recv (a crash or reboot records nothing for it): the loop goes on
        out.push(st, ...steps.slice(si + 1));
        break;
      }
      continue;
    }
    const rec = calls[r];
    if (!rec || rec.call !== st.call) {
      out.push(...steps.slice(si));
      break;
    }
    out.push({ ...st, at: at(rec) });
    r++;
  }
  return out;
}

/**
 * The faults of a real run, in scenario time (s): the structured record of newer fixtures, or
 * the fault events of older ones ("… (scheduled 2.5 s, took 116.7 ms)", a reboot "away 117 ms").
 */
export function recordedFaults(real: KernelRunJson): RecordedFault[] {
  const off = scenarioOffset(real);
  if (real.faults) {
    const sc = (t: number): number => t + off;
    return real.faults.map((f) => ({ ...f, start: sc(f.start), end: sc(f.end), ...(f.up !== undefined ? { up: sc(f.up) } : {}) }));
  }
  const out: RecordedFault[] = [];
  for (const e of real.events) {
    if (e.kind !== 'fault') continue;
    const m = /\(scheduled ([\d.]+) s, took ([\d.]+) ms\)$/.exec(e.detail);
    if (!m) continue;
    const start = e.t + off;
    const end = start + Number(m[2]) / 1000;
    const away = /away (\d+) ms/.exec(e.detail);
    const undo = /forwards to .* again/.test(e.detail);
    out.push({ scheduled: Number(m[1]), start, end, ...(away ? { up: start + Number(away[1]) / 1000 } : {}), ...(undo ? { undo: true } : {}) });
  }
  return out;
}

/** Each fault at the moment the real one took effect (its command finished). */
export function replayFaults(faults: readonly FaultSpec[], rec: readonly RecordedFault[]): FaultSpec[] {
  const used = new Set<number>();
  const find = (scheduledUs: number, undo: boolean): RecordedFault | undefined => {
    const i = rec.findIndex((r, k) => !used.has(k) && Boolean(r.undo) === undo && Math.abs(r.scheduled * 1e6 - scheduledUs) < 1);
    if (i < 0) return undefined;
    used.add(i);
    return rec[i];
  };
  return faults.map((f) => {
    const r = find(f.at, false);
    if (!r) return f;
    if (f.type === 'reboot') {
      // the host vanished when the router began dropping for it, and is back when it stopped
      const at = us(r.start);
      return { ...f, at, downtime: r.up !== undefined ? Math.max(0, us(r.up) - at) : f.downtime };
    }
    const g = { ...f, at: us(r.end) };
    if (g.type === 'icmp-unreachable' && g.until !== undefined) {
      const u = find(g.until, true);
      if (u) return { ...g, until: us(u.end) };
    }
    return g;
  });
}
