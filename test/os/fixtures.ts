/**
 * Two hosts for OS-profile tests: `client` runs the OS under test (built from its knobs and
 * parameter overrides, src/os/index.ts), `server` is Linux. Connections come from the real
 * handshake (test/tcp/fixtures.ts `handshake`).
 */
import type { Micros } from '../../src/engine/time.ts';
import { buildOs, type OsName, type ParamValues } from '../../src/os/index.ts';
import type { OsSockOptName } from '../../src/os/profile.ts';
import type { Socket } from '../../src/tcp/socket.ts';
import { World } from '../../src/world.ts';
import { handshake, type Net, type Pair } from '../tcp/fixtures.ts';

export interface OsPairOptions {
  os: OsName;
  knobs?: Record<string, number>;
  params?: ParamValues;
  /** default exact (timers on time, no lateness) */
  timer?: 'linux' | 'exact';
  seed?: number;
  /** one-way latency µs, default 50 */
  latency?: number;
  /** options set on the client socket before connect, in order */
  client?: [OsSockOptName, number][];
  /** server (Linux) options */
  server?: [OsSockOptName, number][];
}

export type OsPair = Pair;

export function osPair(o: OsPairOptions): OsPair {
  const w = new World({ seed: o.seed ?? 1 });
  const server = w.addHost({ name: 'server', timer: 'exact' });
  const built = buildOs(o.os, o.knobs, o.params);
  const client = w.addHost({ name: 'client', timer: o.timer ?? 'exact', profile: built.profile, sysctl: built.sysctl });
  const latency = o.latency ?? 50;
  const path = w.link(client, server, { latency });
  const net: Net = { w, client, server, path, latency };
  // options go on through the hook so OS-only names are accepted (fixtures' applyOpts is Linux-typed)
  const set = (s: Socket, list: [OsSockOptName, number][] | undefined): void => {
    for (const [n, v] of list ?? []) {
      const r = s.setsockopt(n, v);
      if (!r.ok) throw new Error(`osPair: setsockopt ${n}=${v} failed with ${r.errno}`);
    }
  };
  w.onSocket('client', (s) => set(s, o.client));
  w.onSocket('server', (s) => set(s, o.server));
  return { ...net, ...handshake(net) };
}

/** Times (µs) of the client's keepalive probes and of its death, after a cut at `cutAt`. */
export function runCut(p: OsPair, cutAt: Micros, until: Micros): void {
  p.w.sim.at(cutAt, () => {
    for (const d of p.path.dirs()) d.up = false;
  });
  p.w.run(until);
}
