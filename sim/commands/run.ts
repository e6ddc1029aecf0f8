/**
 * `keepalive-lab run` and `list`: load a scenario (built-in or file, with --set overrides),
 * run it, and print the trace and the tables asked for, or the run as JSON. Loaded only when
 * one of these commands runs (sim/cli.ts).
 */
import { writeFileSync } from 'node:fs';
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
import { writeRunFigures } from '../plot/run-figures.ts';
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
function streamRun(scenario: Scenario, o: RunFlags, timersAt: number[], conntrackAt: number[], out: Out, write: (text: string) => void): void {
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
    const p = prepareStream(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt, onWorld });
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
function summaryRun(scenario: Scenario, o: RunFlags, timersAt: number[], conntrackAt: number[], out: Out): void {
  const needTrace = (['mermaid', 'svg', 'timeline', 'pcap', 'vantage', 'verbose'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (needTrace.length) throw new InputError([`--summary keeps no trace, so it cannot give ${needTrace.map((k) => `--${k}`).join(', ')} (run without --summary for those)`]);
  const r = runSummary(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt });
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

export async function runAction(ref: string, o: RunFlags, out: Out, write: (text: string) => void = (t) => out(t.replace(/\n$/, ''))): Promise<void> {
  const { scenario } = loadScenario(ref, { set: o.set, ...(o.count ? { count: o.count } : {}), ...(o.idle ? { idle: o.idle } : {}), ...(o.interval ? { interval: o.interval } : {}) });
  const timersAt = o.timers.map((t) => durationArg('--timers')(t));
  const conntrackAt = o.conntrack.map((t) => durationArg('--conntrack')(t));
  const boxes = scenario.path.middleboxes.map((m) => m.name);
  if (conntrackAt.length && !scenario.path.middleboxes.some((m) => m.type === 'nat')) throw new InputError(['--conntrack: this scenario has no NAT (path.middleboxes)']);
  const vantage = o.vantage?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of vantage ?? []) if (!(v in scenario.hosts) && !boxes.includes(v)) throw new InputError([`--vantage: no host or NAT named ${JSON.stringify(v)} (hosts: ${[...Object.keys(scenario.hosts), ...boxes].join(', ')})`]);
  if (o.timeline === '-' && o.json) throw new InputError(['--timeline -: text lanes cannot go into --json output; give a file (.svg, .png, .json)']);
  if (o.summary && o.stream) throw new InputError(['--summary and --stream: choose one (--summary prints no trace; --stream prints it as the run goes)']);
  if (o.summary) return summaryRun(scenario, o, timersAt, conntrackAt, out);
  if (o.flows !== undefined) throw new InputError(['--flows: only with --summary']);
  if (o.stream) return streamRun(scenario, o, timersAt, conntrackAt, out, write);
  if (o.jsonl) throw new InputError(['--jsonl: only with --stream (the whole run as one document is --json)']);
  const r = runScenario(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.until !== undefined ? { until: o.until } : {}), timersAt, conntrackAt });
  const figureText = await writeRunFigures(r, scenario, o);
  if (o.pcap) {
    const at = o.pcapAt ?? vantage?.[0] ?? scenario.vantage?.[0] ?? Object.keys(scenario.hosts)[0] ?? '';
    let bytes: Uint8Array;
    try {
      bytes = toPcap(r.world.sim.trace.events, { at, format: o.pcap.endsWith('.pcapng') ? 'pcapng' : 'pcap' });
    } catch (e) {
      if (e instanceof RangeError) throw new InputError([`--pcap-at: ${e.message}`]);
      throw e;
    }
    try {
      writeFileSync(o.pcap, bytes);
    } catch (e) {
      throw new InputError([`--pcap: cannot write ${o.pcap}: ${(e as Error).message}`]);
    }
  }
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
