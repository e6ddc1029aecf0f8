/**
 * The ladder diagram with middleboxes as columns (each hop an arrow, translated addresses on
 * the NAT's outside), compression of long runs, and its SVG rendering (beautiful-mermaid,
 * made self-contained).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { ladderSvg } from '../../sim/plot/ladder.ts';
import { ladderOptions } from '../../sim/plot/run-figures.ts';
import { groupDigits, ladderDiagram, type LadderOptions } from '../../src/report/diagram.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { xmlElements } from './plots-xml.ts';

const draw = (name: string, o: Partial<LadderOptions> = {}): string => {
  const { scenario } = loadScenario(name);
  const r = runScenario(scenario);
  return ladderDiagram(r.world.sim.trace.events, { ...ladderOptions(r, scenario), ...o });
};

describe('ladderDiagram with middleboxes', () => {
  const nat = draw('seed001-nat-table');

  it('puts the NAT between the hosts and draws each hop, translated on the outside', () => {
    expect(nat.split('\n').slice(0, 4)).toEqual(['sequenceDiagram', '  participant client', '  participant router', '  participant server']);
    expect(nat).toContain('  client->>router: 1.000000 [S] seq 0 10.0.0.1:57731 > 10.0.0.2:8000\n');
    expect(nat).toContain('  router->>server: 1.000000 [S] seq 0 203.0.113.1:57731 > 10.0.0.2:8000\n');
    expect(nat).toContain('  server->>router: 1.001000 [S.] seq 0 ack 1 10.0.0.2:8000 > 203.0.113.1:57731\n');
    expect(nat).toContain('  router->>client: 1.002000 [S.] seq 0 ack 1 10.0.0.2:8000 > 10.0.0.1:57731\n');
  });

  it('shows the NAT table actions as notes and the packets it drops as crosses into its column', () => {
    expect(nat).toContain('  Note over router: 20.000000 evict: evicted 10.0.0.1:57731 > 10.0.0.2:8000 (ESTABLISHED, idle 18.998 s): table full, policy lru\n');
    expect(nat).toContain('  client-xrouter: 100.000000 [P.] seq 1 ack 1 len 10 10.0.0.1:57731 > 10.0.0.2:8000 dropped by router (no entry)\n');
    expect(nat).toContain('  Note over client: 113.306556 aborted (ETIMEDOUT, retransmission timeout)\n');
    expect(nat).toContain('  Note over client: 113.306556 recv() -> ETIMEDOUT\n');
  });

  it('draws a proxy as a column terminating both legs', () => {
    const p = draw('haproxy-proxy-trap');
    expect(p.split('\n').slice(1, 4)).toEqual(['  participant client', '  participant haproxy', '  participant server']);
    expect(p).toContain('  haproxy->>server: 1.003000 [S] seq 0 203.0.113.1:59648 > 10.0.0.2:8080\n');
    expect(p).toContain('  Note over haproxy: 16.007000 idle: no data on the server leg (server:8080) for 15 s (timeout server): closing both legs\n');
    expect(p).toContain('  haproxy->>client: 16.007000 [F.] seq 2 ack 2 203.0.113.1:80 > 10.0.0.1:57731\n');
  });

  it('keeps the two-host diagram unchanged where there is no middlebox', () => {
    const d = draw('seed000-cable-pull');
    expect(d).toContain('  server->>client: 11.146441 [.] seq 0 ack 1 (keepalive)\n');
    expect(d).not.toContain(' > 10.0.0.');
  });
});

describe('ladder compression', () => {
  it('collapses long idle gaps into one note with the idle seconds', () => {
    const d = draw('aws-natgw-default-keepalive');
    expect(d).toContain('  Note over client,server: … 350 s idle …\n  Note over nat: 351.002000 expire: expired 10.0.0.1:57731 > 10.0.0.2:5432 as 203.0.113.1:57731 (ESTABLISHED, idle 350 s)\n');
    expect(d).toContain('  Note over client,server: … 6,978 s idle …\n  client-xnat: 7329.178556 [.] seq 0 ack 1 (keepalive) 10.0.0.1:57731 > 10.0.0.2:5432 dropped by nat (no entry)\n');
    expect(draw('aws-natgw-default-keepalive', { idleGap: 0 })).not.toContain('idle …');
  });

  it('caps the drawn lines, keeping the start and the end of the run', () => {
    const full = draw('seed001-nat-table', { max: 100_000 }).trimEnd().split('\n');
    const capped = draw('seed001-nat-table', { max: 40 }).trimEnd().split('\n');
    expect(capped).toHaveLength(1 + 3 + 40 + 1);
    expect(capped.slice(0, 24)).toEqual(full.slice(0, 24));
    expect(capped.slice(-20)).toEqual(full.slice(-20));
    expect(capped[24]).toBe(`  Note over client,server: … ${full.length - 4 - 40} lines elided (10.003000 to 115.003000, raise the cap to see them) …`);
  });

  it('groups digits without a locale', () => {
    expect([0, 999, 1000, 7185, 1234567].map(groupDigits)).toEqual(['0', '999', '1,000', '7,185', '1,234,567']);
  });
});

describe('ladderSvg', async () => {
  const svg = await ladderSvg(draw('seed001-nat-table'));

  it('is well-formed SVG with one lifeline and one actor box per column, in order', () => {
    const els = xmlElements(svg);
    expect(els.filter((e) => e === 'line').length).toBeGreaterThan(100);
    const actors = [...svg.matchAll(/<g class="actor" data-id="(\w+)"[^>]*>\s*<rect x="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(actors.map((a) => a[0])).toEqual(['client', 'router', 'server']);
    expect(actors.map((a) => a[1])).toEqual([...actors.map((a) => a[1])].sort((a, b) => a - b));
  });

  it('labels each arrow with time, flags and addresses', () => {
    expect(svg).toContain('data-from="client" data-to="router" data-label="1.000000 [S] seq 0 10.0.0.1:57731 &gt; 10.0.0.2:8000"');
    expect(svg).toContain('data-from="router" data-to="server" data-label="1.000000 [S] seq 0 203.0.113.1:57731 &gt; 10.0.0.2:8000"');
    expect(svg).toContain('>113.306556 recv() -&gt; ETIMEDOUT</text>');
  });

  it('is self-contained: no web font import, no CSS variables or color-mix left', () => {
    expect(svg).not.toMatch(/@import|https?:\/\/fonts|var\(--|color-mix/);
    expect(svg).toContain("font-family: 'DejaVu Sans'");
  });

  it('keeps labels readable: each arrow label on a white backing as wide as its text, in a dark grey; note boxes as wide as their text (issue 15)', () => {
    const labels = [...svg.matchAll(/<g class="message"[^>]*>\s*<line [^>]*\/>\s*<rect class="label-back" x="(-?[\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="#FFFFFF" \/>\s*<text x="([\d.]+)"[^>]*font-size="([\d.]+)"[^>]*fill="([^"]+)"[^>]*>([^<]*)<\/text>/g)];
    expect(labels.length).toBe((svg.match(/<g class="message"/g) ?? []).length);
    for (const [, x, w, cx, fs, fill, text] of labels) {
      const half = ((text as string).replace(/&[a-z]+;/g, '_').length * 0.6 * Number(fs)) / 2;
      expect(Number(x)).toBeLessThanOrEqual(Number(cx) - half);
      expect(Number(x) + Number(w)).toBeGreaterThanOrEqual(Number(cx) + half);
      expect(fill).toBe('#52525b');
    }
    // lifelines come first in the document, so every backing is painted over them
    expect(svg.lastIndexOf('class="lifeline"')).toBeLessThan(svg.indexOf('class="label-back"'));
    const notes = [...svg.matchAll(/<g class="note"[^>]*>\s*<polygon points="(-?[\d.]+),[\d.]+ -?[\d.]+,[\d.]+ (-?[\d.]+),[^"]*"[^>]*\/>[\s\S]*?<text x="([\d.]+)"[^>]*font-size="([\d.]+)"[^>]*fill="([^"]+)"[^>]*>([^<]*)<\/text>/g)];
    expect(notes.length).toBeGreaterThan(5);
    for (const [, left, right, cx, fs, fill, text] of notes) {
      const half = ((text as string).replace(/&[a-z]+;/g, '_').length * 0.6 * Number(fs)) / 2;
      expect(Number(left)).toBeLessThanOrEqual(Number(cx) - half);
      expect(Number(right)).toBeGreaterThanOrEqual(Number(cx) + half);
      expect(fill).toBe('#52525b');
    }
  });

  it('draws packets that never arrived dashed red, and only those', () => {
    const dropped = [...svg.matchAll(/<g class="message"[^>]*data-label="([^"]*)"[^>]*>\s*<line [^>]*>/g)];
    for (const m of dropped) expect(/ LOST| dropped by /.test(m[1] as string)).toBe(m[0].includes('stroke-dasharray="5 3"'));
    expect(dropped.filter((m) => m[0].includes('stroke="#c0392b"'))).toHaveLength(7);
  });
});
