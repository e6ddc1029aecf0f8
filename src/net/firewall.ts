/**
 * Host-local packet filter: iptables DROP rules on INPUT and OUTPUT, optionally per
 * port (`iptables -A INPUT -p tcp --dport 9999 -j DROP`). --dport/--sport match the
 * packet's own ports, so on a server `-A OUTPUT --dport 9999` matches nothing the
 * server sends from port 9999 — as on the real system (seed 004).
 */
import type { Packet } from '../wire/segment.ts';

export interface DropRule {
  chain: 'INPUT' | 'OUTPUT';
  dport?: number;
  sport?: number;
}

export const ruleText = (r: DropRule): string =>
  `-A ${r.chain} -p tcp${r.dport ? ` --dport ${r.dport}` : ''}${r.sport ? ` --sport ${r.sport}` : ''} -j DROP`;

export class Firewall {
  private rules: DropRule[] = [];

  add(r: DropRule): void {
    this.rules.push(r);
  }

  remove(r: DropRule): boolean {
    const i = this.rules.findIndex((x) => x.chain === r.chain && x.dport === r.dport && x.sport === r.sport);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that drops this packet in `chain`, if any. */
  match(chain: 'INPUT' | 'OUTPUT', pkt: Packet): DropRule | undefined {
    if (this.rules.length === 0) return undefined;
    const seg = pkt.proto === 'tcp' ? pkt.seg : null;
    return this.rules.find(
      (r) =>
        r.chain === chain &&
        (r.dport === undefined || (seg !== null && seg.dport === r.dport)) &&
        (r.sport === undefined || (seg !== null && seg.sport === r.sport)),
    );
  }
}
