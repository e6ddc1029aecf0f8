/**
 * NAT invariants over random inputs (style.md rule 10; seed pinned by test/setup.ts):
 * no two inside flows share an outside tuple (RFC 5382 REQ-7 / Linux unique tuple); the
 * table never exceeds its size; evictions follow the policy; expiries are never early (nor
 * late); and the survival rule for an idle keepalive connection through a NAT.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/engine/sim.ts';
import type { NatEvent } from '../../src/engine/trace.ts';
import { admit, type EvictView } from '../../src/net/nat/evict.ts';
import { Nat } from '../../src/net/nat/nat.ts';
import { natConfig, type EvictPolicy } from '../../src/net/nat/profiles.ts';
import { ACK, SYN, segment, type Packet, type TcpPacket } from '../../src/wire/segment.ts';
import { natEvents, natPair, runTo } from '../net/nat-fixtures.ts';

const S = 1_000_000;
const NAT_IP = '203.0.113.1';

/** A NAT hop driven directly: packets go in at given times, translated packets are collected. */
function bareNat(over: Parameters<typeof natConfig>[1], profile: Parameters<typeof natConfig>[0] = 'rfc5382-floor') {
  const sim = new Sim({ seed: 7 });
  const nat = new Nat(sim, 'nat', NAT_IP, natConfig(profile, over));
  const out: TcpPacket[] = [];
  nat.attach(() => undefined, () => undefined);
  const send = (t: number, pkt: TcpPacket): void => {
    sim.at(t, () => nat.inside.handle(pkt, (p: Packet) => p.proto === 'tcp' && out.push(p)));
  };
  const events = (): NatEvent[] => sim.trace.events.filter((e): e is NatEvent => e.kind === 'nat');
  return { sim, nat, out, send, events };
}

const flowArb = fc.record({
  src: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
  sport: fc.integer({ min: 1024, max: 1031 }),
  dst: fc.constantFrom('198.51.100.1', '198.51.100.2'),
  dport: fc.constantFrom(80, 443),
  gap: fc.integer({ min: 0, max: 50 * S }),
  syn: fc.boolean(),
});

describe(`NAT properties (fast-check seed ${fc.readConfigureGlobal().seed})`, () => {
  it('never maps two live inside flows to one outside tuple, and the table never exceeds its size', () => {
    fc.assert(
      fc.property(
        fc.array(flowArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<EvictPolicy>('lru', 'early-drop', 'refuse'),
        (flows, table, evict) => {
          // a tiny port range forces allocation clashes; pickup lets ACKs create entries too
          const n = bareNat({ table, evict, ports: [1024, 1035], established: 120 * S, synSent: 60 * S });
          let t = 0;
          for (const f of flows) {
            t += f.gap;
            n.send(t, { proto: 'tcp', src: f.src, dst: f.dst, seg: segment({ sport: f.sport, dport: f.dport, seq: 1, ack: 1, flags: f.syn ? SYN : ACK }) });
          }
          let checks = 0;
          while (n.sim.step()) {
            expect(n.nat.size).toBeLessThanOrEqual(table);
            const outside = n.nat.entries().map((e) => `${e.dst}:${e.dport}>${e.port}`);
            expect(new Set(outside).size).toBe(outside.length);
            checks++;
          }
          expect(checks).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('evictions follow the policy: lru takes the least recently used (oldest serial on ties), early-drop never an ASSURED entry, refuse none', () => {
    const entryArb = fc.record({ lastUsed: fc.integer({ min: 0, max: 20 }), assured: fc.boolean(), expiresAt: fc.integer({ min: 0, max: 200 }) });
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 12 }), fc.constantFrom<EvictPolicy>('lru', 'early-drop', 'refuse'), (raw, policy) => {
        const now = 100;
        const es: EvictView[] = raw.map((r, i) => ({ ...r, seq: i + 1 }));
        const a = admit(es, es.length, policy, now);
        const expired = es.filter((e) => now >= e.expiresAt);
        if (expired.length) {
          expect(a).toMatchObject({ ok: true, why: 'expired' });
          return;
        }
        if (policy === 'refuse') return void expect(a).toEqual({ ok: false });
        const pool = policy === 'lru' ? es : es.filter((e) => !e.assured);
        if (pool.length === 0) return void expect(a).toEqual({ ok: false });
        const min = Math.min(...pool.map((e) => e.lastUsed));
        const want = pool.filter((e) => e.lastUsed === min).sort((x, y) => x.seq - y.seq)[0];
        expect(a).toEqual({ ok: true, victim: want, why: policy });
      }),
    );
  });

  it('expiries are never early and never late: exactly last packet + timeout', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 0, max: 150 * S }), { minLength: 1, maxLength: 25 }), (timeoutS, gaps) => {
        const T = timeoutS * S;
        const n = bareNat({ established: T, insideNoEntry: 'pickup' }, 'aws-natgw');
        const times: number[] = [];
        let t = 0;
        for (const g of gaps) {
          t += g;
          times.push(t);
          n.send(t, { proto: 'tcp', src: '10.0.0.1', dst: '198.51.100.1', seg: segment({ sport: 4000, dport: 80, seq: 1, ack: 1, flags: ACK }) });
        }
        n.sim.run();
        const want = times.filter((p, i) => i === times.length - 1 || (times[i + 1] as number) - p >= T).map((p) => p + T);
        const uniq = [...new Set(want)];
        expect(n.events().filter((e) => e.action === 'expire').map((e) => e.t)).toEqual(uniq);
      }),
    );
  });

  /**
   * Survival, exact timers, no loss, bidirectional refresh, the NAT at the client's edge and
   * one-way latency L beyond it. The client's keepalive (idle I, interval N) probes at
   * last-receive + I; an answered probe's ACK passes the NAT and reaches the client at the same
   * instant, and the next probe goes at max(probe + N, ack + I) (Linux re-arms for N after a
   * probe and then checks the idle time). So the NAT sees gaps of I and max(N − 2L, I):
   * the connection survives iff I < T and N − 2L < T (at exactly T the entry is already gone).
   */
  it('an idle keepalive connection survives iff keepidle < T and keepintvl − RTT < T', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.constantFrom<'drop' | 'rst'>('drop', 'rst'),
        (tS, idle, intvl, latency, insideNoEntry) => {
          const T = tS * S;
          const p = natPair({ profile: 'aws-natgw', over: { established: T, insideNoEntry }, latency, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: idle, TCP_KEEPINTVL: intvl, TCP_KEEPCNT: 3 } });
          runTo(p, p.tAck + 4 * (idle + intvl + tS) * S);
          const survives = idle * S < T && intvl * S - 2 * latency < T;
          const died = natEvents(p, 'expire').length > 0;
          expect(died).toBe(!survives);
          expect(p.cc.state === 'ESTABLISHED').toBe(survives);
        },
      ),
      { numRuns: 80 },
    );
  });
});
