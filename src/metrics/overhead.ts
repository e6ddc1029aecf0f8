/**
 * What keeping connections alive costs on the wire, per connection and per hour of virtual
 * time. Counted: TCP segments the end hosts (the scenario's hosts; a proxy is a middlebox)
 * put on the wire — `tx` records at a host, not dropped by its own OUTPUT firewall — data,
 * ACKs, keepalive probes and their replies alike. Bytes are IP bytes: IPv4 20 + TCP 20 +
 * timestamps option 12 + payload (EMPTY_SEGMENT_BYTES, src/report/summary.ts; a SYN's
 * extra options are not counted).
 */
import { EMPTY_SEGMENT_BYTES } from '../report/summary.ts';
import type { RunJson } from '../scenarios/result.ts';
import { natMappings } from './middlebox.ts';
import { round3 } from './round.ts';

export interface Overhead {
  /** connections opened by end hosts (distinct 4-tuples of the SYNs they sent) */
  connections: number;
  /** null when no connection was opened or the run lasted no time */
  packetsPerHour: number | null;
  bytesPerHour: number | null;
  keepaliveProbesPerHour: number | null;
  /** end-host packets per hour per NAT mapping created; null without a NAT */
  packetsPerHourPerNatEntry: number | null;
}

export function overhead(run: RunJson): Overhead {
  const hosts = new Set(Object.keys(run.hosts));
  const syns = new Set<string>();
  let packets = 0;
  let bytes = 0;
  let probes = 0;
  for (const p of run.packets) {
    if (p.dir !== 'tx' || p.side || p.dropped || !hosts.has(p.at)) continue;
    packets++;
    bytes += EMPTY_SEGMENT_BYTES + p.len;
    if (p.kind === 'keepalive') probes++;
    if (p.flags === 'S') syns.add(`${p.src}:${p.sport}>${p.dst}:${p.dport}`);
  }
  const hours = run.summary.endedAt / 3600;
  const n = syns.size;
  const per = (x: number, by: number): number | null => (by > 0 && hours > 0 ? round3(x / hours / by) : null);
  const hasNat = run.scenario.path.middleboxes.some((m) => m.type === 'nat');
  return {
    connections: n,
    packetsPerHour: per(packets, n),
    bytesPerHour: per(bytes, n),
    keepaliveProbesPerHour: per(probes, n),
    packetsPerHourPerNatEntry: hasNat ? per(packets, natMappings(run.events)) : null,
  };
}
