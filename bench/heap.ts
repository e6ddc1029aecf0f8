/**
 * The baseline: a bare binary min-heap on parallel typed arrays (times, insertion
 * sequence numbers) plus a parallel callback array, ordered by (time, seq) exactly like
 * src/engine/queue.ts. No entry objects, no handles: `push` returns the sequence number
 * and `cancel(seq)` marks it in a byte map (lazy cancellation, skipped when popped).
 * Written for the benchmark only; it is what "fast" looks like in this runtime.
 */
export class ArrayHeap {
  private times: Float64Array;
  private seqs: Float64Array;
  private fns: ((() => void) | undefined)[] = [];
  private cancelled: Uint8Array;
  private n = 0;
  private nextSeq = 0;
  /** time of the entry returned by the last `pop` */
  lastTime = 0;

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.cancelled = new Uint8Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(time: number, fn: () => void): number {
    if (this.n === this.times.length) this.grow();
    const seq = this.nextSeq++;
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    // sift up with a hole
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      const pt = times[p] as number;
      if (pt < time || (pt === time && (seqs[p] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p] as number;
      fns[i] = fns[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    fns[i] = fn;
    return seq;
  }

  /** Lazy cancellation: O(1), the entry is dropped when it reaches the top. */
  cancel(seq: number): void {
    if (seq >= this.cancelled.length) {
      const c = new Uint8Array(Math.max(seq + 1, this.cancelled.length * 2));
      c.set(this.cancelled);
      this.cancelled = c;
    }
    this.cancelled[seq] = 1;
  }

  /** The next live callback (its time in `lastTime`), or undefined when empty. */
  pop(): (() => void) | undefined {
    for (;;) {
      if (this.n === 0) return undefined;
      const seq = this.seqs[0] as number;
      const fn = this.fns[0] as () => void;
      this.lastTime = this.times[0] as number;
      this.removeTop();
      if (seq < this.cancelled.length && this.cancelled[seq] === 1) continue;
      return fn;
    }
  }

  private removeTop(): void {
    const n = --this.n;
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    if (n === 0) {
      fns[0] = undefined;
      return;
    }
    const t = times[n] as number;
    const s = seqs[n] as number;
    const f = fns[n];
    fns[n] = undefined; // drop the reference
    // sift down with a hole
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = times[c] as number;
      let cs = seqs[c] as number;
      const r = c + 1;
      if (r < n) {
        const rt = times[r] as number;
        const rs = seqs[r] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      fns[i] = fns[c];
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    fns[i] = f;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    this.times = t;
    const s = new Float64Array(cap);
    s.set(this.seqs);
    this.seqs = s;
  }
}
