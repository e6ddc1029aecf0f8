/**
 * The form's fields: the parameters people change most, each written as the `--set`
 * override the CLI would take, in the OS's own names and units (docs/os-profiles.md):
 * Linux TCP_KEEPIDLE / macOS TCP_KEEPALIVE; TCP_USER_TIMEOUT (ms) on Linux, and what stands
 * for it elsewhere (macOS TCP_RXT_CONNDROPTIME, FreeBSD TCP_MAXUNACKTIME, Windows TCP_MAXRT,
 * in seconds); tcp_retries2 and its FreeBSD/Windows counterparts. A field shows the value
 * in force: the socket option if the scenario sets one (on the host or in a setsockopt
 * step, which the field then edits), else the host-wide default it inherits.
 */
import { buildOs, OS_NAMES, type OsName } from '../../../src/os/index.ts';
import { LINUX_DEFAULTS } from '../../../src/os/linux/profile.ts';
import { natConfig, NAT_PROFILE_NAMES } from '../../../src/net/nat/profiles.ts';
import type { Scenario } from '../../../src/scenarios/schema.ts';

export type Role = 'idle' | 'intvl' | 'cnt' | 'userTimeout' | 'retries';

interface RoleSpec {
  label: string;
  /** option or sysctl name per OS; null: this OS has none */
  name: Record<OsName, string | null>;
  where: 'socket' | 'sysctl';
  unit: Record<OsName, string>;
  min: number;
  max: number;
  step: number;
  /** the host-wide default, in the field's unit */
  inherited: (os: OsName, sysctl: Record<string, number>) => number | null;
  note?: Partial<Record<OsName, string>>;
}

const s = (v: string): Record<OsName, string> => ({ linux: v, macos: v, freebsd: v, windows: v });

export const ROLES: Record<Role, RoleSpec> = {
  idle: {
    label: 'keepalive idle',
    name: { linux: 'TCP_KEEPIDLE', macos: 'TCP_KEEPALIVE', freebsd: 'TCP_KEEPIDLE', windows: 'TCP_KEEPIDLE' },
    where: 'socket',
    unit: s('s'),
    min: 1,
    max: 7200,
    step: 1,
    inherited: (_os, k) => k['tcp_keepalive_time'] ?? null,
  },
  intvl: {
    label: 'keepalive interval',
    name: s('TCP_KEEPINTVL'),
    where: 'socket',
    unit: s('s'),
    min: 1,
    max: 600,
    step: 1,
    inherited: (_os, k) => k['tcp_keepalive_intvl'] ?? null,
  },
  cnt: {
    label: 'keepalive probes',
    name: s('TCP_KEEPCNT'),
    where: 'socket',
    unit: s('count'),
    min: 1,
    max: 20,
    step: 1,
    inherited: (_os, k) => k['tcp_keepalive_probes'] ?? null,
  },
  userTimeout: {
    label: 'give up on unacknowledged data after',
    name: { linux: 'TCP_USER_TIMEOUT', macos: 'TCP_RXT_CONNDROPTIME', freebsd: 'TCP_MAXUNACKTIME', windows: 'TCP_MAXRT' },
    where: 'socket',
    unit: { linux: 'ms', macos: 's', freebsd: 's', windows: 's' },
    min: 0,
    max: 1_000_000,
    step: 1,
    inherited: () => 0,
    note: { linux: '0 = off: tcp_retries2 decides', windows: '0 = the registry decides' },
  },
  retries: {
    label: 'retransmissions before giving up',
    name: { linux: 'tcp_retries2', macos: null, freebsd: 'net.inet.tcp.retries', windows: 'TcpMaxDataRetransmissions' },
    where: 'sysctl',
    unit: s('count'),
    min: 1,
    max: 15,
    step: 1,
    inherited: (_os, k) => k['tcp_retries2'] ?? null,
    note: { macos: 'macOS: fixed at TCP_MAXRXTSHIFT (12), no knob' },
  },
};

export const ROLE_ORDER: Role[] = ['idle', 'intvl', 'cnt', 'userTimeout', 'retries'];

export interface Field {
  role: Role;
  host: string;
  os: OsName;
  /** the OS's name for it; null when the OS has none */
  name: string | null;
  unit: string;
  min: number;
  max: number;
  step: number;
  /** what is in force now */
  value: number | null;
  /** where it comes from: a socket option, a setsockopt step, or the host-wide default */
  source: 'socket' | 'step' | 'default' | 'none';
  /** the `--set` path the field writes */
  path: string | null;
  note: string | null;
}

/** The two ends of the path (path.between, else the first two hosts). */
export function endHosts(sc: Scenario): [string, string] {
  const names = Object.keys(sc.hosts);
  return sc.path.between ?? [names[0] as string, names[1] as string];
}

/** Host-wide keepalive/retry values in force, in Linux names and seconds (the OS module converts its own knobs). */
export function hostDefaults(sc: Scenario, host: string): Record<string, number> {
  const h = sc.hosts[host];
  if (!h) return {};
  if (h.os === 'linux') return { ...LINUX_DEFAULTS, ...(h.sysctl as Record<string, number>) };
  return { ...(buildOs(h.os, h.sysctl, h.profile ?? {}).sysctl as Record<string, number>) };
}

export function field(sc: Scenario, host: string, role: Role): Field {
  const h = sc.hosts[host];
  const os = (h?.os ?? 'linux') as OsName;
  const spec = ROLES[role];
  const name = spec.name[os];
  const base = { role, host, os, name, unit: spec.unit[os], min: spec.min, max: spec.max, step: spec.step, note: spec.note?.[os] ?? null };
  if (!h || name === null) return { ...base, value: null, source: 'none', path: null };
  if (spec.where === 'sysctl') {
    const v = h.sysctl[name];
    const value = typeof v === 'number' ? v : spec.inherited(os, hostDefaults(sc, host));
    return { ...base, value, source: typeof v === 'number' ? 'socket' : 'default', path: `hosts.${host}.sysctl.${name}` };
  }
  // a setsockopt step on this host's program wins over the host's socket defaults (it runs later)
  for (const [i, a] of sc.apps.entries()) {
    if (a.host !== host) continue;
    for (const [j, st] of a.steps.entries()) {
      if (st.call === 'setsockopt' && st.name === name) return { ...base, value: Number(st.value), source: 'step', path: `apps.${i}.steps.${j}.value` };
    }
  }
  const v = (h.socket as Record<string, unknown>)[name];
  if (typeof v === 'number') return { ...base, value: v, source: 'socket', path: `hosts.${host}.socket.${name}` };
  return { ...base, value: spec.inherited(os, hostDefaults(sc, host)), source: 'default', path: `hosts.${host}.socket.${name}` };
}

/** SO_KEEPALIVE in force on a host's sockets: the host's socket option, or a setsockopt step. */
export function keepaliveOn(sc: Scenario, host: string): { on: boolean; path: string } {
  for (const [i, a] of sc.apps.entries()) {
    if (a.host !== host) continue;
    for (const [j, st] of a.steps.entries()) if (st.call === 'setsockopt' && st.name === 'SO_KEEPALIVE') return { on: Boolean(st.value), path: `apps.${i}.steps.${j}.value` };
  }
  const h = sc.hosts[host];
  const always = h && h.os !== 'linux' ? (buildOs(h.os, h.sysctl, h.profile ?? {}).profile as { alwaysKeepalive?: boolean }).alwaysKeepalive === true : false;
  return { on: Boolean(h?.socket.SO_KEEPALIVE) || always, path: `hosts.${host}.socket.SO_KEEPALIVE` };
}

export const OSES = OS_NAMES;

/** Switching a host's OS: the keepalive settings move to the new OS's option names. */
export function osSwitch(sc: Scenario, host: string, to: OsName): string[] {
  const h = sc.hosts[host];
  if (!h) return [];
  const from = h.os as OsName;
  const socket: Record<string, unknown> = {};
  for (const role of ['idle', 'intvl', 'cnt', 'userTimeout'] as Role[]) {
    const f = field(sc, host, role);
    const name = ROLES[role].name[to];
    if (f.source === 'socket' && f.value !== null && name) socket[name] = convert(role, f.value, from, to);
  }
  if (h.socket.SO_KEEPALIVE !== undefined) socket['SO_KEEPALIVE'] = h.socket.SO_KEEPALIVE;
  return [`hosts.${host}.os=${to}`, `hosts.${host}.sysctl={}`, `hosts.${host}.socket=${flowMap(socket)}`];
}

function convert(role: Role, v: number, from: OsName, to: OsName): number {
  if (role !== 'userTimeout' || ROLES.userTimeout.unit[from] === ROLES.userTimeout.unit[to]) return v;
  return ROLES.userTimeout.unit[to] === 'ms' ? v * 1000 : Math.ceil(v / 1000);
}

/** A YAML flow mapping for `--set path={…}`. */
export const flowMap = (o: Record<string, unknown>): string => `{${Object.entries(o).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;

// ---- path and fault fields ----

export const NAT_PROFILES = NAT_PROFILE_NAMES;

export interface PathFields {
  /** ms, one way */
  latencyMs: number;
  loss: number | null;
  /** the NAT on the path (null: none); a proxy is shown, not edited here */
  nat: { profile: string; establishedS: number; path: string } | null;
  proxy: string | null;
}

export function pathFields(sc: Scenario): PathFields {
  const box = sc.path.middleboxes[0];
  const nat = box?.type === 'nat' ? { profile: box.profile, establishedS: natConfig(box.profile, box.established !== undefined ? { established: box.established } : {}).timeouts.established / 1e6, path: 'path.middleboxes.0' } : null;
  return { latencyMs: sc.path.latency / 1000, loss: typeof sc.path.loss === 'number' ? sc.path.loss : null, nat, proxy: box?.type === 'proxy' ? `${box.profile} proxy "${box.name}"` : null };
}

/** Choosing a NAT profile: none removes the middlebox; a profile keeps the NAT's name and address. */
export function natProfileSet(sc: Scenario, profile: string | null): string[] {
  if (profile === null) return ['path.middleboxes=[]'];
  const box = sc.path.middleboxes[0];
  if (box?.type === 'nat') return [`path.middleboxes=[${flowMap({ type: 'nat', name: box.name, ip: box.ip, profile })}]`];
  return [`path.middleboxes=[${flowMap({ type: 'nat', profile })}]`];
}

export type FaultKind = 'none' | 'cut' | 'crash' | 'reboot';

export interface FaultField {
  kind: FaultKind;
  host: string | null;
  /** seconds */
  at: number;
  /** the scenario has faults the form cannot show (more than one, or another kind) */
  others: number;
}

export function faultField(sc: Scenario): FaultField {
  const f = sc.faults[0];
  const others = sc.faults.length - (f && ['cut', 'crash', 'reboot'].includes(f.type) ? 1 : 0);
  if (!f || !['cut', 'crash', 'reboot'].includes(f.type)) return { kind: 'none', host: null, at: 60, others };
  return { kind: f.type as FaultKind, host: 'host' in f ? f.host : null, at: f.at / 1e6, others };
}

/** The one fault the form describes, as the whole `faults` list. */
export function faultSet(f: { kind: FaultKind; host: string | null; at: number }): string {
  if (f.kind === 'none') return 'faults=[]';
  const at = `${+f.at.toFixed(6)}s`;
  if (f.kind === 'cut') return `faults=[${flowMap({ at, type: 'cut' })}]`;
  return `faults=[${flowMap({ at, type: f.kind, host: f.host })}]`;
}
