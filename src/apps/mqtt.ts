/**
 * MQTT 3.1.1 keepalive (OASIS MQTT 3.1.1 §3.1.2.10 Keep Alive, §3.12 PINGREQ, §3.13 PINGRESP).
 *
 * Sizes on the wire (TCP payload, no TLS): PINGREQ and PINGRESP are a 2-byte fixed header
 * (§3.12.1, §3.13.1); CONNACK 4 bytes (§3.2); CONNECT 2 + 10 (variable header §3.1.2) +
 * 2 + client id (§3.1.3.1); a QoS 0 PUBLISH is `publishBytes` in all.
 *
 * Client (paho.mqtt.python client.py `_check_keepalive`, libmosquitto `mosquitto__check_keepalive`
 * are the same): when `keepalive` has passed since the last packet sent *or* received, send
 * PINGREQ if none is outstanding (and count it as both); if one is still outstanding, the
 * broker is gone: close the socket (MQTT_ERR_KEEPALIVE; label PINGRESP_TIMEOUT) and reconnect
 * if configured. So a silent broker is noticed 2 × keepalive after the last packet. (The real
 * loops check about once a second; here the check runs at the exact instant.)
 *
 * Broker, `profile: spec` (§3.1.2.10: "If the Keep Alive value is non-zero and the Server
 * does not receive a Control Packet from the Client within one and a half times the Keep
 * Alive time period, it MUST disconnect the Network Connection"): label KEEPALIVE_TIMEOUT,
 * close() (FIN). Each PINGREQ is answered by PINGRESP at once (§3.12.4).
 *
 * Broker, `profile: mosquitto-2.0` (the default: Debian 12's mosquitto 2.0.11, recorded in
 * test/fixtures/programs/mqtt-*.real.json; rules read in the v2.0.11 sources):
 *  1. time is whole seconds of CLOCK_MONOTONIC (lib/time_mosq.c `mosquitto_time()`: tv_sec);
 *  2. a client's last-heard second is the clock's second when a whole packet has been read
 *     (lib/packet_mosq.c `packet__read`: `mosq->last_msg_in = mosquitto_time()`);
 *  3. the keepalive check runs only when `last_keepalive_check + 5 < db.now_s`, i.e. every
 *     6 whole seconds (src/keepalive.c `keepalive__check`), in the seconds checkPhase + 6k;
 *  4. it disconnects a client when `db.now_s - last_msg_in > keepalive*3/2` — integer
 *     arithmetic, so keepalive 5 allows 7 s, not 7.5 (same function);
 *  5. the check runs at the top of the main loop, which wakes at least every 100 ms
 *     (src/mux_epoll.c `mux_epoll__handle`: epoll_wait(…, 100)), so it happens up to 100 ms
 *     after the second begins; the model acts at the boundary (the fixtures' tolerance);
 *  6. disconnecting is close() of the socket, no MQTT packet for 3.1.1 clients
 *     (src/loop.c `do_disconnect`, lib/net_mosq.c `net__socket_close`): a FIN.
 * So a silent client is dropped 1.5 × keepalive (rounded down) + 1 to + 7 s after the
 * second of its last packet, not at 1.5 × keepalive.
 */
import type { Handle } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { hostClock } from './clock.ts';
import type { Ctx } from './program.ts';
import { dial, serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Broker = Extract<ProgramSpec, { kind: 'mqtt-broker' }>;
type Client = Extract<ProgramSpec, { kind: 'mqtt-client' }>;

export const MQTT_BYTES = { PINGREQ: 2, PINGRESP: 2, CONNACK: 4, connect: (clientId: string): number => 2 + 10 + 2 + clientId.length } as const;

export function mqttBroker(ctx: Ctx, p: Broker): void {
  const deadline = p.profile === 'spec' ? specDeadline : mosquittoDeadline(ctx, p);
  serve(ctx, p.port, (s) => {
    let keepAlive = 0;
    let timer: Handle | null = null;
    const arm = (): void => {
      s.cancel(timer);
      if (keepAlive === 0) return;
      const d = deadline(ctx.sim.now, keepAlive);
      timer = s.at(d.at, () => {
        ctx.decide('KEEPALIVE_TIMEOUT', d.detail);
        s.close();
      });
    };
    s.handler = {
      onFrame: (f) => {
        if (f.type === 'CONNECT') {
          keepAlive = Number(f.meta?.keepAlive ?? 0);
          s.send({ type: 'CONNACK', bytes: MQTT_BYTES.CONNACK });
        } else if (f.type === 'PINGREQ') s.send({ type: 'PINGRESP', bytes: MQTT_BYTES.PINGRESP });
        arm();
      },
      onEnd: () => undefined,
    };
  });
}

/** When a broker drops a client last heard at `heard` with keep alive `k` seconds. */
type Deadline = (heard: Micros, k: number) => { at: Micros; detail: string };

const specDeadline: Deadline = (heard, k) => {
  const limit = (k * 1_000_000 * 3) / 2;
  return { at: heard + limit, detail: `no control packet for 1.5 × keep alive ${k} s = ${limit / 1e6} s: disconnect (MQTT 3.1.1 §3.1.2.10)` };
};

/** mosquitto 2.0's keepalive__check on its whole-second clock (rules 1-6 above). */
function mosquittoDeadline(ctx: Ctx, p: Broker): Deadline {
  const clock = hostClock(ctx, p.clockPhase);
  const phase = p.checkPhase ?? ctx.sim.rng.fork(`mosquitto-check:${ctx.host.name}:${ctx.name}`).int(0, 5);
  return (heard, k) => {
    const last = clock.sec(heard);
    const limit = Math.floor((k * 3) / 2);
    const due = last + limit + 1; // first second with now_s - last_msg_in > keepalive*3/2
    const check = due + (((phase - due) % 6) + 6) % 6; // first check second (phase + 6k) not before it
    return {
      at: clock.at(check),
      detail: `keepalive check at clock second ${check}: ${check - last} s since the client's last packet (second ${last}) > keep alive ${k} × 3 / 2 = ${limit} s: disconnect (mosquitto 2.0 keepalive__check)`,
    };
  };
}

export function mqttClient(ctx: Ctx, p: Client): void {
  const k = p.keepAlive * 1_000_000;
  dial(ctx, p, (s, lost) => {
    let lastOut = ctx.sim.now;
    let lastIn = ctx.sim.now;
    let pingT = -1;
    let timer: Handle | null = null;
    const silentFrom = p.silentAfter === undefined ? Infinity : ctx.sim.now + p.silentAfter;
    const send = (type: string, bytes: number, meta?: Record<string, number>): void => {
      if (ctx.sim.now >= silentFrom && type !== 'CONNECT') return; // a hung client writes nothing more
      if (s.send({ type, bytes, ...(meta ? { meta } : {}) })) lastOut = ctx.sim.now;
    };
    const check = (): void => {
      const now = ctx.sim.now;
      if (now >= silentFrom) return; // hung: its keepalive loop no longer runs
      if (now - lastOut >= k || now - lastIn >= k) {
        if (pingT < 0) {
          send('PINGREQ', MQTT_BYTES.PINGREQ);
          lastIn = lastOut = pingT = now;
        } else {
          ctx.decide('PINGRESP_TIMEOUT', `no PINGRESP ${(now - pingT) / 1e6} s after PINGREQ (keep alive ${p.keepAlive} s): close()${p.reconnect ? ' and reconnect' : ''}`);
          lost();
          return;
        }
      }
      schedule();
    };
    const schedule = (): void => {
      if (k === 0 || s.ended) return;
      s.cancel(timer);
      timer = s.at(Math.min(lastOut, lastIn) + k, check);
    };
    s.handler = {
      onFrame: (f) => {
        lastIn = ctx.sim.now;
        if (f.type === 'PINGRESP') pingT = -1;
        schedule();
      },
      onEnd: (reason) => {
        if (reason === 'eof') ctx.decide('PEER_CLOSED', 'recv() returned 0: the broker closed the connection');
      },
    };
    send('CONNECT', MQTT_BYTES.connect(ctx.name), { keepAlive: p.keepAlive });
    schedule();
    if (p.publishEvery !== undefined) {
      const every = p.publishEvery;
      const publish = (): void => {
        send('PUBLISH', p.publishBytes);
        schedule();
        s.after(every, publish);
      };
      s.after(every, publish);
    }
  });
}
