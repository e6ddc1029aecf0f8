/**
 * Keepalive invariants over random parameters (style.md rule 10; linux-keepalive.md §1, §6, §8):
 * exact timers detect a dead peer at last-receive + idle + cnt·intvl; Linux timers are never
 * earlier and at most one wheel granularity later per arming; no probe while data is
 * unacknowledged; a live peer is never declared dead; a seed reproduces its trace exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wheelGranularity } from '../../src/os/timerbase.ts';
import type { Conn } from '../../src/tcp/conn.ts';
import { seqAdd } from '../../src/wire/seq.ts';
import { applyOpts, at, cutAt, errors, established, gaps, network, probes, sent, SEC, type Pair } from '../tcp/fixtures.ts';

const params = fc.record({
  idle: fc.integer({ min: 1, max: 7200 }),
  intvl: fc.integer({ min: 1, max: 300 }),
  cnt: fc.integer({ min: 1, max: 20 }),
  latency: fc.integer({ min: 1, max: 100_000 }),
  /** where in (tEst, tEst + idle) the path is cut */
  cutFrac: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
});

/** A server with keepalive (inherited from the listener) whose peer vanishes while idle. */
function deadPeer(o: { idle: number; intvl: number; cnt: number; latency: number; cutFrac: number }, timer: 'exact' | 'linux', hz = 250, jiffyPhase = 0): Pair {
  const p = established({
    timer,
    hz,
    jiffyPhase,
    latency: o.latency,
    server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: o.idle, TCP_KEEPINTVL: o.intvl, TCP_KEEPCNT: o.cnt },
  });
  const cut = p.tEst + 1 + Math.floor(o.cutFrac * (o.idle * SEC - 2));
  at(p, cut, () => {
    for (const d of p.path.dirs()) d.up = false;
  });
  // run past the latest possible death: nominal plus one wheel granularity per arming
  const slack = timer === 'linux' ? ((wheelGranularity(o.idle * hz) + o.cnt * wheelGranularity(o.intvl * hz)) * 1e6) / hz : 0;
  p.w.run(p.tEst + (o.idle + o.cnt * o.intvl) * SEC + slack + 10 * SEC);
  return p;
}

describe('keepalive properties', () => {
  it('exact timers: a peer cut while idle is detected at last-receive + idle + cnt·intvl, after cnt probes at idle + k·intvl', () => {
    fc.assert(
      fc.property(params, (o) => {
        const p = deadPeer(o, 'exact');
        const lastRx = p.tEst; // the final handshake ACK; the client's last activity was one latency before
        const want = Array.from({ length: o.cnt }, (_, k) => lastRx + (o.idle + k * o.intvl) * SEC);
        expect(probes(p, p.server).map((s) => s.t)).toEqual(want);
        const death = lastRx + (o.idle + o.cnt * o.intvl) * SEC;
        expect(errors(p, p.server)).toEqual([{ t: death, errno: 'ETIMEDOUT', detail: 'keepalive timeout' }]);
        expect(sent(p, p.server, 'reset').map((s) => [s.t, s.flags, s.seg.seq])).toEqual([[death, 'R.', p.sc.sndNxt]]);
        expect(death - (p.tClient + o.latency)).toBe((o.idle + o.cnt * o.intvl) * SEC);
      }),
      { numRuns: 40 },
    );
  });

  it('linux timers: never earlier than nominal, at most one granularity later per arming, steady re-arms exactly aligned', () => {
    fc.assert(
      fc.property(params, fc.constantFrom(250, 1000), fc.integer({ min: 0, max: 2 ** 30 }), (o, hz, phase) => {
        const p = deadPeer(o, 'linux', hz, phase);
        const tick = 1e6 / hz;
        const dIdle = o.idle * hz;
        const dIntvl = o.intvl * hz;
        const gIntvl = wheelGranularity(dIntvl);
        const ts = probes(p, p.server).map((s) => s.t);
        const death = errors(p, p.server)[0]?.t as number;
        expect(ts).toHaveLength(o.cnt);
        expect(errors(p, p.server).map((e) => e.errno)).toEqual(['ETIMEDOUT']);
        // first arming at establishment: (idle, idle + G]
        const first = (ts[0] as number) - p.tEst;
        expect(first).toBeGreaterThan(dIdle * tick);
        expect(first).toBeLessThanOrEqual((dIdle + wheelGranularity(dIdle)) * tick);
        // every interval re-arm: (intvl, intvl + G]; from the second on exactly (floor(d/G)+1)·G
        const g = gaps([...ts, death]);
        for (const x of g) {
          expect(x).toBeGreaterThan(dIntvl * tick);
          expect(x).toBeLessThanOrEqual((dIntvl + gIntvl) * tick);
        }
        for (const x of g.slice(1)) expect(x).toBe((Math.floor(dIntvl / gIntvl) + 1) * gIntvl * tick);
        const nominal = (o.idle + o.cnt * o.intvl) * SEC;
        expect(death - p.tEst).toBeGreaterThan(nominal);
        expect(death - p.tEst).toBeLessThanOrEqual(nominal + (wheelGranularity(dIdle) + o.cnt * gIntvl) * tick);
      }),
      { numRuns: 40 },
    );
  });

  it('no probe is ever sent while data is unacknowledged or unsent, and every probe has seq = SND.UNA − 1, length 0', () => {
    const writes = fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 60_000 }), bytes: fc.integer({ min: 1, max: 5000 }), fromClient: fc.boolean() }),
      { maxLength: 12 },
    );
    // outages instead of random loss, so the handshake always completes first
    const outages = fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 60_000 }),
        dur: fc.integer({ min: 1, max: 8_000 }),
        dir: fc.constantFrom('both', 'client->server', 'server->client'),
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(
        fc.record({
          idle: fc.integer({ min: 1, max: 5 }),
          intvl: fc.integer({ min: 1, max: 3 }),
          cnt: fc.integer({ min: 1, max: 5 }),
          timer: fc.constantFrom<'exact' | 'linux'>('exact', 'linux'),
          seed: fc.nat(),
        }),
        writes,
        outages,
        (o, ws, outs) => {
          const ka = { SO_KEEPALIVE: 1, TCP_KEEPIDLE: o.idle, TCP_KEEPINTVL: o.intvl, TCP_KEEPCNT: o.cnt };
          const p = established({ seed: o.seed, timer: o.timer, latency: 5_000, server: ka, client: ka });
          const conns = new Map<string, Conn>([
            ['client', p.cc],
            ['server', p.sc],
          ]);
          let seen = 0;
          p.w.sim.trace.subscribe((e) => {
            if (e.kind !== 'packet' || e.dir !== 'tx' || e.pkt.proto !== 'tcp' || e.pkt.tag !== 'keepalive') return;
            const c = conns.get(e.at) as Conn;
            seen++;
            expect({ inFlight: c.inFlight, unsent: c.unsent }).toEqual({ inFlight: 0, unsent: 0 });
            expect(e.pkt.seg.seq).toBe(seqAdd(c.sndUna, -1));
            expect(e.pkt.seg.len).toBe(0);
          });
          for (const out of outs) {
            cutAt(p, p.tEst + out.at * 1000, out.dir);
            cutAt(p, p.tEst + (out.at + out.dur) * 1000, out.dir, true);
          }
          for (const wr of ws) at(p, p.tEst + wr.at * 1000, () => (wr.fromClient ? p.cs : p.ss).send(wr.bytes));
          p.w.run(p.tEst + 90 * SEC);
          expect(seen).toBe(probes(p, p.client).length + probes(p, p.server).length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a live peer on a lossless path is never declared dead (RTT < keepintvl)', () => {
    fc.assert(
      fc.property(
        fc.record({
          idle: fc.integer({ min: 1, max: 300 }),
          intvl: fc.integer({ min: 1, max: 60 }),
          cnt: fc.integer({ min: 1, max: 10 }),
          latency: fc.integer({ min: 0, max: 200_000 }),
          timer: fc.constantFrom<'exact' | 'linux'>('exact', 'linux'),
          hz: fc.constantFrom(250, 1000),
          seed: fc.nat(),
        }),
        (o) => {
          const ka = { SO_KEEPALIVE: 1, TCP_KEEPIDLE: o.idle, TCP_KEEPINTVL: o.intvl, TCP_KEEPCNT: o.cnt };
          const p = established({ seed: o.seed, timer: o.timer, hz: o.hz, latency: o.latency, server: ka, client: ka });
          const end = p.tEst + 3 * (o.idle + (o.cnt + 2) * o.intvl) * SEC;
          p.w.run(end);
          expect(errors(p, p.server).concat(errors(p, p.client))).toEqual([]);
          expect([p.cc.state, p.sc.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
          expect(probes(p, p.server).length).toBeGreaterThanOrEqual(2);
          // every probe that had time to arrive was answered
          const arrived = probes(p, p.server).filter((s) => s.t + o.latency <= end);
          expect(sent(p, p.client, 'keepalive-ack').length).toBe(arrived.length);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('the same seed gives an identical trace (JSON), including loss draws, ISNs and jiffy phases', () => {
    fc.assert(
      fc.property(fc.nat(), fc.double({ min: 0, max: 0.5, noNaN: true }), (seed, loss) => {
        const run = (): string => {
          // built by hand: with heavy loss the handshake itself may fail, which is fine here
          const p = network({ seed, timer: 'linux', latency: 3_000, loss: { model: 'bernoulli', p: loss } });
          const ls = p.w.socket(p.server);
          applyOpts(ls, { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 2, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 3 });
          ls.listen(80);
          ls.accept((r) => {
            if (r.ok) at(p, p.w.sim.now + 7 * SEC, () => r.value.send(100));
          });
          const cs = p.w.socket(p.client);
          cs.connect('server', 80, (r) => {
            if (r.ok) cs.send(4000);
          });
          p.w.run(60 * SEC);
          return JSON.stringify(p.w.sim.trace.events);
        };
        expect(run()).toBe(run());
      }),
      { numRuns: 20 },
    );
  });

  it('different seeds give different traces (ISNs and jiffy phases come from the seed)', () => {
    const trace = (seed: number): string => {
      const p = established({ seed, timer: 'linux', server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 2 } });
      p.w.run(p.tEst + 5 * SEC);
      return JSON.stringify(p.w.sim.trace.events);
    };
    expect(trace(1)).not.toBe(trace(2));
  });
});
