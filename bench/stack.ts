/**
 * Full-stack workload: N idle TCP connection pairs with SO_KEEPALIVE on both ends, one
 * server host and one or more client hosts, each client host on its own path to the
 * server (latency 500 µs, no loss). Connects are spread evenly over the first 10 virtual
 * seconds; then nothing but keepalive happens until the end.
 */
import type { Sysctls } from '../src/os/profile.ts';
import { World } from '../src/world.ts';

export interface StackSpec {
  pairs: number;
  clientHosts: number;
  /** host sysctls on every host; undefined = the Linux defaults (7200 s, 75 s, 9) */
  keepalive?: Pick<Sysctls, 'tcp_keepalive_time' | 'tcp_keepalive_intvl' | 'tcp_keepalive_probes'>;
  virtualUs: number;
  record: boolean;
  seed: number;
}

export interface StackResult {
  events: number;
  packets: number;
  lost: number;
  /** connections in ESTABLISHED at the end (both ends counted) */
  established: number;
  traceRecords: number;
  /** FNV-1a of events and per-direction packet counts: equal on every run of a spec */
  checksum: string;
}

export const CONNECT_SPREAD_US = 10_000_000;

/** Build the world and schedule the connects; nothing has run yet. */
export function buildStack(spec: StackSpec): World {
  const w = new World({ seed: spec.seed, record: spec.record });
  const sysctl = spec.keepalive ? { sysctl: { ...spec.keepalive } } : {};
  const server = w.addHost({ name: 'server', ...sysctl });
  const clients = Array.from({ length: spec.clientHosts }, (_, i) => {
    const h = w.addHost({ name: `client${i}`, ...sysctl });
    w.link(h, server, { latency: 500 });
    return h;
  });
  const ls = w.socket(server);
  ls.setsockopt('SO_KEEPALIVE', 1); // accepted children inherit it (sk_clone)
  ls.listen(80);
  const acceptLoop = (): void =>
    ls.accept((r) => {
      if (r.ok) acceptLoop();
    });
  acceptLoop();
  for (let i = 0; i < spec.pairs; i++) {
    const host = clients[i % spec.clientHosts];
    if (host === undefined) throw new Error('no client host');
    w.sim.at(Math.floor((i * CONNECT_SPREAD_US) / spec.pairs), () => {
      const s = w.socket(host);
      s.setsockopt('SO_KEEPALIVE', 1);
      s.connect('server', 80, (r) => {
        if (!r.ok) throw new Error(`connect failed: ${r.errno}`);
      });
    });
  }
  return w;
}

export function stackResult(w: World): StackResult {
  let packets = 0;
  let lost = 0;
  let h = 0x811c9dc5;
  const mix = (x: number): void => {
    h = Math.imul(h ^ (x & 0xffff), 16777619);
    h = Math.imul(h ^ (x >>> 16), 16777619);
  };
  mix(w.sim.steps);
  for (const p of w.net.paths) {
    for (const d of [p.ab, p.ba]) {
      packets += d.sent;
      lost += d.lost;
      mix(d.sent);
      mix(d.lost);
    }
  }
  let established = 0;
  for (const host of w.net.hosts.values()) for (const c of host.connections()) if (c.state === 'ESTABLISHED') established++;
  return {
    events: w.sim.steps,
    packets,
    lost,
    established,
    traceRecords: w.sim.trace.events.length,
    checksum: (h >>> 0).toString(16).padStart(8, '0'),
  };
}

export function runStack(spec: StackSpec): { world: World; result: StackResult } {
  const w = buildStack(spec);
  w.run(spec.virtualUs);
  return { world: w, result: stackResult(w) };
}
