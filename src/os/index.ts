/**
 * The OS registry: name → module (knobs, documented parameters, profile builder), and the
 * checks a scenario's host goes through for its OS: sysctl/registry keys and ranges,
 * socket options (names, units, ranges, the errno the real call would fail with), and
 * profile parameter overrides. Every problem names the field and what is valid instead.
 */
import { freebsdModule } from './freebsd/profile.ts';
import { linuxModule } from './linux/module.ts';
import { macosModule } from './macos/profile.ts';
import type { Built, OsModule, ParamValues } from './module.ts';
import type { OsProfile, OsSockOptName, SockOptSpec } from './profile.ts';
import { windowsModule } from './windows/profile.ts';
import { didYouMean, show } from '../scenarios/show.ts';

export const OS_NAMES = ['linux', 'macos', 'freebsd', 'windows'] as const;
export type OsName = (typeof OS_NAMES)[number];

export const OS_MODULES: Readonly<Record<OsName, OsModule>> = { linux: linuxModule, macos: macosModule, freebsd: freebsdModule, windows: windowsModule };

/** Build a host's profile and host-wide values from its OS's knobs and parameter overrides. */
export function buildOs(os: OsName, knobs: Readonly<Record<string, number | boolean>> = {}, params: Readonly<ParamValues> = {}): Built {
  const k: Record<string, number> = {};
  for (const [n, v] of Object.entries(knobs)) k[n] = typeof v === 'boolean' ? Number(v) : v;
  return OS_MODULES[os].build(k, params);
}

const LINUX_OPTS = ['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT'] as const;

/** Socket option names a profile accepts. */
export function sockoptNames(p: OsProfile): string[] {
  if (!p.sockopts) return [...LINUX_OPTS];
  return Object.entries(p.sockopts)
    .filter(([, s]) => s && !('unsupported' in s))
    .map(([n]) => n);
}

export type SockoptVerdict = { ok: true; spec: SockOptSpec | null } | { ok: false; errno: import('../tcp/errno.ts').Errno; message: string };

/**
 * Would setsockopt(name, value) succeed on this profile? `spec` is null for Linux (its own
 * checkSockopt path). The message is the one-line explanation for a scenario error.
 */
export function checkOsSockopt(p: OsProfile, name: OsSockOptName, value: number): SockoptVerdict {
  const title = OS_MODULES[p.name as OsName]?.title ?? p.name;
  if (name === 'SO_LINGER') {
    // close() with a positive linger blocks until the data is acknowledged: not modelled
    if (value === 0 || value === -1) return { ok: true, spec: null };
    return { ok: false, errno: 'EINVAL', message: `${value}: only 0 (close() sends RST) or -1 (off) is modelled` };
  }
  if (name === 'SO_RCVBUF') {
    return Number.isInteger(value) && value >= 0 ? { ok: true, spec: null } : { ok: false, errno: 'EINVAL', message: `${value} is out of range 0..2147483647 (bytes)` };
  }
  if (!p.sockopts) {
    if (!(LINUX_OPTS as readonly string[]).includes(name)) {
      return { ok: false, errno: 'ENOPROTOOPT', message: `${name} is not a Linux socket option (setsockopt would fail with ENOPROTOOPT); Linux has ${LINUX_OPTS.join(', ')}` };
    }
    const e = p.checkSockopt(name as (typeof LINUX_OPTS)[number], value);
    return e ? { ok: false, errno: e, message: `${value} is out of range ${p.sockoptRange(name as (typeof LINUX_OPTS)[number])} (setsockopt would fail with ${e})` } : { ok: true, spec: null };
  }
  const s = p.sockopts[name];
  const fail = (errno: import('../tcp/errno.ts').Errno, why: string): SockoptVerdict => ({ ok: false, errno: p.errnoName?.(errno) ?? errno, message: why });
  if (!s) return fail('ENOPROTOOPT', `${name} is not a ${title} socket option (setsockopt would fail with ${p.errnoName?.('ENOPROTOOPT') ?? 'ENOPROTOOPT'}); ${p.name} has ${sockoptNames(p).join(', ')}`);
  if ('unsupported' in s) return fail(s.unsupported, `${title} has no ${name} (setsockopt fails with ${s.unsupported}); use ${s.instead}`);
  const e = s.check(value);
  return e ? fail(e, `${value} is out of range ${s.range} (${s.unit}; setsockopt would fail with ${e})`) : { ok: true, spec: s };
}

/** Problems with a host's OS-specific fields; paths relative to the host. */
export function checkHostOs(os: OsName, h: { sysctl: Record<string, unknown>; profile?: Record<string, unknown> | undefined }): { path: string[]; message: string }[] {
  const m = OS_MODULES[os];
  const out: { path: string[]; message: string }[] = [];
  const knobs = Object.keys(m.knobs);
  for (const [k, v] of Object.entries(h.sysctl)) {
    const spec = m.knobs[k];
    if (!spec) {
      const hint = Object.entries(m.knobs).find(([, s]) => s.linux?.startsWith(`${k} `) || s.linux === k);
      out.push({ path: ['sysctl', k], message: `not a ${m.title} knob${(hint ? ` (for ${k} use ${hint[0]}, unit: ${hint[1].unit})` : didYouMean(k, knobs)) || ''}${hint || !didYouMean(k, knobs) ? `; valid: ${knobs.join(', ')}` : ''}` });
      continue;
    }
    const n = typeof v === 'boolean' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) out.push({ path: ['sysctl', k], message: `${show(v)} is out of range ${spec.min}..${spec.max} (${spec.unit})` });
  }
  const params = Object.keys(m.params);
  for (const [k, v] of Object.entries(h.profile ?? {})) {
    const spec = m.params[k];
    if (!spec) {
      out.push({ path: ['profile', k], message: `not a ${m.title} profile parameter${didYouMean(k, params)}; valid: ${params.length ? params.join(', ') : '(none: Linux is configured with hz and timer)'}` });
      continue;
    }
    if (spec.values) {
      if (!spec.values.includes(v as string | boolean)) out.push({ path: ['profile', k], message: `${show(v)} is not one of ${spec.values.map((x) => JSON.stringify(x)).join(', ')}` });
    } else if (typeof v !== 'number' || v < (spec.min ?? -Infinity) || v > (spec.max ?? Infinity)) {
      out.push({ path: ['profile', k], message: `${show(v)} is out of range ${spec.min}..${spec.max}` });
    }
  }
  return out;
}

export type { Built, KnobSpec, OsModule, ParamSpec, ParamValues } from './module.ts';
