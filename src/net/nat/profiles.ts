/**
 * NAT / stateful-firewall profiles: the idle timeouts and behaviours of real middleboxes,
 * picked by one word in a scenario (`profile: aws-natgw`) and overridable field by field.
 * Every number cites its row in /work/shared/reference/nat.md (§2 Linux conntrack, §3 cloud
 * and vendor devices, §7 proposed profiles). Where a source gives one idle timeout only, the
 * profile uses it for every TCP state (one timer per flow). Where a device documents its
 * established timeout but not the transitory ones, they are the RFC 5382 REQ-5 floor (240 s).
 */
import type { Micros } from '../../engine/time.ts';

const S = 1_000_000;

/** Idle timeout per tracked TCP state (Linux `nf_conntrack_tcp_timeout_*`), µs. */
export interface NatTimeouts {
  synSent: Micros;
  synRecv: Micros;
  established: Micros;
  finWait: Micros;
  closeWait: Micros;
  lastAck: Micros;
  timeWait: Micros;
  close: Micros;
  /** cap while either side has data not yet acknowledged (Linux UNACK); 0 = no cap */
  unacknowledged: Micros;
  /** cap after `maxRetrans` identical retransmissions (Linux RETRANS); 0 = no cap */
  retrans: Micros;
}

/** What the NAT does with an inside→outside packet that has no table entry. */
export type InsideNoEntry = 'pickup' | 'drop' | 'rst' | 'icmp';
/** What the NAT does with an outside→inside packet that has no table entry. */
export type OutsideNoEntry = 'drop' | 'rst' | 'icmp';
/** Table-full policy (./evict.ts). */
export type EvictPolicy = 'lru' | 'early-drop' | 'refuse' | 'aggressive-aging';

/** A fully resolved NAT configuration (all times in µs). */
export interface NatConfig {
  profile: NatProfileName;
  timeouts: NatTimeouts;
  /** identical retransmissions before the RETRANS cap applies (Linux tcp_max_retrans); 0 = off */
  maxRetrans: number;
  /** which packets refresh the idle timer: both directions, or inside→outside only */
  refresh: 'both' | 'outbound';
  /** inside→outside packet without an entry (not a SYN): re-create the mapping, drop, RST or ICMP host unreachable to the sender */
  insideNoEntry: InsideNoEntry;
  /** outside→inside packet without an entry: drop, RST the sender, or ICMP port unreachable */
  outsideNoEntry: OutsideNoEntry;
  /** at expiry of an ESTABLISHED entry, send RST to both ends (Azure "TCP reset on idle") */
  rstOnIdle: boolean;
  /** maximum entries; Infinity = unlimited */
  table: number;
  /** what a new flow does when the table is full (or, for aggressive-aging, above the high-water mark) */
  evict: EvictPolicy;
  /** aggressive-aging: occupancy (percent of `table`) above which idle entries are aged out early */
  agingHighWater: number;
  /** aggressive-aging: idle time after which an entry is aged out while the table is above the mark, µs */
  earlyAgeout: Micros;
  /** most mappings one inside host may hold (RFC 6888 REQ-4 per-subscriber limit); Infinity = none */
  portQuota: number;
  /** keep the inside source port when the outside tuple is free (Linux get_unique_tuple) */
  preservePort: boolean;
  /** outside port range for allocation */
  ports: [number, number];
}

/** The profile names a scenario can pick (docs/scenarios.md "Middleboxes"). */
export const NAT_PROFILE_NAMES = [
  'rfc5382-floor',
  'linux-conntrack',
  'openwrt',
  'kube-proxy',
  'aws-natgw',
  'aws-nlb',
  'azure-lb',
  'azure-lb-rst-on-idle',
  'azure-natgw',
  'gcp-cloudnat',
  'enterprise-fw-1800',
  'enterprise-fw-3600',
  'cellular-cgn-short',
  'cellular-cgn-long',
] as const;
/** One of NAT_PROFILE_NAMES. */
export type NatProfileName = (typeof NAT_PROFILE_NAMES)[number];

/** Every state on one idle timer (sources that document a single TCP idle timeout). */
const single = (t: number): NatTimeouts => ({
  synSent: t * S, synRecv: t * S, established: t * S, finWait: t * S, closeWait: t * S,
  lastAck: t * S, timeWait: t * S, close: t * S, unacknowledged: 0, retrans: 0,
});

/** An established timeout with RFC 5382 REQ-5 transitory floor (240 s) for the other states. */
const floor = (est: number, over: Partial<NatTimeouts> = {}): NatTimeouts => ({ ...single(240), established: est * S, ...over });

/** nat.md §2.1: Linux nf_conntrack_proto_tcp tcp_timeouts[] defaults. */
const LINUX: NatTimeouts = {
  synSent: 120 * S, synRecv: 60 * S, established: 432_000 * S, finWait: 120 * S, closeWait: 60 * S,
  lastAck: 30 * S, timeWait: 120 * S, close: 10 * S, unacknowledged: 300 * S, retrans: 300 * S,
};

const base: Omit<NatConfig, 'profile' | 'timeouts'> = {
  maxRetrans: 0,
  refresh: 'both', // nat.md §7: "both" for every row (Linux: any accepted packet, §2.1)
  insideNoEntry: 'drop',
  outsideNoEntry: 'drop',
  rstOnIdle: false,
  table: Number.POSITIVE_INFINITY,
  evict: 'refuse',
  // nat.md §5: Juniper SRX aggressive aging, early-ageout default 20 s (watermarks are configured)
  agingHighWater: 100,
  earlyAgeout: 20 * S,
  portQuota: Number.POSITIVE_INFINITY,
  preservePort: true,
  ports: [1024, 65535], // nat.md §2.5: Linux range for source ports >= 1024
};

/** Linux conntrack + MASQUERADE (nat.md §2): loose pickup, early drop, nf_conntrack_max 262144 (> 4 GiB RAM, §2.4). */
const linux: Omit<NatConfig, 'profile'> = {
  ...base,
  timeouts: LINUX,
  maxRetrans: 3, // nf_conntrack_tcp_max_retrans default (§2.1)
  insideNoEntry: 'pickup', // nf_conntrack_tcp_loose = 1 (§2.3)
  // Untranslated, the packet is addressed to the router itself and reaches its INPUT chain
  // (§2.3); with the default ACCEPT policy no socket has the port, so the router's own TCP
  // answers RST (tcp_v4_send_reset: seq = SEG.ACK). Measured: calibration
  // nat-expired-outside-first. A router whose INPUT policy drops would need outsideNoEntry: drop.
  outsideNoEntry: 'rst',
  table: 262_144,
  evict: 'early-drop',
};

const PROFILES: Record<NatProfileName, Omit<NatConfig, 'profile'>> = {
  // nat.md §1.1 REQ-5 (7440 s / 240 s), §7 row rfc5382-floor: inside re-creates the mapping,
  // outside dropped (REQ-4), table full refuses new flows (RFC 6888 REQ-11, §1.5)
  'rfc5382-floor': { ...base, timeouts: floor(7440), insideNoEntry: 'pickup' },
  'linux-conntrack': linux,
  // nat.md §2.6: OpenWrt sysctl-nf-conntrack.conf: established 7440 s, tcp_max_retrans 5
  openwrt: { ...linux, timeouts: { ...LINUX, established: 7440 * S }, maxRetrans: 5 },
  // nat.md §2.6: kube-proxy --conntrack-tcp-timeout-established 24h, close-wait 1h, conntrack-min 131072
  'kube-proxy': { ...linux, timeouts: { ...LINUX, established: 86_400 * S, closeWait: 3600 * S }, table: 131_072 },
  // nat.md §3 / §8.2: 350 s fixed; RST to the inside host that continues; outside-first undocumented → dropped
  'aws-natgw': { ...base, timeouts: single(350), insideNoEntry: 'rst' },
  // nat.md §3 / §7: AWS NLB TCP listener, 350 s default (60–6000 configurable); a client or
  // target that sends after expiry receives a RST
  'aws-nlb': { ...base, timeouts: single(350), insideNoEntry: 'rst', outsideNoEntry: 'rst' },
  // nat.md §3 / §8.3: Azure LB 4 min, silent drop by default
  'azure-lb': { ...base, timeouts: single(240) },
  // nat.md §3 / §8.3: "TCP reset on idle": RST to both ends at expiry (ESTABLISHED only)
  'azure-lb-rst-on-idle': { ...base, timeouts: single(240), rstOnIdle: true },
  // nat.md §3 / §8.4: 4 min, silent at expiry; later traffic from either side gets a RST (only the sender)
  'azure-natgw': { ...base, timeouts: single(240), insideNoEntry: 'rst', outsideNoEntry: 'rst' },
  // nat.md §3: Cloud NAT established 1200 s, transitory 30 s, TIME_WAIT 120 s; silent drop
  'gcp-cloudnat': {
    ...base,
    timeouts: { ...single(30), established: 1200 * S, timeWait: 120 * S },
  },
  // nat.md §3: Juniper SRX TCP 1800 s, tcp-initial 20 s
  'enterprise-fw-1800': { ...base, timeouts: floor(1800, { synSent: 20 * S, synRecv: 20 * S }) },
  // nat.md §3: Palo Alto TCP 3600 s, time-wait 15 s (FortiGate session-ttl 3600 s)
  'enterprise-fw-3600': { ...base, timeouts: floor(3600, { timeWait: 15 * S }) },
  // nat.md §4 (wirelessmoves 2020): keepalive 270 s survived, 540 s did not → 300 s, inside that bracket
  'cellular-cgn-short': { ...base, timeouts: floor(300) },
  // nat.md §3: Twilio Super SIM core NAT, TCP 6 h
  'cellular-cgn-long': { ...base, timeouts: floor(21_600) },
};

/** Scenario overrides: any timeout or behaviour, on top of the profile. */
export type NatOverrides = Partial<NatTimeouts> & Partial<Omit<NatConfig, 'profile' | 'timeouts'>>;

const TIMEOUT_KEYS: (keyof NatTimeouts)[] = ['synSent', 'synRecv', 'established', 'finWait', 'closeWait', 'lastAck', 'timeWait', 'close', 'unacknowledged', 'retrans'];

/** A profile by name, with overrides applied. */
export function natConfig(profile: NatProfileName, over: NatOverrides = {}): NatConfig {
  const p = PROFILES[profile];
  const timeouts = { ...p.timeouts };
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if ((TIMEOUT_KEYS as string[]).includes(k)) timeouts[k as keyof NatTimeouts] = v as number;
    else rest[k] = v;
  }
  return { ...p, ...(rest as Partial<NatConfig>), profile, timeouts };
}
