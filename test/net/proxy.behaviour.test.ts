/**
 * An application proxy in a running world (src/net/proxy/): it terminates TCP on each leg
 * with a real stack, relays byte counts, answers keepalive probes itself, closes a leg when
 * its data-only idle timer runs out, and closes one leg when the other ends or fails.
 * Timeline of the fixture (exact timers on the hosts, 1 ms on each leg): the client
 * connects at 1 s, the proxy accepts at 1.003 s and connects to the server, which accepts
 * at 1.006 s.
 */
import { describe, expect, it } from 'vitest';
import type { Micros } from '../../src/engine/time.ts';
import type { NatEvent, PacketEvent } from '../../src/engine/trace.ts';
import { AppProxy } from '../../src/net/proxy/proxy.ts';
import { proxyConfig, type LegOptions, type ProxyProfileName } from '../../src/net/proxy/profiles.ts';
import type { Result, Socket } from '../../src/tcp/socket.ts';
import { flagString } from '../../src/wire/segment.ts';
import { World } from '../../src/world.ts';

const S = 1_000_000;
const MS = 1_000;
const PROXY_IP = '203.0.113.9';

interface ProxyNet {
  w: World;
  proxy: AppProxy;
  client: Socket;
  /** the server's accepted socket, once accepted */
  server: () => Socket;
  calls: { t: Micros; who: string; call: string; r: Result<number> }[];
  cut: (t: Micros) => void;
}

interface FixtureOptions {
  profile?: ProxyProfileName;
  timeoutClient?: Micros;
  timeoutServer?: Micros;
  client?: LegOptions;
  server?: LegOptions;
  serverSocket?: LegOptions;
  /** the server does not listen (connect refused) */
  noServer?: boolean;
  /** called when the client's connect() returns */
  onConnect?: (s: Socket) => void;
}

/** client — proxy (1 ms) — link (1 ms) — server; the client connects at 1 s. */
function proxyNet(o: FixtureOptions = {}): ProxyNet {
  const w = new World({ seed: 1 });
  const ch = w.addHost({ name: 'client', timer: 'exact' });
  const sh = w.addHost({ name: 'server', timer: 'exact' });
  const cfg = proxyConfig(o.profile ?? 'socks5', {
    listen: 1080,
    target: { host: 'server', port: 8080 },
    latency: MS,
    ...(o.timeoutClient !== undefined ? { timeoutClient: o.timeoutClient } : {}),
    ...(o.timeoutServer !== undefined ? { timeoutServer: o.timeoutServer } : {}),
    ...(o.serverSocket ? { serverSocket: o.serverSocket } : {}),
  });
  const proxy = new AppProxy(w.sim, 'proxy', PROXY_IP, cfg, w.net);
  const path = w.link(ch, sh, { latency: MS, middleboxes: [proxy] });
  proxy.start();
  const calls: ProxyNet['calls'] = [];
  let accepted: Socket | null = null;
  if (!o.noServer) {
    const l = w.socket(sh, 'server');
    for (const [k, v] of Object.entries(o.server ?? {})) l.setsockopt(k as never, v);
    l.listen(8080);
    l.accept((r) => {
      if (r.ok) accepted = r.value;
    });
  }
  const client = w.socket(ch, 'client');
  for (const [k, v] of Object.entries(o.client ?? {})) client.setsockopt(k as never, v);
  w.sim.at(1 * S, () => client.connect('proxy', 1080, () => o.onConnect?.(client)));
  const cut = (t: Micros): void => {
    w.sim.at(t, () => path.dirs().forEach((d) => (d.up = false)));
  };
  return {
    w, proxy, client, calls, cut,
    server: () => {
      if (!accepted) throw new Error('fixture: the server has not accepted');
      return accepted;
    },
  };
}

const runTo = (p: ProxyNet, t: Micros): void => p.w.sim.run({ until: t });
const flagsOf = (e: PacketEvent): string => (e.pkt.proto === 'tcp' ? flagString(e.pkt.seg.flags) : '');
const recvAt = (p: ProxyNet, who: 'client' | 'server', t: Micros): void => {
  p.w.sim.at(t, () => {
    const s = who === 'client' ? p.client : p.server();
    s.recv(65536, (r) => p.calls.push({ t: p.w.sim.now, who, call: 'recv', r }));
  });
};
const sendAt = (p: ProxyNet, who: 'client' | 'server', t: Micros, n: number): void => {
  p.w.sim.at(t, () => (who === 'client' ? p.client : p.server()).send(n));
};
const proxyEvents = (p: ProxyNet, action?: NatEvent['action']): NatEvent[] =>
  p.w.sim.trace.events.filter((e): e is NatEvent => e.kind === 'nat' && (action === undefined || e.action === action));
const packetsAt = (p: ProxyNet, at: string, side?: 'inside' | 'outside'): PacketEvent[] =>
  p.w.sim.trace.events.filter((e): e is PacketEvent => e.kind === 'packet' && e.at === at && (side === undefined || e.side === side));

describe('terminating TCP on each leg', () => {
  it('the client is connected to the proxy and the server to the proxy: two connections, each established by its own handshake', () => {
    const p = proxyNet();
    runTo(p, 2 * S);
    const c = p.client.conn;
    const s = p.server().conn;
    expect([c?.state, c?.rip, c?.rport]).toEqual(['ESTABLISHED', PROXY_IP, 1080]);
    expect([s?.state, s?.rip]).toEqual(['ESTABLISHED', PROXY_IP]);
    expect(p.proxy.stack.connections().map((x) => x.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(proxyEvents(p, 'accept').map((e) => [e.t, e.detail])).toEqual([
      [1_003_000, `accepted client:${c?.lport}; connecting to server:8080`],
      [1_005_000, `connected to server:8080 for client:${c?.lport}`],
    ]);
  });

  it('a refused connect to the target closes the client leg: the client reads end of stream at 1.006 s', () => {
    const p = proxyNet({ noServer: true });
    recvAt(p, 'client', 1.5 * MS + S);
    runTo(p, 3 * S);
    expect(p.calls.map((c) => [c.t, c.r])).toEqual([[1_006_000, { ok: true, value: 0 }]]);
    expect(proxyEvents(p, 'close').map((e) => e.detail)).toEqual([`connect to server:8080 failed (ECONNREFUSED): closing the client leg of client:${p.client.conn?.lport}`]);
  });
});

describe('relaying byte counts', () => {
  it('5 bytes sent at 1.002 s are held until the server leg is up (1.005 s) and reach the server at 1.006 s; 3 bytes back at 2 s reach the client at 2.002 s', () => {
    const p = proxyNet({ onConnect: (s) => s.send(5) }); // at 1.002 s, before the proxy has connected out
    recvAt(p, 'server', 1_500_000);
    recvAt(p, 'client', 1_500_000);
    sendAt(p, 'server', 2 * S, 3);
    runTo(p, 3 * S);
    expect(p.calls.map((c) => [c.who, c.t, c.r])).toEqual([
      ['server', 1_500_000, { ok: true, value: 5 }],
      ['client', 2_002_000, { ok: true, value: 3 }],
    ]);
    expect(proxyEvents(p, 'relay').map((e) => e.t)).toEqual([1_003_000, 2_001_000]);
    expect(p.proxy.sessions[0]?.relayed).toEqual({ inside: 5, outside: 3 });
  });
});

describe('keepalive on one leg never reaches the other', () => {
  it('client probes (4/1/5) are answered by the proxy after the server is cut off at 20 s: no error at 60 s', () => {
    const p = proxyNet({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 4, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 5 } });
    p.cut(20 * S);
    recvAt(p, 'client', 1.5 * S);
    runTo(p, 60 * S);
    expect(p.calls).toEqual([]); // still blocked
    expect(p.client.conn?.state).toBe('ESTABLISHED');
    const probes = packetsAt(p, 'proxy', 'inside').filter((e) => e.dir === 'rx' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive');
    const acks = packetsAt(p, 'proxy', 'inside').filter((e) => e.dir === 'tx' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive-ack');
    expect(probes.length).toBe(14); // every 4 s from 5.002 s: 5.003, 9.005, …
    expect(acks.length).toBe(14);
    expect(packetsAt(p, 'server').some((e) => e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive')).toBe(false);
  });

  it('without the proxy\'s own keepalive on the server leg, the proxy does not learn of the cut either', () => {
    const p = proxyNet({ client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 4, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 5 } });
    p.cut(20 * S);
    runTo(p, 60 * S);
    expect(p.proxy.stack.connections().map((c) => c.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(proxyEvents(p, 'close')).toEqual([]);
  });

  it('with srvtcpka (keepalive 5/1/3 on the server leg) the proxy learns, and closes the client leg', () => {
    const p = proxyNet({ serverSocket: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 1, TCP_KEEPCNT: 3 } });
    p.cut(2 * S);
    recvAt(p, 'client', 1.5 * S);
    runTo(p, 30 * S);
    expect(p.calls.map((c) => c.r)).toEqual([{ ok: true, value: 0 }]);
    expect(proxyEvents(p, 'close').map((e) => e.detail)).toEqual([`server leg (server:8080) failed (ETIMEDOUT): closing the client leg (${p.proxy.sessions[0]?.peer})`]);
  });
});

describe('idle timeouts count only data', () => {
  it('timeout server 15 s with server keepalive 5/5: closed at 17.001 s, 15 s after the last data', () => {
    const p = proxyNet({ profile: 'haproxy', timeoutClient: 60 * S, timeoutServer: 15 * S, server: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 5 } });
    sendAt(p, 'server', 2 * S, 1); // the last data: relayed to the client at 2.001 s
    recvAt(p, 'client', 1_500_000);
    recvAt(p, 'server', 3 * S);
    runTo(p, 20 * S);
    const idle = proxyEvents(p, 'idle');
    expect(idle.map((e) => [e.t, e.detail])).toEqual([[17_001_000, 'no data on the server leg (server:8080) for 15 s (timeout server): closing both legs']]);
    // the server's probes 5 s after the last segment it received (the ACK at 2.002 s), then 5 s after
    // each probe's ACK (7.005 s): answered by the proxy's kernel
    const probes = packetsAt(p, 'proxy', 'outside').filter((e) => e.dir === 'rx' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive');
    expect(probes.map((e) => e.t)).toEqual([7_003_000, 12_005_000]);
    expect(p.calls.map((c) => [c.who, c.t, c.r])).toEqual([
      ['client', 2_002_000, { ok: true, value: 1 }],
      ['server', 17_002_000, { ok: true, value: 0 }],
    ]);
  });

  it('1 byte from the client every 10 s keeps both legs under a 15 s timeout: no close by 60 s', () => {
    const p = proxyNet({ profile: 'haproxy', timeoutClient: 15 * S, timeoutServer: 15 * S });
    for (let t = 2; t < 60; t += 10) sendAt(p, 'client', t * S, 1);
    runTo(p, 60 * S);
    expect(proxyEvents(p, 'idle')).toEqual([]);
    expect(p.proxy.sessions[0]?.relayed.inside).toBe(6);
  });

  it('aws-alb: the 60 s idle timer of the client leg closes the session at 61.003 s despite keepalive every 20 s', () => {
    const p = proxyNet({ profile: 'aws-alb', client: { SO_KEEPALIVE: 1, TCP_KEEPIDLE: 20, TCP_KEEPINTVL: 20 } });
    recvAt(p, 'client', 1.5 * S);
    runTo(p, 70 * S);
    expect(proxyEvents(p, 'idle').map((e) => [e.t, e.detail])).toEqual([[61_003_000, `no data on the client leg (client:${p.client.conn?.lport}) for 60 s (timeout client): closing both legs`]]);
    expect(p.calls.map((c) => [c.t, c.r])).toEqual([[61_004_000, { ok: true, value: 0 }]]);
  });
});

describe('haproxy-2.6 ends a session one direction at a time (src/stream.c, as recorded)', () => {
  it('timeout server: a FIN to the client at 17.001 s; the client\'s FIN back makes a FIN and at once a RST (SO_LINGER 0) on the server leg', () => {
    const p = proxyNet({ profile: 'haproxy-2.6', timeoutClient: 60 * S, timeoutServer: 15 * S });
    sendAt(p, 'server', 2 * S, 1);
    recvAt(p, 'client', 1_500_000);
    recvAt(p, 'server', 3 * S);
    // the client reads its 1 byte, then end of stream at 17.002 s, and closes at 18 s
    p.w.sim.at(10 * S, () => p.client.recv(65536, (r) => p.calls.push({ t: p.w.sim.now, who: 'client', call: 'recv', r })));
    p.w.sim.at(18 * S, () => p.client.close());
    runTo(p, 25 * S);
    expect(proxyEvents(p).filter((e) => e.action !== 'accept' && e.action !== 'relay').map((e) => [e.t, e.action])).toEqual([
      [17_001_000, 'idle'],
      [18_001_000, 'close'],
      [18_001_000, 'rst'],
    ]);
    const toServer = packetsAt(p, 'server').filter((e) => e.dir === 'rx' && e.pkt.proto === 'tcp' && /[FR]/.test(flagsOf(e)));
    // the server's ACK of that FIN is delayed (a FIN is ACKed on the delayed-ACK timer, as the
    // kernel recording fin-ack-delayed shows: src/tcp/delack.ts), and the RST right behind the
    // FIN closes the socket first, so no ACK goes back for the proxy's kernel to answer
    expect(toServer.map((e) => [e.t, flagsOf(e)])).toEqual([[18_002_000, 'F.'], [18_002_000, 'R.']]);
    expect(packetsAt(p, 'server').filter((e) => e.dir === 'tx' && e.t > 18_002_000)).toEqual([]);
    // the server read end of stream at 18.002 s; the RST then reset its half-open connection
    expect(p.calls.filter((c) => c.who === 'server').map((c) => [c.t, c.r])).toEqual([[18_002_000, { ok: true, value: 0 }]]);
    expect(p.server().conn?.state ?? 'CLOSED').toBe('CLOSED');
  });

  it('timeout client: a FIN to the server; its FIN back (read by HAProxy) is passed to the client, and nothing is reset', () => {
    const p = proxyNet({ profile: 'haproxy-2.6', timeoutClient: 8 * S, timeoutServer: 30 * S });
    recvAt(p, 'server', 2 * S);
    p.w.sim.at(9 * S + 5 * MS, () => p.server().close());
    runTo(p, 15 * S);
    expect(proxyEvents(p, 'rst')).toEqual([]);
    const atClient = packetsAt(p, 'client').filter((e) => e.dir === 'rx' && /[FR]/.test(flagsOf(e)));
    expect(atClient.map((e) => [e.t, flagsOf(e)])).toEqual([[9_007_000, 'F.']]);
  });
});

describe('closing one leg closes the other', () => {
  it('the client closes at 5 s: the proxy reads end of stream at 5.001 s and the server reads 0 at 5.002 s', () => {
    const p = proxyNet();
    recvAt(p, 'server', 2 * S);
    p.w.sim.at(5 * S, () => p.client.close());
    runTo(p, 10 * S);
    expect(p.calls.map((c) => [c.who, c.t, c.r])).toEqual([['server', 5_002_000, { ok: true, value: 0 }]]);
    expect(proxyEvents(p, 'close').map((e) => [e.t, e.detail])).toEqual([[5_001_000, `client leg (${p.proxy.sessions[0]?.peer}) closed (end of stream): closing the server leg (server:8080)`]]);
  });

  it('the server is reset at 5 s: the client reads end of stream at 5.002 s', () => {
    const p = proxyNet();
    recvAt(p, 'client', 2 * S);
    p.w.sim.at(5 * S, () => {
      const c = p.server().conn;
      if (c) p.w.host('server').sendResetFor({ proto: 'tcp', src: c.rip, dst: c.lip, seg: { sport: c.rport, dport: c.lport, seq: c.rcvNxt, ack: c.sndNxt, flags: 0x10, win: 0, len: 0 } });
    });
    runTo(p, 10 * S);
    expect(p.calls.map((c) => [c.t, c.r])).toEqual([[5_002_000, { ok: true, value: 0 }]]);
    expect(proxyEvents(p, 'close').map((e) => e.detail)).toEqual([expect.stringMatching(/^server leg \(server:8080\) failed \(ECONNRESET\): closing the client leg/)]);
  });
});
