/**
 * The proxy in the scenario format: validation of `type: proxy`, wiring by the runner,
 * the proxy as a vantage point with one side per leg (human trace, JSON, pcap), and the
 * summary counting the proxy's own packets (it terminates TCP; a NAT only repeats).
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { humanTrace } from '../../src/report/human.ts';
import { toPcap, vantagePoints } from '../../src/report/pcap.ts';
import type { Scenario } from '../../src/scenarios/schema.ts';

const raw = (proxy: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  hosts: { client: {}, server: {} },
  path: { latency: '1ms', middleboxes: [{ type: 'proxy', name: 'lb', listen: 80, target: { host: 'server', port: 8080 }, ...proxy }] },
  apps: [
    { host: 'server', steps: [{ call: 'listen', port: 8080 }, { call: 'accept' }, { call: 'recv' }] },
    { host: 'client', steps: [{ at: 1, call: 'connect', to: 'lb', port: 80 }, { call: 'send', bytes: 3 }, { call: 'recv' }] },
  ],
  ...extra,
});
const problems = (r: unknown): string[] => {
  const v = validateScenario(r);
  return v.ok ? [] : v.problems;
};
const scenario = (r: unknown): Scenario => {
  const v = validateScenario(r);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.scenario;
};

describe('validation of type: proxy', () => {
  it('accepts a proxy with defaults (name proxy, profile socks5, 203.0.113.1) and durations in µs', () => {
    const v = validateScenario(raw({ name: undefined, timeoutServer: '15s' }, { apps: [] }));
    expect(v.ok && v.scenario.path.middleboxes[0]).toEqual({ type: 'proxy', name: 'proxy', profile: 'socks5', ip: '203.0.113.1', listen: 80, target: { host: 'server', port: 8080 }, timeoutServer: 15_000_000 });
  });

  it('lets applications connect to the proxy by name; an unknown name is still an error', () => {
    expect(problems(raw())).toEqual([]);
    const bad = raw();
    (bad.apps[1]?.steps[0] as { to: string }).to = 'nowhere';
    expect(problems(bad)).toEqual(['apps.1.steps.0.to: no host or proxy named "nowhere" (names: client, server, lb)']);
  });

  it('rejects an unknown target host, a missing listen port and out-of-range leg socket options', () => {
    expect(problems(raw({ target: { host: 'db', port: 5432 } }))).toEqual(['path.middleboxes.0.target.host: no host named "db" (hosts: client, server)']);
    expect(problems(raw({ listen: undefined }))[0]).toMatch(/^path\.middleboxes\.0\.listen: /);
    expect(problems(raw({ serverSocket: { TCP_KEEPCNT: 200 } }))).toEqual(['path.middleboxes.0.serverSocket.TCP_KEEPCNT: 200 is out of range 1..127 (setsockopt would fail with EINVAL)']);
  });

  it('accepts the proxy name as a vantage point', () => {
    expect(problems(raw({}, { vantage: ['lb'] }))).toEqual([]);
  });
});

describe('the proxy as a vantage point', () => {
  const sc = scenario(raw({}, { vantage: ['lb'], until: 5 }));
  const run = runScenario(sc);

  it('traces each leg as a side: inside towards the client, outside towards the server', () => {
    expect(vantagePoints(run.world.sim.trace.events)).toEqual(['client', 'lb:inside', 'lb:outside', 'server']);
    const sides = run.json.packets.filter((p) => p.at === 'lb').map((p) => `${p.side} ${p.dir} ${p.src}>${p.dst} ${p.flags}`);
    expect(sides.slice(0, 4)).toEqual(['inside rx client>lb S', 'inside tx lb>client S.', 'inside rx client>lb .', 'outside tx lb>server S']);
  });

  it('prints the proxy header, its legs and its decisions in the human trace', () => {
    const text = humanTrace(run.world, sc, run.json);
    expect(text).toContain("# lb: proxy 203.0.113.1, profile socks5, listens on 80, relays to server:8080, at client's edge");
    expect(text).toMatch(/\n\[inside\] 1\.000000 client\.\d+ > lb\.80: Flags \[S\]/);
    expect(text).toMatch(/\n\[outside\] 1\.000000 lb\.\d+ > server\.8080: Flags \[S\]/);
    expect(text).toMatch(/\n1\.000000 lb: relayed 3 bytes from the client leg \(client:\d+\) to the server leg \(server:8080\)/);
  });

  it('writes a pcap of one leg', () => {
    const all = toPcap(run.world.sim.trace.events, { at: 'lb', format: 'pcap' });
    const inside = toPcap(run.world.sim.trace.events, { at: 'lb:inside', format: 'pcap' });
    const n = (b: Uint8Array): number => b.length;
    expect(n(inside)).toBeGreaterThan(24);
    expect(n(all)).toBeGreaterThan(n(inside));
  });

  it('counts the proxy\'s own packets in the summary (it terminates TCP), and the server sees the proxy as its peer', () => {
    const own = run.json.packets.filter((p) => p.at === 'lb' && p.dir === 'tx').length;
    const hosts = run.json.packets.filter((p) => !p.side && p.dir === 'tx').length;
    expect(run.json.summary.packets).toBe(own + hosts);
    expect(run.json.summary.keepalive.lb).toEqual({ probes: 0, replies: 0, bytes: 0 });
    expect(run.json.packets.filter((p) => p.at === 'server' && p.dir === 'rx').every((p) => p.src === 'lb')).toBe(true);
  });
});
