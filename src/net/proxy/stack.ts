/**
 * The proxy's own TCP stack: a real host stack (src/net/host.ts: Conn, Listener, Socket,
 * the no-socket RST path, Linux keepalive) whose interface has two legs. Packets are
 * traced at the proxy with `side` = the leg (inside towards the path's first host, outside
 * beyond), like a NAT's two sides, so `--vantage <proxy>` and `--pcap-at <proxy>:inside` work.
 */
import type { Sim } from '../../engine/sim.ts';
import { linuxProfile } from '../../os/linux/profile.ts';
import { linuxTimerBase } from '../../os/timerbase.ts';
import type { Packet } from '../../wire/segment.ts';
import { Host, type Wire } from '../host.ts';

/** What the stack needs from the network for names (conn names in the trace, the target's address). */
export interface Names {
  nameOf(ip: string): string;
  resolve(name: string): string | undefined;
}

export class ProxyStack extends Host {
  /** socket calls are not traced: the proxy's decisions are (see proxy.ts) */
  readonly quietCalls = true;
  /** addresses seen arriving on the inside leg: replies to them leave on the inside */
  private readonly insidePeers = new Set<string>();
  private rxSide: 'inside' | 'outside' = 'inside';

  constructor(sim: Sim, name: string, ip: string, names: Names, send: (side: 'inside' | 'outside', pkt: Packet) => void) {
    // an arbitrary boot phase, as World.addHost draws it for a host
    const phase = sim.rng.fork(`jiffies:${name}`).int(0, 2 ** 30);
    super(sim, { name, ip, profile: linuxProfile, tb: linuxTimerBase(250, phase) });
    const wire: Wire = {
      send: (_from, pkt) => send(this.insidePeers.has(pkt.dst) ? 'inside' : 'outside', pkt),
      nameOf: (a) => names.nameOf(a),
      resolve: (n) => names.resolve(n),
    };
    this.attach(wire);
  }

  /** A packet addressed to the proxy arrives on one leg. */
  arrive(side: 'inside' | 'outside', pkt: Packet): void {
    if (side === 'inside') this.insidePeers.add(pkt.src);
    this.rxSide = side;
    this.receive(pkt);
  }

  protected override capture(dir: 'tx' | 'rx', pkt: Packet, dropped?: string): void {
    const trace = this.sim.trace;
    if (!trace.on.packet) return;
    const side = dir === 'rx' ? this.rxSide : this.insidePeers.has(pkt.dst) ? 'inside' : 'outside';
    trace.emit({ kind: 'packet', t: this.sim.now, at: this.name, side, dir, pkt, ...(dropped ? { dropped } : {}) });
  }
}
