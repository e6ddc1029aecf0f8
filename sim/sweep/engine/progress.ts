/**
 * Progress of a distributed sweep on the coordinator's stderr: runs done of the total, runs/s
 * over this session, the ETA, and how many runs each worker returned. On a terminal a
 * cli-progress bar; in a log (a Kubernetes Job, CI) one line every `every` ms; always one
 * closing line. Rates count this session's runs only (not the rows resumed from the journal).
 */
import type { SingleBar } from 'cli-progress';

export interface ProgressState {
  done: number;
  failed: number;
  perWorker: ReadonlyMap<string, number>;
  /** chunks that had been started before (their worker was lost or crashed) */
  rerun: number;
}

const eta = (s: number): string => (!Number.isFinite(s) ? '?' : s < 90 ? `${Math.ceil(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export function workersText(per: ReadonlyMap<string, number>): string {
  const list = [...per].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (list.length === 0) return 'no worker yet';
  if (list.length > 8) {
    const n = list.map(([, c]) => c);
    return `${list.length} workers (${Math.min(...n)}..${Math.max(...n)} runs each)`;
  }
  return list.map(([w, c]) => `${w} ${c}`).join(', ');
}

export class EngineProgress {
  private readonly t0 = performance.now();
  private last = performance.now();
  private bar: SingleBar | null = null;

  constructor(
    private readonly total: number,
    /** rows already in the journal when this session started */
    private readonly resumed: number,
    private readonly write: (line: string) => void,
    private readonly tty: boolean,
    private readonly every = 10_000,
  ) {}

  async start(): Promise<void> {
    if (!this.tty) return;
    const { default: cli } = await import('cli-progress');
    this.bar = new cli.SingleBar({ format: 'sweep {bar} {percentage}% | {value}/{total} runs | {speed} runs/s | ETA {etaText} | {workers}', stream: process.stderr, hideCursor: true }, cli.Presets.shades_classic);
    this.bar.start(this.total, this.resumed, { speed: '0', etaText: '?', workers: 'no worker yet' });
  }

  private rate(done: number): number {
    return (done - this.resumed) / Math.max(1e-3, (performance.now() - this.t0) / 1000);
  }

  update(s: ProgressState): void {
    const rate = this.rate(s.done);
    const left = this.total - s.done - s.failed;
    if (this.bar) {
      this.bar.update(s.done, { speed: rate.toFixed(0), etaText: eta(left / rate), workers: s.perWorker.size > 3 ? `${s.perWorker.size} workers` : workersText(s.perWorker) });
      return;
    }
    const now = performance.now();
    if (now - this.last < this.every) return;
    this.last = now;
    this.write(`sweep: ${s.done}/${this.total} runs (${((100 * s.done) / this.total).toFixed(1)} %), ${rate.toFixed(0)} runs/s, ETA ${eta(left / rate)}${s.failed ? `, ${s.failed} failed` : ''}; per worker: ${workersText(s.perWorker)}`);
  }

  finish(s: ProgressState): void {
    if (this.bar) {
      this.bar.update(s.done, { speed: this.rate(s.done).toFixed(0), etaText: '0 s', workers: s.perWorker.size > 3 ? `${s.perWorker.size} workers` : workersText(s.perWorker) });
      this.bar.stop();
    }
    const secs = (performance.now() - this.t0) / 1000;
    const now = s.done - this.resumed;
    this.write(
      `sweep: ${s.done}/${this.total} runs (${now} now, ${this.resumed} from the journal) in ${secs.toFixed(1)} s, ${(now / Math.max(1e-3, secs)).toFixed(0)} runs/s` +
        `${s.failed ? `; ${s.failed} failed` : ''}${s.rerun ? `; ${s.rerun} chunk${s.rerun === 1 ? '' : 's'} re-run after a lost or crashed worker` : ''}; per worker: ${workersText(s.perWorker)}`,
    );
  }
}
