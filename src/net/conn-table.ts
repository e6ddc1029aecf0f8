/**
 * A host's connections by 4-tuple. Packets are matched through an index by peer address, then
 * local port, then peer port, so the packet path builds no string and hashes none (an address
 * string's hash is cached in the string) and every key is a small integer (a port: one V8 Smi;
 * local · 65536 + peer port would not fit one and would be boxed on every lookup). An insertion-ordered set keeps the
 * order in which connections were added — the order `netstat`-style views list them — with
 * Map semantics: a connection that replaces another on the same tuple takes its place.
 */
import type { Conn } from '../tcp/conn.ts';

export class ConnTable {
  private readonly index = new Map<string, Map<number, Map<number, Conn>>>();
  private ordered = new Set<Conn>();

  get size(): number {
    return this.ordered.size;
  }

  get(lport: number, rip: string, rport: number): Conn | undefined {
    return this.index.get(rip)?.get(lport)?.get(rport);
  }

  has(lport: number, rip: string, rport: number): boolean {
    return this.get(lport, rip, rport) !== undefined;
  }

  add(c: Conn): void {
    let byLocal = this.index.get(c.rip);
    if (!byLocal) this.index.set(c.rip, (byLocal = new Map()));
    let byPorts = byLocal.get(c.lport);
    if (!byPorts) byLocal.set(c.lport, (byPorts = new Map()));
    const old = byPorts.get(c.rport);
    byPorts.set(c.rport, c);
    if (old === c) return;
    if (old) this.ordered = new Set([...this.ordered].map((x) => (x === old ? c : x))); // rare: keep the place
    else this.ordered.add(c);
  }

  /** Forget `c` (and only `c`: a newer connection on the same tuple stays). */
  remove(c: Conn): void {
    const byLocal = this.index.get(c.rip);
    const byPorts = byLocal?.get(c.lport);
    if (!byLocal || byPorts?.get(c.rport) !== c) return;
    byPorts.delete(c.rport);
    if (byPorts.size === 0) byLocal.delete(c.lport);
    if (byLocal.size === 0) this.index.delete(c.rip);
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
