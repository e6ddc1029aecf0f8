/**
 * gRPC core 1.51 (`profile: grpc-core-1.51`): Debian 12's python3-grpcio 1.51.1, the same C
 * core as gRPC's C++, Ruby and PHP. Recorded in test/fixtures/programs/grpc-*.real.json;
 * every rule read in the v1.51.1 sources (src/core/ext/transport/chttp2/transport/ unless
 * another directory is named).
 *
 * Connection (both ends)
 *  1. each end writes its SETTINGS and a connection WINDOW_UPDATE as soon as its transport
 *     starts — the server 33 + 13 = 46 bytes (4 settings), the client the preface too: 24 +
 *     45 + 13 = 82 bytes (6 settings) — and a SETTINGS ACK (9 bytes) when it reads the
 *     other's (chttp2_transport.cc `grpc_chttp2_transport` constructor, writing.cc
 *     `FlushWindowUpdates`, frame_settings.cc). When the client's transport starts after
 *     the server's SETTINGS have arrived, its ACK rides in the same write (91 bytes): the
 *     recordings have both, as threads ran (calibrate/programs/diff.ts leaves the set-up out
 *     of the comparison);
 *  2. frames without TLS: PING and PING ACK 9 + 8 = 17 bytes, GOAWAY 9 + 8 + 14
 *     ("too_many_pings") = 31 (frame_ping.cc, frame_goaway.cc); with `tls`, +22 bytes per
 *     write (one TLS 1.3 record: 5-byte header, content type, 16-byte tag). The TLS
 *     handshake is not modelled.
 * Server ping policy (frame_ping.cc `grpc_chttp2_ping_parser_parse`, chttp2_transport.cc
 * `grpc_chttp2_add_ping_strike`)
 *  3. a ping earlier than last ping + GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS
 *     (5 min) is a strike; with no call open and permit-without-calls false, earlier than
 *     last ping + 2 h; the first ping is always fine (last_ping_recv_time starts InfPast);
 *  4. strikes > GRPC_ARG_HTTP2_MAX_PING_STRIKES (2), unless that is 0 (no limit):
 *     `send_goaway(ENHANCE_YOUR_CALM, "too_many_pings", immediate_disconnect_hint)` and the
 *     transport closes after the write; that write also carries the ACK of the ping that
 *     struck out: 17 + 31 = 48 bytes, then a FIN;
 *  5. the server's sockets have TCP_USER_TIMEOUT 20 s (lib/iomgr/socket_utils_common_posix.cc
 *     `grpc_set_socket_tcp_user_timeout`: enabled by default on servers).
 * Client keepalive (chttp2_transport.cc `init_keepalive_ping_locked`,
 * `finish_keepalive_ping_locked`, `keepalive_watchdog_fired_locked`, `read_action_locked`;
 * writing.cc `maybe_initiate_ping`)
 *  6. the keepalive timer runs keepaliveTime from the transport's start and restarts at every
 *     read while it waits;
 *  7. when it fires, a ping goes out only if GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS is set
 *     (the modelled channel has no call open), else the timer is simply re-armed;
 *  8. at most GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA (2) pings between two writes of data;
 *     the count is refilled by the client's own data, headers or WINDOW_UPDATE writes
 *     (`grpc_chttp2_reset_ping_clock`), here only its first write. A ping over the count is
 *     held back for ever: no ping, no watchdog — an idle channel stops checking its peer;
 *  9. pings at least 1 s apart (`next_allowed_ping_interval`, with calls or permission);
 * 10. the watchdog starts when the ping is written and only its PING ACK stops it (other
 *     input does not); when it fires: "Keepalive watchdog fired. Closing transport." (FIN);
 * 11. the client socket gets TCP_USER_TIMEOUT = keepaliveTimeout when keepalive is on
 *     (`grpc_set_socket_tcp_user_timeout`), so an unacknowledged ping also has the kernel's
 *     deadline;
 * 12. GOAWAY ENHANCE_YOUR_CALM "too_many_pings": logged, and the keepalive time of the
 *     channel's next connections doubled (`connectivity_state_set` payload,
 *     client_channel/subchannel.cc `ThrottleKeepaliveTime`); the client closes at once.
 * Connecting (client_channel/subchannel.cc `StartConnectingLocked`,
 * `OnConnectingFinishedLocked`, `ConnectedSubchannelStateWatcher`; lib/backoff/backoff.cc
 * `NextAttemptTime`)
 * 13. each attempt's next-attempt time is its start + backoff: the first backoff is
 *     `initial` (1 s) without jitter, then ×1.6 (`multiplier`) up to `max` (120 s), each
 *     ± 20 % uniform jitter (drawn from the run's seed here); the attempt's deadline is the
 *     later of that and start + 20 s (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS);
 * 14. a failed attempt is logged "connect failed (…), backing off for N ms" and the next
 *     starts at the next-attempt time (at once if already past) — whatever the application
 *     does: the channel retries by itself while it is in TRANSIENT_FAILURE;
 * 15. a connection that was up and is lost sends the channel to IDLE and resets the backoff;
 *     it connects again only when the application asks (`reconnect` present: at once).
 */
import type { Handle } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { applyOptions } from '../scenarios/apps.ts';
import type { Socket } from '../tcp/socket.ts';
import { Channel, offerChannel, serviceKey } from './framing.ts';
import type { Ctx } from './program.ts';
import { serve, Session } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Server = Extract<ProgramSpec, { kind: 'grpc-server' }>;
type Client = Extract<ProgramSpec, { kind: 'grpc-client' }>;

const S = 1_000_000;
/** Bytes of one write (rule 2): plaintext HTTP/2, or inside one TLS 1.3 record. */
const write = (tls: boolean, bytes: number): number => bytes + (tls ? 5 + 1 + 16 : 0);
export const GRPC_CORE_BYTES = { SERVER_SETTINGS: 33 + 13, CLIENT_PREFACE: 24 + 45 + 13, SETTINGS_ACK: 9, PING: 17, PING_ACK: 17, GOAWAY: 31 } as const;
const B = GRPC_CORE_BYTES;
/** rule 3 */
const NO_CALLS_MIN_US = 2 * 3600 * S;
/** rule 5: g_default_server_tcp_user_timeout_ms */
const SERVER_USER_TIMEOUT_MS = 20_000;
/** rule 9 */
const MIN_PING_GAP_US = S;
/** rule 13: GRPC_SUBCHANNEL_RECONNECT_JITTER, GRPC_SUBCHANNEL_RECONNECT_MIN_TIMEOUT_SECONDS */
const JITTER = 0.2;
const MIN_CONNECT_TIMEOUT_US = 20 * S;
/** rule 12: keepalive times are int milliseconds */
const INT_MAX_US = 2_147_483_647 * 1000;

export function grpcCoreServer(ctx: Ctx, p: Server): void {
  const tls = p.tls ?? true;
  const minUs = p.permitWithoutCalls ? p.minPingInterval : NO_CALLS_MIN_US;
  serve(ctx, p.port, (s) => {
    s.sock.setsockopt('TCP_USER_TIMEOUT', SERVER_USER_TIMEOUT_MS);
    let last = -Infinity;
    let strikes = 0;
    s.send({ type: 'H2_SETTINGS', bytes: write(tls, B.SERVER_SETTINGS) });
    s.handler = {
      onFrame: (f) => {
        if (f.type === 'H2_PREFACE') {
          s.send({ type: 'SETTINGS_ACK', bytes: write(tls, B.SETTINGS_ACK) });
          return;
        }
        if (f.type !== 'PING') return;
        const now = ctx.sim.now;
        if (last + minUs > now) strikes++;
        last = now;
        if (strikes > p.maxPingStrikes && p.maxPingStrikes !== 0) {
          ctx.decide('GOAWAY too_many_pings', `ping strike ${strikes} > max ${p.maxPingStrikes} (pings closer than ${minUs / S} s): GOAWAY ENHANCE_YOUR_CALM "too_many_pings" with the PING ACK in one write, then close`);
          s.send({ type: 'GOAWAY', bytes: write(tls, B.PING_ACK + B.GOAWAY), meta: { error: 'ENHANCE_YOUR_CALM', debug: 'too_many_pings' } });
          s.close();
          return;
        }
        s.send({ type: 'PING_ACK', bytes: write(tls, B.PING_ACK) });
      },
      onEnd: () => undefined,
    };
  });
}

/** lib/backoff/backoff.cc: the first backoff as is, then × multiplier up to max, ± 20 % jitter. */
class Backoff {
  private first = true;
  private current: Micros;
  /** how far the jitter drawn so far can have moved the attempts (the comparison's allowance) */
  band = 0;

  constructor(
    private readonly initial: Micros,
    private readonly multiplier: number,
    private readonly max: Micros,
    private readonly draw: () => number,
  ) {
    this.current = initial;
  }

  next(): Micros {
    if (this.first) {
      this.first = false;
      return this.current;
    }
    this.current = Math.min(Math.round(this.current * this.multiplier), this.max);
    this.band += JITTER * this.current;
    return this.current + Math.round((this.draw() * 2 - 1) * JITTER * this.current);
  }

  reset(): void {
    this.first = true;
    this.current = this.initial;
    this.band = 0;
  }
}

export function grpcCoreClient(ctx: Ctx, p: Client): void {
  const tls = p.tls ?? true;
  const permit = p.permitWithoutCalls ?? false;
  const maxPings = p.maxPingsWithoutData ?? 2;
  const rc = p.reconnect;
  const rng = ctx.sim.rng.fork(`grpc-backoff:${ctx.host.name}:${ctx.name}`);
  const backoff = new Backoff(rc?.initial ?? S, rc?.multiplier ?? 1.6, rc?.max ?? 120 * S, () => rng.next());
  let time = p.keepaliveTime;

  const attempt = (): void => {
    const start = ctx.sim.now;
    const nextAt = start + backoff.next();
    const deadline = Math.max(nextAt, start + MIN_CONNECT_TIMEOUT_US);
    const sock = ctx.world.socket(ctx.host, ctx.name);
    if (!applyOptions(sock, ctx.hostOpts)) return ctx.exit();
    sock.setsockopt('TCP_USER_TIMEOUT', Math.round(p.keepaliveTimeout / 1000));
    let settled = false;
    const failed = (why: string): void => {
      settled = true;
      sock.close();
      const wait = Math.max(0, nextAt - ctx.sim.now);
      const band = backoff.band > 0 ? `; the jitter drawn so far moves it by up to ±${(backoff.band / S).toFixed(3)} s` : '';
      ctx.decide('CONNECT_FAILED', `connect failed (${why}), backing off for ${Math.round(wait / 1000)} ms (subchannel.cc)${band}`);
      ctx.sim.after(wait, () => ctx.alive() && attempt());
    };
    const timer = ctx.sim.at(deadline, () => !settled && ctx.alive() && failed('Deadline Exceeded'));
    sock.connect(p.to, p.port, (r) => {
      if (!ctx.alive() || settled) return;
      ctx.sim.cancel(timer);
      if (!r.ok) return failed(r.errno);
      settled = true;
      backoff.reset();
      transport(sock);
    });
  };

  const transport = (sock: Socket): void => {
    const ch = new Channel();
    offerChannel(ctx.world, serviceKey(ctx.world, p.to, p.port), ch);
    const s = new Session(ctx, sock, ch, '');
    let lostOnce = false;
    const lost = (): void => {
      if (lostOnce) return;
      lostOnce = true;
      s.close();
      if (rc) attempt(); // rule 15: the application asks for a connection again, at once
    };
    let pinging = false;
    let kaTimer: Handle | null = null;
    let watchdog: Handle | null = null;
    let lastPingSent = -Infinity;
    let pingsLeft = 0;
    const armKeepalive = (): void => {
      s.cancel(kaTimer);
      kaTimer = s.after(time, fireKeepalive);
    };
    const fireKeepalive = (): void => {
      if (!permit) return armKeepalive(); // rule 7
      pinging = true;
      tryPing();
    };
    const tryPing = (): void => {
      if (pingsLeft === 0 && maxPings !== 0) return; // rule 8: held back until data is written
      const allowed = lastPingSent + MIN_PING_GAP_US;
      if (allowed > ctx.sim.now) {
        kaTimer = s.at(allowed, tryPing); // rule 9
        return;
      }
      lastPingSent = ctx.sim.now;
      if (pingsLeft > 0) pingsLeft--;
      if (!s.send({ type: 'PING', bytes: write(tls, B.PING) })) return;
      watchdog = s.after(p.keepaliveTimeout, () => {
        ctx.decide('KEEPALIVE_TIMEOUT', `no PING ACK within ${p.keepaliveTimeout / S} s: "Keepalive watchdog fired. Closing transport."${rc ? ' The channel connects again.' : ''}`);
        lost();
      });
    };
    s.handler = {
      onFrame: (f) => {
        if (!pinging) armKeepalive(); // rule 6
        if (f.type === 'H2_SETTINGS') {
          s.send({ type: 'SETTINGS_ACK', bytes: write(tls, B.SETTINGS_ACK) });
        } else if (f.type === 'PING_ACK' || f.type === 'GOAWAY') {
          if (pinging) {
            pinging = false;
            s.cancel(watchdog);
            armKeepalive();
          }
          if (f.type === 'GOAWAY' && f.meta?.['debug'] === 'too_many_pings') {
            const was = time;
            time = Math.min(time * 2, INT_MAX_US);
            ctx.decide('GOAWAY too_many_pings', `received GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (keepalive time ${was / S} s): the channel's next connections ping every ${time / S} s; close`);
            lost();
          }
        } else if (f.type === 'PING') {
          s.send({ type: 'PING_ACK', bytes: write(tls, B.PING_ACK) });
        }
      },
      onEnd: () => {
        if (lostOnce) return;
        lostOnce = true;
        if (rc) attempt();
      },
    };
    s.send({ type: 'H2_PREFACE', bytes: write(tls, B.CLIENT_PREFACE) });
    pingsLeft = maxPings; // its WINDOW_UPDATE refills the count (rule 8)
    armKeepalive();
    s.start();
  };

  ctx.sim.at(p.start, () => ctx.alive() && attempt());
}
