/**
 * Diagrams generated from code and runs: the keepalive state diagram comes from the xstate
 * definition itself, and a run's ladder diagram shows lost and firewall-dropped packets.
 */
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { loadScenario } from '../../sim/load.ts';
import { ladderDiagram, stateDiagram } from '../../src/report/diagram.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { keepaliveMachine } from '../../src/tcp/keepalive/machine.ts';

describe('stateDiagram', () => {
  it('draws the keepalive machine from its definition: every kernel decision is an edge', () => {
    const d = stateDiagram(keepaliveMachine);
    expect(d.split('\n')[0]).toBe('stateDiagram-v2');
    expect(d).toContain('[*] --> keepalive_off');
    expect(d).toContain('keepalive_off --> keepalive_armed: ENABLE / armIdle');
    expect(d).toContain('keepalive_armed --> keepalive_armed: after(timer) [busy] / armIdle');
    expect(d).toContain('keepalive_armed --> keepalive_armed: after(timer) [notIdleYet] / armRemaining');
    expect(d).toContain('keepalive_armed --> keepalive_dead: after(timer) [peerDead] / abort');
    expect(d).toContain('keepalive_armed --> keepalive_armed: after(timer) / sendProbe, armInterval');
    expect(d).toContain('keepalive_armed_check --> keepalive_armed_probing: always [probesOut]');
    expect(d).toContain('keepalive_dead --> [*]');
  });

  it('follows the machine: a changed definition gives a changed picture', () => {
    const m = setup({ guards: { ok: () => true } }).createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { GO: { target: 'b', guard: 'ok' } } }, b: { type: 'final' } },
    });
    expect(stateDiagram(m)).toBe('stateDiagram-v2\n[*] --> m_a\nm_b --> [*]\nm_a --> m_b: GO [ok]\n');
  });
});

describe('ladderDiagram', () => {
  const draw = (name: string): string => {
    const { scenario } = loadScenario(name);
    const r = runScenario(scenario);
    return ladderDiagram(r.world.sim.trace.events, { hosts: Object.keys(scenario.hosts), nameOf: (ip) => r.world.net.nameOf(ip) });
  };

  it('seed000: answered probes are arrows, probes into the cut path end in a cross', () => {
    const d = draw('seed000-cable-pull');
    expect(d).toContain('  server->>client: 11.146441 [.] seq 0 ack 1 (keepalive)');
    expect(d).toContain('  client->>server: 11.146491 [.] seq 1 ack 1 (keepalive-ack)');
    expect(d).toContain('  Note over client,server: 133.000000 path cut (both directions)');
    expect(d).toContain('  server-xclient: 149.386441 [R.] seq 1 ack 1 (reset) LOST');
    expect(d).toContain('  Note over server: 149.386441 recv() -> ETIMEDOUT');
  });

  it('seed004: probes dropped by the server firewall are marked so', () => {
    const d = draw('seed004-cable-pull');
    expect(d.match(/client-xserver: [\d.]+ \[\.\] seq 0 ack 1 \(keepalive\) dropped by INPUT/g)).toHaveLength(5);
  });
});
