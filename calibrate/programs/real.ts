/**
 * Real programs for the heartbeat models and proxies of a scenario (issue 19): which Debian
 * program stands for which model, how it is configured from the model's fields, when it is
 * ready, and how its output becomes the model's decisions (the `app` events of the run JSON).
 * Each launcher refuses, before anything starts, what the real program cannot do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../sim/paths.ts';
import type { ProgramSpec } from '../../src/apps/schema.ts';
import { run } from '../sh.ts';
import { pythonPath } from '../apps.ts';
import { Proc, type Line } from './proc.ts';
import { ssh, sshd } from './ssh.ts';

/** A model's decision as the real program showed it (a log line, an exit, a capture). */
export interface Decision {
  us: number;
  what: string;
  detail: string;
  /** the decision is the FIN this program's host sends to this peer port: the capture gives its exact time */
  finTo?: number;
}

/** What a launcher needs from the run. */
export interface LaunchCtx {
  dir: string;
  ns: string;
  /** scenario host -> IPv4 address (proxies by their name too) */
  ips: Record<string, string>;
  /** app name (the model's ctx.name) */
  name: string;
  /** the host's socket options (hosts.<h>.socket): OpenSSH's TCPKeepAlive follows SO_KEEPALIVE */
  socket: Record<string, unknown>;
}

/** One real program standing for one model instance. */
export interface RealProgram {
  /** `mosquitto 2.0.11` */
  version: string;
  proc: Proc;
  /** server: started at t0 and ready when it listens; client: gets t0 and starts by itself */
  role: 'server' | 'client';
  /** start; for a client, `t0Us` is scenario time 0 (µs since the epoch) */
  start(t0Us: number): Promise<void>;
  /** its decisions, from what it printed */
  decisions(): Decision[];
}

export const py = (file: string): string[] => [pythonPath(), '-u', '-B', packagePath('calibrate', 'programs', file)];

/** First line of a command's output (stdout or stderr), for versions. */
export async function versionOf(argv: string[], re: RegExp): Promise<string> {
  const out = await run([...argv]).catch((e: unknown) => (e as { stderr?: string }).stderr ?? '');
  const m = re.exec(out);
  if (!m) throw new Error(`cannot read the version from ${argv.join(' ')}: ${out.slice(0, 200)}`);
  return m[0];
}

/** The Debian package version installed (e.g. 2.0.11-1.2+deb12u2). */
export async function debVersion(pkg: string): Promise<string> {
  return (await run(['dpkg-query', '-W', '-f', '${Version}', pkg])).trim();
}

/** Client programs speak the harness protocol of app.py: ready, then GO t0, then JSON lines. */
export function jsonClient(c: LaunchCtx, argv: string[], cfg: object, version: string): RealProgram {
  const proc = new Proc(c.name, c.ns, argv);
  return {
    version,
    proc,
    role: 'client',
    async start(t0Us) {
      proc.start(`${JSON.stringify(cfg)}\n`);
      await proc.waitLine(/"ev": "ready"/);
      proc.write(`GO ${(t0Us / 1e6).toFixed(6)}\n`);
    },
    decisions: () => jsonDecisions(proc.lines),
  };
}

export function jsonDecisions(lines: Line[]): Decision[] {
  const out: Decision[] = [];
  for (const l of lines) {
    if (l.stream !== 'stdout' || !l.text.startsWith('{')) continue;
    const o = JSON.parse(l.text) as { ev: string; what?: string; detail?: string; t?: number };
    if (o.ev === 'decide') out.push({ us: Math.round((o.t ?? 0) * 1e6), what: o.what ?? '?', detail: o.detail ?? '' });
  }
  return out;
}

/** mqtt-broker -> Debian's mosquitto, one listener, anonymous, no persistence, everything logged. */
async function mosquitto(c: LaunchCtx, p: Extract<ProgramSpec, { kind: 'mqtt-broker' }>): Promise<RealProgram> {
  const conf = join(c.dir, `${c.name}.mosquitto.conf`);
  writeFileSync(conf, [`listener ${p.port} 0.0.0.0`, 'allow_anonymous true', 'persistence false', 'user root', 'log_dest stderr', 'log_type all', 'log_timestamp true', 'log_timestamp_format %s', 'connection_messages true', ''].join('\n'));
  const proc = new Proc(c.name, c.ns, ['/usr/sbin/mosquitto', '-c', conf]);
  const version = `mosquitto ${await debVersion('mosquitto')}`;
  return {
    version,
    proc,
    role: 'server',
    async start() {
      proc.start();
      await proc.waitListening(p.port);
    },
    // "Client sensor#0 has exceeded timeout, disconnecting." (src/loop.c do_disconnect,
    // MOSQ_ERR_KEEPALIVE) is logged after the close; the FIN to that client's port (from
    // "New client connected from IP:PORT as ID") in the capture is the exact moment.
    decisions: () => {
      const ports = new Map<string, number>();
      return proc.lines.flatMap((l) => {
        const c = /New client connected from [\d.]+:(\d+) as (\S+)/.exec(l.text);
        if (c?.[1] && c[2]) ports.set(c[2], Number(c[1]));
        const m = /Client (\S+) has exceeded timeout, disconnecting/.exec(l.text);
        if (!m?.[1]) return [];
        const port = ports.get(m[1]);
        return [{ us: l.us, what: 'KEEPALIVE_TIMEOUT', detail: `mosquitto: ${m[0]}`, ...(port ? { finTo: port } : {}) }];
      });
    },
  };
}

async function mqttClient(c: LaunchCtx, p: Extract<ProgramSpec, { kind: 'mqtt-client' }>): Promise<RealProgram> {
  const to = c.ips[p.to];
  if (!to) throw new Error(`${c.name}: unknown peer ${p.to}`);
  const cfg = { name: c.name, to, port: p.port, start: p.start, keepAlive: p.keepAlive, publishEvery: p.publishEvery ?? null, publishBytes: p.publishBytes, silentAfter: p.silentAfter ?? null };
  return jsonClient(c, py('mqtt_client.py'), cfg, 'calibrate/programs/mqtt_client.py (MQTT 3.1.1, the model client)');
}

/** Why a program spec cannot run for real (empty: it can). */
export function programRefusals(p: ProgramSpec): string[] {
  const out: string[] = [];
  if ('reconnect' in p && p.reconnect) out.push(`${p.kind}: reconnect is not supported by the real-program harness`);
  if (!['mqtt-broker', 'mqtt-client', 'ssh-server', 'ssh-client'].includes(p.kind)) out.push(`${p.kind}: no real program for this model`);
  return out;
}

export async function launch(c: LaunchCtx, p: ProgramSpec): Promise<RealProgram> {
  switch (p.kind) {
    case 'mqtt-broker':
      return mosquitto(c, p);
    case 'mqtt-client':
      return mqttClient(c, p);
    case 'ssh-server':
      return sshd(c, p, c.socket['SO_KEEPALIVE'] === true);
    case 'ssh-client':
      return ssh(c, p, c.socket['SO_KEEPALIVE'] === true);
    default:
      throw new Error(`${p.kind}: no real program for this model`);
  }
}
