// pcap / pcapng export: byte-level unit tests, then tshark reading real runs (tshark is
// required: .ci/run installs it; these tests fail, not skip, without it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { need, TSHARK } from '../support/needs.ts';
import type { PacketEvent, TraceEvent } from '../../src/engine/trace.ts';
import { icmpUnreachable, internetChecksum, ipv4Header, tcpSegment, toPcap, vantagePoints, type PcapOptions } from '../../src/report/pcap.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { ACK, PSH, RST, SYN, type Segment, type TcpPacket } from '../../src/wire/segment.ts';
import { loadScenario } from '../../sim/load.ts';
import { parsePcap } from '../../calibrate/pcap.ts';

const C = '10.0.0.1';
const S = '10.0.0.2';
const seg = (f: Partial<Segment> & { flags: number }): Segment => ({ sport: 40000, dport: 80, seq: 1000, ack: 2000, win: 65535, len: 0, ...f });
const tcp = (src: string, dst: string, s: Segment, tag?: TcpPacket['tag']): TcpPacket => (tag ? { proto: 'tcp', src, dst, seg: s, tag } : { proto: 'tcp', src, dst, seg: s });
const rev = (s: Segment): Segment => ({ ...s, sport: s.dport, dport: s.sport, seq: s.ack, ack: s.seq });
const pev = (t: number, at: string, dir: 'tx' | 'rx', pkt: PacketEvent['pkt'], dropped?: string): PacketEvent => ({ kind: 'packet', t, at, dir, pkt, ...(dropped ? { dropped } : {}) });
const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) * 256 + (b[o + 1] ?? 0);
const u32 = (b: Uint8Array, o: number): number => u16(b, o) * 65536 + u16(b, o + 2);
const le = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A handshake and one keepalive exchange, each packet seen tx at its sender and rx at the peer. */
function handshakeAndProbe(): TraceEvent[] {
  const syn = tcp(C, S, seg({ flags: SYN, ack: 0, seq: 999 }));
  const synAck = tcp(S, C, seg({ sport: 80, dport: 40000, flags: SYN | ACK, seq: 1999, ack: 1000 }));
  const ack = tcp(C, S, seg({ flags: ACK }));
  const probe = tcp(C, S, seg({ flags: ACK, seq: 999 }), 'keepalive');
  const reply = tcp(S, C, rev(seg({ flags: ACK })), 'keepalive-ack');
  const out: TraceEvent[] = [];
  let t = 1_000_000;
  for (const [p, from, to] of [[syn, 'client', 'server'], [synAck, 'server', 'client'], [ack, 'client', 'server'], [probe, 'client', 'server'], [reply, 'server', 'client']] as const) {
    out.push(pev(t, from, 'tx', p), pev(t + 500, to, 'rx', p));
    t += p === ack ? 7_200_000_000 : 1000;
  }
  return out;
}

describe('checksums', () => {
  it('RFC 1071 §3 example: 0001 f203 f4f5 f6f7 sums to ddf2, checksum 220d', () => {
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7))).toBe(0x220d);
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2))).toBe(~(0x0001 + 0xf200) & 0xffff); // odd length pads a zero
  });

  it('an IPv4 header checksum computed by hand', () => {
    // 4500 0073 0000 4000 4011 [0000] c0a8 0001 c0a8 00c7:
    // 4500+0073+0000+4000+4011+c0a8+0001+c0a8+00c7 = 0x2479c; fold 0x479c+0x2 = 0x479e; ~ = 0xb861
    const h = ipv4Header({ src: '192.168.0.1', dst: '192.168.0.199', proto: 17, id: 0, df: true, payloadLen: 0x73 - 20 });
    expect([...h]).toEqual([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);
    expect(internetChecksum(h)).toBe(0); // a header with its checksum verifies to zero
  });

  it('TCP checksum covers the pseudo-header', () => {
    const b = tcpSegment(C, S, seg({ flags: ACK | PSH, len: 5 }), { val: 1, ecr: 2 });
    const pseudo = Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, b.length);
    const all = new Uint8Array(pseudo.length + b.length);
    all.set(pseudo);
    all.set(b, pseudo.length);
    expect(internetChecksum(all)).toBe(0);
    expect(internetChecksum(b)).not.toBe(0);
  });

  it('rejects an address that is not dotted IPv4', () => {
    expect(() => ipv4Header({ src: 'client', dst: S, proto: 6, id: 1, df: true, payloadLen: 0 })).toThrow(RangeError);
  });
});

describe('TCP and ICMP headers', () => {
  it('SYN: data offset 9, MSS 1460 then NOP NOP TS; ack field 0', () => {
    const b = tcpSegment(C, S, seg({ flags: SYN, ack: 77 }), { val: 0x01020304, ecr: 0 });
    expect(b.length).toBe(36);
    expect(b[12]).toBe(9 << 4);
    expect(b[13]).toBe(SYN);
    expect(u32(b, 8)).toBe(0);
    expect([...b.subarray(20, 36)]).toEqual([2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0]);
  });

  it('ACK with timestamps: offset 8, fields in network order, payload zero-filled', () => {
    const b = tcpSegment(C, S, seg({ flags: ACK | PSH, seq: 0xfffffff0, len: 3 }), { val: 5, ecr: 6 });
    expect(b.length).toBe(32 + 3);
    expect(u16(b, 0)).toBe(40000);
    expect(u16(b, 2)).toBe(80);
    expect(u32(b, 4)).toBe(0xfffffff0);
    expect(u32(b, 8)).toBe(2000);
    expect(b[12]).toBe(8 << 4);
    expect(b[13]).toBe(ACK | PSH);
    expect(u16(b, 14)).toBe(65535);
    expect([u32(b, 24), u32(b, 28)]).toEqual([5, 6]);
    expect([...b.subarray(32)]).toEqual([0, 0, 0]);
    expect([...tcpSegment(C, S, seg({ flags: ACK, len: 2, payload: Uint8Array.of(7, 8) })).subarray(20)]).toEqual([7, 8]);
  });

  it('RST without ACK: no options, ack field 0', () => {
    const b = tcpSegment(C, S, seg({ flags: RST }));
    expect(b.length).toBe(20);
    expect(b[12]).toBe(5 << 4);
    expect(u32(b, 8)).toBe(0);
  });

  it('ICMP unreachable: type 3, code, quoted IP header + 8 bytes, checksummed', () => {
    const quoted = tcp(C, S, seg({ flags: ACK | PSH, len: 100 }));
    for (const [code, n] of [['net', 0], ['host', 1], ['port', 3]] as const) {
      const b = icmpUnreachable({ proto: 'icmp', src: '10.0.0.254', dst: C, code, quoted }, { id: 42, ts: { val: 1, ecr: 1 } });
      expect(b.length).toBe(36);
      expect([b[0], b[1]]).toEqual([3, n]);
      expect(internetChecksum(b)).toBe(0);
      const qip = b.subarray(8, 28);
      expect([qip[0], qip[9], u16(qip, 2), u16(qip, 4)]).toEqual([0x45, 6, 20 + 32 + 100, 42]);
      expect(internetChecksum(qip)).toBe(0);
      expect([u16(b, 28), u16(b, 30), u32(b, 32)]).toEqual([40000, 80, 1000]);
    }
  });
});

describe('toPcap', () => {
  const events = handshakeAndProbe();

  it('pcap: global header, one record per packet at the vantage point, µs timestamps', () => {
    const f = toPcap(events, { at: 'client', format: 'pcap' });
    const v = le(f);
    expect([v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true), v.getUint32(16, true), v.getUint32(20, true)]).toEqual([0xa1b2c3d4, 2, 4, 65535, 101]);
    const recs: { sec: number; usec: number; ip: Uint8Array }[] = [];
    for (let o = 24; o < f.length;) {
      const len = v.getUint32(o + 8, true);
      expect(v.getUint32(o + 12, true)).toBe(len);
      recs.push({ sec: v.getUint32(o, true), usec: v.getUint32(o + 4, true), ip: f.subarray(o + 16, o + 16 + len) });
      o += 16 + len;
    }
    expect(recs.map((r) => [r.sec, r.usec])).toEqual([[1, 0], [1, 1500], [1, 2000], [7201, 2000], [7201, 3500]]);
    for (const { ip } of recs) {
      expect(ip[0]).toBe(0x45);
      expect(u16(ip, 2)).toBe(ip.length);
      expect(u16(ip, 6)).toBe(0x4000);
      expect([ip[8], ip[9]]).toEqual([64, 6]);
      expect(internetChecksum(ip.subarray(0, 20))).toBe(0);
    }
    // IP id increments per sender; TSval = sender's ms clock; TSecr = last TSval from the peer
    const fromClient = recs.filter((r) => r.ip[15] === 1);
    expect(fromClient.map((r) => u16(r.ip, 4))).toEqual([1, 2, 3]);
    expect(recs.map((r) => u16(r.ip, 4))).toEqual([1, 1, 2, 3, 2]);
    const ts = recs.map(({ ip }) => [u32(ip, ip.length - 8), u32(ip, ip.length - 4)]); // TS option ends the header
    expect(ts).toEqual([[1000, 0], [1001, 1000], [1002, 1001], [7201002, 1001], [7201003, 7201002]]);
  });

  it('leaves out OUTPUT drops, keeps INPUT drops, and can filter a middlebox side', () => {
    const p = tcp(C, S, seg({ flags: ACK }));
    const evs: TraceEvent[] = [pev(1, 'client', 'tx', p, 'OUTPUT'), pev(2, 'server', 'rx', p, 'INPUT'), pev(3, 'client', 'tx', p),
      { ...pev(4, 'nat', 'rx', p), side: 'inside' }, { ...pev(4, 'nat', 'tx', { ...p, src: '192.0.2.1' }), side: 'outside' }];
    const count = (o: PcapOptions): number => (toPcap(evs, o).length - 24) / (16 + 52);
    expect(count({ at: 'client', format: 'pcap' })).toBe(1);
    expect(count({ at: 'server', format: 'pcap' })).toBe(1);
    expect(count({ at: 'nat', format: 'pcap' })).toBe(2);
    expect(count({ at: 'nat:outside', format: 'pcap' })).toBe(1);
    expect(count({ at: 'nat', side: 'inside', format: 'pcap' })).toBe(1);
    expect(vantagePoints(evs)).toEqual(['client', 'nat:inside', 'nat:outside', 'server']);
    expect(() => toPcap(evs, { at: 'router', format: 'pcap' })).toThrow(/no packets at 'router'; vantage points: client, nat:inside/);
    // the NAT's rewritten copy keeps the sender's IP id and timestamps
    const f = toPcap(evs, { at: 'nat:outside', format: 'pcap' });
    const g = toPcap(evs, { at: 'client', format: 'pcap' });
    expect(u16(f, 40 + 4)).toBe(u16(g, 40 + 4));
    expect([...f.subarray(40 + 40)]).toEqual([...g.subarray(40 + 40)]); // TCP options: same TSval/TSecr
  });

  it('ethernet linktype: made-up MACs from the IPs and ethertype IPv4', () => {
    const f = toPcap(events, { at: 'server', format: 'pcap', linktype: 'ethernet' });
    expect(le(f).getUint32(20, true)).toBe(1);
    expect([...f.subarray(40, 40 + 14)]).toEqual([2, 0, 10, 0, 0, 2, 2, 0, 10, 0, 0, 1, 0x08, 0x00]);
    expect(f[40 + 14]).toBe(0x45);
  });

  it('pcapng: SHB, IDB (linktype 101, if_tsresol 6), EPBs with comments from tags', () => {
    const f = toPcap(events, { at: 'server', format: 'pcapng' });
    const v = le(f);
    const blocks: { type: number; body: Uint8Array }[] = [];
    for (let o = 0; o < f.length;) {
      const len = v.getUint32(o + 4, true);
      expect(len % 4).toBe(0);
      expect(v.getUint32(o + len - 4, true)).toBe(len);
      blocks.push({ type: v.getUint32(o, true), body: f.subarray(o + 8, o + len - 4) });
      o += len;
    }
    expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6, 6, 6, 6, 6]);
    const body = (i: number): Uint8Array => blocks[i]?.body ?? new Uint8Array(0);
    const shb = le(body(0));
    expect([shb.getUint32(0, true), shb.getUint16(4, true), shb.getBigInt64(8, true)]).toEqual([0x1a2b3c4d, 1, -1n]);
    expect(le(body(1)).getUint16(0, true)).toBe(101);
    expect([...body(1).subarray(8 + 4 + 8, 8 + 4 + 8 + 5)]).toEqual([9, 0, 1, 0, 6]); // after if_name "server" (6 → 8 bytes)
    const text = new TextDecoder().decode(f);
    expect(text).toContain('keepalive probe #1');
    expect(text).toContain('keepalive ACK');
    const epb = body(5);
    const ev = le(epb);
    expect(ev.getUint32(0, true)).toBe(0);
    expect(ev.getUint32(4, true) * 2 ** 32 + ev.getUint32(8, true)).toBe(7_201_002_500);
    expect(ev.getUint32(12, true)).toBe(52);
    expect(le(epb).getUint16(20 + 52, true)).toBe(1); // opt_comment
  });
});

describe('round trip through the calibration pcap reader', () => {
  it.each(['seed000-cable-pull', 'seed002-probe-rst', 'seed004-cable-pull', 'seed001-peer-reboot'])('%s: every packet at each host reads back as traced', (name) => {
    const { world } = runScenario(loadScenario(name).scenario);
    const events = world.sim.trace.events;
    for (const at of vantagePoints(events)) {
      const cap = parsePcap(Buffer.from(toPcap(events, { at, format: 'pcap', linktype: 'ethernet' })));
      const seen = events.filter((e): e is PacketEvent => e.kind === 'packet' && e.at === at && e.dropped !== 'OUTPUT');
      const tcpSeen = seen.flatMap((e) => (e.pkt.proto === 'tcp' ? [{ e, p: e.pkt }] : []));
      expect(cap.tcp.length).toBeGreaterThan(0);
      expect(cap.tcp).toEqual(tcpSeen.map(({ e, p }) => ({
        tsUs: e.t, srcIp: p.src, dstIp: p.dst, sport: p.seg.sport, dport: p.seg.dport,
        flags: p.seg.flags, seq: p.seg.seq >>> 0, ack: p.seg.flags & ACK ? p.seg.ack >>> 0 : 0, win: p.seg.win, len: p.seg.len,
      })));
      expect(cap.icmp).toHaveLength(seen.length - tcpSeen.length);
    }
  });
});

// ---- tshark: what students will see ----

const FIELDS = ['frame.time_relative', 'tcp.flags.str', 'tcp.analysis.keep_alive', 'tcp.analysis.keep_alive_ack', 'tcp.analysis.retransmission', 'ip.checksum.status', 'tcp.checksum.status'];
const CHECK = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
const dir = mkdtempSync(join(tmpdir(), 'keepalive-lab-pcap-'));

function tool(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function capture(scenario: string, opts: PcapOptions): string {
  const { world } = runScenario(loadScenario(scenario).scenario);
  const file = join(dir, `${scenario.replace(/.*\//, '')}.${opts.at}.${opts.format}`);
  writeFileSync(file, toPcap(world.sim.trace.events, opts));
  return file;
}

/** One line per packet: the seven FIELDS (plus `extra`), tab-separated. */
const lines = (file: string, extra: string[] = []): string[] =>
  tool('tshark', ['-r', file, ...CHECK, '-T', 'fields', ...[...FIELDS, ...extra].flatMap((f) => ['-e', f])]).replace(/\n$/, '').split('\n');

const A = '·······A····';
const RA = '·······A·R··';


describe('tshark reads the captures', () => {
  beforeEach((ctx) => need(ctx, TSHARK));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('seed000-cable-pull at the server: Keep-Alive / Keep-Alive ACK both ways, good checksums, final RST', () => {
    const file = capture('seed000-cable-pull', { at: 'server', format: 'pcap' });
    const out = lines(file, ['ip.src']);
    expect(out.slice(0, 7)).toEqual([
      `0.000000000\t··········S·\t\t\t\t1\t1\t${C}`,
      `0.000000000\t·······A··S·\t\t\t\t1\t1\t${S}`,
      `0.000100000\t${A}\t\t\t\t1\t1\t${C}`,
      `10.146391000\t${A}\t1\t\t\t1\t1\t${S}`, // the server's probe
      `10.146491000\t${A}\t\t1\t\t1\t1\t${C}`, // the client's reply
      `10.162556000\t${A}\t1\t\t\t1\t1\t${C}`,
      `10.162556000\t${A}\t\t1\t\t1\t1\t${S}`,
    ]);
    expect(out.slice(-4)).toEqual([
      `133.026391000\t${A}\t1\t\t\t1\t1\t${S}`, // unanswered after the cut at 133 s
      `138.146391000\t${A}\t1\t\t\t1\t1\t${S}`,
      `143.266391000\t${A}\t1\t\t\t1\t1\t${S}`,
      `148.386391000\t${RA}\t\t\t\t1\t1\t${S}`,
    ]);
    expect(out.every((l) => l.split('\t').slice(5, 7).join() === '1,1')).toBe(true);
    expect(out.filter((l) => l.split('\t')[2] === '1')).toHaveLength(27);
    expect(out.filter((l) => l.split('\t')[3] === '1')).toHaveLength(24);
    const expert = tool('tshark', ['-r', file, ...CHECK, '-q', '-z', 'expert']);
    expect(expert).toMatch(/27\s+Sequence\s+TCP\s+TCP keep-alive segment/);
    expect(expert).toMatch(/24\s+Sequence\s+TCP\s+ACK to a TCP keep-alive segment/);
    expect(expert).not.toMatch(/[Cc]hecksum|Malformed|nonzero/);
  });

  it('seed004-cable-pull at the client (pcapng): five 1 s probes then RST, comments from tags', () => {
    const file = capture('seed004-cable-pull', { at: 'client', format: 'pcapng' });
    const out = lines(file, ['frame.comment']);
    expect(out).toHaveLength(13);
    expect(out.slice(3, 5)).toEqual([`20.914556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #1`, `20.914956000\t${A}\t\t1\t\t1\t1\tkeepalive ACK`]);
    expect(out.slice(-6)).toEqual([
      `61.874556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #1`,
      `62.898556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #2`,
      `63.922556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #3`,
      `64.946556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #4`,
      `65.970556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #5`,
      `66.994556000\t${RA}\t\t\t\t1\t1\treset`,
    ]);
    const info = tool('capinfos', [file]);
    expect(info).toMatch(/File type:\s+Wireshark\/\.\.\. - pcapng/);
    expect(info).toMatch(/File encapsulation:\s+Raw IP/);
    expect(info).toMatch(/File timestamp precision:\s+microseconds \(6\)/);
    expect(info).toMatch(/Number of packets:\s+13/);
    expect(info).toMatch(/First packet time:\s+1970-01-01 00:00:01\.000000/);
    // the same packets as classic pcap read the same (comments aside)
    const plain = lines(capture('seed004-cable-pull', { at: 'client', format: 'pcap' }));
    expect(plain).toEqual(lines(file));
  });

  it('seed004-cable-pull at the server: INPUT-dropped probes are captured, OUTPUT-dropped replies are not', () => {
    const out = lines(capture('seed004-cable-pull', { at: 'server', format: 'pcapng' }), ['frame.comment']);
    const dropped = '; dropped by the INPUT firewall';
    expect(out.slice(-6)).toEqual([
      `61.874556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #1${dropped}`,
      `62.898556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #2${dropped}`,
      `63.922556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #3${dropped}`,
      `64.946556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #4${dropped}`,
      `65.970556000\t${A}\t1\t\t\t1\t1\tkeepalive probe #5${dropped}`,
      `66.994556000\t${RA}\t\t\t\t1\t1\treset${dropped}`,
    ]);
    expect(out.filter((l) => l.includes('keepalive ACK'))).toHaveLength(2);
  });

  it('data into an unreachable path: TCP Retransmission and ICMP host unreachable, all checksums good', () => {
    const yaml = join(dir, 'pcap-rtx-icmp.yaml');
    writeFileSync(yaml, [
      'name: pcap-rtx-icmp',
      'description: data sent after the path starts answering ICMP host unreachable; the client retransmits',
      'seed: 7',
      'until: 40s',
      'hosts: { client: {}, server: {} }',
      'path: { latency: 1ms }',
      'apps:',
      '  - host: server',
      '    steps: [{ call: listen, port: 9999 }, { call: accept }, { call: recv, loop: true }]',
      '  - host: client',
      '    steps:',
      '      - { at: 1s, call: connect, to: server, port: 9999 }',
      '      - { at: 2s, call: send, bytes: 100 }',
      '      - { at: 20s, call: send, bytes: 100 }',
      '      - { call: sleep, for: 100s }',
      'faults:',
      '  - { at: 10s, type: icmp-unreachable, to: server, code: host }',
      '',
    ].join('\n'));
    const file = capture(yaml, { at: 'client', format: 'pcap' });
    const out = lines(file, ['icmp.type', 'icmp.code', 'icmp.checksum.status']);
    expect(out.slice(3, 9)).toEqual([
      '1.000000000\t·······AP···\t\t\t\t1\t1\t\t\t',
      `1.002000000\t${A}\t\t\t\t1\t1\t\t\t`,
      '19.000000000\t·······AP···\t\t\t\t1\t1\t\t\t',
      '19.001000000\t\t\t\t\t1,1\t\t3\t1\t1', // outer and quoted IP headers both verified
      '19.206921000\t·······AP···\t\t\t1\t1\t1\t\t\t',
      '19.207921000\t\t\t\t\t1,1\t\t3\t1\t1',
    ]);
    const rtx = out.filter((l) => l.split('\t')[4] === '1');
    expect(rtx.length).toBeGreaterThan(10);
    for (const l of out) {
      const f = l.split('\t');
      expect([f[5], f[6], f[9]].every((x) => x === undefined || /^(1(,1)*)?$/.test(x)), l).toBe(true); // ip, tcp, icmp checksum status
    }
    const expert = tool('tshark', ['-r', file, ...CHECK, '-q', '-z', 'expert']);
    expect(expert).toMatch(/Sequence\s+TCP\s+This frame is a \(suspected\) retransmission/);
    expect(expert).not.toMatch(/[Cc]hecksum|Malformed/);
  });
});
