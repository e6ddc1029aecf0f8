/**
 * A NAT in a running world: translation and addressing, what happens to a packet with no
 * entry (per direction and profile, nat.md §3, §7), RST on idle, table-full policies, and
 * the NAT as a vantage point in the trace.
 */
import { describe, expect, it } from 'vitest';
import type { PacketEvent } from '../../src/engine/trace.ts';
import { ACK, SYN, segment } from '../../src/wire/segment.ts';
import { Nat } from '../../src/net/nat/nat.ts';
import { natConfig } from '../../src/net/nat/profiles.ts';
import { errors, PORT, received, sent } from '../tcp/fixtures.ts';
import { NAT_IP, natEvents, natNet, natPair, runTo } from './nat-fixtures.ts';

const S = 1_000_000;

const natPackets = (p: ReturnType<typeof natPair>, side: 'inside' | 'outside', dir: 'rx' | 'tx'): PacketEvent[] =>
  p.w.sim.trace.events.filter((e): e is PacketEvent => e.kind === 'packet' && e.at === 'nat' && e.side === side && e.dir === dir);

describe('translation', () => {
  it('the server sees the NAT address and the preserved port; replies are routed back through the NAT', () => {
    const p = natPair({ profile: 'aws-natgw' });
    expect([p.sc.rip, p.sc.rport]).toEqual([NAT_IP, p.cc.lport]);
    expect(p.cc.state).toBe('ESTABLISHED');
    expect(p.w.net.nameOf(NAT_IP)).toBe('nat');
  });

  it('is seen on both sides: inside with the client address, outside with the NAT address', () => {
    const p = natPair({ profile: 'aws-natgw' });
    const inRx = natPackets(p, 'inside', 'rx').map((e) => e.pkt.src);
    const outTx = natPackets(p, 'outside', 'tx').map((e) => e.pkt.src);
    expect(inRx).toEqual([p.client.ip, p.client.ip]); // SYN, ACK
    expect(outTx).toEqual([NAT_IP, NAT_IP]);
    expect(natPackets(p, 'outside', 'rx').map((e) => e.pkt.dst)).toEqual([NAT_IP]); // SYN-ACK
    expect(natPackets(p, 'inside', 'tx').map((e) => e.pkt.dst)).toEqual([p.client.ip]);
    expect(natEvents(p, 'map').map((e) => e.detail)).toEqual([`new mapping ${p.client.ip}:${p.cc.lport} > ${p.server.ip}:${PORT} as ${NAT_IP}:${p.cc.lport} (port preserved)`]);
  });

  it('only the path\'s hosts reach the NAT address; a second NAT with a taken address is rejected', () => {
    const p = natPair({ profile: 'aws-natgw' });
    const other = p.w.addHost({ name: 'other', timer: 'exact' });
    const seg = segment({ sport: 1234, dport: p.cc.lport, seq: 1, flags: SYN });
    p.w.sim.at(p.tEst + S, () => other.transmit({ proto: 'tcp', src: other.ip, dst: NAT_IP, seg }));
    runTo(p, p.tEst + 2 * S);
    expect(p.w.sim.trace.events.filter((e) => e.kind === 'packet' && e.at === 'nat' && e.t > p.tEst)).toEqual([]);
    const dup = new Nat(p.w.sim, 'nat2', NAT_IP, natConfig('aws-natgw'));
    expect(() => p.w.link(other, p.server, { middleboxes: [dup] })).toThrow('duplicate address 203.0.113.1');
  });

  it('a packet from the server straight to the private address has no entry and is dropped', () => {
    const p = natPair({ profile: 'aws-natgw' });
    const seg = segment({ sport: PORT, dport: p.cc.lport, seq: p.sc.sndNxt, ack: p.sc.rcvNxt, flags: ACK, win: 65535 });
    p.w.sim.at(p.tEst + S, () => p.server.transmit({ proto: 'tcp', src: p.server.ip, dst: p.client.ip, seg }));
    runTo(p, p.tEst + 2 * S);
    expect(natEvents(p, 'drop')).toHaveLength(1);
  });
});

describe('after expiry: inside speaks first', () => {
  it('aws-natgw: the data is answered with RST to the sender; the client gets ECONNRESET', () => {
    const p = natPair({ profile: 'aws-natgw' });
    const tWrite = p.tAck + 400 * S;
    p.w.sim.at(tWrite, () => p.cs.send(10));
    runTo(p, tWrite + S);
    expect(natEvents(p, 'rst')).toHaveLength(1);
    expect(errors(p, p.client)).toEqual([{ t: tWrite, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
    expect(received(p, p.server).filter((e) => e.t > tWrite)).toEqual([]);
  });

  it('azure-lb: dropped silently; the client retransmits and nothing reaches the server', () => {
    const p = natPair({ profile: 'azure-lb' });
    const tWrite = p.tAck + 300 * S;
    p.w.sim.at(tWrite, () => p.cs.send(10));
    runTo(p, tWrite + 10 * S);
    expect(natEvents(p, 'drop').length).toBeGreaterThan(3);
    expect(sent(p, p.client, 'retransmission').length).toBeGreaterThan(2);
    expect(received(p, p.server).filter((e) => e.t > tWrite)).toEqual([]);
    expect(errors(p, p.client)).toEqual([]);
  });

  it('linux-conntrack (loose): a new mapping is picked up mid-stream on the same port; the connection lives on', () => {
    const p = natPair({ profile: 'linux-conntrack', over: { established: 100 * S } });
    const tWrite = p.tAck + 200 * S;
    p.w.sim.at(tWrite, () => p.cs.send(10));
    runTo(p, tWrite + S);
    expect(natEvents(p, 'map').map((e) => e.detail.endsWith('(port preserved), picked up mid-stream'))).toEqual([false, true]);
    expect(p.sc.rcvBuf).toBe(10);
    const e = p.nat.lookup(p.client.ip, p.cc.lport, p.server.ip, PORT);
    expect([e?.port, e?.ct.state, e?.ct.assured]).toEqual([p.cc.lport, 'ESTABLISHED', false]);
  });
});

describe('after expiry: outside speaks first', () => {
  const write = (profile: 'azure-lb' | 'azure-natgw' | 'aws-natgw', over = {}) => {
    const p = natPair({ profile, over });
    const t = p.tAck + 400 * S;
    p.w.sim.at(t, () => p.ss.send(10));
    runTo(p, t + 2 * S);
    return { p, t };
  };

  it('drop (aws-natgw, undocumented: nat.md §8.2): the server retransmits, the client sees nothing', () => {
    const { p, t } = write('aws-natgw');
    expect(natEvents(p, 'drop').length).toBeGreaterThan(1);
    expect(received(p, p.client).filter((e) => e.t > t)).toEqual([]);
  });

  it('rst (azure-natgw, nat.md §8.4): only the sender gets a RST, from the NAT address', () => {
    const { p, t } = write('azure-natgw');
    expect(errors(p, p.server)).toEqual([{ t: t + 2 * p.latency, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
    expect(received(p, p.server).filter((e) => e.t > t).map((e) => e.pkt.src)).toEqual([NAT_IP]);
    expect(errors(p, p.client)).toEqual([]);
  });

  it('icmp: the sender gets ICMP port unreachable from the NAT address', () => {
    const { p } = write('azure-lb', { outsideNoEntry: 'icmp' });
    const icmp = received(p, p.server).filter((e) => e.pkt.proto === 'icmp');
    expect(icmp.length).toBeGreaterThan(0);
    expect(icmp[0]?.pkt.src).toBe(NAT_IP);
    expect(natEvents(p, 'icmp').length).toBe(icmp.length);
  });
});

describe('RST on idle (azure-lb-rst-on-idle)', () => {
  it('both ends get a RST exactly at expiry, each accepted (ECONNRESET on both)', () => {
    const p = natPair({ profile: 'azure-lb-rst-on-idle' });
    const expiry = p.tAck + 240 * S;
    runTo(p, expiry + S);
    expect(errors(p, p.client)).toEqual([{ t: expiry, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
    expect(errors(p, p.server)).toEqual([{ t: expiry + p.latency, errno: 'ECONNRESET', detail: 'connection reset by peer' }]);
    expect(natEvents(p, 'rst').map((e) => e.t)).toEqual([expiry]);
  });

  it('a flow that is not ESTABLISHED expires silently', () => {
    const p = natNet({ profile: 'azure-lb-rst-on-idle' });
    const s = p.w.socket(p.client);
    s.connect('server', PORT, () => undefined); // nothing listens: the server answers RST, the entry dies at once
    runTo(p, 300 * S);
    expect(natEvents(p, 'rst')).toEqual([]);
    expect(natEvents(p, 'expire').map((e) => e.detail)).toEqual([expect.stringContaining('RST before any reply')]);
  });
});

describe('table full', () => {
  const twoFlows = (evict: 'lru' | 'early-drop' | 'refuse') => {
    const p = natPair({ profile: 'rfc5382-floor', over: { table: 1, evict } });
    const s2 = p.w.socket(p.client);
    const results: string[] = [];
    p.w.sim.at(p.tEst + 10 * S, () => s2.connect('server', PORT, (r) => results.push(r.ok ? 'ok' : r.errno)));
    runTo(p, p.tEst + 12 * S);
    return { p, results };
  };

  it('lru: the idle connection is evicted and the new flow admitted', () => {
    const { p, results } = twoFlows('lru');
    expect(natEvents(p, 'evict')).toHaveLength(1);
    expect(results).toEqual(['ok']);
    expect(p.nat.entries().map((e) => e.sport)).not.toContain(p.cc.lport);
  });

  it('early-drop: an ASSURED entry is never evicted; the new flow is refused', () => {
    const { p, results } = twoFlows('early-drop');
    expect(natEvents(p, 'evict')).toEqual([]);
    expect(natEvents(p, 'refuse').length).toBeGreaterThan(0);
    expect(results).toEqual([]);
    expect(p.nat.entries().map((e) => e.sport)).toEqual([p.cc.lport]);
  });

  it('refuse (RFC 6888): the new SYN is dropped, every retransmission too; the old flow keeps working', () => {
    const { p } = twoFlows('refuse');
    expect(natEvents(p, 'refuse').length).toBeGreaterThan(1);
    expect(p.nat.size).toBe(1);
    expect(p.nat.stats.refused).toBe(natEvents(p, 'refuse').length);
  });
});

describe('after expiry: inside speaks first, ICMP', () => {
  it('icmp: the inside sender gets ICMP host unreachable from the NAT address for each dropped packet', () => {
    const p = natPair({ profile: 'azure-lb', over: { insideNoEntry: 'icmp' } });
    const tWrite = p.tAck + 300 * S;
    p.w.sim.at(tWrite, () => p.cs.send(10));
    runTo(p, tWrite + 5 * S);
    const icmp = received(p, p.client).filter((e) => e.pkt.proto === 'icmp');
    expect(icmp.length).toBeGreaterThan(0);
    expect(icmp.map((e) => (e.pkt.proto === 'icmp' ? [e.pkt.src, e.pkt.code] : null))[0]).toEqual([NAT_IP, 'host']);
    expect(natEvents(p, 'icmp')).toHaveLength(icmp.length);
    expect(received(p, p.server).filter((e) => e.t > tWrite)).toEqual([]);
  });
});

describe('per-host port quota (RFC 6888 REQ-4)', () => {
  it('a host holding its quota of mappings gets its next flow refused; other flows are untouched', () => {
    const p = natPair({ profile: 'rfc5382-floor', over: { portQuota: 1 } });
    const s2 = p.w.socket(p.client);
    const results: string[] = [];
    p.w.sim.at(p.tEst + 10 * S, () => s2.connect('server', PORT, (r) => results.push(r.ok ? 'ok' : r.errno)));
    runTo(p, p.tEst + 12 * S);
    expect(natEvents(p, 'refuse')[0]?.detail).toContain('port quota 1');
    expect(results).toEqual([]);
    expect(p.nat.entries().map((e) => e.sport)).toEqual([p.cc.lport]);
  });
});

describe('aggressive aging in a running NAT', () => {
  it('above the mark a flow idle for early-ageout is aged out to admit a new one; a busier table refuses', () => {
    const p = natPair({ profile: 'rfc5382-floor', over: { table: 2, evict: 'aggressive-aging', agingHighWater: 50, earlyAgeout: 5 * S } });
    const s2 = p.w.socket(p.client);
    const results: string[] = [];
    p.w.sim.at(p.tEst + 10 * S, () => s2.connect('server', PORT, (r) => results.push(r.ok ? 'ok' : r.errno)));
    runTo(p, p.tEst + 12 * S);
    expect(natEvents(p, 'evict')[0]?.detail).toContain('policy aggressive-aging');
    expect(results).toEqual(['ok']);
    expect(p.nat.entries().map((e) => e.sport)).not.toContain(p.cc.lport);
  });
});

