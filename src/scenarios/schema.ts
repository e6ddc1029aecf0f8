/**
 * The scenario format: one experiment, completely described (hosts, path, applications,
 * faults, seed, horizon). YAML or JSON on disk; validated with zod, which also produces
 * the published JSON Schema (`keepalive-lab schema`).
 *
 * Durations are human strings (`7200s`, `1.5ms`, `2h`) or plain numbers of seconds; after
 * parsing they are integer microseconds. Socket-option values keep the units of the real
 * API (seconds for TCP_KEEPIDLE/TCP_KEEPINTVL, ms for TCP_USER_TIMEOUT) and are range-checked
 * by the host's OS profile, not here, so the same error text appears for a scenario file and
 * for a setsockopt() call (`EINVAL`).
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { MAX_DURATION_TEXT, MAX_DURATION_US } from './limits.ts';
import { didYouMean, names, show } from './show.ts';
import { NAT_PROFILE_NAMES } from '../net/nat/profiles.ts';
import { PROXY_PROFILE_NAMES } from '../net/proxy/profiles.ts';
import { checkHostOs, OS_NAMES } from '../os/index.ts';
import { programSchemas } from '../apps/schema.ts';

/** A duration: number of seconds, or a string with units. Parsed to integer µs. */
export const duration = z
  .union([z.number().nonnegative(), z.string()])
  .transform((v, ctx) => {
    const us = parseDuration(v);
    if (us === null) {
      ctx.addIssue({ code: 'custom', message: `${show(v)} is not a duration (e.g. 75, "75s", "1.5ms", "2h")` });
      return z.NEVER;
    }
    if (!(us <= MAX_DURATION_US)) {
      ctx.addIssue({ code: 'custom', message: `${show(v)} is longer than ${MAX_DURATION_TEXT}, the longest duration (docs/limits.md)` });
      return z.NEVER;
    }
    return us;
  })
  .meta({ description: 'Seconds as a number, or a string with units: us, ms, s, min/m, h, d (e.g. "7200s", "1.5ms", "2h")' });

const hostName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a host name: letters, digits, _ and -, starting with a letter');

/** Linux sysctls under net.ipv4 that the simulator models (ranges: linux-keepalive.md §2). */
export const linuxSysctls = z
  .object({
    tcp_keepalive_time: z.number().int().min(1).max(2_147_483).optional().meta({ description: 'seconds, default 7200' }),
    tcp_keepalive_intvl: z.number().int().min(1).max(2_147_483).optional().meta({ description: 'seconds, default 75' }),
    tcp_keepalive_probes: z.number().int().min(0).max(255).optional().meta({ description: 'count, default 9' }),
    tcp_retries2: z.number().int().min(0).max(255).optional().meta({ description: 'default 15 (≈924.6 s)' }),
    tcp_syn_retries: z.number().int().min(1).max(127).optional().meta({ description: 'default 6' }),
    tcp_synack_retries: z.number().int().min(0).max(255).optional().meta({ description: 'default 5' }),
    tcp_fin_timeout: z.number().int().min(1).max(2_147_483).optional().meta({ description: 'seconds, default 60' }),
    tcp_syn_linear_timeouts: z.number().int().min(0).max(127).optional().meta({ description: 'Linux 6.5+: default 4; 0 = classic exponential SYN backoff' }),
    tcp_rto_min_us: z.number().int().min(1).max(120_000_000).optional().meta({ description: 'Linux 6.11+: floor of the computed RTO, µs, default 200000' }),
    tcp_early_retrans: z.number().int().min(0).max(4).optional().meta({ description: 'default 3; tail loss probes only when 3 or 4' }),
  })
  .strict();

/** Socket options a host's applications apply to every socket they create, before connect/listen. */
export const socketOptions = z
  .object({
    SO_KEEPALIVE: z.union([z.boolean(), z.number().int()]).optional(),
    TCP_KEEPIDLE: z.number().int().optional().meta({ description: 'seconds, Linux 1..32767' }),
    TCP_KEEPINTVL: z.number().int().optional().meta({ description: 'seconds, Linux 1..32767' }),
    TCP_KEEPCNT: z.number().int().optional().meta({ description: 'count, Linux 1..127' }),
    TCP_USER_TIMEOUT: z.number().int().optional().meta({ description: 'milliseconds, >= 0, 0 = off' }),
    TCP_SYNCNT: z.number().int().optional().meta({ description: 'count, Linux 1..127' }),
    SO_RCVBUF: z.number().int().optional().meta({ description: 'receive buffer, bytes; Linux doubles it (at least 2304) and stops autotuning' }),
    // OS-specific options (docs/os-profiles.md); whether the host's OS has them is checked in validate.ts
    TCP_KEEPALIVE: z.number().int().optional().meta({ description: 'macOS: keepalive idle, seconds, 0 = the sysctl' }),
    TCP_CONNECTIONTIMEOUT: z.number().int().optional().meta({ description: 'macOS: connect timeout, seconds' }),
    TCP_RXT_CONNDROPTIME: z.number().int().optional().meta({ description: 'macOS: drop after retransmitting this long, seconds, 0 = off' }),
    TCP_KEEPINIT: z.number().int().optional().meta({ description: 'FreeBSD: connect timeout, seconds' }),
    TCP_MAXUNACKTIME: z.number().int().optional().meta({ description: 'FreeBSD 14+: drop after data stays unacked this long, seconds, 0 = off' }),
    TCP_MAXRT: z.number().int().optional().meta({ description: 'Windows: drop after retransmitting this long, seconds, -1 = never' }),
    SIO_KEEPALIVE_VALS: z
      .object({ onoff: z.number().int().min(0), keepalivetime: z.number().int(), keepaliveinterval: z.number().int() })
      .strict()
      .optional()
      .meta({ description: 'Windows WSAIoctl: { onoff, keepalivetime ms, keepaliveinterval ms } (no count)' }),
  })
  .strict();

export const hostSchema = z
  .object({
    ip: z.ipv4().optional(),
    os: z.enum(OS_NAMES).default('linux').meta({ description: 'OS profile: linux, macos, freebsd or windows (docs/os-profiles.md)' }),
    hz: z.number().int().min(100).max(1000).default(250).meta({ description: 'CONFIG_HZ of a Linux host: 100, 250, 300 or 1000 (other OSes: their own clock)' }),
    timer: z.enum(['linux', 'exact']).default('linux').meta({ description: "linux = the OS's own timer (Linux jiffies + timer-wheel rounding; XNU/FreeBSD/Windows tick clocks with keepalive lateness); exact = textbook times" }),
    jiffyPhase: duration.optional().meta({ description: 'boot phase of the jiffy (tick) clock; default drawn from the seed' }),
    sysctl: z
      .record(z.string(), z.union([z.number(), z.boolean()]))
      .default({})
      .meta({ description: "host-wide knobs in the OS's own names and units: Linux net.ipv4 tcp_* (s); macOS/FreeBSD net.inet.tcp.* (ms); Windows registry KeepAliveTime/KeepAliveInterval (ms), TcpMaxDataRetransmissions" }),
    socket: socketOptions.default({}),
    profile: z
      .record(z.string(), z.union([z.number(), z.boolean(), z.string()]))
      .optional()
      .meta({ description: 'override documented profile assumptions, e.g. { probeWhileUnacked: true } on windows (docs/os-profiles.md)' }),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.os === 'linux') {
      // Linux keeps its strict, typed sysctl object (same messages as before)
      const r = linuxSysctls.safeParse(h.sysctl, { reportInput: true });
      if (!r.success) {
        for (const i of r.error.issues) {
          // an unknown sysctl: suggest the nearest Linux name (the object is checked here, not by the main schema)
          if (i.code === 'unrecognized_keys') {
            const known = Object.keys(linuxSysctls.shape);
            const one = i.keys.length === 1 ? didYouMean(i.keys[0] as string, known) : '';
            ctx.addIssue({ code: 'custom', path: ['sysctl'], message: `unknown field${i.keys.length > 1 ? 's' : ''} ${names(i.keys, 5)}${one || ` (fields here: ${known.join(', ')})`}` });
          } else ctx.addIssue({ ...i, path: ['sysctl', ...i.path] } as Parameters<typeof ctx.addIssue>[0]);
        }
      }
    }
    for (const p of checkHostOs(h.os, h.os === 'linux' ? { sysctl: {}, profile: h.profile } : h)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });

export const lossSchema = z.union([
  z.number().min(0).max(1).meta({ description: 'Bernoulli loss probability per packet' }),
  z.object({ model: z.literal('bernoulli'), p: z.number().min(0).max(1) }).strict(),
  z
    .object({
      model: z.literal('gilbert-elliott'),
      p: z.number().min(0).max(1).meta({ description: 'P(good -> bad) per packet' }),
      r: z.number().min(0).max(1).meta({ description: 'P(bad -> good) per packet' }),
      lossGood: z.number().min(0).max(1).default(0),
      lossBad: z.number().min(0).max(1).default(1),
    })
    .strict(),
]);

const natTimeout = (what: string) => duration.optional().meta({ description: `idle timeout in ${what}; default from the profile` });
const port = z.number().int().min(1).max(65535);

/** A NAT / stateful firewall: a named profile (docs/scenarios.md "Middleboxes"), any field overridable. */
export const natSchema = z
  .object({
    type: z.literal('nat'),
    name: hostName.default('nat').meta({ description: 'name in the trace (a vantage point) and in --conntrack tables' }),
    profile: z.enum(NAT_PROFILE_NAMES).default('linux-conntrack').meta({ description: 'named behaviour (nat.md §7); the fields below override it' }),
    ip: z.ipv4().default('203.0.113.1').meta({ description: 'the outside address: what the far host sees' }),
    synSent: natTimeout('SYN_SENT'),
    synRecv: natTimeout('SYN_RECV'),
    established: natTimeout('ESTABLISHED'),
    finWait: natTimeout('FIN_WAIT'),
    closeWait: natTimeout('CLOSE_WAIT'),
    lastAck: natTimeout('LAST_ACK'),
    timeWait: natTimeout('TIME_WAIT'),
    close: natTimeout('CLOSE (after a RST)'),
    unacknowledged: duration.optional().meta({ description: 'cap while data is unacknowledged (Linux 300 s); 0 = none' }),
    retrans: duration.optional().meta({ description: 'cap after maxRetrans identical retransmissions (Linux 300 s); 0 = none' }),
    maxRetrans: z.number().int().min(0).max(255).optional().meta({ description: 'Linux nf_conntrack_tcp_max_retrans (3); 0 = off' }),
    refresh: z.enum(['both', 'outbound']).optional().meta({ description: 'packets that refresh the idle timer' }),
    insideNoEntry: z.enum(['pickup', 'drop', 'rst', 'icmp']).optional().meta({ description: 'an inside non-SYN packet with no entry: new mapping (Linux loose), drop, RST or ICMP host unreachable to the sender' }),
    outsideNoEntry: z.enum(['drop', 'rst', 'icmp']).optional().meta({ description: 'an outside packet with no entry: drop, RST or ICMP port unreachable to the sender' }),
    rstOnIdle: z.boolean().optional().meta({ description: 'RST both ends when an ESTABLISHED entry expires (Azure "TCP reset on idle")' }),
    table: z.number().int().min(1).optional().meta({ description: 'maximum entries (default: the profile, often unlimited)' }),
    evict: z.enum(['lru', 'early-drop', 'refuse', 'aggressive-aging']).optional().meta({ description: 'when the table is full: evict the least recently used entry, evict a non-ASSURED entry else refuse (Linux), refuse (RFC 6888); or, above agingHighWater, age out entries idle earlyAgeout (Juniper SRX)' }),
    agingHighWater: z.number().min(1).max(100).optional().meta({ description: 'aggressive-aging: percent of the table above which idle entries are aged out (default 100)' }),
    earlyAgeout: duration.optional().meta({ description: 'aggressive-aging: idle time that ages an entry out above the mark (default 20 s)' }),
    portQuota: z.number().int().min(1).optional().meta({ description: 'most mappings one inside host may hold (RFC 6888 REQ-4); default unlimited' }),
    preservePort: z.boolean().optional().meta({ description: 'keep the inside source port when free (default true)' }),
    ports: z.tuple([port, port]).optional().meta({ description: 'outside port range [lo, hi], default [1024, 65535]' }),
  })
  .strict()
  .superRefine((n, ctx) => {
    for (const k of ['synSent', 'synRecv', 'established', 'finWait', 'closeWait', 'lastAck', 'timeWait', 'close'] as const) {
      if (n[k] === 0) ctx.addIssue({ code: 'custom', path: [k], message: 'an idle timeout must be more than 0' });
    }
    if (n.ports && n.ports[0] > n.ports[1]) ctx.addIssue({ code: 'custom', path: ['ports'], message: `[${n.ports.join(', ')}] is not a range lo <= hi` });
  });

/** An application proxy / load balancer that terminates TCP on each leg (docs/scenarios.md "Middleboxes"). */
export const proxySchema = z
  .object({
    type: z.literal('proxy'),
    name: hostName.default('proxy').meta({ description: 'name in the trace (a vantage point with sides inside/outside); applications connect to it by this name' }),
    profile: z.enum(PROXY_PROFILE_NAMES).default('socks5').meta({ description: 'socks5 (no timeouts), haproxy (timeout client/server 50 s), aws-alb (60 s idle, data only), haproxy-2.6 and dante-1.4 (the recorded Debian 12 programs: docs/programs.md)' }),
    ip: z.ipv4().default('203.0.113.1').meta({ description: 'the proxy\'s address: clients connect to it, the target sees it as the peer' }),
    listen: port.meta({ description: 'port the proxy listens on' }),
    target: z.object({ host: hostName, port }).strict().meta({ description: 'where each accepted connection is relayed (SOCKS5: the CONNECT destination; HAProxy: the server line)' }),
    timeoutClient: duration.optional().meta({ description: 'inactivity timeout of the client (inside) leg, reset only by data; 0 = none' }),
    timeoutServer: duration.optional().meta({ description: 'inactivity timeout of the server (outside) leg, reset only by data; 0 = none' }),
    clientSocket: socketOptions.optional().meta({ description: 'socket options on the client leg (HAProxy option clitcpka)' }),
    serverSocket: socketOptions.optional().meta({ description: 'socket options on the server leg (HAProxy option srvtcpka)' }),
    latency: duration.optional().meta({ description: 'one-way latency between the first host and the proxy (default 0)' }),
  })
  .strict();

export const middleboxSchema = z.discriminatedUnion('type', [natSchema, proxySchema]);

/**
 * The router between the two hosts: its ICMP rate-limit sysctls, Linux names, units and
 * defaults (net.ipv4.icmp_*, per netns; src/net/icmp-limit.ts).
 */
export const routerSchema = z
  .object({
    icmp_ratelimit: z.number().int().min(0).max(2_147_483_647).optional().meta({ description: 'ms between ICMP errors to one destination (inet_peer bucket of 6); default 1000; 0 = no per-destination limit' }),
    icmp_ratemask: z.number().int().min(0).max(2 ** 32 - 1).optional().meta({ description: 'ICMP types rate-limited, bit i = type i; default 6168 (0x1818: 3, 4, 11, 12); 0 = none' }),
    icmp_msgs_per_sec: z.number().int().min(0).max(2_147_483_647).optional().meta({ description: 'host-wide ICMP errors per second; default 1000 (0 stops them all once the burst is spent)' }),
    icmp_msgs_burst: z.number().int().min(0).max(2_147_483_647).optional().meta({ description: 'host-wide burst; default 50' }),
  })
  .strict();

export const pathSchema = z
  .object({
    between: z.tuple([hostName, hostName]).optional().meta({ description: 'the two hosts; default: the first two hosts' }),
    // zod 4 defaults skip the transform, so defaults are written in output units (µs).
    latency: duration.default(500).meta({ description: 'one-way latency, default 0.5ms' }),
    loss: lossSchema.default(0),
    middleboxes: z.array(middleboxSchema).default([]).meta({
      description: 'middleboxes at the first host\'s edge of the path: at most one, a NAT (type: nat) or a proxy (type: proxy)',
    }),
    router: routerSchema.optional().meta({ description: "the router's ICMP rate limits (Linux sysctl names, defaults and units), for icmp-unreachable faults" }),
  })
  .strict();

const stepBase = { at: duration.optional().meta({ description: 'not before this virtual time' }) };

export const stepSchema = z.discriminatedUnion('call', [
  z.object({ ...stepBase, call: z.literal('listen'), port: z.number().int().min(1).max(65535), backlog: z.number().int().min(0).default(128) }).strict(),
  z.object({ ...stepBase, call: z.literal('accept') }).strict(),
  z.object({
    ...stepBase,
    call: z.literal('connect'),
    to: hostName,
    port: z.number().int().min(1).max(65535),
    localPort: z.number().int().min(1).max(65535).optional().meta({ description: 'bind this local port first (default: an ephemeral port)' }),
  }).strict(),
  z.object({
    ...stepBase,
    call: z.literal('setsockopt'),
    name: z.enum(['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT', 'SO_LINGER', 'SO_RCVBUF']),
    value: z.union([z.number().int(), z.boolean()]).meta({ description: 'the option value; SO_LINGER: l_linger seconds with l_onoff 1, or -1 for l_onoff 0' }),
  }).strict(),
  z.object({ ...stepBase, call: z.literal('getsockopt'), name: z.enum(['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT', 'SO_ERROR', 'SO_RCVBUF']) }).strict(),
  z.object({
    ...stepBase,
    call: z.literal('send'),
    bytes: z.number().int().min(1).default(1),
    // a period of 0 would repeat the send forever at one instant: virtual time would never move
    every: duration.refine((us) => us > 0, 'a period must be more than 0').optional().meta({ description: 'repeat the send with this period (the app keeps sending until an error or `count`)' }),
    count: z.number().int().min(1).optional(),
  }).strict(),
  z.object({ ...stepBase, call: z.literal('recv'), loop: z.boolean().default(false).meta({ description: 'keep calling recv() until EOF or an error' }) }).strict(),
  z.object({ ...stepBase, call: z.literal('select') }).strict(),
  z.object({ ...stepBase, call: z.literal('sleep'), for: duration }).strict(),
  z.object({ ...stepBase, call: z.literal('shutdown'), how: z.enum(['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR']).default('SHUT_WR') }).strict(),
  z.object({ ...stepBase, call: z.literal('close') }).strict(),
]);

/** Heartbeat programs (src/apps/), with this file's duration type. */
export const programSchema = programSchemas(duration);

export const appSchema = z
  .object({
    host: hostName,
    name: z.string().optional(),
    onError: z.enum(['stop', 'continue']).default('stop').meta({ description: 'stop = the program exits at the first failed call (as an uncaught exception would)' }),
    instances: z.number().int().min(1).max(100_000).optional().meta({ description: 'run this many copies of the program (default 1), named `<name>#<i>`, i from 0' }),
    stagger: duration.optional().meta({ description: 'copy i starts i × stagger later and every `at` of its steps moves by as much (default 0), e.g. "10ms"' }),
    steps: z.array(stepSchema).default([]).meta({ description: 'the socket calls the program makes, in order (or give `program`)' }),
    program: programSchema.optional().meta({ description: 'a heartbeat program instead of steps (docs/heartbeats.md): reaper, sink, ping-client, ping-server, mqtt-client, mqtt-broker, ssh-client, ssh-server, grpc-client, grpc-server, chatter' }),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.program && a.steps.length) ctx.addIssue({ code: 'custom', path: ['program'], message: 'give either steps or program, not both' });
    if (!a.program && !a.steps.length) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a program needs at least one step (or a `program`)' });
  });

export const faultSchema = z.discriminatedUnion('type', [
  z.object({ at: duration, type: z.literal('cut'), direction: z.string().optional().meta({ description: '"both" (default) or "a->b"' }) }).strict(),
  z.object({ at: duration, type: z.literal('restore'), direction: z.string().optional() }).strict(),
  z.object({
    at: duration,
    type: z.literal('firewall'),
    host: hostName,
    chain: z.enum(['INPUT', 'OUTPUT']),
    dport: z.number().int().min(1).max(65535).optional(),
    sport: z.number().int().min(1).max(65535).optional(),
    action: z.enum(['add', 'delete']).default('add'),
  }).strict(),
  z.object({ at: duration, type: z.literal('crash'), host: hostName }).strict(),
  z.object({ at: duration, type: z.literal('reboot'), host: hostName, downtime: duration.default(0) }).strict(),
  z.object({
    at: duration,
    type: z.literal('icmp-unreachable'),
    to: hostName.meta({ description: 'the host the path can no longer reach; packets towards it are answered with ICMP' }),
    code: z.enum(['host', 'net', 'port']).default('host'),
    until: duration.optional(),
  }).strict(),
]);

export const scenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    description: z.string().default(''),
    article: z.string().optional().meta({ description: 'the seed article this reproduces, and what it reported' }),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    until: duration.optional().meta({ description: 'horizon; default: when every app has finished, plus 1 s, capped at 1 day' }),
    vantage: z.array(hostName).optional().meta({ description: 'interfaces whose packets the human trace shows; default: the first host' }),
    hosts: z.record(hostName, hostSchema).refine((h) => Object.keys(h).length >= 2, 'at least two hosts'),
    path: pathSchema.default({ latency: 500, loss: 0, middleboxes: [] }),
    apps: z.array(appSchema).default([]),
    faults: z.array(faultSchema).default([]),
    expect: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'documented outcome, checked by the test suite (e.g. { "server.recv": "ETIMEDOUT" })' }),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type AppSpec = z.output<typeof appSchema>;
export type StepSpec = z.output<typeof stepSchema>;
export type FaultSpec = z.output<typeof faultSchema>;
export type PathSpec = z.output<typeof pathSchema>;
export type NatSpec = z.output<typeof natSchema>;
export type ProxySpec = z.output<typeof proxySchema>;
export type SocketOptionsSpec = z.output<typeof socketOptions>;
