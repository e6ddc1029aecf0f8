/**
 * The real-kernel topology: one network namespace per scenario host plus a router namespace
 * between them, so that path faults are iptables rules in the router's FORWARD chain and
 * never touch the machine's own interfaces or firewall.
 *
 *   [kal<pid>-client] eth0 ─── r0 [kal<pid>-r] r1 ─── eth0 [kal<pid>-server]
 *
 * Every host gets its scenario address as a /32 and a point-to-point default route to the
 * router address ROUTER_IP; the router gets a /32 host route per host. This works for any two
 * addresses (even in one /24) and needs no bridge.
 */
import { readdirSync } from 'node:fs';
import type { Scenario } from '../src/scenarios/schema.ts';
import { inNs, run, tryRun, tryRunSync } from './sh.ts';

/** The router's address on every router-side veth (a /32 that no scenario host may use). */
export const ROUTER_IP = '10.77.255.254';
/** Interface name of each host inside its own namespace (where tcpdump listens). */
export const HOST_IF = 'eth0';

/** One scenario host as it exists on the real kernel. */
export interface HostNet {
  name: string;
  ns: string;
  ip: string;
  /** router-side veth name, inside the router namespace */
  routerIf: string;
  sysctl: Record<string, number>;
}

/** Default address of the k-th host (0-based) when the scenario gives none. */
export const defaultIp = (k: number): string => `10.77.0.${k + 1}`;

/** Namespace prefix for this process: kal<pid>- (namespace names are files in /run/netns; only interface names are limited to 15 chars). */
export const nsPrefix = (pid: number = process.pid): string => `kal${pid}-`;

export class Topology {
  readonly router: string;
  readonly hosts: Map<string, HostNet> = new Map();
  /** the router namespace's net.ipv4 sysctls (path.router: the ICMP rate limits) */
  readonly routerSysctl: Record<string, number>;
  private readonly created = new Set<string>();
  private closing = false;

  constructor(
    scenario: Scenario,
    readonly prefix: string = nsPrefix(),
  ) {
    this.router = `${prefix}r`;
    this.routerSysctl = Object.fromEntries(Object.entries(scenario.path.router ?? {}).filter((e): e is [string, number] => e[1] !== undefined));
    Object.entries(scenario.hosts).forEach(([name, spec], k) => {
      const sysctl = Object.fromEntries(Object.entries(spec.sysctl).filter((e): e is [string, number] => e[1] !== undefined));
      this.hosts.set(name, { name, ns: `${prefix}${name}`, ip: spec.ip ?? defaultIp(k), routerIf: `r${k}`, sysctl });
    });
  }

  host(name: string): HostNet {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`unknown host ${name}`);
    return h;
  }

  /** Host name owning an IPv4 address (for naming captured packets). */
  hostByIp(ip: string): string | undefined {
    for (const h of this.hosts.values()) if (h.ip === ip) return h.name;
    return undefined;
  }

  /** Namespaces this topology has created and not yet deleted. */
  namespaces(): string[] {
    return [...this.created];
  }

  async create(): Promise<void> {
    await this.addNs(this.router);
    // A fresh netns starts with every sysctl at its kernel default (tcp_sk_init, icmp_sk_init),
    // so only forwarding and the scenario's ICMP rate limits (per netns since 6.11) are set.
    const icmp = Object.entries(this.routerSysctl).map(([k, v]) => `net.ipv4.${k}=${v}`);
    await run(inNs(this.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', ...icmp));
    for (const h of this.hosts.values()) await this.createHost(h.name);
  }

  /** Create (or re-create after a reboot) a host's namespace, link, routes and sysctls. */
  async createHost(name: string): Promise<void> {
    const h = this.host(name);
    await this.addNs(h.ns);
    await run(['ip', 'link', 'add', 'name', HOST_IF, 'netns', h.ns, 'type', 'veth', 'peer', 'name', h.routerIf, 'netns', this.router]);
    await run(['ip', '-n', h.ns, 'link', 'set', 'lo', 'up']);
    await run(['ip', '-n', h.ns, 'addr', 'add', `${h.ip}/32`, 'dev', HOST_IF]);
    await run(['ip', '-n', h.ns, 'link', 'set', HOST_IF, 'up']);
    await run(['ip', '-n', h.ns, 'route', 'add', ROUTER_IP, 'dev', HOST_IF, 'scope', 'link']);
    await run(['ip', '-n', h.ns, 'route', 'add', 'default', 'via', ROUTER_IP, 'dev', HOST_IF]);
    await run(['ip', '-n', this.router, 'addr', 'add', `${ROUTER_IP}/32`, 'dev', h.routerIf]);
    await run(['ip', '-n', this.router, 'link', 'set', h.routerIf, 'up']);
    await run(['ip', '-n', this.router, 'route', 'add', `${h.ip}/32`, 'dev', h.routerIf]);
    // Segments as a wire carries them: without TSO/GSO a send of several MSS leaves as several
    // packets (tcpdump on a veth would otherwise see one 64 KB super-packet), and without GRO
    // the router and the receiver see them one by one (tcp_xmit_size_goal = MSS).
    await run(inNs(h.ns, 'ethtool', '-K', HOST_IF, 'tso', 'off', 'gso', 'off', 'gro', 'off'));
    await run(inNs(this.router, 'ethtool', '-K', h.routerIf, 'tso', 'off', 'gso', 'off', 'gro', 'off'));
    // TCP sysctls are per network namespace (struct netns_ipv4), so each host has its own.
    const args = Object.entries(h.sysctl).map(([k, v]) => `net.ipv4.${k}=${v}`);
    if (args.length > 0) await run(inNs(h.ns, 'sysctl', '-qw', ...args));
  }

  /**
   * Remove a host from the network. The veth is deleted first, explicitly: deleting a
   * namespace is asynchronous (cleanup_net runs from a workqueue and waits for every socket
   * that still holds the netns), so its router-side peer could otherwise linger.
   */
  async destroyHost(name: string): Promise<void> {
    const h = this.host(name);
    await tryRun(['ip', '-n', h.ns, 'link', 'del', HOST_IF]);
    await tryRun(['ip', 'netns', 'del', h.ns]);
    this.created.delete(h.ns);
  }

  /** Delete every namespace this topology created. Best effort; never throws. */
  async destroy(): Promise<void> {
    this.closing = true;
    for (const ns of [...this.created].reverse()) {
      await tryRun(['ip', 'netns', 'del', ns]);
      this.created.delete(ns);
    }
  }

  /** Synchronous variant for the process 'exit' hook. */
  destroySync(): void {
    this.closing = true;
    for (const ns of [...this.created].reverse()) {
      tryRunSync(['ip', 'netns', 'del', ns]);
      this.created.delete(ns);
    }
  }

  private async addNs(ns: string): Promise<void> {
    // a signal's cleanup may run while a setup step is still under way: create nothing after it
    if (this.closing) throw new Error(`${ns}: the run is being cleaned up`);
    await run(['ip', 'netns', 'add', ns]);
    this.created.add(ns);
  }
}

/**
 * Delete namespaces left behind by an earlier harness process that was killed with SIGKILL
 * (the only exit path on which our own cleanup cannot run). Only names of the form
 * kal<pid>-… whose pid is no longer alive are touched.
 */
export async function reapStaleNamespaces(): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const m = /^kal(\d+)-[A-Za-z0-9_-]+$/.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const ns of stale) await tryRun(['ip', 'netns', 'del', ns]);
  return stale;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
