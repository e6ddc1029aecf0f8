/**
 * Every built-in scenario: its documented outcome holds (`expect`), and its human trace
 * and JSON document match the golden files byte for byte. A behaviour change shows up
 * as a golden diff; regenerate deliberately with `npm run golden:update`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinNames, loadScenario } from '../../sim/load.ts';
import { runScenario, runSummary } from '../../src/scenarios/run.ts';
import { humanTrace } from '../../src/report/human.ts';
import { checkExpectations } from '../../src/scenarios/expect.ts';

const GOLDEN = join(import.meta.dirname, '..', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
/** Many-flow scenarios: their documents are several MB, so test/scenarios/many-flows.test.ts checks them instead of goldens. */
// Runs whose documents are megabytes: their outcomes are asserted in many-flows.test.ts instead of goldens.
const NO_GOLDEN = new Set(['nat-table-pressure', 'nat-table-pressure-linux']);
/** `it` for scenarios with goldens; the large runs get no golden test at all (not a skipped one). */
const goldenIt = (name: string): typeof it | ((title: string, fn: () => void) => void) => (NO_GOLDEN.has(name) ? () => undefined : it);

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (update || !existsSync(path)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    if (!update) throw new Error(`golden file ${file} was missing; written now — review and commit it`);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe.each(builtinNames())('built-in scenario %s', (name) => {
  const { scenario } = loadScenario(name);
  const run = runScenario(scenario);

  it('reproduces the outcome the article reports', () => {
    expect(scenario.expect, 'every built-in scenario documents its expected outcome').toBeDefined();
    expect(checkExpectations(run.json, scenario.expect ?? {})).toEqual([]);
  });

  goldenIt(name)('prints the golden human trace', () => {
    golden(`${name}.txt`, humanTrace(run.world, scenario, run.json));
  });

  goldenIt(name)('produces the golden JSON document', () => {
    golden(`${name}.json`, JSON.stringify(run.json, null, 1) + '\n');
  });

  it("counts what hosts sent as the document's packets show it (tx, not dropped, hosts and proxies)", () => {
    const own = new Set(scenario.path.middleboxes.filter((m) => m.type === 'proxy').map((m) => m.name));
    const sent = run.json.packets.filter((p) => p.dir === 'tx' && !p.dropped && (!p.side || own.has(p.at)));
    expect(run.json.summary.packets).toBe(sent.length);
    for (const [at, k] of Object.entries(run.json.summary.keepalive)) {
      const mine = sent.filter((p) => p.at === at);
      const probes = mine.filter((p) => p.kind === 'keepalive');
      const replies = mine.filter((p) => p.kind === 'keepalive-ack');
      expect(k, at).toEqual({ probes: probes.length, replies: replies.length, bytes: [...probes, ...replies].reduce((n, p) => n + 52 + p.len, 0) });
    }
  });

  it('gives the same summary when no trace is kept (run --summary), and the same events', () => {
    const bare = runSummary(scenario);
    expect(bare.summary).toEqual(run.json.summary);
    expect(bare.events).toBe(run.world.sim.steps);
    // every connection endpoint the document shows coming up is in the flow book, with its abort
    const up = run.json.events.filter((e) => e.kind === 'state' && / -> ESTABLISHED$/.test(e.detail)).map((e) => e.detail.split(' ')[0]);
    expect(bare.flows.flows().filter((f) => f.up !== null).map((f) => f.conn).sort()).toEqual([...new Set(up)].sort());
    const aborted = run.json.summary.aborts.map((a) => `${a.conn} ${a.errno}`).sort();
    expect(bare.flows.flows().filter((f) => f.errno).map((f) => `${f.conn} ${f.errno}`).sort()).toEqual(aborted);
  });

  it('is deterministic: the same seed gives the same document, also with the keepalive machines run as xstate actors', () => {
    // the compiled machines (src/tcp/keepalive/compiled.ts) and the xstate definition they are
    // compiled from make the same decisions: same document, same verbose trace
    const actors = runScenario(scenario, { machines: 'xstate' });
    expect(JSON.stringify(actors.json)).toBe(JSON.stringify(run.json));
    expect(humanTrace(actors.world, scenario, actors.json, { verbose: true })).toBe(humanTrace(run.world, scenario, run.json, { verbose: true }));
  });
});
