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
 * Broker (§3.1.2.10: "If the Keep Alive value is non-zero and the Server does not receive a
 * Control Packet from the Client within one and a half times the Keep Alive time period, it
 * MUST disconnect the Network Connection"): label KEEPALIVE_TIMEOUT, close() (FIN). Each
 * PINGREQ is answered by PINGRESP at once (§3.12.4).
 */
import type { Handle } from '../engine/sim.ts';
import type { Ctx } from './program.ts';
import { dial, serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Broker = Extract<ProgramSpec, { kind: 'mqtt-broker' }>;
type Client = Extract<ProgramSpec, { kind: 'mqtt-client' }>;

export const MQTT_BYTES = { PINGREQ: 2, PINGRESP: 2, CONNACK: 4, connect: (clientId: string): number => 2 + 10 + 2 + clientId.length } as const;

export function mqttBroker(ctx: Ctx, p: Broker): void {
  serve(ctx, p.port, (s) => {
    let keepAlive = 0;
    let timer: Handle | null = null;
    const arm = (): void => {
      s.cancel(timer);
      if (keepAlive === 0) return;
      const limit = (keepAlive * 1_000_000 * 3) / 2;
      timer = s.after(limit, () => {
        ctx.decide('KEEPALIVE_TIMEOUT', `no control packet for 1.5 × keep alive ${keepAlive} s = ${limit / 1e6} s: disconnect (MQTT 3.1.1 §3.1.2.10)`);
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

export function mqttClient(ctx: Ctx, p: Client): void {
  const k = p.keepAlive * 1_000_000;
  dial(ctx, p, (s, lost) => {
    let lastOut = ctx.sim.now;
    let lastIn = ctx.sim.now;
    let pingT = -1;
    let timer: Handle | null = null;
    const send = (type: string, bytes: number, meta?: Record<string, number>): void => {
      if (s.send({ type, bytes, ...(meta ? { meta } : {}) })) lastOut = ctx.sim.now;
    };
    const check = (): void => {
      const now = ctx.sim.now;
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
