/**
 * An output file written while a run goes (`run --stream --pcap/--jsonl`): buffered writes
 * into a temporary file beside the target (an unpredictable name), renamed over the target
 * only when the run finished — a failed or interrupted run leaves nothing half-written.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { InputError } from './errors.ts';

const CHUNK = 1 << 16;

export class StreamFile {
  private readonly tmp: string;
  private fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  constructor(
    readonly path: string,
    private readonly flag: string,
  ) {
    this.tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.tmp, 'wx', 0o644);
    } catch (e) {
      throw new InputError([`${flag}: cannot write ${path}: ${(e as Error).message}`]);
    }
  }

  write(data: Uint8Array | string): void {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.used + b.length > this.buf.length) this.drain();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b);
      return;
    }
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  private drain(): void {
    if (this.used) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }

  /** Finish: flush, close, and put the file in place. */
  commit(): void {
    this.drain();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Give up: remove the temporary file. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}

/** Lines to a sink in chunks (a terminal write per line would dominate a long streamed run). */
export class LineBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly sink: (text: string) => void) {}

  line(s: string): void {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= CHUNK) this.flush();
  }

  flush(): void {
    if (!this.parts.length) return;
    this.sink(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
