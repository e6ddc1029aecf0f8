/**
 * Message boundaries on a byte stream. The simulated TCP carries byte counts, not bytes,
 * so a program that needs to know *which* message arrived (a PINGREQ, a PONG, a GOAWAY)
 * reads it the way a real program reads a framed protocol: the sender writes a frame of
 * its real on-wire size with send(), and the receiver's parser yields the frame once all
 * of its bytes have arrived through recv(), in stream order, however TCP segmented or
 * coalesced them. What the frame *is* travels beside the bytes in a per-connection
 * channel, never faster than the bytes themselves.
 *
 * Channels meet like the two ends of a connection: the connecting program offers one for
 * the service it reaches (`host:port`, or through an application proxy, the proxy's
 * target), and the accepting program of that service takes the oldest offered one when
 * it first reads or writes. A peer that offers none (a `steps` program, `nc`) is read as
 * opaque data: frames of type `data` of whatever arrived.
 */
import type { World } from '../world.ts';

export interface Frame {
  /** message type, e.g. `PINGREQ`, `ping`, `data` */
  readonly type: string;
  /** TCP payload bytes of the message, framing and encryption included */
  readonly bytes: number;
  /** fields a real receiver would parse from the message (e.g. MQTT Keep Alive) */
  readonly meta?: Readonly<Record<string, number | string>>;
}

/** One direction of a connection's stream. */
export class Pipe {
  private readonly frames: Frame[] = [];
  private received = 0;

  push(f: Frame): void {
    this.frames.push(f);
  }

  /** `n` more bytes arrived: the frames now complete, in order. */
  take(n: number): Frame[] {
    this.received += n;
    const out: Frame[] = [];
    for (let f = this.frames[0]; f && f.bytes <= this.received; f = this.frames[0]) {
      this.received -= f.bytes;
      out.push(f);
      this.frames.shift();
    }
    return out;
  }
}

/** Both directions: `up` from the connecting end, `down` from the accepting end. */
export class Channel {
  readonly up = new Pipe();
  readonly down = new Pipe();
}

/** A byte stream read without a channel: whatever arrives is data. */
export class OpaquePipe extends Pipe {
  override take(n: number): Frame[] {
    return [{ type: 'data', bytes: n }];
  }
}

const offered = new WeakMap<World, Map<string, Channel[]>>();

function book(world: World): Map<string, Channel[]> {
  let m = offered.get(world);
  if (!m) offered.set(world, (m = new Map()));
  return m;
}

/** The service a connect() to `to:port` reaches: through an application proxy, its target. */
export function serviceKey(world: World, to: string, port: number): string {
  for (const p of world.net.paths) {
    for (const m of p.middleboxes) {
      const cfg = (m as { cfg?: { listen: number; target: { host: string; port: number } } }).cfg;
      if (m.name === to && cfg && cfg.listen === port) return `${cfg.target.host}:${cfg.target.port}`;
    }
  }
  return `${to}:${port}`;
}

export function offerChannel(world: World, key: string, ch: Channel): void {
  const m = book(world);
  const q = m.get(key);
  if (q) q.push(ch);
  else m.set(key, [ch]);
}

export function takeChannel(world: World, key: string): Channel | undefined {
  return book(world).get(key)?.shift();
}
