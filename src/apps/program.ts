/**
 * What every heartbeat program is built from: a context (its host, its name, whether its
 * process is still alive), a Session around one connected socket (a recv loop that yields
 * whole frames, sends that count real bytes, timers that die with the session), a server
 * accept loop, and a client that connects and, if configured, reconnects with backoff.
 * Everything goes through the simulated socket API (src/tcp/socket.ts), so every call is
 * in the trace and the kernel behaves as it does under any other program.
 */
import type { Handle, Sim } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import type { Host } from '../net/host.ts';
import { applyOptions } from '../scenarios/apps.ts';
import type { SocketOptionsSpec } from '../scenarios/schema.ts';
import type { Socket } from '../tcp/socket.ts';
import type { World } from '../world.ts';
import { Channel, OpaquePipe, offerChannel, serviceKey, takeChannel, type Frame, type Pipe } from './framing.ts';
import type { ReconnectSpec } from './schema.ts';

export interface Ctx {
  readonly world: World;
  readonly sim: Sim;
  readonly host: Host;
  readonly name: string;
  readonly hostOpts: SocketOptionsSpec;
  /** the program's process still runs (its host has not crashed since it started) */
  alive(): boolean;
  /** the program decided about its connection: an `app` trace event, counted as its detection */
  decide(what: string, detail: string): void;
  /** the program exits (a client that reported a failure and stops) */
  exit(): void;
}

export type EndReason = 'eof' | string;

export interface SessionHandler {
  onFrame(f: Frame): void;
  /** the connection ended under the program: `eof` (peer closed) or the errno of a failed call */
  onEnd(reason: EndReason): void;
}

/** One connected socket of a program. */
export class Session {
  ended = false;
  handler: SessionHandler = { onFrame: () => undefined, onEnd: () => undefined };
  private readonly timers = new Set<Handle>();
  private tx: Pipe | null;
  private rx: Pipe | null;

  constructor(
    readonly ctx: Ctx,
    readonly sock: Socket,
    /** client side: the channel it offered; server side: null, taken on first use from `service` */
    ch: Channel | null,
    private readonly service: string,
  ) {
    this.tx = ch ? ch.up : null;
    this.rx = ch ? ch.down : null;
  }

  private bind(): void {
    if (this.tx) return;
    const ch = takeChannel(this.ctx.world, this.service);
    this.tx = ch ? ch.down : new OpaquePipe();
    this.rx = ch ? ch.up : new OpaquePipe();
  }

  /** Read for ever, handing each complete frame to the handler. */
  start(): void {
    const loop = (): void => {
      this.sock.recv(65536, (r) => {
        if (this.ended || !this.ctx.alive()) return;
        if (!r.ok) return this.end(r.errno);
        if (r.value === 0) return this.end('eof');
        this.bind();
        for (const f of (this.rx as Pipe).take(r.value)) {
          if (this.ended) return;
          this.handler.onFrame(f);
        }
        if (!this.ended) loop();
      });
    };
    loop();
  }

  /** Write one frame; a failed send ends the session with its errno. */
  send(f: Frame): boolean {
    if (this.ended) return false;
    this.bind();
    const r = this.sock.send(f.bytes);
    if (!r.ok) {
      this.end(r.errno);
      return false;
    }
    (this.tx as Pipe).push(f);
    return true;
  }

  after(d: Micros, fn: () => void): Handle {
    const h = this.ctx.sim.after(d, () => {
      this.timers.delete(h);
      if (!this.ended && this.ctx.alive()) fn();
    });
    this.timers.add(h);
    return h;
  }

  /** A timer at absolute time `t` (now if `t` is past), dying with the session. */
  at(t: Micros, fn: () => void): Handle {
    return this.after(Math.max(0, t - this.ctx.sim.now), fn);
  }

  cancel(h: Handle | null): void {
    if (!h) return;
    this.ctx.sim.cancel(h);
    this.timers.delete(h);
  }

  private stopTimers(): void {
    for (const h of this.timers) this.ctx.sim.cancel(h);
    this.timers.clear();
  }

  /** The connection failed or the peer closed: tell the handler, then close our end. */
  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.handler.onEnd(reason);
    this.sock.close();
  }

  /** The program closes the connection itself (close(): FIN, or RST with unread data). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.sock.close();
  }
}

/** Listen on `port` and hand every accepted connection to `onConn`, for ever. */
export function serve(ctx: Ctx, port: number, onConn: (s: Session) => void): void {
  const l = ctx.world.socket(ctx.host, ctx.name);
  if (!applyOptions(l, ctx.hostOpts) || !l.listen(port).ok) return ctx.exit();
  const service = `${ctx.host.name}:${port}`;
  const loop = (): void => {
    l.accept((r) => {
      if (!ctx.alive()) return;
      if (!r.ok) return ctx.exit();
      const s = new Session(ctx, r.value, null, service);
      onConn(s);
      if (!s.ended) s.start();
      loop();
    });
  };
  loop();
}

export interface DialSpec {
  to: string;
  port: number;
  start: Micros;
  reconnect?: ReconnectSpec | undefined;
}

/**
 * A client: connect at `start`; `onConn` sets up each connected session. When a session
 * ends (`lost()` from the program, or EOF/error on the socket) the client reconnects after
 * a growing delay if configured — a fresh socket and connect(), as paho-mqtt's
 * reconnect loop does (min_delay 1 s, doubling to max_delay 120 s: paho.mqtt.python
 * client.py reconnect_delay_set / _reconnect_wait; gRPC grows it by 1.6, doc/connection-backoff.md)
 * — else it exits.
 */
export function dial(ctx: Ctx, spec: DialSpec, onConn: (s: Session, lost: () => void) => void): void {
  let delay = spec.reconnect?.initial ?? 0;
  const retry = (): void => {
    if (!spec.reconnect) return ctx.exit();
    const d = delay;
    delay = Math.min(Math.round(delay * spec.reconnect.multiplier), spec.reconnect.max);
    ctx.sim.after(d, () => ctx.alive() && attempt());
  };
  const attempt = (): void => {
    const sock = ctx.world.socket(ctx.host, ctx.name);
    if (!applyOptions(sock, ctx.hostOpts)) return ctx.exit();
    sock.connect(spec.to, spec.port, (r) => {
      if (!ctx.alive()) return;
      if (!r.ok) {
        sock.close();
        return retry();
      }
      if (spec.reconnect) delay = spec.reconnect.initial; // a connection that came up resets the backoff
      const ch = new Channel();
      offerChannel(ctx.world, serviceKey(ctx.world, spec.to, spec.port), ch);
      const s = new Session(ctx, sock, ch, '');
      let done = false;
      const lost = (): void => {
        if (done) return;
        done = true;
        s.close();
        retry();
      };
      onConn(s, lost);
      const inner = s.handler.onEnd;
      s.handler.onEnd = (reason) => {
        inner(reason);
        if (!done) {
          done = true;
          retry();
        }
      };
      if (!s.ended) s.start();
    });
  };
  ctx.sim.at(spec.start, () => ctx.alive() && attempt());
}
