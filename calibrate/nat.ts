/**
 * A scenario's `type: nat` middlebox on the real kernel: conntrack + SNAT in the router
 * namespace. The NAT sits at the first path host's edge (as in the simulator): packets from
 * that host leaving through the other host's router-side veth are SNATed to the middlebox
 * `ip`, which the router holds on that veth, so an outside packet without a conntrack entry
 * is addressed to the router itself and reaches its INPUT chain (Linux's real behaviour).
 * The timeouts are the router namespace's nf_conntrack sysctls (per netns since Linux 4.x).
 *
 * Only what maps onto plain Linux conntrack is accepted: profile linux-conntrack with
 * timeout overrides in whole seconds; anything else is refused before any namespace exists.
 */
import type { NatSpec, Scenario } from '../src/scenarios/schema.ts';
import type { Topology } from './netns.ts';
import { inNs, run } from './sh.ts';

/** Scenario timeout field -> nf_conntrack sysctl (net.netfilter.*). */
const TIMEOUT_SYSCTL = {
  synSent: 'nf_conntrack_tcp_timeout_syn_sent',
  synRecv: 'nf_conntrack_tcp_timeout_syn_recv',
  established: 'nf_conntrack_tcp_timeout_established',
  finWait: 'nf_conntrack_tcp_timeout_fin_wait',
  closeWait: 'nf_conntrack_tcp_timeout_close_wait',
  lastAck: 'nf_conntrack_tcp_timeout_last_ack',
  timeWait: 'nf_conntrack_tcp_timeout_time_wait',
  close: 'nf_conntrack_tcp_timeout_close',
  unacknowledged: 'nf_conntrack_tcp_timeout_unacknowledged',
  retrans: 'nf_conntrack_tcp_timeout_max_retrans',
} as const;

/** Fields of a NAT spec that plain Linux conntrack + SNAT cannot express (with the value it has). */
const LINUX_FIXED: Partial<Record<keyof NatSpec, unknown>> = {
  refresh: 'both',
  insideNoEntry: 'pickup',
  outsideNoEntry: 'rst',
  rstOnIdle: false,
  preservePort: true,
};
const UNSUPPORTED: (keyof NatSpec)[] = ['table', 'evict', 'agingHighWater', 'earlyAgeout', 'portQuota', 'ports'];

/** The NAT middlebox of a scenario, if any. */
export function natOf(scenario: Scenario): NatSpec | undefined {
  return scenario.path.middleboxes.find((m): m is NatSpec => m.type === 'nat');
}

/**
 * Why this scenario's middleboxes cannot be built on the real kernel (one message per
 * problem), or [] when they can.
 */
export function natRefusals(scenario: Scenario): string[] {
  const out: string[] = [];
  for (const m of scenario.path.middleboxes) {
    if (m.type !== 'nat') {
      out.push(`middlebox type '${m.type}' has no real-kernel translation (only type: nat, profile linux-conntrack)`);
      continue;
    }
    if (m.profile !== 'linux-conntrack') out.push(`NAT profile '${m.profile}' has no real-kernel translation (only linux-conntrack)`);
    for (const [k, v] of Object.entries(LINUX_FIXED)) {
      const got = m[k as keyof NatSpec];
      if (got !== undefined && got !== v) out.push(`NAT ${k}: ${String(got)} cannot be built with Linux conntrack (it is ${String(v)})`);
    }
    for (const k of UNSUPPORTED) if (m[k] !== undefined) out.push(`NAT ${k} is not translated to the real kernel`);
    for (const k of Object.keys(TIMEOUT_SYSCTL) as (keyof typeof TIMEOUT_SYSCTL)[]) {
      const us = m[k];
      if (us === undefined) continue;
      if (us <= 0 || us % 1_000_000 !== 0) out.push(`NAT ${k}: ${us / 1e6} s is not a whole positive number of seconds (conntrack timeouts are seconds)`);
    }
  }
  if (scenario.path.middleboxes.length > 1) out.push('more than one middlebox');
  return out;
}

/** The sysctl assignments (net.netfilter.*=seconds) a NAT spec asks for. */
export function natSysctls(m: NatSpec): string[] {
  const out: string[] = [];
  for (const [k, name] of Object.entries(TIMEOUT_SYSCTL)) {
    const us = m[k as keyof typeof TIMEOUT_SYSCTL];
    if (us !== undefined) out.push(`net.netfilter.${name}=${us / 1_000_000}`);
  }
  if (m.maxRetrans !== undefined) out.push(`net.netfilter.nf_conntrack_tcp_max_retrans=${m.maxRetrans}`);
  return out;
}

/**
 * Build the NAT in the router namespace; returns notes for the run JSON. `inside` is the
 * host at whose edge the NAT sits, `outside` the other path host.
 */
export async function setupNat(topo: Topology, m: NatSpec, inside: string, outside: string): Promise<string[]> {
  const inHost = topo.host(inside);
  const outHost = topo.host(outside);
  const ns = topo.router;
  await run(['ip', '-n', ns, 'addr', 'add', `${m.ip}/32`, 'dev', outHost.routerIf]);
  // The nat table rule registers conntrack in this namespace (loads nf_conntrack if needed).
  await run(inNs(ns, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', inHost.ip, '-o', outHost.routerIf, '-j', 'SNAT', '--to-source', m.ip));
  const sysctls = natSysctls(m);
  if (sysctls.length > 0) {
    try {
      await run(inNs(ns, 'sysctl', '-qw', ...sysctls));
    } catch (e) {
      throw new Error(`NAT: cannot set conntrack sysctls in the router namespace (is nf_conntrack loaded? modprobe nf_conntrack): ${String(e)}`);
    }
  }
  const loose = (await run(inNs(ns, 'sysctl', '-n', 'net.netfilter.nf_conntrack_tcp_loose'))).trim();
  return [`NAT ${m.name}: router SNAT ${inHost.ip} -> ${m.ip} on ${outHost.routerIf}; ${sysctls.join(' ') || 'default conntrack timeouts'}; nf_conntrack_tcp_loose=${loose}`];
}
