/**
 * `keepalive-lab run` and `list`: load a scenario (built-in or file, with --set overrides),
 * run it, and print the trace and the tables asked for, or the run as JSON. Loaded only when
 * one of these commands runs (sim/cli.ts).
 */
import { runScenario } from '../../src/scenarios/run.ts';
import { humanTrace } from '../../src/report/human.ts';
import { formatNetstat } from '../../src/report/timers.ts';
import { formatConntrack } from '../../src/report/conntrack.ts';
import { toPcap } from '../../src/report/pcap.ts';
import { formatSeconds } from '../../src/scenarios/duration.ts';
import { durationArg } from '../args.ts';
import { InputError } from '../errors.ts';
import { PENDING, builtinNames, loadScenario, readRaw } from '../load.ts';
import { checkRunFigures, renderRunFigures } from '../plot/run-figures.ts';
import { checkOutFile, writeFiles } from '../output.ts';
import { didYouMean, quote } from '../../src/scenarios/show.ts';

export type Out = (...s: string[]) => void;

export interface RunFlags {
  seed?: number;
  set: string[];
  until?: number;
  json?: boolean;
  timers: string[];
  conntrack: string[];
  mermaid?: string;
  svg?: string;
  ladderMax?: number;
  ladderIdle?: number;
  timeline?: string;
  pcap?: string;
  pcapAt?: string;
  vantage?: string;
  verbose?: boolean;
  count?: string;
  idle?: string;
  interval?: string;
}

export function listAction(out: Out): void {
  for (const name of builtinNames()) {
    const { raw } = readRaw(name);
    const d = (raw as { description?: string }).description ?? '';
    out(`${name.padEnd(28)} ${d}`);
  }
  for (const p of PENDING) out(`${p.name.padEnd(28)} (pending: needs ${p.needs})`);
}

export async function runAction(ref: string, o: RunFlags, out: Out, maxEvents?: number): Promise<void> {
  const { scenario } = loadScenario(ref, { set: o.set, ...(o.count !== undefined ? { count: o.count } : {}), ...(o.idle !== undefined ? { idle: o.idle } : {}), ...(o.interval !== undefined ? { interval: o.interval } : {}) });
  const timersAt = o.timers.map((t) => durationArg('--timers')(t));
  const conntrackAt = o.conntrack.map((t) => durationArg('--conntrack')(t));
  const boxes = scenario.path.middleboxes.map((m) => m.name);
  const hosts = Object.keys(scenario.hosts);
  if (conntrackAt.length && !scenario.path.middleboxes.some((m) => m.type === 'nat')) throw new InputError(['--conntrack: this scenario has no NAT (path.middleboxes)']);
  const vantage = o.vantage?.split(',').map((s) => s.trim()).filter(Boolean);
  if (o.vantage !== undefined && !vantage?.length) throw new InputError(['--vantage: give host or NAT names, comma-separated']);
  for (const v of vantage ?? []) if (!hosts.includes(v) && !boxes.includes(v)) throw new InputError([`--vantage: no host or NAT named ${quote(v)}${didYouMean(v, [...hosts, ...boxes]) || ` (hosts: ${[...hosts, ...boxes].join(', ')})`}`]);
  if (o.timeline === '-' && o.json) throw new InputError(['--timeline -: text lanes cannot go into --json output; give a file (.svg, .png, .json)']);
  const pcapAt = o.pcapAt ?? vantage?.[0] ?? scenario.vantage?.[0] ?? hosts[0] ?? '';
  if (o.pcapAt !== undefined) {
    const [name, side, more] = o.pcapAt.split(':');
    const points = [...hosts, ...boxes, ...boxes.flatMap((b) => [`${b}:inside`, `${b}:outside`])];
    if (more !== undefined || !(hosts.includes(name ?? '') && side === undefined) && !(boxes.includes(name ?? '') && (side === undefined || side === 'inside' || side === 'outside'))) {
      throw new InputError([`--pcap-at: ${quote(o.pcapAt)} is not a vantage point${didYouMean(o.pcapAt, points) || ` (${points.join(', ')})`}`]);
    }
  }
  if (o.pcap) checkOutFile('--pcap', o.pcap);
  checkRunFigures(o);
  const r = runScenario(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt, ...(maxEvents !== undefined ? { maxEvents } : {}) });
  const { files, lines: figureText } = await renderRunFigures(r, scenario, o);
  if (o.pcap) {
    try {
      files.push({ flag: '--pcap', file: o.pcap, data: toPcap(r.world.sim.trace.events, { at: pcapAt, format: o.pcap.endsWith('.pcapng') ? 'pcapng' : 'pcap' }) });
    } catch (e) {
      if (e instanceof RangeError) throw new InputError([`--pcap-at: ${e.message}`]);
      throw e;
    }
  }
  writeFiles(files);
  if (o.json) {
    const extra = {
      ...(timersAt.length ? { timers: r.timerTables.map((t) => ({ t: t.t / 1e6, rows: t.rows })) } : {}),
      ...(conntrackAt.length ? { conntrack: r.conntrackTables.map((t) => ({ t: t.t / 1e6, rows: t.rows })) } : {}),
    };
    out(JSON.stringify({ ...r.json, ...extra }, null, 1));
    return;
  }
  out(humanTrace(r.world, scenario, r.json, { ...(vantage ? { vantage } : {}), ...(o.verbose ? { verbose: true } : {}) }).trimEnd());
  for (const t of timersAt) {
    if (!r.timerTables.some((x) => x.t === t)) out('', `== timers at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(r.world.sim.now)} (use --until) ==`);
  }
  for (const t of r.timerTables) {
    out('', `== timers at ${formatSeconds(t.t)} (netstat -tno: host, Recv-Q, Send-Q, local, peer, state, timer (left/retransmits/probes)) ==`);
    const lines = formatNetstat(t.rows);
    out(...(lines.length ? lines : ['(no connections)']));
  }
  for (const t of conntrackAt) {
    if (!r.conntrackTables.some((x) => x.t === t)) out('', `== conntrack at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(r.world.sim.now)} (use --until) ==`);
  }
  for (const t of r.conntrackTables) {
    out('', `== conntrack at ${formatSeconds(t.t)} (conntrack -L: nat, proto, seconds left, state, original tuple, reply tuple, flags) ==`);
    const lines = formatConntrack(t.rows);
    out(...(lines.length ? lines : ['(no entries)']));
  }
  out(...figureText);
}
