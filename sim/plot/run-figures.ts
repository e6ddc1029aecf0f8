/**
 * The figures `keepalive-lab run` can write next to its trace: the ladder diagram as Mermaid
 * text (`--mermaid`) and as SVG (`--svg`), and the timer timeline as SVG (`--timeline f.svg`),
 * a Vega-Lite spec (`.json`) or ASCII lanes on stdout (`--timeline -`). Everything is
 * rendered before any file is written, so a failure leaves nothing half-written.
 */
import { writeFileSync } from 'node:fs';
import { ladderDiagram, LADDER_IDLE_GAP, LADDER_MAX, type LadderOptions } from '../../src/report/diagram.ts';
import { timeline, timelineSpec, timelineText } from '../../src/report/timeline.ts';
import type { RunOutcome } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { InputError } from '../errors.ts';
import { ladderSvg } from './ladder.ts';
import { plotBytes } from './render.ts';

export interface RunFigureOptions {
  mermaid?: string;
  svg?: string;
  timeline?: string;
  ladderMax?: number;
  ladderIdle?: number;
}

/** Ladder columns: the host at the middleboxes' inside edge, the middleboxes inside → outside, the other hosts. */
export function ladderOptions(r: RunOutcome, sc: Scenario, o: RunFigureOptions = {}): LadderOptions {
  const hosts = Object.keys(sc.hosts);
  const edge = r.world.net.paths[0]?.a.name;
  const ordered = edge && hosts.includes(edge) ? [edge, ...hosts.filter((h) => h !== edge)] : hosts;
  return {
    hosts: ordered,
    middleboxes: sc.path.middleboxes.map((m) => m.name),
    nameOf: (ip) => r.world.net.nameOf(ip),
    max: o.ladderMax ?? LADDER_MAX,
    idleGap: o.ladderIdle ?? LADDER_IDLE_GAP,
  };
}

/** Write the requested figures; returns the lines to print after the trace (`--timeline -`). */
export async function writeRunFigures(r: RunOutcome, sc: Scenario, o: RunFigureOptions): Promise<string[]> {
  const files: [string, string, string | Uint8Array][] = [];
  const lines: string[] = [];
  if (o.mermaid || o.svg) {
    const text = ladderDiagram(r.world.sim.trace.events, ladderOptions(r, sc, o));
    if (o.mermaid) files.push(['--mermaid', o.mermaid, text]);
    if (o.svg) files.push(['--svg', o.svg, await ladderSvg(text)]);
  }
  if (o.timeline) {
    const tl = timeline(r.world.sim.trace.events, { nameOf: (ip) => r.world.net.nameOf(ip), end: r.world.sim.now });
    if (o.timeline === '-') lines.push('', `== timer timeline (docs/diagrams.md) ==`, ...timelineText(tl).trimEnd().split('\n'));
    else {
      if (!/\.(svg|png|json)$/i.test(o.timeline)) throw new InputError([`--timeline: ${JSON.stringify(o.timeline)} must end in .svg, .png or .json, or be - for text on stdout`]);
      files.push(['--timeline', o.timeline, await plotBytes(timelineSpec(tl, `${sc.name}: timers (seed ${r.json.seed})`) as never, o.timeline)]);
    }
  }
  for (const [flag, file, bytes] of files) {
    try {
      writeFileSync(file, bytes);
    } catch (e) {
      throw new InputError([`${flag}: cannot write ${file}: ${(e as Error).message}`]);
    }
  }
  return lines;
}
