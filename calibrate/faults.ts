/**
 * Scenario faults as real-kernel actions. Path faults are iptables rules in the router
 * namespace's FORWARD chain; host firewall faults are rules in that host's namespace; crash
 * and reboot act on the host's namespace and programs. Nothing here touches the machine's
 * own interfaces or firewall: every command runs under `ip netns exec <one of ours>`.
 */
import type { FaultSpec, Scenario } from '../src/scenarios/schema.ts';
import type { AppProcess } from './apps.ts';
import type { CaptureSet } from './capture.ts';
import { HOST_IF, ROUTER_IP, type Topology } from './netns.ts';
import { inNs, nowUs, run, sleep, tryRun } from './sh.ts';

/** What a fault needs from the running harness. */
export interface FaultContext {
  topo: Topology;
  captures: CaptureSet;
  appsOn(host: string): AppProcess[];
  /** a rebooted host's namespace exists again (programs that start after the reboot start now) */
  hostRecreated?(host: string): Promise<void>;
}

/** A fault that has been applied: what was done, and an optional later undo (icmp `until`). */
export interface Applied {
  detail: string;
  undo?: { atUs: number; apply: () => Promise<string> };
  /** a reboot: when the router forwarded to the re-created host again (µs since the epoch) */
  upUs?: number;
}

const REJECT_WITH = { host: 'icmp-host-unreachable', net: 'icmp-net-unreachable', port: 'icmp-port-unreachable' } as const;

export class FaultInjector {
  /** active cut rules, keyed "a->b", so restore removes exactly what cut added */
  private readonly cuts = new Set<string>();
  private readonly pathHosts: [string, string];

  constructor(
    scenario: Scenario,
    private readonly ctx: FaultContext,
  ) {
    const names = Object.keys(scenario.hosts);
    this.pathHosts = scenario.path.between ?? [names[0] ?? '', names[1] ?? ''];
  }

  /** Path loss as a random DROP in the router. Not seeded: loss runs cannot match the simulator packet for packet. */
  async setupPath(scenario: Scenario): Promise<string[]> {
    const notes: string[] = [];
    const loss = scenario.path.loss;
    const p = typeof loss === 'number' ? loss : loss.model === 'bernoulli' ? loss.p : null;
    if (p === null) throw new Error('gilbert-elliott loss is not supported on the real kernel');
    if (p > 0) {
      await this.router('-A', 'FORWARD', '-m', 'statistic', '--mode', 'random', '--probability', String(p), '-j', 'DROP');
      notes.push(`path loss ${p}: iptables statistic match (unseeded; packet-level comparison is meaningless)`);
    }
    if (scenario.path.latency > 1_000) {
      notes.push(`path latency ${scenario.path.latency} µs ignored: this kernel has no sch_netem; the veth + router path is ~0.03 ms one way`);
    }
    return notes;
  }

  /** Apply one fault; resolves with a description once the kernel state has changed. */
  async apply(f: FaultSpec, scenarioT0Us: number): Promise<Applied> {
    switch (f.type) {
      case 'cut':
        return { detail: await this.cut(f.direction ?? 'both', true) };
      case 'restore':
        return { detail: await this.cut(f.direction ?? 'both', false) };
      case 'firewall':
        return { detail: await this.firewall(f) };
      case 'crash':
        return { detail: await this.crash(f.host) };
      case 'reboot':
        return this.reboot(f.host, f.downtime);
      case 'icmp-unreachable':
        return this.icmp(f, scenarioT0Us);
    }
  }

  private router(...args: string[]): Promise<string> {
    return run(inNs(this.ctx.topo.router, 'iptables', ...args));
  }

  /** Directions named by a cut/restore: "both" or "a->b". */
  private directions(direction: string): [string, string][] {
    const [a, b] = this.pathHosts;
    if (direction === 'both') return [[a, b], [b, a]];
    const m = /^\s*([A-Za-z][\w-]*)\s*->\s*([A-Za-z][\w-]*)\s*$/.exec(direction);
    if (!m?.[1] || !m[2]) throw new Error(`bad cut direction ${JSON.stringify(direction)} (use "both" or "a->b")`);
    return [[m[1], m[2]]];
  }

  private async cut(direction: string, add: boolean): Promise<string> {
    const done: string[] = [];
    for (const [a, b] of this.directions(direction)) {
      const key = `${a}->${b}`;
      if (add === this.cuts.has(key)) continue;
      const spec = ['FORWARD', '-s', this.ctx.topo.host(a).ip, '-d', this.ctx.topo.host(b).ip, '-j', 'DROP'];
      await this.router(add ? '-I' : '-D', ...spec);
      if (add) this.cuts.add(key);
      else this.cuts.delete(key);
      done.push(key);
    }
    return `${add ? 'cut' : 'restore'} ${done.join(', ') || '(no change)'}`;
  }

  private async firewall(f: Extract<FaultSpec, { type: 'firewall' }>): Promise<string> {
    const rule = [f.chain, '-p', 'tcp'];
    if (f.dport !== undefined) rule.push('--dport', String(f.dport));
    if (f.sport !== undefined) rule.push('--sport', String(f.sport));
    rule.push('-j', 'DROP');
    await run(inNs(this.ctx.topo.host(f.host).ns, 'iptables', f.action === 'add' ? '-A' : '-D', ...rule));
    return `${f.host}: iptables ${f.action === 'add' ? '-A' : '-D'} ${rule.join(' ')}`;
  }

  /**
   * A crash sends nothing: first drop everything in and out of the host, then SIGKILL its
   * programs. Their sockets are closed by the exiting process, but the FIN/RST that closing
   * would send is dropped by OUTPUT before it reaches the interface.
   */
  private async crash(host: string): Promise<string> {
    const ns = this.ctx.topo.host(host).ns;
    await run(inNs(ns, 'iptables', '-I', 'INPUT', '-j', 'DROP'));
    await run(inNs(ns, 'iptables', '-I', 'OUTPUT', '-j', 'DROP'));
    await this.killApps(host);
    return `${host}: crashed (INPUT+OUTPUT DROP, programs SIGKILLed)`;
  }

  /**
   * Reboot: the host vanishes from the wire, its namespace (and every socket in it) is
   * destroyed, and after `downtime` a fresh namespace with the same address, sysctls and no
   * sockets takes its place, so the kernel answers old segments with RST (tcp_v4_send_reset).
   * While the host is away the router drops packets for it in raw PREROUTING, i.e. before
   * routing: without a route the router would answer with ICMP net-unreachable, which a real
   * rebooting host's switch port does not do.
   */
  private async reboot(host: string, downtimeUs: number): Promise<Applied> {
    const h = this.ctx.topo.host(host);
    const rawRule = ['PREROUTING', '-d', h.ip, '-j', 'DROP'];
    const begin = Date.now();
    await this.router('-t', 'raw', '-I', ...rawRule);
    await this.ctx.captures.stopHost(host);
    await run(['ip', '-n', h.ns, 'link', 'del', HOST_IF]);
    await this.killApps(host);
    await this.ctx.topo.destroyHost(host);
    await sleep(downtimeUs / 1000 - (Date.now() - begin));
    await this.ctx.topo.createHost(host);
    // A rebooted host announces itself on its link: one echo to the router settles the ARP
    // entries both ways before the host is reachable (the echo is not in the capture, which
    // starts after it), so its first packets are not held up by neighbour resolution.
    await tryRun(inNs(h.ns, 'ping', '-c', '1', '-W', '1', ROUTER_IP));
    await this.ctx.captures.start(host, h.ns, HOST_IF);
    await this.ctx.hostRecreated?.(host);
    await this.router('-t', 'raw', '-D', ...rawRule);
    // From here the new kernel answers: the comparison replays the reboot with this moment
    // (calibrate/replay.ts), so a slow reboot on a busy machine is not a mismatch.
    const upUs = nowUs();
    return { detail: `${host}: rebooted (namespace re-created, no sockets; away ${Date.now() - begin} ms)`, upUs };
  }

  private async icmp(f: Extract<FaultSpec, { type: 'icmp-unreachable' }>, t0Us: number): Promise<Applied> {
    const rule = ['FORWARD', '-d', this.ctx.topo.host(f.to).ip, '-j', 'REJECT', '--reject-with', REJECT_WITH[f.code]];
    await this.router('-I', ...rule);
    const detail = `router answers packets to ${f.to} with ${REJECT_WITH[f.code]}`;
    if (f.until === undefined) return { detail };
    return {
      detail,
      undo: {
        atUs: t0Us + f.until,
        apply: async () => {
          await this.router('-D', ...rule);
          return `router forwards to ${f.to} again`;
        },
      },
    };
  }

  /** Kill the host's running programs (one that starts after a later reboot is not running yet). */
  private async killApps(host: string): Promise<void> {
    for (const app of this.ctx.appsOn(host)) {
      if (!app.running || !app.released) continue;
      app.killedByFault = true;
      await app.kill();
    }
  }
}
