/** The inside host opens a new flow from `sport` (a SYN); with a full table the LRU entry goes. */
import type fc from 'fast-check';
import { expect } from 'vitest';
import { SYN, segment } from '../../../src/wire/segment.ts';
import { INSIDE, REMOTE, TABLE, T, modelPorts, realPorts, type NatModel, type NatReal } from './nat-world.ts';

export class OpenFlow implements fc.Command<NatModel, NatReal> {
  constructor(readonly sport: number) {}

  check(m: Readonly<NatModel>): boolean {
    return !m.entries.has(this.sport);
  }

  run(m: NatModel, r: NatReal): void {
    const now = r.sim.now;
    if (m.entries.size >= TABLE) {
      let victim: [number, { last: number; seq: number }] | null = null;
      for (const [port, e] of m.entries) if (!victim || e.last < victim[1].last || (e.last === victim[1].last && e.seq < victim[1].seq)) victim = [port, e];
      if (victim) m.entries.delete(victim[0]);
    }
    m.entries.set(this.sport, { exp: now + T, last: now, seq: ++m.serial });
    const before = r.out.length;
    r.nat.inside.handle({ proto: 'tcp', src: INSIDE, dst: REMOTE, seg: segment({ sport: this.sport, dport: 443, seq: 1, flags: SYN }) }, (p) => p.proto === 'tcp' && r.out.push(p));
    expect(r.out.length).toBe(before + 1);
    expect(r.out[r.out.length - 1]?.seg.sport).toBe(this.sport); // port preserved
    expect(realPorts(r)).toEqual(modelPorts(m));
  }

  toString(): string {
    return `open(${this.sport})`;
  }
}
