/**
 * Scenario validation: the schema (shape, types, ranges), then the meaning (hosts that
 * exist, socket options in the OS profile's range). Every problem is reported as one
 * line naming the field: `hosts.client.socket.TCP_KEEPCNT: 200 is out of range 1..127`.
 */
import { buildOs, checkOsSockopt, type OsName } from '../os/index.ts';
import type { OsProfile, OsSockOptName } from '../os/profile.ts';
import { scenarioSchema, type Scenario } from './schema.ts';
import { plainCopy } from './document.ts';
import { issueText } from './messages.ts';
import { EPHEMERAL_PORTS, MAX_DURATION_TEXT, MAX_DURATION_US, MAX_HOSTS } from './limits.ts';
import { didYouMean, list, quote } from './show.ts';

/** Why an IPv4 address cannot be a host's or a middlebox's own (RFC 1122 §3.2.1.3, RFC 5771, RFC 1112 §4). */
export function addressProblem(ip: string): string | null {
  const [a = 0] = ip.split('.').map(Number);
  if (a === 0) return 'is in 0.0.0.0/8 ("this network", RFC 1122), not a host address';
  if (a === 127) return 'is a loopback address (127.0.0.0/8), not an address on the path';
  if (a >= 224 && a <= 239) return 'is a multicast address (224.0.0.0/4), not a host address';
  if (a >= 240) return 'is reserved or broadcast (240.0.0.0/4), not a host address';
  return null;
}

export type Validation = { ok: true; scenario: Scenario } | { ok: false; problems: string[] };

/**
 * Validate a scenario document (parsed YAML/JSON, or built by a program). The document is
 * first copied into plain data within the limits of docs/limits.md (no cycles, no
 * prototype keys, bounded depth and size), so nothing a user writes can crash or hang the
 * checks that follow.
 */
export function validateScenario(raw: unknown): Validation {
  const copy = plainCopy(raw);
  if (!copy.ok) return { ok: false, problems: copy.problems };
  const parsed = scenarioSchema.safeParse(copy.doc, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => issueText(i, scenarioSchema)) };
  const sc = parsed.data;
  const problems: string[] = [];
  const hosts = Object.keys(sc.hosts);
  const known = (h: string): boolean => hosts.includes(h);
  /** `<where>: no host named "x" (did you mean "y"?)`, or with the list of hosts */
  const noHost = (where: string, h: string, also: readonly string[] = [], what = 'host'): string =>
    `${where}: no ${what} named ${quote(h)}${didYouMean(h, [...hosts, ...also]) || ` (${what === 'host' ? 'hosts' : 'names'}: ${list([...hosts, ...also])})`}`;
  if (hosts.length > MAX_HOSTS) return { ok: false, problems: [`hosts: ${hosts.length} hosts, more than ${MAX_HOSTS} (automatic addresses are 10.0.0.1..10.0.0.254; docs/limits.md)`] };
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
    const bad = addressProblem(ip);
    if (bad) problems.push(`hosts.${name}.ip: ${ip} ${bad}`);
    else if (other) problems.push(`hosts.${name}.ip: ${ip} is already ${other}'s address${sc.hosts[name]?.ip ? '' : ' (hosts without an ip get 10.0.0.<position>)'}`);
    else ips.set(ip, name);
  });
  if (sc.path.between) sc.path.between.forEach((h, i) => known(h) || problems.push(noHost(`path.between.${i}`, h)));
  if (sc.path.between && sc.path.between[0] === sc.path.between[1]) problems.push(`path.between: ${quote(sc.path.between[0])} twice; a path joins two different hosts`);
  if (sc.path.middleboxes.length > 1) problems.push(`path.middleboxes: at most one middlebox per path (got ${sc.path.middleboxes.length})`);
  const boxNames: string[] = [];
  sc.path.middleboxes.forEach((m, i) => {
    if (known(m.name)) problems.push(`path.middleboxes.${i}.name: ${quote(m.name)} is already a host's name`);
    const owner = ips.get(m.ip);
    const bad = addressProblem(m.ip);
    if (bad) problems.push(`path.middleboxes.${i}.ip: ${m.ip} ${bad}`);
    else if (owner) problems.push(`path.middleboxes.${i}.ip: ${m.ip} is already ${owner}'s address`);
    boxNames.push(m.name);
    if (m.type === 'proxy') {
      if (!known(m.target.host)) problems.push(noHost(`path.middleboxes.${i}.target.host`, m.target.host));
      for (const leg of ['clientSocket', 'serverSocket'] as const) {
        for (const [opt, v] of Object.entries(m[leg] ?? {})) if (v !== undefined) checkOpt(`path.middleboxes.${i}.${leg}.${opt}`, opt as OsSockOptName, v);
      }
    }
  });
  const proxies = sc.path.middleboxes.filter((m) => m.type === 'proxy').map((m) => m.name);
  // ephemeral ports are unique per 4-tuple (__inet_hash_connect checks the whole tuple), so
  // the limit holds per client host, destination and destination port
  const connecting = new Map<string, { n: number; last: number }>();
  sc.apps.forEach((a, i) => {
    if (!known(a.host)) problems.push(noHost(`apps.${i}.host`, a.host));
    if (a.stagger !== undefined && a.instances === undefined) problems.push(`apps.${i}.stagger: staggers the copies of a program; give \`instances\` too`);
    if (a.stagger !== undefined && a.instances !== undefined && a.stagger * (a.instances - 1) > MAX_DURATION_US) {
      problems.push(`apps.${i}.stagger: the last of ${a.instances} copies would start ${a.instances - 1} × stagger after the first, more than ${MAX_DURATION_TEXT} (docs/limits.md)`);
    }
    const to = a.program && 'to' in a.program ? (a.program as { to: string }).to : undefined;
    if (to !== undefined && !known(to) && !proxies.includes(to)) problems.push(noHost(`apps.${i}.program.to`, to, proxies, proxies.length ? 'host or proxy' : 'host'));
    const port = a.program && 'port' in a.program ? String((a.program as { port?: unknown }).port) : '';
    const targets = to !== undefined ? [`${to}|${port}`] : a.steps.flatMap((s) => (s.call === 'connect' ? [`${s.to}|${s.port}`] : []));
    for (const t of targets) {
      const k = `${a.host}|${t}`;
      const c = connecting.get(k) ?? { n: 0, last: i };
      connecting.set(k, { n: c.n + (a.instances ?? 1), last: i });
    }
    a.steps.forEach((s, j) => {
      if (s.call === 'connect' && !known(s.to) && !proxies.includes(s.to)) problems.push(noHost(`apps.${i}.steps.${j}.to`, s.to, proxies, proxies.length ? 'host or proxy' : 'host'));
      if (s.call === 'setsockopt') checkOpt(`apps.${i}.steps.${j}.value`, s.name, s.value, a.host);
    });
  });
  for (const [k, c] of connecting) {
    if (c.n <= EPHEMERAL_PORTS) continue;
    const [host, to, port] = k.split('|');
    problems.push(`apps.${c.last}.instances: the programs on ${host} open ${c.n} connections to ${to}${port ? ` port ${port}` : ''}, more than the ${EPHEMERAL_PORTS} ephemeral ports of ip_local_port_range 32768..60999 (docs/limits.md)`);
  }
  sc.faults.forEach((f, i) => {
    const h = f.type === 'icmp-unreachable' ? f.to : 'host' in f ? f.host : undefined;
    if (h !== undefined && !known(h)) problems.push(noHost(`faults.${i}.${f.type === 'icmp-unreachable' ? 'to' : 'host'}`, h));
    if ((f.type === 'cut' || f.type === 'restore') && f.direction && f.direction !== 'both') {
      const m = /^\s*([A-Za-z][\w-]*)\s*->\s*([A-Za-z][\w-]*)\s*$/.exec(f.direction);
      if (!m || !known(m[1] as string) || !known(m[2] as string)) problems.push(`faults.${i}.direction: ${quote(f.direction)} is not "both" or "<host>-><host>"`);
    }
  });
  (sc.vantage ?? []).forEach((v, i) => known(v) || boxNames.includes(v) || problems.push(noHost(`vantage.${i}`, v, boxNames, 'host or middlebox')));
  return problems.length ? { ok: false, problems } : { ok: true, scenario: sc };
}
