/**
 * Application ping/pong (seed 003 "application heartbeat"; MySQL COM_PING, Redis PING,
 * WebSocket ping frames are the same shape). The pinging side sends a ping every
 * `interval`; each ping has `timeout` to be answered; `misses` consecutive unanswered
 * pings declare the peer dead (label PING_TIMEOUT). A pong (answers come in order, one per
 * ping) resets the count. Bound: a peer that dies at d is declared dead by
 * d + misses × interval + timeout at the latest (the first ping it misses leaves at most
 * one interval after d). Either side may ping, or both; the answering server may take
 * `delay` to answer (it checks its own dependencies first, seed 003). Frames are fixed
 * size (`pingBytes`, `pongBytes`; default 4: "ping"/"pong" as in the article).
 */
import type { Ctx, Session } from './program.ts';
import { dial, serve } from './program.ts';
import type { PingSpec, ProgramSpec } from './schema.ts';

type Server = Extract<ProgramSpec, { kind: 'ping-server' }>;
type Client = Extract<ProgramSpec, { kind: 'ping-client' }>;

const sec = (us: number): string => `${us / 1e6} s`;

/** The pinging half on one session; returns what to call when a pong arrives. */
export function startPinger(s: Session, spec: PingSpec, pingBytes: number, onDead: (detail: string) => void): () => void {
  const outstanding: { answered: boolean; h: ReturnType<Session['after']> | null }[] = [];
  let misses = 0;
  const tick = (): void => {
    if (!s.send({ type: 'ping', bytes: pingBytes })) return;
    const rec: (typeof outstanding)[number] = { answered: false, h: null };
    outstanding.push(rec);
    rec.h = s.after(spec.timeout, () => {
      if (rec.answered) return;
      misses++;
      if (misses >= spec.misses) onDead(`${misses} ping${misses > 1 ? 's' : ''} unanswered within ${sec(spec.timeout)} (interval ${sec(spec.interval)}, misses ${spec.misses})`);
    });
    s.after(spec.interval, tick);
  };
  s.after(spec.interval, tick);
  return () => {
    const rec = outstanding.shift();
    if (rec) {
      rec.answered = true;
      s.cancel(rec.h);
    }
    misses = 0;
  };
}

export function pingServer(ctx: Ctx, p: Server): void {
  serve(ctx, p.port, (s) => {
    const pong = (): boolean => s.send({ type: 'pong', bytes: p.pongBytes });
    const onPong = p.ping
      ? startPinger(s, p.ping, p.pingBytes, (detail) => {
          ctx.decide('PING_TIMEOUT', `${detail}: close()`);
          s.close();
        })
      : () => undefined;
    s.handler = {
      onFrame: (f) => {
        if (f.type === 'pong') return onPong();
        if (f.type !== 'ping') return;
        if (p.delay > 0) s.after(p.delay, pong);
        else pong();
      },
      onEnd: () => undefined,
    };
  });
}

export function pingClient(ctx: Ctx, p: Client): void {
  dial(ctx, p, (s, lost) => {
    const onPong = p.ping
      ? startPinger(s, p.ping, p.pingBytes, (detail) => {
          ctx.decide('PING_TIMEOUT', `${detail}: ${p.reconnect ? 'close() and reconnect' : 'close() and report'}`);
          lost();
        })
      : () => undefined;
    s.handler = {
      onFrame: (f) => {
        if (f.type === 'pong') onPong();
        else if (f.type === 'ping') s.send({ type: 'pong', bytes: p.pongBytes });
      },
      onEnd: (reason) => {
        if (reason === 'eof') ctx.decide('PEER_CLOSED', 'recv() returned 0: the server closed the connection');
      },
    };
  });
}
