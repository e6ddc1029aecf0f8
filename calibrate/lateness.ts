/**
 * How far a real run strayed from its own schedule, measured in scenario time: programs
 * starting their timed steps late, faults applied late or slowly, timer callbacks running
 * away from the jiffy boundary. A run made while the machine stalled (a program starting
 * seconds late, an iptables command taking 200 ms, timer softirqs deferred to ksoftirqd) is
 * not a recording of the scenario; record.ts records again rather than keep it.
 */
import type { CallRecord, PacketRecord } from '../src/scenarios/result.ts';
import type { Scenario } from '../src/scenarios/schema.ts';
import type { KernelRunJson } from './convert.ts';
import { jiffyBoundary } from './fit.ts';
import { appName, recordedFaults, scenarioOffset } from './replay.ts';

/**
 * What a run must keep to (docs/calibration.md "Recording"). The replay reproduces a late call
 * or fault exactly, so these limits are about meaning, not timing: a program or fault moved
 * by more than these, or a packet on the wire while a fault was half-applied, would be a run
 * of another scenario; a timer callback away from its jiffy boundary is a kernel that was
 * too busy to keep its own clock.
 */
export const LATENESS_LIMITS = {
  /** a program's timed step after its `at`, ms */
  programMs: 50,
  /** the harness beginning a fault after its `at`, ms */
  faultStartMs: 50,
  /** a packet on the wire while an iptables command (cut, firewall, icmp) was being applied: ms the command ran with traffic in it */
  faultCommandMs: 0,
  /** a timer packet after the earliest sub-jiffy position of the run's timer packets, ms */
  timerJitterMs: 1,
  /** a program reporting a call after the kernel finished it (the packet that woke it, or the call's start), ms */
  callMs: 3.5,
  /**
   * a rebooted host back after its downtime: at most 0.2 s before the program step that follows
   * the reboot, else 0.8 s (the namespace surgery takes 0.1-0.2 s on a quiet machine); reported
   * scaled to this limit, ms
   */
  rebootMs: 800,
  /**
   * a packet's transit from one host's interface to the other's: veth + router take 20-100 µs,
   * and a packet sent where the receive softirq is deferred to the next tick one jiffy more; ms
   */
  transitMs: 4.5,
};

export interface Lateness {
  programMs: number;
  faultStartMs: number;
  faultCommandMs: number;
  timerJitterMs: number;
  callMs: number;
  rebootMs: number;
  transitMs: number;
  /** the worst offender, in words */
  worst: string;
}

export function lateness(sc: Scenario, real: KernelRunJson): Lateness {
  const off = scenarioOffset(real);
  const out: Lateness = { programMs: 0, faultStartMs: 0, faultCommandMs: 0, timerJitterMs: 0, callMs: 0, rebootMs: 0, transitMs: 0, worst: 'nothing' };
  let worstRatio = 0;
  const see = (k: keyof typeof LATENESS_LIMITS, ms: number, what: string): void => {
    if (ms > out[k]) out[k] = ms;
    const ratio = ms / LATENESS_LIMITS[k];
    if (ratio > worstRatio) [worstRatio, out.worst] = [ratio, `${what}: ${ms.toFixed(1)} ms`];
  };
  sc.apps.forEach((a, k) => {
    const name = appName(sc, k);
    const calls = real.calls.filter((c) => c.app === name && c.host === a.host).sort((x, y) => x.start - y.start);
    for (const st of a.steps) {
      if (st.at === undefined) continue;
      // the program's first call at or after `at` (the step itself, or the setsockopts before it)
      const first = calls.find((c) => (c.start + off) * 1e6 >= st.at! - 1);
      if (first) see('programMs', ((first.start + off) * 1e6 - st.at) / 1000, `${name} ${st.call} at ${st.at / 1e6} s started late`);
    }
  });
  const byAt = new Map(sc.faults.map((f) => [f.at, f]));
  for (const f of recordedFaults(real)) {
    see('faultStartMs', (f.start - f.scheduled) * 1000, `fault at ${f.scheduled} s began late`);
    const spec = byAt.get(f.scheduled * 1e6);
    if (spec?.type === 'reboot' && f.up !== undefined) {
      // back in time for the next program step after the reboot (0.2 s before it), or within
      // 0.8 s when none follows: the run would otherwise be of another scenario
      const ready = spec.at + spec.downtime;
      const next = Math.min(...sc.apps.flatMap((a) => a.steps.map((st) => st.at ?? Infinity)).filter((t) => t > ready));
      const allowMs = Number.isFinite(next) ? (next - ready) / 1000 - 200 : 800;
      const lateMs = (f.up - ready / 1e6) * 1000;
      see('rebootMs', (lateMs / allowMs) * LATENESS_LIMITS.rebootMs, `the host rebooted at ${f.scheduled} s was back ${lateMs.toFixed(0)} ms after its downtime (${allowMs.toFixed(0)} ms allowed), scaled to the limit:`);
    }
    // a reboot takes its downtime plus ~0.1-0.2 s by design; the replay uses its recorded times
    if (f.undo || byAt.get(f.scheduled * 1e6)?.type !== 'reboot') {
      const inside = real.packets.some((p) => p.t + off > f.start && p.t + off < f.end);
      if (inside) see('faultCommandMs', (f.end - f.start) * 1000, `a packet crossed while the fault at ${f.scheduled} s was applied over`);
    }
  }
  for (const c of real.calls) {
    if (c.pending) continue;
    let from = c.start;
    if (BLOCKING.has(c.call)) {
      // woken by the packet that decided it (if the capture has it), else by a timer: unknown
      const woke = wakingPacket(c, real.packets);
      if (!woke) continue;
      from = Math.max(c.start, woke.t);
    }
    see('callMs', (c.t - from) * 1000, `${c.app} ${c.call} returned to the program late`);
  }
  // each packet seen leaving one host and arriving at the other: the same segment, the next rx
  const key = (p: { src: string; dst: string; sport: number; dport: number; flags: string; seq: number; ack: number; len: number }): string =>
    `${p.src}>${p.dst} ${p.sport}>${p.dport} ${p.flags} ${p.seq}:${p.ack}:${p.len}`;
  const arrivals = new Map<string, number[]>();
  for (const p of real.packets) if (p.dir === 'rx' && p.at === p.dst) arrivals.set(key(p), [...(arrivals.get(key(p)) ?? []), p.t]);
  for (const p of real.packets) {
    if (p.dir !== 'tx' || p.at !== p.src) continue;
    const list = arrivals.get(key(p));
    const i = list?.findIndex((t) => t >= p.t - 1e-6) ?? -1;
    if (!list || i < 0) continue;
    const t = list.splice(i, 1)[0] as number;
    if (t - p.t < 0.1) see('transitMs', (t - p.t) * 1000, `a packet from ${p.src} at ${(p.t + off).toFixed(6)} s took`);
  }
  const timers = real.packets.filter((p) => p.dir === 'tx' && p.at === p.src && (p.kind === 'keepalive' || p.kind === 'retransmission' || p.kind === 'loss-probe'));
  const tick = 1e6 / (real.kernel.hz > 0 ? real.kernel.hz : 250);
  const times = timers.map((p) => Math.round((p.t + off) * 1e6));
  const b = jiffyBoundary(times, tick);
  for (const t of times) see('timerJitterMs', ((((t - b) % tick) + tick) % tick) / 1000, `timer packet at ${(t / 1e6).toFixed(6)} s after its jiffy boundary`);
  return out;
}

/**
 * The packet at the caller's interface that ended a blocking call: a RST for a reset, the
 * keepalive death RST it sent for ETIMEDOUT, a FIN for EOF, data for a read, the SYN-ACK for
 * connect, the handshake's last ACK for accept. Undefined when a timer ended it silently.
 */
function wakingPacket(c: CallRecord, packets: readonly PacketRecord[]): PacketRecord | undefined {
  const at = packets.filter((p) => p.at === c.host && p.t <= c.t + 1e-9 && p.t >= c.start - 1e-9);
  const last = (f: (p: PacketRecord) => boolean): PacketRecord | undefined => at.filter(f).at(-1);
  const rx = (p: PacketRecord): boolean => p.dir === 'rx';
  if (c.errno === 'ETIMEDOUT') return last((p) => p.dir === 'tx' && p.flags.includes('R'));
  if (c.errno !== undefined) return last((p) => rx(p) && p.flags.includes('R'));
  if (c.call === 'connect') return last((p) => rx(p) && p.flags === 'S.');
  if (c.call === 'accept') return last((p) => rx(p) && !p.flags.includes('S'));
  if (c.result === 0) return last((p) => rx(p) && p.flags.includes('F'));
  return last((p) => rx(p) && (p.len > 0 || p.flags.includes('F') || p.flags.includes('R')));
}

/** Calls that wait for the network; the others return as soon as the kernel has done them. */
const BLOCKING = new Set(['connect', 'accept', 'recv', 'select', 'sleep']);

/** The limits this run exceeds, in words (empty = a recording worth keeping). */
export function overLimits(l: Lateness): string[] {
  return (Object.keys(LATENESS_LIMITS) as (keyof typeof LATENESS_LIMITS)[]).filter((k) => l[k] > LATENESS_LIMITS[k]).map((k) => `${k} ${l[k].toFixed(1)} > ${LATENESS_LIMITS[k]}`);
}
