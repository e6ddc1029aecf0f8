/**
 * `keepalive-lab run` and `list`: load a scenario (built-in or file, with --set overrides),
 * run it, and print the trace and the tables asked for, or the run as JSON. Loaded only when
 * one of these commands runs (sim/cli.ts).
 */
import { prepareStream, runScenario, runSummary, type RunOutcome } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import type { World } from '../../src/world.ts';
import { summaryDocument, summaryText } from '../../src/report/summary-text.ts';
import { HumanStream, humanKinds, humanTrace } from '../../src/report/human.ts';
import { JSONL_KINDS, JsonlStream } from '../../src/report/jsonl.ts';
import { formatNetstat } from '../../src/report/timers.ts';
import { formatConntrack } from '../../src/report/conntrack.ts';
import { PcapStream, toPcap } from '../../src/report/pcap.ts';
import { formatSeconds } from '../../src/scenarios/duration.ts';
import { durationArg } from '../args.ts';
import { InputError } from '../errors.ts';
import { PENDING, builtinNames, loadScenario, readRaw } from '../load.ts';
import { checkRunFigures, renderRunFigures } from '../plot/run-figures.ts';
import { checkOutFile, writeFiles } from '../output.ts';
import { didYouMean, quote } from '../../src/scenarios/show.ts';
import { LineBuffer, StreamFile } from '../stream-file.ts';

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
  summary?: boolean;
  flows?: number;
  stream?: boolean;
  jsonl?: string;
}

export function listAction(out: Out): void {
  for (const name of builtinNames()) {
    const { raw } = readRaw(name);
    const d = (raw as { description?: string }).description ?? '';
    out(`${name.padEnd(28)} ${d}`);
  }
  for (const p of PENDING) out(`${p.name.padEnd(28)} (pending: needs ${p.needs})`);
}

/**
 * `--stream`: no trace kept; the human trace printed as the run goes, and --pcap / --jsonl
 * written as it goes, so memory does not grow with virtual time. Same lines as without it.
 */
function streamRun(scenario: Scenario, o: RunFlags, timersAt: number[], conntrackAt: number[], out: Out, write: (text: string) => void, maxEvents?: number): void {
  const needTrace = (['mermaid', 'svg', 'timeline', 'json'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (needTrace.length) throw new InputError([`--stream keeps no trace, so it cannot give ${needTrace.map((k) => `--${k}`).join(', ')} (run without --stream for those)`]);
  const vantage = o.vantage?.split(',').map((s) => s.trim()).filter(Boolean);
  const seed = o.seed ?? scenario.seed;
  const pcapAt = o.pcapAt ?? vantage?.[0] ?? scenario.vantage?.[0] ?? Object.keys(scenario.hosts)[0] ?? '';
  if (o.pcap) {
    const points = [...Object.keys(scenario.hosts), ...scenario.path.middleboxes.flatMap((m) => [m.name, `${m.name}:inside`, `${m.name}:outside`])];
    if (!points.includes(pcapAt)) throw new InputError([`--pcap-at: no vantage point '${pcapAt}' (${points.join(', ')})`]);
  }
  const files: StreamFile[] = [];
  try {
    const pcapFile = o.pcap ? new StreamFile(o.pcap, '--pcap') : null;
    const jsonlFile = o.jsonl ? new StreamFile(o.jsonl, '--jsonl') : null;
    for (const f of [pcapFile, jsonlFile]) if (f) files.push(f);
    const text = new LineBuffer(write);
    let human: HumanStream | null = null;
    let lines: JsonlStream | null = null;
    // outputs listen from before the first program starts (its calls at 0 s are in the trace)
    const onWorld = (world: World): void => {
      const h = (human = new HumanStream(world, scenario, { ...(vantage ? { vantage } : {}), ...(o.verbose ? { verbose: true } : {}) }));
      for (const l of h.header(seed)) text.line(l);
      world.sim.trace.subscribe((e) => {
        const l = h.line(e);
        if (l !== null) text.line(l);
      }, humanKinds(o.verbose === true));
      if (pcapFile) {
        const pcap = new PcapStream({ at: pcapAt, format: pcapFile.path.endsWith('.pcapng') ? 'pcapng' : 'pcap' }, (b) => pcapFile.write(b));
        world.sim.trace.subscribe((e) => pcap.feed(e), ['packet']);
      }
      if (jsonlFile) {
        const j = (lines = new JsonlStream(world, (l) => jsonlFile.write(`${l}\n`)));
        j.start(scenario, seed);
        world.sim.trace.subscribe((e) => j.feed(e), JSONL_KINDS);
      }
    };
    const p = prepareStream(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt, onWorld, ...(maxEvents !== undefined ? { maxEvents } : {}) });
    const summary = p.run();
    (lines as JsonlStream | null)?.end(summary);
    for (const l of (human as unknown as HumanStream).end(summary)) text.line(l);
    text.flush();
    for (const f of files) f.commit();
    tables(p.timerTables, p.conntrackTables, timersAt, conntrackAt, p.world.sim.now, out);
  } catch (e) {
    for (const f of files) f.abort();
    throw e;
  }
}

/** `--summary`: no trace kept; the verdict, programs, connections and middleboxes. */
function summaryRun(scenario: Scenario, o: RunFlags, timersAt: number[], conntrackAt: number[], out: Out, maxEvents?: number): void {
  const needTrace = (['mermaid', 'svg', 'timeline', 'pcap', 'vantage', 'verbose'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (needTrace.length) throw new InputError([`--summary keeps no trace, so it cannot give ${needTrace.map((k) => `--${k}`).join(', ')} (run without --summary for those)`]);
  const r = runSummary(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt, ...(maxEvents !== undefined ? { maxEvents } : {}) });
  if (o.json) {
    out(JSON.stringify(summaryDocument(r, scenario), null, 1));
    return;
  }
  out(summaryText(r, scenario, o.flows !== undefined ? { flows: o.flows } : {}).trimEnd());
  tables(r.timerTables, r.conntrackTables, timersAt, conntrackAt, r.world.sim.now, out);
}

/** The --timers and --conntrack tables, and a note for each instant the run did not reach. */
function tables(timerTables: RunOutcome['timerTables'], conntrackTables: RunOutcome['conntrackTables'], timersAt: number[], conntrackAt: number[], end: number, out: Out): void {
  for (const t of timersAt) {
    if (!timerTables.some((x) => x.t === t)) out('', `== timers at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(end)} (use --until) ==`);
  }
  for (const t of timerTables) {
    out('', `== timers at ${formatSeconds(t.t)} (netstat -tno: host, Recv-Q, Send-Q, local, peer, state, timer (left/retransmits/probes)) ==`);
    const lines = formatNetstat(t.rows);
    out(...(lines.length ? lines : ['(no connections)']));
  }
  for (const t of conntrackAt) {
    if (!conntrackTables.some((x) => x.t === t)) out('', `== conntrack at ${formatSeconds(t)}: not taken, the run ended at ${formatSeconds(end)} (use --until) ==`);
  }
  for (const t of conntrackTables) {
    out('', `== conntrack at ${formatSeconds(t.t)} (conntrack -L: nat, proto, seconds left, state, original tuple, reply tuple, flags) ==`);
    const lines = formatConntrack(t.rows);
    out(...(lines.length ? lines : ['(no entries)']));
  }
}

export async function runAction(ref: string, o: RunFlags, out: Out, write: (text: string) => void = (t) => out(t.replace(/\n$/, '')), maxEvents?: number): Promise<void> {
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
  if (o.summary && o.stream) throw new InputError(['--summary and --stream: choose one (--summary prints no trace; --stream prints it as the run goes)']);
  if (o.flows !== undefined && !o.summary) throw new InputError(['--flows: only with --summary']);
  if (o.jsonl !== undefined && !o.stream) throw new InputError(['--jsonl: only with --stream (the whole run as one document is --json)']);
  const pcapAt = o.pcapAt ?? vantage?.[0] ?? scenario.vantage?.[0] ?? hosts[0] ?? '';
  if (o.pcapAt !== undefined) {
    const [name, side, more] = o.pcapAt.split(':');
    const points = [...hosts, ...boxes, ...boxes.flatMap((b) => [`${b}:inside`, `${b}:outside`])];
    if (more !== undefined || !(hosts.includes(name ?? '') && side === undefined) && !(boxes.includes(name ?? '') && (side === undefined || side === 'inside' || side === 'outside'))) {
      throw new InputError([`--pcap-at: ${quote(o.pcapAt)} is not a vantage point${didYouMean(o.pcapAt, points) || ` (${points.join(', ')})`}`]);
    }
  }
  if (o.summary) return summaryRun(scenario, o, timersAt, conntrackAt, out, maxEvents);
  if (o.pcap) checkOutFile('--pcap', o.pcap);
  if (o.jsonl) checkOutFile('--jsonl', o.jsonl);
  if (o.stream) return streamRun(scenario, o, timersAt, conntrackAt, out, write, maxEvents);
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
  tables(r.timerTables, r.conntrackTables, timersAt, conntrackAt, r.world.sim.now, out);
  out(...figureText);
}
