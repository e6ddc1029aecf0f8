/**
 * gRPC keepalive over HTTP/2 (gRPC proposal A8 "Client-side keepalive", doc/keepalive.md;
 * ../shared/reference/nat.md §8 item 11): `profile: spec`, the default. `profile:
 * grpc-core-1.51` is the recorded gRPC core (./grpc-core.ts, docs/programs.md).
 *
 * Client (grpc-go internal/transport http2_client.go `keepalive()`): when `keepaliveTime`
 * passes with nothing read from the transport, send an HTTP/2 PING; if nothing at all is
 * read within `keepaliveTimeout` (default 20 s) after it, close the transport (label
 * KEEPALIVE_TIMEOUT). The modelled channel has no call open; `permitWithoutCalls` (absent:
 * on, A8's example of an idle channel that pings) decides whether it pings at all; no cap on pings without data (grpc-go; a
 * gRPC-core client would stop after GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA = 2).
 * On GOAWAY ENHANCE_YOUR_CALM "too_many_pings" the client doubles its keepalive time for
 * the next connections (A8) and, with `reconnect`, connects again.
 *
 * Server ping policy (grpc-core chttp2 ping_abuse_policy, grpc-go EnforcementPolicy): a
 * ping that comes less than `minPingInterval` (default 5 min; 2 h when no call is open and
 * permit-without-calls is false) after the previous one is a strike; the first ping is
 * always fine; strikes > `maxPingStrikes` (default 2) → GOAWAY ENHANCE_YOUR_CALM with debug
 * data "too_many_pings" and the connection is closed. With a 10 s client: ping 1 fine,
 * pings 2-4 strikes 1-3, GOAWAY 30 s after the first ping. Every other ping is ACKed.
 *
 * Sizes: PING and PING ACK are a 9-byte frame header + 8 bytes opaque data (RFC 9113 §6.7);
 * GOAWAY 9 + 8 + 14 bytes of debug data (§6.8); each inside a TLS 1.3 record (RFC 8446 §5.2:
 * 5-byte header + 1-byte inner content type + 16-byte AEAD tag), one frame per record:
 * 39, 39 and 53 bytes (`tls: false`: 17, 17 and 31). The TLS handshake, HTTP/2 preface and
 * SETTINGS are not modelled.
 */
import type { Handle } from '../engine/sim.ts';
import { grpcCoreClient, grpcCoreServer } from './grpc-core.ts';
import type { Ctx } from './program.ts';
import { dial, serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Server = Extract<ProgramSpec, { kind: 'grpc-server' }>;
type Client = Extract<ProgramSpec, { kind: 'grpc-client' }>;

const TLS = 5 + 1 + 16;
export const GRPC_BYTES = { PING: 9 + 8 + TLS, PING_ACK: 9 + 8 + TLS, GOAWAY: 9 + 8 + 'too_many_pings'.length + TLS } as const;
const bytes = (tls: boolean | undefined, b: number): number => (tls === false ? b - TLS : b);
/** grpc-core: without calls and without permit-without-calls, the minimum ping interval is 2 h. */
const NO_CALLS_MIN_US = 7_200_000_000;

export function grpcServer(ctx: Ctx, p: Server): void {
  if (p.profile === 'grpc-core-1.51') return grpcCoreServer(ctx, p);
  const minUs = p.permitWithoutCalls ? p.minPingInterval : NO_CALLS_MIN_US;
  serve(ctx, p.port, (s) => {
    let last: number | null = null;
    let strikes = 0;
    s.handler = {
      onFrame: (f) => {
        if (f.type !== 'PING') return;
        const now = ctx.sim.now;
        if (last !== null && now - last < minUs) strikes++;
        last = now;
        if (strikes > p.maxPingStrikes) {
          ctx.decide('GOAWAY too_many_pings', `ping strike ${strikes} > max ${p.maxPingStrikes} (pings closer than ${minUs / 1e6} s): GOAWAY ENHANCE_YOUR_CALM, close()`);
          s.send({ type: 'GOAWAY', bytes: bytes(p.tls, GRPC_BYTES.GOAWAY), meta: { error: 'ENHANCE_YOUR_CALM', debug: 'too_many_pings' } });
          s.close();
          return;
        }
        s.send({ type: 'PING_ACK', bytes: bytes(p.tls, GRPC_BYTES.PING_ACK) });
      },
      onEnd: () => undefined,
    };
  });
}

export function grpcClient(ctx: Ctx, p: Client): void {
  if (p.profile === 'grpc-core-1.51') return grpcCoreClient(ctx, p);
  // A8: without permit-without-calls, no keepalive ping on a channel without calls (the
  // modelled channel has none); absent, the spec profile models A8's pinging idle channel
  const permit = p.permitWithoutCalls ?? true;
  let time = p.keepaliveTime;
  dial(ctx, p, (s, lost) => {
    let lastRead = ctx.sim.now;
    let timer: Handle | null = null;
    const idle = (): void => {
      if (!permit) return;
      timer = s.at(lastRead + time, () => {
        s.send({ type: 'PING', bytes: bytes(p.tls, GRPC_BYTES.PING) });
        timer = s.after(p.keepaliveTimeout, () => {
          ctx.decide('KEEPALIVE_TIMEOUT', `no frame within ${p.keepaliveTimeout / 1e6} s of the keepalive PING: close the transport${p.reconnect ? ' and reconnect' : ''}`);
          lost();
        });
      });
    };
    s.handler = {
      onFrame: (f) => {
        lastRead = ctx.sim.now;
        if (f.type === 'GOAWAY') {
          time *= 2;
          ctx.decide('GOAWAY too_many_pings', `received GOAWAY ENHANCE_YOUR_CALM "too_many_pings": keepalive time doubled to ${time / 1e6} s (A8)`);
          lost();
          return;
        }
        s.cancel(timer);
        idle();
      },
      onEnd: (reason) => {
        if (reason === 'eof') ctx.decide('PEER_CLOSED', 'recv() returned 0: the server closed the transport');
      },
    };
    idle();
  });
}
