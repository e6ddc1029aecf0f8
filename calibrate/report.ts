/**
 * Human-readable output of kernel runs: the trace of one run, and a one-line stability
 * summary of two runs of the same scenario.
 */
import type { RunJson } from '../src/scenarios/result.ts';
import type { DiffResult } from './diff.ts';

/** Packets (every vantage point) and calls of one run, in time order. */
export function renderTrace(run: RunJson): string {
  const lines = [`# ${run.scenario.name}: ${run.summary.verdict}`];
  type Line = { t: number; text: string };
  const items: Line[] = [
    ...run.packets.map((p) => ({
      t: p.t,
      text: `${p.at.padEnd(7)} ${p.dir} ${`${p.src}:${p.sport} > ${p.dst}:${p.dport}`.padEnd(28)} ${p.flags.padEnd(3)} seq ${p.seq} ack ${p.ack} len ${p.len}${p.kind ? `  (${p.kind})` : ''}`,
    })),
    ...run.calls.map((c) => ({
      t: c.t,
      text: `${`app@${c.host}`.padEnd(7)} ${c.call} -> ${c.pending ? 'still blocked' : c.errno ?? String(c.result)}  (called ${c.start.toFixed(6)})`,
    })),
    ...run.events.map((e) => ({ t: e.t, text: `${e.kind.padEnd(7)} ${e.detail}` })),
  ];
  items.sort((a, b) => a.t - b.t);
  for (const it of items) lines.push(`${it.t.toFixed(6).padStart(11)}  ${it.text}`);
  return lines.join('\n');
}

/** "name: same sequence; packet Δ max 0.4 ms; calls Δ max 0.3 ms" or the mismatch count. */
export function stabilityLine(name: string, d: DiffResult): string {
  const pk = d.rows.filter((r) => r.section === 'packet');
  const maxAbs = (xs: (number | undefined)[]): number => Math.max(0, ...xs.map((x) => Math.abs(x ?? 0)));
  const seq = d.rows.every((r) => r.verdict !== 'missing-in-sim' && r.verdict !== 'extra-in-sim') ? 'same sequence' : 'SEQUENCE DIFFERS';
  const calls = d.rows.filter((r) => r.section === 'call');
  const head = `${name}: ${seq}; ${pk.length} packets, Δ max ${maxAbs(pk.map((r) => r.deltaMs)).toFixed(3)} ms; calls Δ max ${maxAbs(calls.map((r) => r.deltaMs)).toFixed(3)} ms; ${d.mismatches} rows out of tolerance`;
  const bad = d.rows.filter((r) => r.verdict !== 'ok');
  const detail = bad.map((r) => `    ${r.verdict} ${r.where} ${r.what}: real ${r.real?.toFixed(6) ?? '—'} sim ${r.sim?.toFixed(6) ?? '—'} Δ ${r.deltaMs ?? ''} ms > tol ${r.tolMs ?? ''} ms`);
  return [head, ...detail].join('\n');
}
