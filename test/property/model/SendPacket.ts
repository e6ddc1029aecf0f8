/**
 * A pure ACK on flow `sport`, from the inside or from the remote end: translated and the
 * deadline refreshed when the flow is live (refresh both), silently dropped otherwise.
 */
import type fc from 'fast-check';
import { expect } from 'vitest';
import { ACK, segment, type TcpPacket } from '../../../src/wire/segment.ts';
import { INSIDE, NAT_IP, REMOTE, T, modelPorts, realPorts, type NatModel, type NatReal } from './nat-world.ts';

export class SendPacket implements fc.Command<NatModel, NatReal> {
  constructor(
    readonly sport: number,
    readonly from: 'inside' | 'outside',
  ) {}

  check(): boolean {
    return true;
  }

  run(m: NatModel, r: NatReal): void {
    const now = r.sim.now;
    const e = m.entries.get(this.sport);
    if (e) {
      e.exp = now + T;
      e.last = now;
    }
    const pkt: TcpPacket =
      this.from === 'inside'
        ? { proto: 'tcp', src: INSIDE, dst: REMOTE, seg: segment({ sport: this.sport, dport: 443, seq: 2, ack: 2, flags: ACK }) }
        : { proto: 'tcp', src: REMOTE, dst: NAT_IP, seg: segment({ sport: 443, dport: this.sport, seq: 2, ack: 2, flags: ACK }) };
    const before = r.out.length;
    (this.from === 'inside' ? r.nat.inside : r.nat.outside).handle(pkt, (p) => p.proto === 'tcp' && r.out.push(p));
    expect(r.out.length - before).toBe(e ? 1 : 0);
    expect(realPorts(r)).toEqual(modelPorts(m));
  }

  toString(): string {
    return `send(${this.sport}, ${this.from})`;
  }
}
