/**
 * What a TCP endpoint needs from the host it runs on. The host (src/net/host.ts)
 * implements it; tests may implement it with a bare harness.
 */
import type { Sim } from '../engine/sim.ts';
import type { OsProfile, Sysctls } from '../os/profile.ts';
import type { TimerBase } from '../os/timerbase.ts';
import type { TcpPacket } from '../wire/segment.ts';
import type { Conn } from './conn.ts';

export interface HostStack {
  readonly sim: Sim;
  readonly name: string;
  readonly ip: string;
  readonly profile: OsProfile;
  readonly sysctl: Sysctls;
  readonly tb: TimerBase;
  /** display name of an address (a host name when known) */
  nameOf(ip: string): string;
  /** hand a packet to the host's OUTPUT path and interface */
  transmit(pkt: TcpPacket): void;
  /** forget a connection that reached CLOSED */
  removeConn(c: Conn): void;
}
