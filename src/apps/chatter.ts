/**
 * Timed messages: a client that connects and sends data on a schedule, to describe
 * "chatty" and "idle" applications (and the traffic that hides a dead peer or keeps a
 * NAT entry warm). Messages every `every` (up to `count`), plus one-off `messages` at
 * absolute times; with neither, the connection just sits idle. Whatever the server sends
 * back is read and discarded. A failed send or recv ends the connection; with
 * `reconnect`, the client connects again.
 */
import type { Ctx } from './program.ts';
import { dial } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Chatter = Extract<ProgramSpec, { kind: 'chatter' }>;

export function chatter(ctx: Ctx, p: Chatter): void {
  dial(ctx, p, (s) => {
    s.handler = {
      onFrame: () => undefined,
      onEnd: (reason) => {
        if (reason === 'eof') ctx.decide('PEER_CLOSED', 'recv() returned 0: the server closed the connection');
      },
    };
    for (const m of p.messages) if (m.at >= ctx.sim.now) s.at(m.at, () => s.send({ type: 'data', bytes: m.bytes }));
    if (p.every !== undefined) {
      const every = p.every;
      let left = p.count ?? Infinity;
      const tick = (): void => {
        if (left-- <= 0 || !s.send({ type: 'data', bytes: p.bytes })) return;
        s.after(every, tick);
      };
      s.after(every, tick);
    }
  });
}
