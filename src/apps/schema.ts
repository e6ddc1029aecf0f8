/**
 * Scenario format of the heartbeat programs (docs/heartbeats.md): an `apps` entry with
 * `program: { kind: …, … }` instead of `steps`. A factory that takes the scenario's
 * `duration` type, so durations read exactly as everywhere else in a scenario file
 * (`"5s"`, `1.5`, `"2min"`, parsed to integer µs) without an import cycle.
 * Defaults are those of the real program, cited per field.
 */
import { z } from 'zod';

type Dur = z.ZodType<number, unknown>;

const port = z.number().int().min(1).max(65535);
const peer = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a host or proxy name');
const bytes = (d: number) => z.number().int().min(1).max(1_000_000).default(d);
/** Real programs a model can stand for, beside the specification (docs/programs.md). */
export const MQTT_BROKER_PROFILES = ['mosquitto-2.0', 'spec'] as const;
export const SSH_PROFILES = ['openssh-9.2', 'spec'] as const;
export const GRPC_PROFILES = ['grpc-core-1.51', 'spec'] as const;

const positive = (d: Dur, what: string) => d.refine((v) => v > 0, `${what} must be more than 0`);

export function programSchemas(duration: Dur) {
  const reconnect = z
    .object({
      initial: positive(duration, 'the first reconnect delay').default(1_000_000).meta({ description: 'first delay (paho-mqtt reconnect_delay_set min_delay 1 s)' }),
      max: positive(duration, 'the largest reconnect delay').default(120_000_000).meta({ description: 'delay cap (paho-mqtt max_delay 120 s; gRPC MAX_BACKOFF 120 s)' }),
      multiplier: z.number().min(1).max(10).default(2).meta({ description: 'the delay grows by this factor after each failed attempt (paho-mqtt doubles; gRPC connection-backoff.md MULTIPLIER 1.6, its ±20 % jitter is not modelled)' }),
    })
    .strict()
    .meta({ description: 'reconnect after a detected failure (a fresh socket and connect), with doubling backoff; absent = report and stop' });

  const client = {
    to: peer.meta({ description: 'host (or proxy) to connect to' }),
    start: duration.default(1_000_000).meta({ description: 'when the program connects (default 1 s)' }),
    reconnect: reconnect.optional(),
  };
  const pinger = z
    .object({
      interval: positive(duration, 'interval'),
      timeout: positive(duration, 'timeout'),
      misses: z.number().int().min(1).max(1000).default(3).meta({ description: 'consecutive unanswered pings that declare the peer dead' }),
    })
    .strict();

  const reaper = z
    .object({
      kind: z.literal('reaper'),
      port,
      checkInterval: positive(duration, 'checkInterval').default(1_000_000).meta({ description: 'Swoole heartbeat_check_interval' }),
      idleTime: duration.optional().meta({ description: 'Swoole heartbeat_idle_time; default 2 × checkInterval (Swoole docs)' }),
    })
    .strict();
  const sink = z.object({ kind: z.literal('sink'), port, echo: z.boolean().default(false).meta({ description: 'answer each message with as many bytes' }) }).strict();
  const pingServer = z
    .object({
      kind: z.literal('ping-server'),
      port,
      delay: duration.default(0).meta({ description: 'time to answer a ping (checking its own dependencies before the pong, seed 003)' }),
      ping: pinger.optional().meta({ description: 'the server also pings each client' }),
      pingBytes: bytes(4),
      pongBytes: bytes(4),
    })
    .strict();
  const pingClient = z
    .object({
      kind: z.literal('ping-client'),
      port,
      ...client,
      ping: pinger.optional().meta({ description: 'absent: the client only answers the server\'s pings' }),
      pingBytes: bytes(4),
      pongBytes: bytes(4),
    })
    .strict();
  const clockPhase = duration
    .refine((v) => v >= 0 && v < 1_000_000, 'clockPhase must be at least 0 and less than 1 s')
    .optional()
    .meta({ description: 'where the host\'s CLOCK_MONOTONIC whole seconds begin, in [0, 1 s) of scenario time (src/apps/clock.ts); default: drawn from the seed per host' });
  // optional without a default: scenarios written before these fields read back unchanged
  const grpcProfile = z.enum(GRPC_PROFILES).optional().meta({ description: 'grpc-core-1.51: gRPC core 1.51 (Debian 12\'s python3-grpcio, also C++/Ruby/PHP) as recorded: HTTP/2 connection setup, at most maxPingsWithoutData pings without data, only the PING ACK ends the keepalive watchdog, TCP_USER_TIMEOUT, connection backoff 1 s × 1.6 ± 20 %; spec (the default): gRPC A8 and doc/keepalive.md as grpc-go implements them (docs/programs.md)' });
  const grpcTls = z.boolean().optional().meta({ description: 'frames inside TLS 1.3 records (+22 bytes per write; default true); false: plaintext HTTP/2 (h2c, insecure channel)' });
  const sshProfile = z.enum(SSH_PROFILES).default('openssh-9.2').meta({ description: 'openssh-9.2: Debian 12\'s OpenSSH 9.2p1 as recorded (ssh: checks at whole monotonic seconds; sshd: a probe only every second interval); spec: ssh_config(5)/sshd_config(5) as documented, exact intervals (docs/programs.md)' });
  const mqttBroker = z
    .object({
      kind: z.literal('mqtt-broker'),
      port: port.default(1883),
      profile: z.enum(MQTT_BROKER_PROFILES).default('mosquitto-2.0').meta({ description: 'mosquitto-2.0: Debian 12\'s mosquitto 2.0.11 as recorded (whole seconds, a check every 6 s, keepalive × 3 / 2 in integers); spec: MQTT 3.1.1 §3.1.2.10 to the microsecond (docs/programs.md)' }),
      clockPhase,
      checkPhase: z.number().int().min(0).max(5).optional().meta({ description: 'mosquitto-2.0: its keepalive check runs in the whole seconds checkPhase + 6k of its clock; default: drawn from the seed' }),
    })
    .strict();
  const mqttClient = z
    .object({
      kind: z.literal('mqtt-client'),
      port: port.default(1883),
      ...client,
      keepAlive: z.number().int().min(0).max(65535).default(60).meta({ description: 'seconds, the CONNECT Keep Alive field (MQTT 3.1.1 §3.1.2.10; paho default 60); 0 = off' }),
      publishEvery: positive(duration, 'publishEvery').optional().meta({ description: 'publish a QoS 0 message with this period' }), // 0 would publish forever at one instant
      publishBytes: bytes(32),
      silentAfter: duration.optional().meta({ description: 'a hung client: from this long after its connect() it sends nothing more (no PINGREQ, no PUBLISH) but still reads, and closes on end of stream' }),
    })
    .strict();
  const sshLogin = positive(duration, 'login').optional().meta({ description: 'openssh-9.2: the login\'s length, from the connect to sshd\'s post-login messages, where the heartbeats start (src/apps/ssh-login.ts); default 0.313 s, the median think times of the recordings (0.22-0.55 s there)' });
  const sshServer = z
    .object({
      kind: z.literal('ssh-server'),
      port: port.default(22),
      clientAliveInterval: z.number().int().min(0).max(2_147_483).default(0).meta({ description: 'seconds, sshd_config ClientAliveInterval (default 0 = off)' }),
      clientAliveCountMax: z.number().int().min(0).max(2_147_483).default(3).meta({ description: 'sshd_config ClientAliveCountMax (default 3)' }),
      profile: sshProfile,
      clockPhase,
      login: sshLogin,
    })
    .strict();
  const sshClient = z
    .object({
      kind: z.literal('ssh-client'),
      port: port.default(22),
      ...client,
      serverAliveInterval: z.number().int().min(0).max(2_147_483).default(0).meta({ description: 'seconds, ssh_config ServerAliveInterval (default 0 = off)' }),
      serverAliveCountMax: z.number().int().min(0).max(2_147_483).default(3).meta({ description: 'ssh_config ServerAliveCountMax (default 3)' }),
      profile: sshProfile,
      clockPhase,
      login: sshLogin,
    })
    .strict();
  const grpcServer = z
    .object({
      kind: z.literal('grpc-server'),
      port: port.default(443),
      minPingInterval: duration.default(300_000_000).meta({ description: 'GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS / grpc-go MinTime (default 5 min)' }),
      permitWithoutCalls: z.boolean().default(false).meta({ description: 'GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS / PermitWithoutStream; false: with no call open, pings closer than 2 h are strikes' }),
      maxPingStrikes: z.number().int().min(0).max(1000).default(2).meta({ description: 'GRPC_ARG_HTTP2_MAX_PING_STRIKES (default 2)' }),
      profile: grpcProfile,
      tls: grpcTls,
    })
    .strict();
  const grpcClient = z
    .object({
      kind: z.literal('grpc-client'),
      port: port.default(443),
      ...client,
      keepaliveTime: positive(duration, 'keepaliveTime').meta({ description: 'GRPC_ARG_KEEPALIVE_TIME_MS / grpc-go Time' }),
      keepaliveTimeout: positive(duration, 'keepaliveTimeout').default(20_000_000).meta({ description: 'GRPC_ARG_KEEPALIVE_TIMEOUT_MS / grpc-go Timeout (default 20 s)' }),
      profile: grpcProfile,
      tls: grpcTls,
      permitWithoutCalls: z.boolean().optional().meta({ description: 'GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS / PermitWithoutStream: keepalive pings on a channel with no call open (the modelled channel has none). Default: true for spec (the idle channel of A8\'s too_many_pings example), false for grpc-core-1.51 (its default: an idle channel then sends no keepalive ping at all)' }),
      maxPingsWithoutData: z.number().int().min(0).max(1000).optional().meta({ description: 'grpc-core-1.51 only: GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA (default 2): pings the client sends before it must send data again; 0 = no limit' }),
    })
    .strict();
  const chatter = z
    .object({
      kind: z.literal('chatter'),
      port,
      ...client,
      every: positive(duration, 'every').optional().meta({ description: 'send a message with this period (absent: only `messages`, or an idle connection)' }),
      bytes: bytes(100),
      count: z.number().int().min(1).optional().meta({ description: 'stop sending after this many periodic messages' }),
      messages: z.array(z.object({ at: duration, bytes: bytes(100) }).strict()).default([]).meta({ description: 'one-off messages at these times' }),
    })
    .strict();

  return z.discriminatedUnion('kind', [reaper, sink, pingServer, pingClient, mqttBroker, mqttClient, sshServer, sshClient, grpcServer, grpcClient, chatter]);
}

export type ProgramSpec = z.output<ReturnType<typeof programSchemas>>;
export type ProgramKind = ProgramSpec['kind'];
export type ReconnectSpec = NonNullable<Extract<ProgramSpec, { kind: 'ping-client' }>['reconnect']>;
export type PingSpec = NonNullable<Extract<ProgramSpec, { kind: 'ping-client' }>['ping']>;
