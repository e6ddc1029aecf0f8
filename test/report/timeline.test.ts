/**
 * The timer timeline: pending spans of each connection's timers and each NAT entry's life,
 * extracted from the trace with exact virtual times; its text lanes and its Vega-Lite figure.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { renderSvg } from '../../sim/plot/render.ts';
import { timeline, timelineSpec, timelineText, type Timeline } from '../../src/report/timeline.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { xmlElements } from './plots-xml.ts';

const of = (name: string): Timeline => {
  const { scenario } = loadScenario(name);
  const r = runScenario(scenario);
  return timeline(r.world.sim.trace.events, { nameOf: (ip) => r.world.net.nameOf(ip), end: r.world.sim.now });
};

describe('timeline extraction', () => {
  it('seed000: keepalive pending from SO_KEEPALIVE to each firing, probes as ticks, the cut as a fault', () => {
    const tl = of('seed000-cable-pull');
    const server = 'server:22345>client:57731 keepalive';
    expect(tl.lanes).toEqual([server, 'client:57731>server:22345 keepalive']);
    expect(tl.end).toBe(220_000_000);
    expect(tl.faults).toEqual([{ t: 133_000_000, label: 'path cut (both directions)' }]);
    const bars = tl.bars.filter((b) => b.lane === server);
    expect(bars[0]).toEqual({ lane: server, kind: 'keepalive', start: 1_000_150, end: 11_146_441 });
    expect(bars[1]).toEqual({ lane: server, kind: 'keepalive', start: 11_146_441, end: 16_266_441 });
    // after the cut: probes 5.12 s apart, then the abort ends the timer (no open bar)
    expect(bars[bars.length - 1]).toEqual({ lane: server, kind: 'keepalive', start: 144_266_441, end: 149_386_441 });
    expect(bars.some((b) => b.open)).toBe(false);
    const ticks = tl.ticks.filter((k) => k.lane === server && k.t > 133_000_000).map((k) => [k.t, k.what]);
    expect(ticks).toEqual([
      [134_026_441, 'probe'],
      [139_146_441, 'probe'],
      [144_266_441, 'probe'],
      [149_386_441, 'ETIMEDOUT'],
    ]);
  });

  it('seed001 NAT table: entry lifetimes from map to eviction, refreshes, then TLP and RTO backoff to ETIMEDOUT', () => {
    const tl = of('seed001-nat-table');
    expect(tl.lanes).toEqual([
      'router 10.0.0.1:57731>10.0.0.2:8000 nat-entry',
      'router 10.0.0.1:39936>10.0.0.2:8000 nat-entry',
      'router 10.0.0.1:49395>10.0.0.2:8000 nat-entry',
      'client:57731>server:8000 loss-probe',
      'client:57731>server:8000 rto',
    ]);
    const nat = tl.bars.filter((b) => b.kind === 'nat-entry');
    expect(nat).toEqual([
      { lane: 'router 10.0.0.1:57731>10.0.0.2:8000 nat-entry', kind: 'nat-entry', start: 1_000_000, end: 20_000_000 },
      { lane: 'router 10.0.0.1:39936>10.0.0.2:8000 nat-entry', kind: 'nat-entry', start: 10_000_000, end: 130_000_000, open: true },
      { lane: 'router 10.0.0.1:49395>10.0.0.2:8000 nat-entry', kind: 'nat-entry', start: 20_000_000, end: 130_000_000, open: true },
    ]);
    // the evicted entry was refreshed by the handshake only (SYN, ACK inside; SYN/ACK outside)
    expect(tl.ticks.filter((k) => k.lane === nat[0]?.lane).map((k) => k.t)).toEqual([1_000_000, 1_002_000, 1_002_000]);
    expect(tl.bars.filter((b) => b.kind === 'loss-probe')).toEqual([{ lane: 'client:57731>server:8000 loss-probe', kind: 'loss-probe', start: 100_000_000, end: 100_206_556 }]);
    // tcp_retries2 5: RTO doubling from 208 ms (rtx.ts), each span starting at the retransmission before it
    expect(tl.bars.filter((b) => b.kind === 'rto').map((b) => [b.start, b.end])).toEqual([
      [100_206_556, 100_414_556],
      [100_414_556, 100_826_556],
      [100_826_556, 101_658_556],
      [101_658_556, 103_322_556],
      [103_322_556, 106_650_556],
      [106_650_556, 113_306_556],
    ]);
    expect(tl.ticks.filter((k) => k.lane === 'client:57731>server:8000 rto').map((k) => k.what)).toEqual(['retransmission', 'retransmission', 'retransmission', 'retransmission', 'retransmission', 'ETIMEDOUT']);
  });

  it('leaves a NAT entry that expired on its own as a closed bar, and a keepalive still waiting as open', () => {
    const tl = of('aws-natgw-default-keepalive');
    expect(tl.bars.find((b) => b.kind === 'nat-entry')).toEqual({ lane: 'nat 10.0.0.1:57731>10.0.0.2:5432 nat-entry', kind: 'nat-entry', start: 1_000_000, end: 351_002_000 });
    const ka = tl.bars.filter((b) => b.kind === 'keepalive');
    expect(ka[0]?.start).toBe(1_002_000);
    expect(ka.filter((b) => b.open)).toEqual([]);
  });
});

describe('timeline views', () => {
  const small: Timeline = {
    lanes: ['a:1>b:2 keepalive', 'nat 1.1.1.1:1>2.2.2.2:2 nat-entry'],
    bars: [
      { lane: 'a:1>b:2 keepalive', kind: 'keepalive', start: 0, end: 4_000_000 },
      { lane: 'a:1>b:2 keepalive', kind: 'keepalive', start: 4_000_000, end: 10_000_000, open: true },
      { lane: 'nat 1.1.1.1:1>2.2.2.2:2 nat-entry', kind: 'nat-entry', start: 1_000_000, end: 6_000_000 },
    ],
    ticks: [{ lane: 'a:1>b:2 keepalive', t: 4_000_000, what: 'probe' }, { lane: 'a:1>b:2 keepalive', t: 9_000_000, what: 'ECONNRESET' }],
    faults: [{ t: 8_000_000, label: 'cut' }],
    end: 10_000_000,
  };

  it('draws ASCII lanes: bars, firing marks, ticks, aborts and fault columns', () => {
    const lines = timelineText(small, 10).split('\n');
    expect(lines[0]).toBe('timers over virtual time, 0 to 10.000000 s (one column = 1.000000 s)');
    expect(lines[1]).toBe(`${'a:1>b:2 keepalive'.padEnd(33)} ====|====X`);
    expect(lines[2]).toBe(`${'nat 1.1.1.1:1>2.2.2.2:2 nat-entry'.padEnd(33)}  #####> !`);
    expect(lines[4]).toBe('! 8.000000 cut');
  });

  it('renders the Vega-Lite figure to well-formed SVG with every lane labelled', async () => {
    const svg = await renderSvg(timelineSpec(of('seed001-nat-table'), 'seed001') as never);
    expect(xmlElements(svg).filter((e) => e === 'path').length).toBeGreaterThan(10);
    expect(svg).toContain('>client:57731&gt;server:8000 rto</text>');
    expect(svg).toContain('>router 10.0.0.1:57731&gt;10.0.0.2:8000 nat-entry</text>');
    expect(svg).toContain('>virtual time (s)</text>');
  });
});
