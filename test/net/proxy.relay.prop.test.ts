/**
 * Properties of the proxy relay (src/net/proxy/proxy.ts), over random send schedules:
 * every byte either end sends reaches the other end, whichever direction and timing; and a
 * leg's idle close happens exactly `timeout` after the last data on that leg, never earlier.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NatEvent } from '../../src/engine/trace.ts';
import { AppProxy } from '../../src/net/proxy/proxy.ts';
import { proxyConfig } from '../../src/net/proxy/profiles.ts';
import type { Socket } from '../../src/tcp/socket.ts';
import { World } from '../../src/world.ts';

const S = 1_000_000;
const MS = 1_000;

interface Send {
  /** ms after 2 s */
  t: number;
  fromClient: boolean;
  bytes: number;
}

/** client — proxy — server; the client connects at 1 s; both ends read everything. */
function run(sends: Send[], timeoutS: number, until: number): { got: { client: number; server: number }; idle: NatEvent[] } {
  const w = new World({ seed: 7 });
  const ch = w.addHost({ name: 'client', timer: 'exact' });
  const sh = w.addHost({ name: 'server', timer: 'exact' });
  const proxy = new AppProxy(w.sim, 'p', '203.0.113.5', proxyConfig('haproxy', { listen: 80, target: { host: 'server', port: 90 }, timeoutClient: timeoutS * S, timeoutServer: timeoutS * S, latency: MS }), w.net);
  w.link(ch, sh, { latency: 2 * MS, middleboxes: [proxy] });
  proxy.start();
  const got = { client: 0, server: 0 };
  const drain = (s: Socket, who: 'client' | 'server'): void =>
    s.recv(65536, (r) => {
      if (r.ok && r.value > 0) {
        got[who] += r.value;
        drain(s, who);
      }
    });
  let srv: Socket | null = null;
  const l = w.socket(sh);
  l.listen(90);
  l.accept((r) => {
    if (!r.ok) return;
    srv = r.value;
    drain(r.value, 'server');
  });
  const cli = w.socket(ch);
  w.sim.at(S, () => cli.connect('p', 80, () => drain(cli, 'client')));
  for (const s of sends) w.sim.at(2 * S + s.t * MS, () => (s.fromClient ? cli : srv)?.send(s.bytes));
  w.run(until);
  const idle = w.sim.trace.events.filter((e): e is NatEvent => e.kind === 'nat' && e.action === 'idle');
  return { got, idle };
}

const sendArb = fc.record({ t: fc.integer({ min: 0, max: 20_000 }), fromClient: fc.boolean(), bytes: fc.integer({ min: 1, max: 5000 }) });

describe('relay', () => {
  it('with no idle close in reach, every byte sent by either end arrives at the other', () => {
    fc.assert(
      fc.property(fc.array(sendArb, { maxLength: 12 }), (sends) => {
        const { got, idle } = run(sends, 3600, 60 * S);
        expect(idle).toEqual([]);
        const sum = (c: boolean): number => sends.filter((s) => s.fromClient === c).reduce((n, s) => n + s.bytes, 0);
        expect(got).toEqual({ client: sum(false), server: sum(true) });
      }),
      { numRuns: 40 },
    );
  });

  it('the idle close comes exactly timeout after the last byte the proxy relayed, never before', () => {
    fc.assert(
      fc.property(fc.array(sendArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 25, max: 40 }), (sends, timeout) => {
        const { idle } = run(sends, timeout, 120 * S);
        // the proxy reads the last byte 3 ms (client → proxy 1 ms; server → proxy 2 ms) after it is sent
        const last = Math.max(...sends.map((s) => 2 * S + s.t * MS + (s.fromClient ? MS : 2 * MS)));
        // relaying touches both legs at once, so both timers run out together; one close
        expect(idle.map((e) => e.t)).toEqual([last + timeout * S]);
      }),
      { numRuns: 40 },
    );
  });
});
