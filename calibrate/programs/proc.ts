/**
 * A real program run by the harness inside a network namespace: its output lines with the
 * CLOCK_REALTIME moment each arrived (µs), a readiness wait, and a kill that always works.
 * Every Proc is registered with its run, so cleanup reaches it on every exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { inNs, nowUs, run, sleep } from '../sh.ts';

export interface Line {
  us: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export class Proc {
  readonly lines: Line[] = [];
  exitUs: number | null = null;
  exitCode: number | null = null;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private listeners: ((l: Line) => void)[] = [];

  constructor(
    readonly name: string,
    readonly ns: string,
    readonly argv: readonly string[],
  ) {}

  /** Start the program; `stdin` is written then left open (a closed stdin ends some programs). */
  start(stdin?: string): void {
    const [cmd, ...args] = inNs(this.ns, ...this.argv) as [string, ...string[]];
    // its own process group, so a kill reaches the children too (sshd forks one per connection)
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.proc = p;
    this.exited = new Promise((resolve) =>
      p.once('exit', (code) => {
        this.exitUs = nowUs();
        this.exitCode = code;
        resolve();
      }),
    );
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: p[stream]! }).on('line', (text) => {
        const l = { us: nowUs(), stream, text };
        this.lines.push(l);
        for (const f of this.listeners) f(l);
      });
    }
    if (stdin !== undefined) p.stdin?.write(stdin);
  }

  write(text: string): void {
    this.proc?.stdin?.write(text);
  }

  running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolve with the first line matching `re` (or reject after `ms`, or when the program exits first). */
  waitLine(re: RegExp, ms = 10_000): Promise<Line> {
    const seen = this.lines.find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${re} within ${ms} ms:\n${this.output()}`)), ms);
      this.listeners.push((l) => {
        if (!re.test(l.text)) return;
        clearTimeout(timer);
        resolve(l);
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        if (!this.lines.some((l) => re.test(l.text))) reject(new Error(`${this.name} exited (${String(this.exitCode)}) before ${re}:\n${this.output()}`));
      });
    });
  }

  /** Wait until something listens on TCP `port` in the program's namespace. */
  async waitListening(port: number, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      const out = await run(inNs(this.ns, 'ss', '-Hltn', `sport = :${port}`)).catch(() => '');
      if (out.trim() !== '') return;
      if (!this.running()) throw new Error(`${this.name} exited (${String(this.exitCode)}) before listening on ${port}:\n${this.output()}`);
      if (Date.now() > until) throw new Error(`${this.name}: nothing listens on ${port} after ${ms} ms:\n${this.output()}`);
      await sleep(5);
    }
  }

  /** SIGKILL (the harness stops captures first, so what the dying program sends is not recorded). */
  async kill(): Promise<void> {
    this.killGroup();
    await this.exited;
  }

  killSync(): void {
    this.killGroup();
  }

  /** SIGKILL to the program's process group (the group of a process this harness started). */
  private killGroup(): void {
    const pid = this.proc?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  output(): string {
    return this.lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n');
  }
}
