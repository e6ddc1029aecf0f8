/**
 * The figures `keepalive-lab run` can write next to its trace: the ladder diagram as Mermaid
 * text (`--mermaid`) and as SVG (`--svg`), and the timer timeline as SVG (`--timeline f.svg`),
 * a Vega-Lite spec (`.json`) or ASCII lanes on stdout (`--timeline -`). Everything is
 * rendered before any file is written, so a failure leaves nothing half-written (sim/output.ts).
 */
import { ladderDiagram, LADDER_IDLE_GAP, LADDER_MAX, type LadderOptions } from '../../src/report/diagram.ts';
import { timeline, timelineSpec, timelineText } from '../../src/report/timeline.ts';
import type { RunOutcome } from '../../src/scenarios/run.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';
import { InputError } from '../errors.ts';
import { checkOutFile, writeFiles, type OutputFile } from '../output.ts';
import { quote } from '../../src/scenarios/show.ts';
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

/** Refuse figure file names that cannot be written, before the run. */
export function checkRunFigures(o: RunFigureOptions): void {
  if (o.timeline && o.timeline !== '-' && !/\.(svg|png|json)$/i.test(o.timeline)) throw new InputError([`--timeline: ${quote(o.timeline)} must end in .svg, .png or .json, or be - for text on stdout`]);
  for (const [flag, file] of [['--mermaid', o.mermaid], ['--svg', o.svg], ['--timeline', o.timeline === '-' ? undefined : o.timeline]] as const) if (file) checkOutFile(flag, file);
}

/**
 * Render the requested figures: the files to write (the caller writes them with its other
 * outputs, all or nothing) and the lines to print after the trace (`--timeline -`).
 */
export async function renderRunFigures(r: RunOutcome, sc: Scenario, o: RunFigureOptions): Promise<{ files: OutputFile[]; lines: string[] }> {
  const files: OutputFile[] = [];
  const lines: string[] = [];
  if (o.mermaid || o.svg) {
    const text = ladderDiagram(r.world.sim.trace.events, ladderOptions(r, sc, o));
    if (o.mermaid) files.push({ flag: '--mermaid', file: o.mermaid, data: text });
    if (o.svg) files.push({ flag: '--svg', file: o.svg, data: await ladderSvg(text) });
  }
  if (o.timeline) {
    const tl = timeline(r.world.sim.trace.events, { nameOf: (ip) => r.world.net.nameOf(ip), end: r.world.sim.now });
    if (o.timeline === '-') lines.push('', `== timer timeline (docs/diagrams.md) ==`, ...timelineText(tl).trimEnd().split('\n'));
    else files.push({ flag: '--timeline', file: o.timeline, data: await plotBytes(timelineSpec(tl, `${sc.name}: timers (seed ${r.json.seed})`) as never, o.timeline) });
  }
  return { files, lines };
}

/** Render and write the requested figures; returns the lines to print after the trace. */
export async function writeRunFigures(r: RunOutcome, sc: Scenario, o: RunFigureOptions): Promise<string[]> {
  checkRunFigures(o);
  const { files, lines } = await renderRunFigures(r, sc, o);
  writeFiles(files);
  return lines;
}
