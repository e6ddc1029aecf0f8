/**
 * NAT idle timeouts in a running world (style.md rule 8): time moves relative to the
 * constant — alive at timeout/2, alive at 3/4 more only because a packet refreshed the
 * entry, gone after; never early (alive 1 µs before the deadline, gone at it); one lazy
 * timer per entry, not one event per refresh.
 */
import { describe, expect, it } from 'vitest';
import { ACK, SYN, segment } from '../../src/wire/segment.ts';
import { Sim } from '../../src/engine/sim.ts';
import { Nat } from '../../src/net/nat/nat.ts';
import { natConfig } from '../../src/net/nat/profiles.ts';
import { NAT_IP, natEvents, natPair, runTo } from './nat-fixtures.ts';
import { PORT } from '../tcp/fixtures.ts';

const S = 1_000_000;
const T = 350 * S; // aws-natgw

describe('idle timeout (aws-natgw, 350 s)', () => {
  it('alive at T/2, alive at T/2 + 3T/4 because data refreshed it at T/2, expired after', () => {
    // Arrange
    const p = natPair({ profile: 'aws-natgw' });
    const flow = (): unknown => p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    const tSend = p.tAck + T / 2;
    p.w.sim.at(tSend, () => p.cs.send(10));
    // Act / Assert
    runTo(p, p.tAck + T / 2);
    expect(flow()).toBeDefined();
    runTo(p, tSend + (3 * T) / 4);
    expect(flow()).toBeDefined(); // only because of the refresh: the original deadline tAck + T has passed
    const lastRefresh = tSend + 2 * p.latency; // the server's ACK of the data
    runTo(p, lastRefresh + T + 1);
    expect(flow()).toBeUndefined();
    expect(natEvents(p, 'expire').map((e) => e.t)).toEqual([lastRefresh + T]);
  });

  it('never expires early: alive 1 µs before the deadline, gone at it', () => {
    const p = natPair({ profile: 'aws-natgw' });
    const deadline = p.tAck + T;
    runTo(p, deadline - 1);
    const e = p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    expect(e?.expiresAt).toBe(deadline);
    runTo(p, deadline);
    expect(p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT)).toBeUndefined();
    expect(natEvents(p, 'expire')).toHaveLength(1);
  });

  it('a refresh moves the deadline without re-arming the timer; the timer re-arms when it fires early', () => {
    const p = natPair({ profile: 'aws-natgw' });
    for (let k = 1; k <= 50; k++) p.w.sim.at(p.tAck + k * S, () => p.cs.send(1));
    runTo(p, p.tAck + 60 * S);
    const e = p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    expect(e?.timerAt).toBe(T); // still the first arming, by the SYN at t = 0
    expect(e?.expiresAt).toBe(p.tAck + 50 * S + 2 * p.latency + T);
    runTo(p, T + 1);
    expect(p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT)?.timerAt).toBe(e?.expiresAt);
  });
});

describe('timer re-arming at the edge', () => {
  it('a timer armed 1 µs before the last refresh re-arms instead of expiring early', () => {
    // Arrange: a bare NAT hop; the SYN at 0 arms the timer for T, an ACK at 1 µs moves the deadline to T + 1
    const sim = new Sim({ seed: 1 });
    const nat = new Nat(sim, 'nat', NAT_IP, natConfig('aws-natgw'));
    nat.attach(() => undefined, () => undefined);
    const send = (t: number, flags: number): void => {
      sim.at(t, () => nat.inside.handle({ proto: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', seg: segment({ sport: 4000, dport: 80, seq: 1, flags }) }, () => undefined));
    };
    send(0, SYN);
    send(1, ACK);
    // Act / Assert
    sim.run({ until: T });
    expect(nat.lookup('10.0.0.1', 4000, '10.0.0.2', 80)?.expiresAt).toBe(T + 1);
    sim.run({ until: T + 1 });
    expect(nat.lookup('10.0.0.1', 4000, '10.0.0.2', 80)).toBeUndefined();
    expect(nat.stats.expired).toBe(1);
  });
});

describe('a packet exactly at the deadline', () => {
  it('finds no entry (nf_ct_is_expired: expired when timeout <= now), before the timer event runs', () => {
    const sim = new Sim({ seed: 1 });
    const nat = new Nat(sim, 'nat', NAT_IP, natConfig('azure-lb'));
    nat.attach(() => undefined, () => undefined);
    const out: unknown[] = [];
    const pkt = (flags: number) => ({ proto: 'tcp' as const, src: '10.0.0.1', dst: '10.0.0.2', seg: segment({ sport: 4000, dport: 80, seq: 1, flags }) });
    const T240 = 240 * S;
    sim.at(T240, () => nat.inside.handle(pkt(ACK), (p) => out.push(p))); // queued before the timer: runs first
    sim.at(0, () => nat.inside.handle(pkt(SYN), (p) => out.push(p)));
    sim.run({ until: T240 });
    expect(out).toHaveLength(1); // the SYN only
    expect([nat.stats.expired, nat.stats.dropped]).toEqual([1, 1]);
  });
});

describe('which packets refresh', () => {
  /** A pure ACK from the server, delivered straight to the NAT's outside interface. */
  const inbound = (p: ReturnType<typeof natPair>) => ({
    proto: 'tcp' as const,
    src: p.server.ip,
    dst: NAT_IP,
    seg: segment({ sport: PORT, dport: p.cc.lport, seq: p.sc.sndNxt, ack: p.sc.rcvNxt, flags: ACK, win: 65535 }),
  });

  it('refresh both: an inbound packet alone moves the deadline', () => {
    const p = natPair({ profile: 'aws-natgw' });
    runTo(p, p.tAck + T / 2);
    p.nat.outside.handle(inbound(p), () => undefined);
    expect(p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT)?.expiresAt).toBe(p.tAck + T / 2 + T);
  });

  it('refresh outbound: an inbound packet is translated but does not move the deadline', () => {
    const p = natPair({ profile: 'aws-natgw', over: { refresh: 'outbound' } });
    runTo(p, p.tAck + T / 2);
    const passed: unknown[] = [];
    p.nat.outside.handle(inbound(p), (x) => passed.push(x));
    expect(passed).toHaveLength(1);
    expect(p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT)?.expiresAt).toBe(p.tAck + T);
  });

  it('an answered keepalive probe refreshes the entry (Linux conntrack accepts probes, nat.md §2.2)', () => {
    const p = natPair({ profile: 'linux-conntrack', over: { established: 100 * S }, client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 60, TCP_KEEPINTVL: 10, TCP_KEEPCNT: 3 } });
    runTo(p, p.tAck + 1000 * S);
    expect(natEvents(p, 'expire')).toEqual([]);
    const e = p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    expect(e?.ct.state).toBe('ESTABLISHED');
    expect(p.cc.state).toBe('ESTABLISHED');
  });

  it('unanswered identical probes cap a Linux entry at 300 s (RETRANS) from the 4th probe', () => {
    // the server side is cut beyond the NAT: probes pass the NAT, answers never come
    const p = natPair({ profile: 'linux-conntrack', client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 60, TCP_KEEPINTVL: 10, TCP_KEEPCNT: 9 } });
    p.path.ab.up = false;
    runTo(p, p.tAck + 60 * S + 35 * S);
    const e = p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    expect(e?.ct.retrans).toBe(3);
    expect(e?.timeout).toBe(300 * S);
    expect(e?.expiresAt).toBe(p.tAck + 60 * S + 30 * S + 300 * S);
  });
});
