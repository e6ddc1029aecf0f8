/**
 * A host's connections by 4-tuple. Packets are matched through an index by peer address and
 * then by local · 65536 + peer port, so the packet path builds no string and hashes none
 * (an address string's hash is cached in the string). An insertion-ordered set keeps the
 * order in which connections were added — the order `netstat`-style views list them — with
 * Map semantics: a connection that replaces another on the same tuple takes its place.
 */
import type { Conn } from '../tcp/conn.ts';

export class ConnTable {
  private readonly index = new Map<string, Map<number, Conn>>();
  private ordered = new Set<Conn>();

  get size(): number {
    return this.ordered.size;
  }

  get(lport: number, rip: string, rport: number): Conn | undefined {
    return this.index.get(rip)?.get(lport * 65536 + rport);
  }

  has(lport: number, rip: string, rport: number): boolean {
    return this.get(lport, rip, rport) !== undefined;
  }

  add(c: Conn): void {
    let byPorts = this.index.get(c.rip);
    if (!byPorts) this.index.set(c.rip, (byPorts = new Map()));
    const k = c.lport * 65536 + c.rport;
    const old = byPorts.get(k);
    byPorts.set(k, c);
    if (old === c) return;
    if (old) this.ordered = new Set([...this.ordered].map((x) => (x === old ? c : x))); // rare: keep the place
    else this.ordered.add(c);
  }

  /** Forget `c` (and only `c`: a newer connection on the same tuple stays). */
  remove(c: Conn): void {
    const byPorts = this.index.get(c.rip);
    const k = c.lport * 65536 + c.rport;
    if (byPorts?.get(k) !== c) return;
    byPorts.delete(k);
    if (byPorts.size === 0) this.index.delete(c.rip);
    this.ordered.delete(c);
  }

  values(): IterableIterator<Conn> {
    return this.ordered.values();
  }

  clear(): void {
    this.index.clear();
    this.ordered.clear();
  }
}
