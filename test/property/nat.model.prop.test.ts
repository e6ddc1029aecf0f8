/**
 * Model-based test of the NAT table (style.md rule 10; fc.commands, one Command per file in
 * model/): random opens, packets in both directions and passing time; after every step the
 * real table holds exactly the flows the model says are live (idle expiry at last use + T,
 * LRU eviction when the table is full).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Advance } from './model/Advance.ts';
import { newReal, T, type NatModel } from './model/nat-world.ts';
import { OpenFlow } from './model/OpenFlow.ts';
import { SendPacket } from './model/SendPacket.ts';

const port = fc.integer({ min: 40000, max: 40005 });

describe(`NAT model (fast-check seed ${fc.readConfigureGlobal().seed})`, () => {
  it('the table matches the model after every open, packet and time step', () => {
    const commands = [
      port.map((p) => new OpenFlow(p)),
      fc.tuple(port, fc.constantFrom<'inside' | 'outside'>('inside', 'outside')).map(([p, f]) => new SendPacket(p, f)),
      // mostly short steps (so the table fills up), plus steps that land on the deadlines exactly
      fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: T / 4 }) }, { weight: 2, arbitrary: fc.constantFrom(1, T - 1, T, T / 2, 2 * T) }).map((dt) => new Advance(dt)),
    ];
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60 }), (cmds) => {
        fc.modelRun(() => ({ model: { entries: new Map(), serial: 0 } as NatModel, real: newReal() }), cmds);
      }),
      { numRuns: 200 },
    );
  });
});
