/**
 * grpc-server / grpc-client -> gRPC core 1.51 through Debian's python3-grpcio
 * (./grpc_server.py, ./grpc_client.py), insecure channels (the models' `tls: false`). Their
 * decisions are gRPC core's own log lines (GRPC_VERBOSITY=debug), timed by the stamp gRPC
 * puts on each line (TZ=UTC).
 */
import type { ProgramSpec } from '../../src/apps/schema.ts';
import { Proc, type Line } from './proc.ts';
import { debVersion, py, type Decision, type LaunchCtx, type RealProgram } from './real.ts';

type Server = Extract<ProgramSpec, { kind: 'grpc-server' }>;
type Client = Extract<ProgramSpec, { kind: 'grpc-client' }>;

/** gpr_log's environment: every decision logged, stamps in UTC. */
const ENV = ['env', 'GRPC_VERBOSITY=debug', 'GRPC_TRACE=', 'TZ=UTC', 'no_proxy=*', 'http_proxy=', 'https_proxy='];

/** What the real programs cannot play (the harness has no TLS; gRPC core's backoff grows by 1.6). */
export function grpcRefusals(p: ProgramSpec): string[] {
  if (p.kind !== 'grpc-server' && p.kind !== 'grpc-client') return [];
  const out: string[] = [];
  if (p.profile !== 'grpc-core-1.51') out.push(`${p.kind}: only profile grpc-core-1.51 has a real program (gRPC core 1.51, python3-grpcio)`);
  if (p.tls !== false) out.push(`${p.kind}: set tls: false (the real programs use insecure channels)`);
  if (p.kind === 'grpc-client' && p.reconnect && p.reconnect.multiplier !== 1.6) out.push('grpc-client: reconnect.multiplier must be 1.6 (gRPC core\'s GRPC_SUBCHANNEL_RECONNECT_BACKOFF_MULTIPLIER is fixed)');
  return out;
}

/** `I1203 18:24:20.139139377  9067 file.cc:1016] text` -> µs since the epoch (UTC), or null. */
export function grpcLogTime(l: Line): number | null {
  const m = /^[DIEW](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6})\d*\s/.exec(l.text);
  if (!m) return null;
  const [mo, d, h, mi, s, us] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = new Date(l.us / 1000).getUTCFullYear();
  return Date.UTC(year, mo - 1, d, h, mi, s) * 1000 + us;
}

function fromLog(lines: Line[], rules: [RegExp, string, (m: RegExpExecArray) => string][]): Decision[] {
  const out: Decision[] = [];
  for (const l of lines) {
    if (l.stream !== 'stderr') continue;
    for (const [re, what, detail] of rules) {
      const m = re.exec(l.text);
      if (m) out.push({ us: grpcLogTime(l) ?? l.us, what, detail: detail(m) });
    }
  }
  return out;
}

const version = async (): Promise<string> => `gRPC core ${await debVersion('python3-grpcio')} (python3-grpcio)`;

export async function grpcServer(c: LaunchCtx, p: Server): Promise<RealProgram> {
  const proc = new Proc(c.name, c.ns, [...ENV, ...py('grpc_server.py')]);
  const cfg = { port: p.port, minPingIntervalMs: Math.round(p.minPingInterval / 1000), permitWithoutCalls: p.permitWithoutCalls, maxPingStrikes: p.maxPingStrikes };
  return {
    version: await version(),
    proc,
    role: 'server',
    async start() {
      proc.start(`${JSON.stringify(cfg)}\n`);
      await proc.waitListening(p.port);
    },
    // chttp2_transport.cc send_goaway: "Sending goaway err=UNKNOWN:too_many_pings {…}"
    decisions: () => fromLog(proc.lines, [[/Sending goaway err=\S*too_many_pings/, 'GOAWAY too_many_pings', () => 'gRPC core: Sending goaway too_many_pings (ENHANCE_YOUR_CALM)']]),
  };
}

export async function grpcClient(c: LaunchCtx, p: Client): Promise<RealProgram> {
  const to = c.ips[p.to];
  if (!to) throw new Error(`${c.name}: unknown peer ${p.to}`);
  const options: [string, number][] = [
    ['grpc.keepalive_time_ms', Math.round(p.keepaliveTime / 1000)],
    ['grpc.keepalive_timeout_ms', Math.round(p.keepaliveTimeout / 1000)],
    ['grpc.keepalive_permit_without_calls', p.permitWithoutCalls ? 1 : 0],
    ['grpc.http2.max_pings_without_data', p.maxPingsWithoutData ?? 2],
    ['grpc.enable_http_proxy', 0],
  ];
  if (p.reconnect) options.push(['grpc.initial_reconnect_backoff_ms', Math.round(p.reconnect.initial / 1000)], ['grpc.max_reconnect_backoff_ms', Math.round(p.reconnect.max / 1000)]);
  const cfg = { target: `ipv4:${to}:${p.port}`, start: p.start, options, reconnect: p.reconnect !== undefined };
  const proc = new Proc(c.name, c.ns, [...ENV, ...py('grpc_client.py')]);
  return {
    version: await version(),
    proc,
    role: 'client',
    async start(t0Us) {
      proc.start(`${JSON.stringify(cfg)}\n`);
      await proc.waitLine(/"ev": "ready"/);
      proc.write(`GO ${(t0Us / 1e6).toFixed(6)}\n`);
    },
    decisions: () =>
      fromLog(proc.lines, [
        // chttp2_transport.cc: GPR_ERROR "Received a GOAWAY with error code ENHANCE_YOUR_CALM …"
        [/Received a GOAWAY with error code ENHANCE_YOUR_CALM.*Current keepalive time \(before throttling\): (\S+)/, 'GOAWAY too_many_pings', (m) => `gRPC core: GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (keepalive time ${m[1] ?? '?'} before throttling)`],
        // chttp2_transport.cc keepalive_watchdog_fired_locked
        [/Keepalive watchdog fired\. Closing transport\./, 'KEEPALIVE_TIMEOUT', () => 'gRPC core: Keepalive watchdog fired. Closing transport.'],
        // client_channel/subchannel.cc OnConnectingFinishedLocked
        [/connect failed \((.*)\), backing off for (-?\d+) ms/, 'CONNECT_FAILED', (m) => `gRPC core: connect failed (${/os_error:"([^"]+)"/.exec(m[1] ?? '')?.[1] ?? (m[1] ?? '').slice(0, 60)}), backing off for ${m[2] ?? '?'} ms`],
      ]),
  };
}
