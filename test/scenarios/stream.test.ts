/**
 * Streamed outputs (`run --stream`: nothing kept, written as the run goes) say exactly what the
 * kept trace says: for every built-in scenario the streamed human trace equals humanTrace, the
 * JSON lines carry the document's packets, events, calls and summary, and the streamed capture
 * equals toPcap — so a long run can be streamed in bounded memory without changing a byte.
 */
import { describe, expect, it } from 'vitest';
import { builtinNames, loadScenario } from '../../sim/load.ts';
import { prepareStream, runScenario } from '../../src/scenarios/run.ts';
import { HumanStream, humanKinds, humanTrace } from '../../src/report/human.ts';
import { JSONL_KINDS, JsonlStream } from '../../src/report/jsonl.ts';
import { PcapStream, toPcap } from '../../src/report/pcap.ts';
import type { World } from '../../src/world.ts';

const concat = (parts: Uint8Array[]): Uint8Array => {
  const b = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    b.set(p, o);
    o += p.length;
  }
  return b;
};

describe.each(builtinNames().filter((n) => !n.startsWith('nat-table-pressure')))('streamed %s', (name) => {
  const { scenario } = loadScenario(name);
  const kept = runScenario(scenario);
  const at = scenario.vantage?.[0] ?? Object.keys(scenario.hosts)[0] ?? '';

  it('prints the same human trace (verbose), writes the same JSON content and the same capture', () => {
    const text: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const pcap: Uint8Array[] = [];
    let human: HumanStream | null = null;
    let jsonl: JsonlStream | null = null;
    const onWorld = (w: World): void => {
      const h = (human = new HumanStream(w, scenario, { verbose: true }));
      text.push(...h.header(scenario.seed));
      w.sim.trace.subscribe((e) => {
        const l = h.line(e);
        if (l !== null) text.push(l);
      }, humanKinds(true));
      const j = (jsonl = new JsonlStream(w, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
      j.start(scenario, scenario.seed);
      w.sim.trace.subscribe((e) => j.feed(e), JSONL_KINDS);
      const p = new PcapStream({ at, format: 'pcapng' }, (b) => pcap.push(b));
      w.sim.trace.subscribe((e) => p.feed(e), ['packet']);
    };
    const p = prepareStream(scenario, { onWorld });
    const summary = p.run();
    (jsonl as unknown as JsonlStream).end(summary);
    text.push(...(human as unknown as HumanStream).end(summary));
    // Assert: text
    expect(text.join('\n') + '\n').toBe(humanTrace(kept.world, scenario, kept.json, { verbose: true }));
    // JSON lines: the document's records, one per line, in order (calls by return time)
    const of = (type: string) => lines.filter((l) => l['type'] === type).map(({ type: _t, ...r }) => r);
    expect(of('run')[0]).toMatchObject({ format: 'keepalive-lab/run-lines@1', seed: kept.json.seed, hosts: kept.json.hosts });
    expect(of('packet')).toEqual(kept.json.packets);
    expect(of('event')).toEqual(kept.json.events);
    // the same calls (the document lists a blocking call where it began, the lines where it returned)
    const canon = (xs: readonly object[]): string[] => xs.map((x) => JSON.stringify(x, Object.keys(x).sort())).sort();
    expect(canon(of('call'))).toEqual(canon(kept.json.calls));
    expect(of('summary')[0]).toEqual(kept.json.summary);
    // capture
    expect(concat(pcap)).toEqual(toPcap(kept.world.sim.trace.events, { at, format: 'pcapng' }));
  });
});
