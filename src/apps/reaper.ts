/**
 * A server idle reaper and a plain sink.
 *
 * Reaper: Swoole's `heartbeat_check_interval` / `heartbeat_idle_time` (seed 003; nginx
 * `keepalive_timeout`, HAProxy `timeout client` are the same idea). A timer started with
 * the server fires every check interval and closes (close(): FIN) every connection whose
 * last received data is at least `heartbeat_idle_time` old. Swoole source
 * (swoole-src src/server/reactor_thread.cc, the heartbeat check): `checktime = now −
 * heartbeat_idle_time`; a connection is skipped while `last_recv_time > checktime`, so it
 * is closed at the first check with idle ≥ heartbeat_idle_time; `last_recv_time` starts at
 * the accept. Only received data counts (a keepalive probe or a bare ACK carries none).
 * Swoole docs (Server settings): heartbeat_idle_time defaults to twice the check interval.
 */
import type { Ctx, Session } from './program.ts';
import { serve } from './program.ts';
import type { ProgramSpec } from './schema.ts';

type Reaper = Extract<ProgramSpec, { kind: 'reaper' }>;
type Sink = Extract<ProgramSpec, { kind: 'sink' }>;

export function reaper(ctx: Ctx, p: Reaper): void {
  const idle = p.idleTime ?? 2 * p.checkInterval;
  const conns = new Map<Session, number>();
  serve(ctx, p.port, (s) => {
    conns.set(s, ctx.sim.now);
    s.handler = {
      onFrame: () => conns.set(s, ctx.sim.now),
      onEnd: () => conns.delete(s),
    };
  });
  const check = (): void => {
    if (!ctx.alive()) return;
    const now = ctx.sim.now;
    for (const [s, last] of conns) {
      if (last > now - idle) continue;
      conns.delete(s);
      ctx.decide('IDLE_REAPED', `no data for ${((now - last) / 1e6).toFixed(6)} s (heartbeat_idle_time ${idle / 1e6} s): close()`);
      s.close();
    }
    ctx.sim.after(p.checkInterval, check);
  };
  ctx.sim.after(p.checkInterval, check);
}

/** Accept and read everything; with `echo`, answer each message with as many bytes. */
export function sink(ctx: Ctx, p: Sink): void {
  serve(ctx, p.port, (s) => {
    s.handler = {
      onFrame: (f) => {
        if (p.echo) s.send({ type: 'echo', bytes: f.bytes });
      },
      onEnd: () => undefined,
    };
  });
}
