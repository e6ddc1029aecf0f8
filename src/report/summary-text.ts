/**
 * `keepalive-lab run --summary`: the verdict of a run that kept no trace, with per-program
 * groups (copies of a program, `name#i`, counted together), per-connection outcomes and what
 * each middlebox did — as text for a person, or as one JSON document
 * (`keepalive-lab/summary@1`). Sizes grow with the number of connections, not with time.
 */
import type { Scenario } from '../scenarios/schema.ts';
import type { SummaryOutcome } from '../scenarios/run.ts';
import type { DetectionRecord } from '../scenarios/result.ts';
import type { BoxRecord, FlowRecord } from './flowbook.ts';
import { TOOL } from './json.ts';

export interface GroupRecord {
  host: string;
  /** the program's name, `name` for the copies `name#0…name#(N-1)` */
  program: string;
  programs: number;
  /** programs that never learned of a failure */
  ok: number;
  /** per errno (or a program's own label): how many learned it, and when after the failure (s) */
  learned: { errno: string; count: number; first: number; median: number; last: number; firstAfterFault?: number; lastAfterFault?: number }[];
}

export interface SummaryDocument {
  format: 'keepalive-lab/summary@1';
  tool: string;
  scenario: string;
  seed: number;
  /** events the simulator executed */
  events: number;
  endedAt: number;
  summary: SummaryOutcome['summary'];
  groups: GroupRecord[];
  connections: FlowRecord[];
  middleboxes: BoxRecord[];
}

const base = (app: string): string => app.replace(/#\d+$/, '');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >>> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Programs grouped by host and name (copies together), with what they learned. */
export function groups(o: SummaryOutcome): GroupRecord[] {
  const byKey = new Map<string, { host: string; program: string; programs: number; ds: DetectionRecord[] }>();
  for (const a of o.apps) {
    const k = `${a.host.name}|${base(a.name)}`;
    const g = byKey.get(k) ?? { host: a.host.name, program: base(a.name), programs: 0, ds: [] };
    g.programs++;
    byKey.set(k, g);
  }
  for (const d of o.summary.detections) byKey.get(`${d.host}|${base(d.app)}`)?.ds.push(d);
  return [...byKey.values()].map((g) => {
    const byErr = new Map<string, DetectionRecord[]>();
    for (const d of g.ds) byErr.set(d.errno, [...(byErr.get(d.errno) ?? []), d]);
    return {
      host: g.host,
      program: g.program,
      programs: g.programs,
      ok: g.programs - g.ds.length,
      learned: [...byErr].map(([errno, ds]) => {
        const ts = ds.map((d) => d.t);
        const after = ds.map((d) => d.afterFault).filter((x): x is number => x !== undefined);
        return {
          errno,
          count: ds.length,
          first: Math.min(...ts),
          median: r6(median(ts)),
          last: Math.max(...ts),
          ...(after.length ? { firstAfterFault: Math.min(...after), lastAfterFault: Math.max(...after) } : {}),
        };
      }),
    };
  });
}

export function summaryDocument(o: SummaryOutcome, sc: Scenario): SummaryDocument {
  return {
    format: 'keepalive-lab/summary@1',
    tool: TOOL,
    scenario: sc.name,
    seed: o.seed,
    events: o.events,
    endedAt: o.summary.endedAt,
    summary: o.summary,
    groups: groups(o),
    connections: o.flows.flows(),
    middleboxes: o.flows.boxes(),
  };
}

const n = (x: number): string => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const s6 = (x: number): string => x.toFixed(6);
const s3 = (x: number): string => x.toFixed(3);
/** At most `max` characters of a long line, saying how much was left out. */
const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max)}… (${n(text.length - max)} more characters; --json has it all)`);

export interface SummaryTextOptions {
  /** connection lines to list (default 20) */
  flows?: number;
}

export function summaryText(o: SummaryOutcome, sc: Scenario, opts: SummaryTextOptions = {}): string {
  const doc = summaryDocument(o, sc);
  const lines: string[] = [];
  lines.push(`${sc.name}${sc.description ? `: ${sc.description}` : ''}`);
  lines.push(`seed ${doc.seed}; ran to ${s6(doc.endedAt)} s; ${n(doc.events)} events simulated; no trace kept (--summary)`);
  const ds = doc.summary.detections;
  // many programs: the verdict lists every one; say how many and the first, the groups below say the rest
  const verdict =
    ds.length > 3
      ? `${n(ds.length)} programs learned of a failure; first ${ds[0]?.app === ds[0]?.host ? ds[0]?.host : `${ds[0]?.host}/${ds[0]?.app}`} got ${ds[0]?.errno} at ${s6(ds[0]?.t ?? 0)} s${ds[0]?.afterFault !== undefined ? ` (${s3(ds[0].afterFault)} s after the fault)` : ''} (the programs below; --json lists each)`
      : cut(doc.summary.verdict, 600);
  lines.push('', `verdict: ${verdict}`);

  lines.push('', 'programs (copies name#i counted together):');
  for (const g of doc.groups) {
    const learned = g.learned.length
      ? g.learned
          .map((l) => {
            const when = l.count === 1 ? `at ${s6(l.first)} s` : `${s6(l.first)} … ${s6(l.last)} s, median ${s6(l.median)} s`;
            const after = l.firstAfterFault !== undefined ? (l.count === 1 || l.firstAfterFault === l.lastAfterFault ? `; ${s3(l.firstAfterFault)} s after the fault` : `; ${s3(l.firstAfterFault)} … ${s3(l.lastAfterFault ?? 0)} s after the fault`) : '';
            return `${l.errno} ×${n(l.count)} (${when}${after})`;
          })
          .join(', ')
      : 'nothing';
    lines.push(`  ${g.host}/${g.program}: ${n(g.programs)} program${g.programs === 1 ? '' : 's'}; no failure: ${n(g.ok)}; learned: ${learned}`);
  }

  const flows = doc.connections;
  const up = flows.filter((f) => f.up !== null).length;
  const open = flows.filter((f) => f.up !== null && f.down === null).length;
  const reasons = new Map<string, number>();
  for (const f of flows) if (f.errno) reasons.set(`${f.reason ?? '?'} (${f.errno})`, (reasons.get(`${f.reason ?? '?'} (${f.errno})`) ?? 0) + 1);
  const aborted = [...reasons.values()].reduce((a, b) => a + b, 0);
  lines.push('', `connections (each end counted): ${n(flows.length)} seen, ${n(up)} established, ${n(open)} open at the end, ${n(aborted)} aborted${aborted ? `: ${[...reasons].map(([r, c]) => `${r} ×${n(c)}`).join(', ')}` : ''}`);
  const shown = opts.flows ?? 20;
  for (const f of flows.slice(0, shown)) {
    const life = f.up === null ? 'never established' : `up ${s6(f.up)}`;
    const end = f.down === null ? 'open at the end' : f.errno ? `aborted ${s6(f.down)} ${f.errno} (${f.reason ?? ''})` : `closed ${s6(f.down)}`;
    const nat = f.nat ? `; ${f.nat.box}: ${f.nat.fate}${f.nat.at !== undefined ? ` at ${s6(f.nat.at)}` : ''}` : '';
    lines.push(`  ${f.conn.padEnd(32)} ${life}  ${end}${nat}`);
  }
  if (flows.length > shown) lines.push(`  (${n(shown)} of ${n(flows.length)} listed; --json lists them all)`);

  if (doc.middleboxes.length) {
    lines.push('', 'middleboxes:');
    for (const b of doc.middleboxes) {
      lines.push(`  ${b.name}: ${n(b.mapped)} flows mapped; broken: ${n(b.expired)} expired, ${n(b.evicted)} evicted, ${n(b.refused)} refused, ${n(b.idleClosed)} closed idle${b.firstBreak !== null ? `; first break at ${s6(b.firstBreak)} s` : ''}`);
    }
  }
  const ka = Object.entries(doc.summary.keepalive)
    .map(([h, k]) => `${h} ${n(k.probes)} probes, ${n(k.replies)} replies, ${n(k.bytes)} B`)
    .join('; ');
  lines.push('', `keepalive: ${ka}; ${n(doc.summary.packets)} packets sent in all`);
  return lines.join('\n') + '\n';
}
