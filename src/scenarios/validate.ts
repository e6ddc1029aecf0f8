/**
 * Scenario validation: the schema (shape, types, ranges), then the meaning (hosts that
 * exist, socket options in the OS profile's range). Every problem is reported as one
 * line naming the field: `hosts.client.socket.TCP_KEEPCNT: 200 is out of range 1..127`.
 */
import type { z } from 'zod';
import { buildOs, checkOsSockopt, type OsName } from '../os/index.ts';
import type { OsProfile, OsSockOptName } from '../os/profile.ts';
import { scenarioSchema, type Scenario } from './schema.ts';

export type Validation = { ok: true; scenario: Scenario } | { ok: false; problems: string[] };

function issueText(i: z.core.$ZodIssue): string {
  const where = i.path.length ? i.path.join('.') : '(top level)';
  const input = 'input' in i ? (i as { input?: unknown }).input : undefined;
  const shown = input === undefined ? '' : `${JSON.stringify(input)} `;
  switch (i.code) {
    case 'too_big':
    case 'too_small': {
      const b = i as unknown as { minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean };
      if (i.code === 'too_big') return `${where}: ${shown}is too large (at most ${String(b.maximum)})`;
      return `${where}: ${shown}is too small (at least ${String(b.minimum)})`;
    }
    case 'unrecognized_keys':
      return `${where}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union':
      if (i.path[0] === 'path' && i.path[1] === 'middleboxes' && i.path[3] === 'type') {
        const t = (input as { type?: unknown } | undefined)?.type;
        if (t === undefined) return `${where}: missing (a middlebox needs a type; available: nat, proxy)`;
        return `${where}: ${JSON.stringify(t)} is not a middlebox type (available: nat, proxy)`;
      }
      {
        // a discriminated union (`program.kind`, `steps.N.call`, `faults.N.type`): name the bad tag, not the whole object
        const key = i.path[i.path.length - 1];
        const tag = typeof key === 'string' && input && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
        const allowed = /Expected (.*)$/.exec(i.message)?.[1];
        if (allowed && typeof key === 'string') return tag === undefined ? `${where}: missing (one of ${allowed})` : `${where}: ${JSON.stringify(tag)} is not one of ${allowed}`;
      }
      return `${where}: ${shown}${i.message.replace(/^Invalid input$/, 'does not match any allowed form')}`;
    default:
      return `${where}: ${shown && i.code !== 'invalid_type' && i.code !== 'custom' ? shown : ''}${i.message}`;
  }
}

export function validateScenario(raw: unknown): Validation {
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(issueText) };
  const sc = parsed.data;
  const problems: string[] = [];
  const hosts = Object.keys(sc.hosts);
  const known = (h: string): boolean => hosts.includes(h);
  // each host's options are checked against its own OS profile (src/os/index.ts); middleboxes are Linux
  const profiles = new Map<string, OsProfile>();
  const profileOf = (host: string): OsProfile => {
    let p = profiles.get(host);
    if (!p) {
      const h = sc.hosts[host];
      p = buildOs((h?.os ?? 'linux') as OsName, h?.sysctl ?? {}, h?.profile ?? {}).profile;
      profiles.set(host, p);
    }
    return p;
  };
  const checkOpt = (where: string, name: OsSockOptName, value: number | boolean | { keepalivetime: number; keepaliveinterval: number }, host = ''): void => {
    const profile = profileOf(host);
    const values = typeof value === 'object' ? [value.keepalivetime, value.keepaliveinterval] : [typeof value === 'boolean' ? Number(value) : value];
    for (const v of values) {
      const r = checkOsSockopt(profile, name, v);
      if (!r.ok) {
        problems.push(`${where}: ${r.message}`);
        return;
      }
    }
  };
  for (const [name, h] of Object.entries(sc.hosts)) {
    for (const [opt, v] of Object.entries(h.socket)) if (v !== undefined) checkOpt(`hosts.${name}.socket.${opt}`, opt as OsSockOptName, v, name);
    if (h.os === 'linux' && h.timer === 'linux' && ![100, 250, 300, 1000].includes(h.hz)) problems.push(`hosts.${name}.hz: ${h.hz} is not a Linux CONFIG_HZ (100, 250, 300 or 1000)`);
  }
  const ips = new Map<string, string>();
  hosts.forEach((name, i) => {
    const ip = sc.hosts[name]?.ip ?? `10.0.0.${i + 1}`;
    const other = ips.get(ip);
    if (other) problems.push(`hosts.${name}.ip: ${ip} is already ${other}'s address${sc.hosts[name]?.ip ? '' : ' (hosts without an ip get 10.0.0.<position>)'}`);
    else ips.set(ip, name);
  });
  if (sc.path.between) sc.path.between.forEach((h, i) => known(h) || problems.push(`path.between.${i}: no host named ${JSON.stringify(h)} (hosts: ${hosts.join(', ')})`));
  if (sc.path.middleboxes.length > 1) problems.push(`path.middleboxes: at most one middlebox per path (got ${sc.path.middleboxes.length})`);
  const boxNames: string[] = [];
  sc.path.middleboxes.forEach((m, i) => {
    if (known(m.name)) problems.push(`path.middleboxes.${i}.name: ${JSON.stringify(m.name)} is already a host's name`);
    const owner = ips.get(m.ip);
    if (owner) problems.push(`path.middleboxes.${i}.ip: ${m.ip} is already ${owner}'s address`);
    boxNames.push(m.name);
    if (m.type === 'proxy') {
      if (!known(m.target.host)) problems.push(`path.middleboxes.${i}.target.host: no host named ${JSON.stringify(m.target.host)} (hosts: ${hosts.join(', ')})`);
      for (const leg of ['clientSocket', 'serverSocket'] as const) {
        for (const [opt, v] of Object.entries(m[leg] ?? {})) if (v !== undefined) checkOpt(`path.middleboxes.${i}.${leg}.${opt}`, opt as OsSockOptName, v);
      }
    }
  });
  const proxies = sc.path.middleboxes.filter((m) => m.type === 'proxy').map((m) => m.name);
  sc.apps.forEach((a, i) => {
    if (!known(a.host)) problems.push(`apps.${i}.host: no host named ${JSON.stringify(a.host)} (hosts: ${hosts.join(', ')})`);
    if (a.stagger !== undefined && a.instances === undefined) problems.push(`apps.${i}.stagger: staggers the copies of a program; give \`instances\` too`);
    a.steps.forEach((s, j) => {
      if (s.call === 'connect' && !known(s.to) && !proxies.includes(s.to)) problems.push(`apps.${i}.steps.${j}.to: no host${proxies.length ? ' or proxy' : ''} named ${JSON.stringify(s.to)}`);
      if (s.call === 'setsockopt') checkOpt(`apps.${i}.steps.${j}.value`, s.name, s.value, a.host);
    });
  });
  sc.faults.forEach((f, i) => {
    const h = f.type === 'icmp-unreachable' ? f.to : 'host' in f ? f.host : undefined;
    if (h !== undefined && !known(h)) problems.push(`faults.${i}.${f.type === 'icmp-unreachable' ? 'to' : 'host'}: no host named ${JSON.stringify(h)}`);
    if ((f.type === 'cut' || f.type === 'restore') && f.direction && f.direction !== 'both') {
      const m = /^\s*([A-Za-z][\w-]*)\s*->\s*([A-Za-z][\w-]*)\s*$/.exec(f.direction);
      if (!m || !known(m[1] as string) || !known(m[2] as string)) problems.push(`faults.${i}.direction: ${JSON.stringify(f.direction)} is not "both" or "<host>-><host>"`);
    }
  });
  (sc.vantage ?? []).forEach((v, i) => known(v) || boxNames.includes(v) || problems.push(`vantage.${i}: no host or middlebox named ${JSON.stringify(v)}`));
  return problems.length ? { ok: false, problems } : { ok: true, scenario: sc };
}
