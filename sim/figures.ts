/**
 * Regenerates the committed example figures under docs/figures/ (`npm run figures`).
 * Deterministic: fixed scenarios, seeds and parameter grids, so a re-run gives the same bytes
 * (PNG bytes also depend on the font files found; see sim/plot/render.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadScenario } from './load.ts';
import { runScenario } from '../src/scenarios/run.ts';
import { ladderDiagram } from '../src/report/diagram.ts';
import { timeline, timelineSpec, timelineText } from '../src/report/timeline.ts';
import { cdfSpec, heatmapSpec, paretoSpec, type Spec } from '../src/report/plots.ts';
import { ladderSvg } from './plot/ladder.ts';
import { ladderOptions } from './plot/run-figures.ts';
import { plotBytes } from './plot/render.ts';
import { sampleRows } from './plot/sample.ts';

const DIR = new URL('../docs/figures/', import.meta.url).pathname;

async function plot(spec: Spec, name: string): Promise<void> {
  writeFileSync(DIR + name, await plotBytes(spec as never, name));
  console.log(`docs/figures/${name}`);
}

function run(name: string) {
  const { scenario } = loadScenario(name);
  return { scenario, r: runScenario(scenario) };
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });

  // 1. ladder with a NAT column: AWS NAT Gateway drops the idle mapping at 350 s; the first probe at 7200 s gets a RST
  {
    const { scenario, r } = run('aws-natgw-default-keepalive');
    const text = ladderDiagram(r.world.sim.trace.events, ladderOptions(r, scenario));
    writeFileSync(DIR + 'ladder-aws-natgw.mmd', text);
    writeFileSync(DIR + 'ladder-aws-natgw.svg', await ladderSvg(text));
    console.log('docs/figures/ladder-aws-natgw.{mmd,svg}');
  }

  // 2. timer timeline: seed 001's NAT table evicts the oldest flow; its next send retransmits until ETIMEDOUT
  {
    const { scenario, r } = run('seed001-nat-table');
    const tl = timeline(r.world.sim.trace.events, { nameOf: (ip) => r.world.net.nameOf(ip), end: r.world.sim.now });
    writeFileSync(DIR + 'timeline-seed001-nat-table.txt', timelineText(tl));
    await plot(timelineSpec(tl, `${scenario.name}: timers (seed ${r.json.seed})`), 'timeline-seed001-nat-table.svg');
  }

  // 3. survival heatmap: client TCP_KEEPIDLE × NAT established idle timeout (AWS NAT Gateway profile)
  const heat = sampleRows('aws-natgw-keepidle-300', {
    'hosts.client.socket.TCP_KEEPIDLE': [60, 120, 240, 300, 360, 600, 900],
    'path.middleboxes.0.established': [120, 240, 350, 600, 900],
  });
  await plot(heatmapSpec(heat, { x: 'hosts.client.socket.TCP_KEEPIDLE', y: 'path.middleboxes.0.established', color: 'nat.survived' }), 'survival-heatmap.svg');
  await plot(heatmapSpec(heat, { x: 'hosts.client.socket.TCP_KEEPIDLE', y: 'path.middleboxes.0.established', color: 'nat.survived' }), 'survival-heatmap.png');

  // 4. detection time after seed 000's cable pull, over loss rates, 40 seeds each
  const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
  const loss = sampleRows('seed000-cable-pull', { 'path.loss': [0, 0.05, 0.1, 0.2] }, seeds);
  await plot(cdfSpec(loss, { value: 'detect.first', group: 'path.loss' }), 'detection-cdf.svg');

  // 5. overhead vs detection time over the server's keepalive settings (seed 000, 1 % loss, 10 seeds)
  const tradeoff = sampleRows(
    'seed000-cable-pull',
    { 'path.loss': [0.01], 'hosts.server.sysctl.tcp_keepalive_time': [5, 10, 30, 60], 'hosts.server.sysctl.tcp_keepalive_intvl': [1, 5, 15], 'hosts.server.sysctl.tcp_keepalive_probes': [2, 5] },
    seeds.slice(0, 10),
  );
  await plot(paretoSpec(tradeoff, { x: 'overhead.packetsPerHour', y: 'detect.first', label: ['hosts.server.sysctl.tcp_keepalive_time', 'hosts.server.sysctl.tcp_keepalive_intvl', 'hosts.server.sysctl.tcp_keepalive_probes'] }), 'pareto.svg');
}

await main();
