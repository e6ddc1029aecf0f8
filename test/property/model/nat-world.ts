/**
 * The NAT model-based test's two worlds: the real Nat hop driven directly, and a model of
 * what it must remember — per inside source port: deadline, last use, creation serial.
 * Profile: azure-lb (one idle timer, silent drop both ways) with a short timeout and a
 * small LRU table, so expiry and eviction both happen often.
 */
import { Sim } from '../../../src/engine/sim.ts';
import { Nat } from '../../../src/net/nat/nat.ts';
import { natConfig } from '../../../src/net/nat/profiles.ts';
import type { TcpPacket } from '../../../src/wire/segment.ts';

export const T = 10_000_000;
export const TABLE = 3;
export const INSIDE = '10.0.0.1';
export const REMOTE = '198.51.100.7';
export const NAT_IP = '203.0.113.1';

export interface ModelEntry {
  exp: number;
  last: number;
  seq: number;
}

export interface NatModel {
  entries: Map<number, ModelEntry>;
  serial: number;
}

export interface NatReal {
  sim: Sim;
  nat: Nat;
  /** packets that came out of the NAT, either side */
  out: TcpPacket[];
}

export function newReal(): NatReal {
  const sim = new Sim({ seed: 3, record: false });
  const nat = new Nat(sim, 'nat', NAT_IP, natConfig('azure-lb', { synSent: T, established: T, table: TABLE, evict: 'lru' }));
  nat.attach(() => undefined, () => undefined);
  return { sim, nat, out: [] };
}

/** The real table's live source ports, sorted. */
export const realPorts = (r: NatReal): number[] => r.nat.entries().map((e) => e.sport).sort((a, b) => a - b);
export const modelPorts = (m: NatModel): number[] => [...m.entries.keys()].sort((a, b) => a - b);
