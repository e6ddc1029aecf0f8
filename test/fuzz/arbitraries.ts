/**
 * fast-check arbitraries for fuzzing the CLI (issue 17): scenario documents that are valid
 * by construction from the schema, mutations of the built-in scenarios (values swapped for
 * extreme or wrong ones, fields dropped, unknown or misspelt fields added), `--set` paths and
 * values, sweep specs, and flag combinations for every subcommand. Each arbitrary produces a
 * `Case`: the argv and the files to write into the case folder first.
 *
 * Valid documents keep the event volume bounded by construction (periods of at least 100 ms,
 * horizons of at most 20 min, a few programs), so "an accepted run finishes within the
 * budget" is a property of them; mutated documents may ask for dense work and are only held
 * to the contract (no crash, no frozen virtual time).
 */
import fc from 'fast-check';
import YAML from 'yaml';
import { builtinNames, readRaw } from '../../sim/load.ts';
import { NAT_PROFILE_NAMES } from '../../src/net/nat/profiles.ts';
import { OS_NAMES } from '../../src/os/index.ts';
import { METRICS } from '../../src/metrics/catalogue.ts';

export interface Case {
  /** argv; `@` is replaced by the case folder */
  argv: string[];
  /** files written into the case folder before the call: name → text or bytes */
  files: Record<string, string | Uint8Array>;
  /** what generated it */
  kind: string;
  /** valid by construction: must run (exit 0) within the budget */
  valid?: boolean;
}

/** Built-ins cheap enough for the quick mode (the three NAT-table pressure runs take seconds). */
const SLOW = new Set(['nat-keepalive-sweep', 'nat-table-pressure', 'nat-table-pressure-linux']);
export const builtins = (all: boolean): string[] => builtinNames().filter((n) => all || !SLOW.has(n));
const RAW = new Map(builtinNames().map((n) => [n, readRaw(n).raw]));

// ---------------------------------------------------------------- values

const durationText = fc.oneof(
  fc.constantFrom('0', '1us', '1ms', '0.5', '30s', '2h', '100y', '1000000d', '36500d', '36525d', '-5s', '5 parsecs', '', '1e400', '.5s', '1h30m', '9'.repeat(30), '1e-7'),
  fc.integer({ min: 0, max: 3600 }).map((n) => `${n}s`),
  fc.double({ min: 0, max: 4e9, noNaN: true }).map(String),
);

/** A YAML scalar or small structure as typed on a command line (`--set path=<this>`). */
export const valueText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('1', '0', '-1', '2.5', '65535', '65536', '2147483648', '1e308', '1e400', '.inf', '-.inf', '.nan', 'true', 'null', '~', '', '[]', '{}', 'linux', 'macos', 'freebsd', 'windows', 'nat', 'proxy', 'client', 'server', 'cleint', '__proto__', 'constructor', 'toString') },
  { weight: 3, arbitrary: durationText },
  { weight: 2, arbitrary: fc.constantFrom('&a [*a]', '!!foo x', '!!binary aGk=', '{', '[1, 2', 'a: b: c', '"unterminated', "'", '- - - -', '{a: 1, a: 2}', '[' .repeat(50) + ']'.repeat(50), '*alias', '&x 1', '<<: {a: 1}', '? complex', '\t', '\u0000', '\u001b[31m', '\uFEFF1') },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 200_000 }).map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(10_000), 'é'.repeat(500), '💥'.repeat(300)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);

/** A value inside a document (numbers JSON cannot hold included: YAML writes .inf and .nan). */
const docValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(-1, 0, 1, 2.5, 65536, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e20, 1e308, Infinity, -Infinity, NaN, -0) },
  { weight: 3, arbitrary: durationText },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, '', [], {}, [[]], { __proto__: null }, 'client', 'server', 'nobody', '10.0.0.1', '0.0.0.0', '224.0.0.1', '300.1.1.1') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(5000)) },
);

// ---------------------------------------------------------------- paths

/** Every path in a document (containers and leaves), dotted. */
export function pathsOf(doc: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (prefix.length > 8) return out;
  const entries: [string, unknown][] = Array.isArray(doc) ? doc.map((v, i) => [String(i), v]) : doc && typeof doc === 'object' ? Object.entries(doc) : [];
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    pathsOf(v, [...prefix, k], out);
  }
  return out;
}
const PATHS = new Map([...RAW].map(([n, raw]) => [n, pathsOf(raw)]));

/** A path near a real one: itself, a typo, an extra or missing part, a prototype key, an index too far. */
function nearPath(paths: string[][]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...paths), fc.nat(), fc.constantFrom('same', 'same', 'same', 'typo', 'extra', 'proto', 'index', 'drop', 'empty', 'deep')).map(([p, n, how]) => {
    const q = [...p];
    const i = n % q.length;
    const s = q[i] as string;
    switch (how) {
      case 'typo':
        q[i] = s.length > 2 ? s.slice(0, n % (s.length - 1)) + (s[(n % (s.length - 1)) + 1] ?? '') + (s[n % (s.length - 1)] ?? '') + s.slice((n % (s.length - 1)) + 2) : `${s}x`;
        break;
      case 'extra':
        q.push(['x', 'length', '0', 'sysctl', 'socket'][n % 5] as string);
        break;
      case 'proto':
        q.splice(i, 0, ['__proto__', 'constructor', 'prototype'][n % 3] as string);
        break;
      case 'index':
        q[i] = String([5, 99, 1_000_000, -1, 1.5][n % 5]);
        break;
      case 'drop':
        q.splice(i, 1);
        break;
      case 'empty':
        q.splice(i, 0, '');
        break;
      case 'deep':
        for (let k = 0; k < 20 + (n % 3000); k++) q.push('a');
        break;
    }
    return q.join('.');
  });
}

// ---------------------------------------------------------------- documents

/**
 * A duration: ordinary values for a valid document, or (edge) the extremes — 0, 1 µs, up to
 * 100 years — which the schema accepts or refuses (a period must be more than 0).
 */
const dur = (lo: number, hi: number, edge: boolean): fc.Arbitrary<string> =>
  edge ? fc.constantFrom('0', '1us', '0', '1ms', `${hi}s`, '1h', '36500d') : fc.integer({ min: lo, max: hi }).map((n) => `${n}s`);

/** A heartbeat program pair (docs/heartbeats.md): the server side and the client side. */
const programPair = (edge: boolean): fc.Arbitrary<[Record<string, unknown>, Record<string, unknown>]> =>
  fc
    .record({
      kind: fc.constantFrom('ping', 'mqtt', 'ssh', 'grpc', 'chatter', 'reaper'),
      a: dur(5, 120, edge),
      b: dur(1, 60, edge),
      n: fc.integer({ min: 0, max: edge ? 65535 : 600 }),
      misses: fc.integer({ min: 1, max: edge ? 1000 : 5 }),
      reconnect: fc.option(fc.record({ initial: dur(1, 10, edge), max: dur(10, 300, edge), multiplier: fc.double({ min: 1, max: 10, noNaN: true }) })),
      start: dur(0, 5, edge),
    })
    .map((g): [Record<string, unknown>, Record<string, unknown>] => {
      const client = { to: 'server', port: 7000, start: g.start, ...(g.reconnect ? { reconnect: g.reconnect } : {}) };
      switch (g.kind) {
        case 'ping':
          return [{ kind: 'ping-server', port: 7000 }, { kind: 'ping-client', ...client, ping: { interval: g.a, timeout: g.b, misses: g.misses } }];
        case 'mqtt':
          return [{ kind: 'mqtt-broker', port: 7000 }, { kind: 'mqtt-client', ...client, keepAlive: Math.min(g.n, 65535), publishEvery: g.a }];
        case 'ssh':
          return [{ kind: 'ssh-server', port: 7000, clientAliveInterval: g.n, clientAliveCountMax: g.misses }, { kind: 'ssh-client', ...client, serverAliveInterval: g.n, serverAliveCountMax: g.misses }];
        case 'grpc':
          return [{ kind: 'grpc-server', port: 7000, minPingInterval: g.b }, { kind: 'grpc-client', ...client, keepaliveTime: g.a, keepaliveTimeout: g.b }];
        case 'chatter':
          return [{ kind: 'sink', port: 7000, echo: g.n % 2 === 0 }, { kind: 'chatter', ...client, every: g.a, count: g.misses }];
        default:
          return [{ kind: 'reaper', port: 7000, checkInterval: g.b, idleTime: g.a }, { kind: 'chatter', ...client, every: g.a, count: g.misses }];
      }
    });

/** A scenario valid by construction from the schema, with bounded work (or, `edge`, at the schema's extremes). */
export const validScenario = (edge = false): fc.Arbitrary<Record<string, unknown>> => fc
  .record({
    os: fc.constantFrom(...OS_NAMES),
    serverOs: fc.constantFrom(...OS_NAMES),
    timer: fc.constantFrom('linux', 'exact'),
    hz: fc.constantFrom(100, 250, 300, 1000),
    keepalive: fc.option(fc.record({ idle: fc.integer({ min: 1, max: 600 }), intvl: fc.integer({ min: 1, max: 60 }), cnt: fc.integer({ min: 1, max: 10 }) })),
    userTimeout: fc.option(fc.integer({ min: 0, max: 120_000 })),
    latency: edge ? fc.constantFrom('0', '0', '1us', '1ms', '36500d') : fc.integer({ min: 0, max: 200 }).map((n) => `${n}ms`),
    loss: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.record({ model: fc.constant('gilbert-elliott'), p: fc.double({ min: 0, max: 0.2, noNaN: true }), r: fc.double({ min: 0.1, max: 1, noNaN: true }) })),
    nat: fc.option(fc.record({ profile: fc.constantFrom(...NAT_PROFILE_NAMES), established: fc.option(fc.integer({ min: 5, max: 900 })) })),
    port: fc.integer({ min: 1, max: 65535 }),
    startS: fc.integer({ min: 0, max: 5 }),
    sends: fc.array(fc.record({ bytes: fc.integer({ min: 1, max: 20_000 }), every: fc.option(edge ? fc.constantFrom('0', '1us', '1ms', '100ms') : fc.integer({ min: 100, max: 60_000 }).map((n) => `${n}ms`)), count: fc.integer({ min: 1, max: 8 }), at: fc.option(fc.integer({ min: 0, max: 600 })) }), { maxLength: 3 }),
    program: fc.option(programPair(edge), { freq: 3 }),
    sleepS: fc.option(fc.integer({ min: 0, max: 900 })),
    close: fc.boolean(),
    instances: fc.option(fc.integer({ min: 1, max: 6 })),
    faults: fc.array(fc.record({ type: fc.constantFrom('cut', 'restore', 'crash', 'reboot', 'firewall', 'icmp-unreachable'), at: fc.integer({ min: 1, max: 1200 }), host: fc.constantFrom('client', 'server'), downtime: fc.integer({ min: 0, max: 60 }) }), { maxLength: 3 }),
    until: edge ? fc.constantFrom('1us', '10s', '10s', '1d', '36525d') : fc.integer({ min: 10, max: 1200 }).map((n) => `${n}s`),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  })
  .map((g) => {
    const socket: Record<string, unknown> = {};
    if (g.os === 'linux' && g.keepalive) Object.assign(socket, { SO_KEEPALIVE: true, TCP_KEEPIDLE: g.keepalive.idle, TCP_KEEPINTVL: g.keepalive.intvl, TCP_KEEPCNT: g.keepalive.cnt });
    if (g.os === 'linux' && g.userTimeout !== null) socket['TCP_USER_TIMEOUT'] = g.userTimeout;
    const steps: Record<string, unknown>[] = [{ at: `${g.startS}s`, call: 'connect', to: 'server', port: g.port }];
    for (const s of g.sends) steps.push({ call: 'send', bytes: s.bytes, ...(s.at !== null ? { at: `${g.startS + s.at}s` } : {}), ...(s.every !== null ? { every: s.every, count: s.count } : {}) });
    if (g.sleepS !== null) steps.push({ call: 'sleep', for: g.sleepS });
    steps.push({ call: 'recv' });
    if (g.close) steps.push({ call: 'close' });
    return {
      name: 'fuzz',
      seed: g.seed,
      until: g.until,
      hosts: { client: { os: g.os, ...(g.os === 'linux' ? { hz: g.hz } : {}), timer: g.timer, socket }, server: { os: g.serverOs } },
      path: { latency: g.latency, loss: g.loss, middleboxes: g.nat ? [{ type: 'nat', profile: g.nat.profile, ...(g.nat.established !== null ? { established: `${g.nat.established}s` } : {}) }] : [] },
      apps: g.program
        ? [
            { host: 'server', program: g.program[0] },
            { host: 'client', ...(g.instances !== null ? { instances: g.instances, stagger: '10ms' } : {}), program: g.program[1] },
          ]
        : [
            { host: 'server', steps: [{ call: 'listen', port: g.port }, { call: 'accept' }, { call: 'recv', loop: true }] },
            { host: 'client', ...(g.instances !== null ? { instances: g.instances, stagger: '10ms' } : {}), steps },
          ],
      faults: g.faults.map((f) => {
        switch (f.type) {
          case 'cut':
          case 'restore':
            return { at: f.at, type: f.type };
          case 'crash':
            return { at: f.at, type: 'crash', host: f.host };
          case 'reboot':
            return { at: f.at, type: 'reboot', host: f.host, downtime: f.downtime };
          case 'firewall':
            return { at: f.at, type: 'firewall', host: f.host, chain: 'INPUT', dport: g.port };
          default:
            return { at: f.at, type: 'icmp-unreachable', to: f.host, until: f.at + f.downtime };
        }
      }),
    };
  });

type Mutation = (doc: Record<string, unknown>, paths: string[][]) => void;

const parentOf = (doc: unknown, path: string[]): [Record<string, unknown> | unknown[], string] | null => {
  let node = doc as Record<string, unknown>;
  for (const k of path.slice(0, -1)) {
    const next = (node as Record<string, unknown>)[k];
    if (!next || typeof next !== 'object') return null;
    node = next as Record<string, unknown>;
  }
  return [node, path[path.length - 1] as string];
};

/** One mutation of a document: replace a value, drop a field, add a misspelt or unknown one, duplicate a list item, nest deeper. */
const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), docValue, fc.constantFrom('replace', 'replace', 'replace', 'nudge', 'nudge', 'nudge', 'drop', 'unknown', 'typo', 'dup', 'wrap', 'proto', 'alias')).map(([n, v, how]) => (doc, paths) => {
  const p = paths[n % Math.max(1, paths.length)];
  if (!p) return;
  const at = parentOf(doc, p);
  if (!at) return;
  const [node, key] = at;
  const o = node as Record<string, unknown>;
  switch (how) {
    case 'replace':
      o[key] = structuredClone(v);
      break;
    case 'nudge': {
      // a value of the same kind, at an edge: the runs that are accepted but unusual
      const old = o[key];
      if (typeof old === 'number') o[key] = [0, 1, old * 2, Math.round(old / 2), old + 1, old - 1, 127, 255, 32_767, 65_535, 2_147_483][n % 11];
      else if (typeof old === 'string' && /^[\d.]+\s*(us|ms|s|min|m|h|d)?$/.test(old)) o[key] = ['0', '1us', '1ms', '100ms', '1s', '59s', '1h', '1d', '30d'][n % 9];
      else if (typeof old === 'boolean') o[key] = !old;
      else o[key] = structuredClone(v);
      break;
    }
    case 'drop':
      if (Array.isArray(node)) node.splice(Number(key), 1);
      else delete o[key];
      break;
    case 'unknown':
      if (!Array.isArray(node)) o[`bogus${n % 7}`] = v;
      break;
    case 'typo':
      if (!Array.isArray(node) && key.length > 2) {
        o[key.slice(0, -1)] = o[key];
        delete o[key];
      }
      break;
    case 'dup':
      if (Array.isArray(node)) node.push(structuredClone(node[Number(key)]));
      break;
    case 'wrap':
      o[key] = [o[key]];
      break;
    case 'proto':
      if (!Array.isArray(node)) Object.defineProperty(o, ['__proto__', 'constructor', 'prototype'][n % 3] as string, { value: { polluted: 1 }, enumerable: true, configurable: true, writable: true });
      break;
    case 'alias':
      o[key] = doc; // a cycle (written as YAML anchors and aliases)
      break;
  }
});

/** A document as a file: YAML (anchors for cycles), JSON, or damaged text. */
function asFile(doc: unknown, n: number): [string, string | Uint8Array] {
  const form = n % 20;
  if (form < 12) return ['case.yaml', safeYaml(doc)];
  if (form < 18) return ['case.json', safeJson(doc)];
  const text = safeYaml(doc);
  if (form === 18) return ['case.yaml', text.slice(0, Math.floor(text.length * ((n % 97) / 97)))]; // cut short
  return ['case.yaml', Buffer.concat([Buffer.from(text.slice(0, n % (text.length + 1))), Buffer.from([0xff, 0xfe, 0xc3])])]; // bad UTF-8
}

function safeYaml(doc: unknown): string {
  try {
    return new YAML.Document(doc, { aliasDuplicateObjects: true }).toString({ lineWidth: 0 });
  } catch {
    return 'a: &a [*a]\n';
  }
}

function safeJson(doc: unknown): string {
  try {
    return JSON.stringify(doc);
  } catch {
    return '{"hosts": {"client": {}, "server": {}}, "seed": 1, "seed": 2}';
  }
}

/** A value of the same kind at an edge, at a leaf: mostly accepted, often unusual. */
const nudge: fc.Arbitrary<Mutation> = fc.nat().map((n) => (doc, paths) => {
  const leaves = paths.filter((p) => {
    const at = parentOf(doc, p);
    const v = at ? (at[0] as Record<string, unknown>)[at[1]] : undefined;
    return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
  });
  const p = leaves[n % Math.max(1, leaves.length)];
  const at = p && parentOf(doc, p);
  if (!at) return;
  const o = at[0] as Record<string, unknown>;
  const old = o[at[1]];
  if (typeof old === 'number') o[at[1]] = [0, 1, old * 2, Math.round(old / 2), old + 1, Math.max(0, old - 1), 3, 10, 60, 127][Math.floor(n / 7) % 10];
  else if (typeof old === 'boolean') o[at[1]] = !old;
  else if (typeof old === 'string' && /^[\d.]+\s*(us|ms|s|min|m|h|d)?$/.test(old)) o[at[1]] = ['0', '1us', '1ms', '100ms', '1s', '59s', '5min', '1h', '1d'][Math.floor(n / 7) % 9];
});

/** A built-in scenario, changed 1 to 4 times (edge values mostly, damage sometimes), as a YAML or JSON file. */
export const mutatedScenario = (all: boolean): fc.Arbitrary<Case> =>
  fc.tuple(fc.constantFrom(...builtins(all)), fc.array(fc.oneof({ weight: 3, arbitrary: nudge }, { weight: 2, arbitrary: mutation }), { minLength: 1, maxLength: 4 }), fc.nat()).map(([name, muts, n]) => {
    const doc = structuredClone(RAW.get(name)) as Record<string, unknown>;
    for (const m of muts) m(doc, pathsOf(doc));
    const [file, text] = asFile(doc, n);
    return { kind: `mutated ${name}`, argv: ['run', `@/${file}`], files: { [file]: text } };
  });

/** A valid scenario as a file, run as it is. */
export const validCase: fc.Arbitrary<Case> = fc.tuple(validScenario(false), fc.boolean()).map(([doc, json]) => {
  const file = json ? 'valid.json' : 'valid.yaml';
  return { kind: 'valid scenario', valid: true, argv: ['run', `@/${file}`], files: { [file]: json ? JSON.stringify(doc) : YAML.stringify(doc) } };
});

/** A scenario at the schema's extremes (0, 1 µs, 100 years): accepted or refused, never a crash or frozen time. */
export const edgeCase: fc.Arbitrary<Case> = validScenario(true).map((doc) => ({ kind: 'edge scenario', argv: ['run', '@/edge.yaml'], files: { 'edge.yaml': YAML.stringify(doc) } }));

// ---------------------------------------------------------------- flags

const setFlags = (name: string): fc.Arbitrary<string[]> =>
  fc.array(fc.tuple(nearPath(PATHS.get(name) ?? [['seed']]), valueText, fc.constantFrom('=', '=', '=', '', '==', ' = ')).map(([p, v, eq]) => ['--set', `${p}${eq}${v}`]), { maxLength: 3 }).map((xs) => xs.flat());

const runFlag: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('--seed', '--until', '--timers', '--conntrack', '--ladder-max', '--ladder-idle', '-c', '-d', '-i', '--vantage', '--pcap-at'), fc.oneof(valueText, durationText, fc.constantFrom('client', 'server', 'nat', 'nat:inside', 'router:outside', 'client,server', 'toString'))).map(([f, v]) => [f, v]),
  fc.constantFrom<string[]>(['--json'], ['-v'], ['--verbose'], ['--timeline', '-'], ['--json', '--timeline', '-']),
  fc.tuple(fc.constantFrom('--mermaid', '--pcap', '--timeline'), fc.constantFrom('@/out.mmd', '@/a/b/out.pcapng', '@/out.pcap', '@/t.json', '@', '@/', '', '@/same', '/', '@/x.txt', '@/\u0000')).map(([f, v]): string[] => [f, v]),
  fc.constantFrom<string[]>(['--frobnicate'], ['--sed', '3'], ['extra-arg'], ['--'], ['-'], ['--seed'], ['--help']),
);

/** `run <built-in> [--set …] [flags]` */
export const runCase = (all: boolean): fc.Arbitrary<Case> =>
  fc.constantFrom(...builtins(all)).chain((name) =>
    fc.tuple(setFlags(name), fc.array(runFlag, { maxLength: 3 })).map(([sets, flags]) => ({ kind: `run ${name}`, argv: ['run', name, ...sets, ...flags.flat()], files: {} })),
  );

/** A name given as the scenario: near a built-in, a path, junk. */
export const scenarioRef: fc.Arbitrary<Case> = fc
  .oneof(
    fc.constantFrom('seed000-cable-pul', '../scenarios/seed000-cable-pull', '../../package', '/etc/passwd', '/dev/null', '/dev/zero', '/proc/self/status', '@', '@/missing.yaml', '', '-', '.', '..', 'x'.repeat(5000), '\u0000', 'seed000-cable-pull.yaml', 'SEED000-CABLE-PULL'),
    fc.string({ maxLength: 30 }),
  )
  .map((ref) => ({ kind: 'scenario name', argv: ['run', ref], files: {} }));

const varySpec = fc.oneof(
  fc.constantFrom('path.latency=1ms,2ms', 'path.loss=0..0.1/0.05', 'hosts.client.socket.TCP_KEEPIDLE=10..30/10', 'hosts.server.sysctl.tcp_keepalive_intvl=1,5', 'path.latency=1us..1000000d', 'path.latency=1us..10s', 'path.loss=0.3..0.1', 'path.loss=0..1/0', '__proto__.x=1,2', 'seed=1,2', 'a..b=1', 'noequals', '=1', 'path.loss=', 'path.loss=,', 'path.loss=1e400..1e401', 'path.latency=0s..100y/1y', 'hosts.cleint.os=linux,macos', 'path.loss=0..1/0.0000001'),
  fc.tuple(nearPath(PATHS.get('seed000-cable-pull') ?? []), fc.oneof(valueText, fc.tuple(durationText, durationText, durationText).map(([a, b, c]) => `${a}..${b}/${c}`))).map(([p, v]) => `${p}=${v}`),
);

/** A sweep that should run: small grids, a few seeds, with or without files. */
const goodSweep: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom('seed000-cable-pull', 'seed002-probe-ack', 'aws-natgw-keepidle-300', 'seed001-nat-table', 'seed003-client-ping'),
    fc.array(fc.constantFrom('path.latency=1ms,2ms', 'path.loss=0..0.1/0.05', 'path.latency=0..3ms', 'seed000-x'), { minLength: 1, maxLength: 2 }),
    fc.option(fc.constantFrom('2', '1..2', '3,5')),
    fc.option(fc.constantFrom<string[]>(['--sample', '2'], ['--metrics', 'detect,falseAlarm'], ['--until', '300s'], ['--out', '@/r/x'], ['--out', '@/r/x', '--no-plots'])),
  )
  .map(([name, vary, seeds, extra]) => ({
    kind: 'sweep',
    argv: ['sweep', name, ...[...new Set(vary)].filter((v) => v !== 'seed000-x').flatMap((v) => ['--vary', v]), ...(seeds !== null ? ['--seeds', seeds] : []), ...(extra ?? []), '--workers', '1', '--no-plots'],
    files: {},
  }));

/** `sweep <built-in> --vary … [--seeds …] …`, on this thread (--workers 1) */
export const sweepCase: fc.Arbitrary<Case> = fc.oneof(goodSweep, fc
  .tuple(
    fc.constantFrom('seed000-cable-pull', 'seed002-probe-ack', 'aws-natgw-keepidle-300', 'seed001-nat-table'),
    fc.array(varySpec, { minLength: 0, maxLength: 2 }),
    fc.option(fc.constantFrom('2', '1..2', '3,5', '0', '4294967295', '0..4294967295', '1,1', 'x', '', '7..5', '1e3')),
    fc.array(fc.constantFrom(['--sample', '2'], ['--sample', '0'], ['--sample', '999999999'], ['--sample-seed', '-1'], ['--max-points', '3'], ['--max-points', '0'], ['--max-points', '2000000'], ['--metrics', 'detect,falseAlarm'], ['--metrics', 'bogus'], ['--until', '300s'], ['--until', '0'], ['--until', '1000000d'], ['--out', '@/r/x'], ['--out', '@'], ['--out', '/'], ['--out', '@/r/x', '--no-plots'], ['--resume'], ['--force'], ['--workers', '0'], ['--workers', '1000']), { maxLength: 3 }),
  )
  .map(([name, vary, seeds, flags]) => ({
    kind: 'sweep',
    argv: ['sweep', name, ...vary.flatMap((v) => ['--vary', v]), ...(seeds !== null ? ['--seeds', seeds] : []), ...flags.flat(), '--workers', '1', '--no-plots'],
    files: {},
  })));

/** `sweep --file f.yaml`: a sweep file, valid or mutated. */
export const sweepFileCase: fc.Arbitrary<Case> = fc
  .record({
    scenario: fc.constantFrom('seed000-cable-pull', '../x', 'case.yaml', '', 'seed000-cable-pul'),
    vary: fc.oneof(fc.constant({ 'path.loss': [0, 0.1] }), fc.constant({ 'path.latency': '1ms..3ms/1ms' }), fc.constant({}), fc.dictionary(fc.constantFrom('path.loss', '__proto__', 'hosts.client.os', 'x'), docValue, { maxKeys: 2 })),
    seeds: fc.option(fc.constantFrom<unknown>(2, '1..2', [3, 7], 0, -1, 'x', 4294967296, [])),
    set: fc.option(fc.dictionary(fc.constantFrom('path.latency', 'hosts.cleint.os', 'constructor.x', 'seed'), docValue, { maxKeys: 2 })),
    until: fc.option(durationText),
  })
  .map((f) => {
    const doc = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null));
    return { kind: 'sweep file', argv: ['sweep', '--file', '@/sweep.yaml', '--workers', '1', '--max-points', '8'], files: { 'sweep.yaml': safeYaml(doc) } };
  });

/** Rows for `plot`: a few valid runs, or junk. */
const rowsFile = fc.oneof(
  fc.array(fc.record({ run: fc.nat(10), seed: fc.nat(3), 'path.loss': fc.constantFrom(0, 0.1, 0.2), 'detect.first': fc.option(fc.double({ min: 0, max: 1000, noNaN: true })), 'overhead.packetsPerHour': fc.constantFrom(10, 20, 30), 'nat.survived': fc.boolean() }), { minLength: 1, maxLength: 8 }).map((rows) => rows.map((r) => JSON.stringify(r)).join('\n')),
  fc.constantFrom('', '\n', 'not json\n', '[1,2]\n', '{"a":1}\n{"a":', '{"__proto__": {"x": 1}}\n', `${'['.repeat(5000)}${']'.repeat(5000)}\n`),
);

/** `plot <rows> …` writing Vega-Lite JSON (no rendering), or the automatic plots. */
export const plotCase: fc.Arbitrary<Case> = fc
  .tuple(
    rowsFile,
    fc.constantFrom('r.jsonl', 'r.csv', 'r.txt'),
    fc.option(fc.constantFrom('heatmap', 'cdf', 'pareto', 'line', 'pie')),
    fc.array(fc.tuple(fc.constantFrom('--x', '--y', '--color', '--group', '--label', '--agg'), fc.constantFrom('path.loss', 'detect.first', 'overhead.packetsPerHour', 'nat.survived', 'seed', 'bogus', '__proto__', 'mean', 'p95', '')), { maxLength: 4 }),
    fc.constantFrom(['-o', '@/p.json'], ['-o', '@/d/p.json'], ['-o', '@'], ['-o', '@/p.gif'], [], ['--format', 'json', '-o', '@/auto']),
  )
  .map(([rows, file, kind, flags, out]) => ({ kind: 'plot', argv: ['plot', `@/${file}`, ...(kind ? ['--kind', kind] : []), ...flags.flat(), ...out], files: { [file]: rows } }));

/** `advise` with flags that are mostly wrong (a full advice simulates for seconds). */
export const adviseCase: fc.Arbitrary<Case> = fc
  .array(fc.tuple(fc.constantFrom('--nat', '--nat-idle', '--detect', '--loss', '--proxy', '--rtt', '--os', '--hz', '--side', '--false-alarms', '--seeds', '--live-hours', '--check'), fc.oneof(valueText, fc.constantFrom('aws-natgw', 'aws-natgwx', 'haproxy', 'linux,macos', 'all', 'both', '60/10/3', '60/10/3/-1', '60//3', '1/1/1/99999999999', '30s', '0.6'))), { maxLength: 4 })
  .map((flags) => ({ kind: 'advise', argv: ['advise', ...flags.flat(), '--seeds', '1', '--live-hours', '0.1', '--loss', '0', '--detect', 'never'], files: {} }));

/** `compare` with a small compare file, or a name. */
export const compareCase: fc.Arbitrary<Case> = fc
  .oneof(
    fc.record({ base: fc.constantFrom('seed000-cable-pull', '../x', 'nope'), strategies: fc.constantFrom([], [{ name: 'a', set: {} }], [{ name: 'a', set: { 'hosts.client.socket.TCP_KEEPIDLE': '$k' } }], [{ name: 'b', set: { '__proto__.x': 1 } }], [{ name: 'c', set: { 'hosts.cleint.os': 'linux' } }]), situations: fc.constantFrom([{ name: 's', seeds: 1 }], [{ name: 's', seeds: 0 }], [{ name: 's', seeds: 1, vars: { k: 5 } }], [{ name: 's', seeds: 1, vars: { constructor: 1 } }]), until: fc.option(durationText) }).map((c) => ({ kind: 'compare file', argv: ['compare', '@/c.yaml'], files: { 'c.yaml': safeYaml(c) } })),
    fc.constantFrom('seed003-strategie', '../compare/seed003-strategies', '', '@').map((n) => ({ kind: 'compare name', argv: ['compare', n], files: {} })),
  );

/** The other commands and the program's own flags. */
export const miscCase: fc.Arbitrary<Case> = fc
  .constantFrom<string[]>(['list'], ['schema'], ['machine'], [], ['--version'], ['--help'], ['rn'], ['run'], ['sweep'], ['plot'], ['advise'], ['compare'], ['calibrate', 'no-such'], ['calibrate', '--fixture', '../x'], ['list', 'extra'], ['help', 'run'], ['--frobnicate'])
  .map((argv) => ({ kind: 'misc', argv, files: {} }));

/** All of the above but the valid documents (their own property), weighted so that quick mode stays quick. */
export const anyCase = (all: boolean): fc.Arbitrary<Case> =>
  fc.oneof(
    { weight: 6, arbitrary: mutatedScenario(all) },
    { weight: 4, arbitrary: runCase(all) },
    { weight: all ? 2 : 1, arbitrary: edgeCase },
    { weight: 2, arbitrary: scenarioRef },
    { weight: 3, arbitrary: sweepCase },
    { weight: 1, arbitrary: sweepFileCase },
    { weight: 2, arbitrary: plotCase },
    { weight: 1, arbitrary: adviseCase },
    { weight: 1, arbitrary: compareCase },
    { weight: 1, arbitrary: miscCase },
  );

export const METRIC_NAMES = METRICS.map((m) => m.name);
