/**
 * The event budget (RunOptions.maxEvents) that the fuzz suite gives each case: it must stop a
 * run, and say whether virtual time was still moving. It wraps the Sim's `step`, which
 * `Sim.run` calls once per event; if the engine stops doing so, this test says it first
 * (the fuzz suite would otherwise hang on a frozen run instead of reporting it).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { EventBudgetError, runScenario } from '../../src/scenarios/run.ts';

describe('the event budget', () => {
  it('stops a run after maxEvents events, naming the time and the events at that instant', () => {
    const { scenario } = loadScenario('seed000-cable-pull');
    const full = runScenario(scenario);
    expect(full.world.sim.steps).toBeGreaterThan(50);
    let err: unknown;
    try {
      runScenario(scenario, { maxEvents: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventBudgetError);
    const b = err as EventBudgetError;
    expect(b.events).toBe(50);
    expect(b.sameInstant).toBeGreaterThanOrEqual(1);
    expect(b.sameInstant).toBeLessThan(50); // time was moving
    expect(runScenario(scenario, { maxEvents: full.world.sim.steps }).json.summary).toEqual(full.json.summary);
  });
});
