/**
 * nat.md §8 conformance incidents 4, 5, 8, 12 and 13 as built-in scenarios: beyond each
 * scenario's own `expect` (checked in test/scenarios/builtin.test.ts), the NAT-side facts
 * the incident is about — who got the RST, which entry expired when, what conntrack's
 * timer said before and after the 4th unanswered probe, that a full table evicts nothing.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { runScenario, type RunOptions } from '../../src/scenarios/run.ts';
import { flowOutcomes } from '../../src/report/flows.ts';

const S = 1_000_000;
const run = (name: string, opts: RunOptions = {}): ReturnType<typeof runScenario> => runScenario(loadScenario(name).scenario, opts);
const natEvents = (r: ReturnType<typeof runScenario>, prefix: string): { t: number; detail: string }[] =>
  r.json.events.filter((e) => e.kind === 'nat' && e.detail.startsWith(prefix));
const outcome = (r: ReturnType<typeof runScenario>, app: string): string | undefined => flowOutcomes(r.json).find((f) => f.app === app)?.outcome;

describe('§8.4 Azure NAT Gateway (azure-natgw-rst-on-later-packet)', () => {
  const r = run('azure-natgw-rst-on-later-packet');

  it('expires silently at 240 s idle: no packet from the NAT then', () => {
    const exp = natEvents(r, 'expired');
    expect(exp).toHaveLength(1);
    expect((exp[0]?.t ?? 0) - 1.002).toBeCloseTo(240, 3); // the handshake's last ACK + 4 min
    expect(r.json.packets.filter((p) => p.at === 'nat' && p.dir === 'tx' && p.kind === 'reset' && p.t < 600)).toEqual([]);
  });

  it('answers the first later packet with one RST, to its sender only', () => {
    expect(r.nats[0]?.stats.resets).toBe(1);
    const rst = r.json.packets.filter((p) => p.kind === 'reset' && p.at === 'nat');
    expect(rst.map((p) => [p.side, p.dst])).toEqual([['outside', 'server']]);
    const client = r.world.host('client');
    expect([...client.connections()].map((c) => c.state)).toEqual(['ESTABLISHED']); // never told
  });
});

describe('§8.5 GCP Cloud NAT (gcp-cloudnat-silent)', () => {
  const r = run('gcp-cloudnat-silent');

  it('drops the idle flow silently at 1200 s and its later write times out after ≈ 924.6 s', () => {
    const exp = natEvents(r, 'expired');
    expect(exp).toHaveLength(1);
    expect(exp[0]?.detail).toMatch(/\(ESTABLISHED, idle 1200 s\)/);
    expect(r.nats[0]?.stats.resets).toBe(0);
    const d = r.json.summary.detections.find((x) => x.app === 'plain');
    expect(d?.errno).toBe('ETIMEDOUT');
    expect((d?.t ?? 0) - 1300).toBeGreaterThan(920);
    expect((d?.t ?? 0) - 1300).toBeLessThan(945);
  });

  it('keepidle 60 s keeps the mapping: its write at 1300 s is acknowledged', () => {
    expect(outcome(r, 'ka60')).toBe('ok');
    const acks = r.json.packets.filter((p) => p.at === 'client' && p.dir === 'rx' && p.t > 1300 && p.t < 1301 && p.ack === 11);
    expect(acks).toHaveLength(1);
  });
});

describe('§8.8 mobile CGN (cellular-cgn-keepalive)', () => {
  const r = run('cellular-cgn-keepalive');

  it('keepalive 540 s: the mapping is gone at 300 s, 9 probes dropped, ETIMEDOUT ≈ 540 + 9 × 75 s', () => {
    const exp = natEvents(r, 'expired');
    expect(exp).toHaveLength(1);
    expect(exp[0]?.t).toBeGreaterThan(300);
    expect(exp[0]?.t).toBeLessThan(302);
    const a = r.json.summary.aborts.find((x) => x.reason === 'keepalive timeout');
    expect(a?.t).toBeGreaterThan(1 + 540 + 9 * 75);
    expect(a?.t).toBeLessThan(1 + 540 + 9 * 75 + 20);
    expect(r.json.packets.filter((p) => p.at === 'cgn' && p.dropped === 'no entry' && p.kind === 'keepalive')).toHaveLength(9);
  });

  it('keepalive 270 s: every probe is answered, the connection lives', () => {
    expect(outcome(r, 'ka270')).toBe('ok');
    expect(r.json.summary.keepalive.server?.replies).toBe(4);
  });
});

describe('§8.12 Linux conntrack and keepalive (linux-conntrack-keepalive)', () => {
  // probes every ≈ 61.4 s (HZ 250 rounding): answered until the crash at 600 s, then
  // unanswered at ≈ 615.8, 677.3, 738.7, 800.2 s (the 4th identical one), …
  const at = [500, 790, 805].map((t) => t * S);
  const r = run('linux-conntrack-keepalive', { conntrackAt: at });
  const left = r.conntrackTables.map((t) => t.rows[0]?.left);

  it('answered probes keep the 5-day timer full', () => {
    expect(left[0]).toBeGreaterThan(432_000 - 62);
  });

  it('three identical unanswered probes leave it; the 4th caps it at RETRANS 300 s', () => {
    expect(left[1]).toBeGreaterThan(432_000 - 62);
    expect(left[2]).toBeLessThanOrEqual(300);
    expect(left[2]).toBeGreaterThan(290);
  });

  it('the client gives up after 9 probes; its RST closes the entry (CLOSE, 10 s)', () => {
    expect(r.json.summary.aborts.map((a) => a.reason)).toEqual(['keepalive timeout']);
    const exp = natEvents(r, 'expired');
    expect(exp.map((e) => e.detail.replace(/.*\(/, '('))).toEqual(['(CLOSE, idle 10 s)']);
  });
});

describe('§8.13 table full (nat-table-full)', () => {
  const r = run('nat-table-full');
  const nat = r.nats[0];

  it('refuses every SYN of the new flow, evicts nothing, and connect() times out', () => {
    // the SYN + tcp_syn_retries 3 + tcp_syn_linear_timeouts 4 retransmissions (Linux 6.5+)
    expect(nat?.stats).toMatchObject({ created: 4, evicted: 0, refused: 8 });
    expect(outcome(r, 'new')).toBe('ETIMEDOUT');
  });

  it('the idle established connections keep working: their writes after 10 minutes are acknowledged', () => {
    expect(nat?.entries().map((e) => [e.ct.state, e.assured])).toEqual(Array.from({ length: 4 }, () => ['ESTABLISHED', true]));
    const acks = r.json.packets.filter((p) => p.at === 'client' && p.dir === 'rx' && p.t > 600 && p.ack === 101);
    expect(acks).toHaveLength(4);
  });
});
