/** Virtual time passes: entries whose deadline has come are gone — no earlier, no later. */
import type fc from 'fast-check';
import { expect } from 'vitest';
import { modelPorts, realPorts, type NatModel, type NatReal } from './nat-world.ts';

export class Advance implements fc.Command<NatModel, NatReal> {
  constructor(readonly dt: number) {}

  check(): boolean {
    return true;
  }

  run(m: NatModel, r: NatReal): void {
    const until = r.sim.now + this.dt;
    r.sim.run({ until });
    for (const [port, e] of m.entries) if (e.exp <= until) m.entries.delete(port);
    expect(realPorts(r)).toEqual(modelPorts(m));
  }

  toString(): string {
    return `advance(${this.dt / 1e6} s)`;
  }
}
