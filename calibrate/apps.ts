/**
 * The scenario's applications on the real kernel: one `calibrate/app.py` process per app,
 * started inside its host's namespace. Start-up is a barrier: every app is spawned and
 * reports ready, then each receives `GO <t0>` with the same absolute start time t0, which is
 * scenario time 0 (docs/calibration.md, "Time line").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { packagePath } from '../sim/paths.ts';
import type { AppSpec, SocketOptionsSpec } from '../src/scenarios/schema.ts';
import { inNs } from './sh.ts';

const APP_PY = packagePath('calibrate', 'app.py');
const READY_TIMEOUT_MS = 10_000;

/** One line of an app's log (see app.py's docstring). Times are epoch seconds. */
export interface AppLogLine {
  ev: 'ready' | 'start' | 'end' | 'done';
  i?: number;
  call?: string;
  args?: Record<string, unknown>;
  start?: number;
  t?: number;
  result?: number | string | boolean;
  errno?: string;
  stopped?: boolean;
}

/** The Python interpreter: $KAL_PYTHON, else the system one (pyenv shims are slow to start). */
export function pythonPath(): string {
  const env = process.env['KAL_PYTHON'];
  if (env) return env;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** A running app process and everything it has logged so far. */
export class AppProcess {
  readonly log: AppLogLine[] = [];
  /** true once the app has run out of steps or stopped at an error */
  finished = false;
  /** true when the process was killed by a crash/reboot fault (its pending call never returns) */
  killedByFault = false;
  private proc: ChildProcess | null = null;
  private stderr = '';
  private readyWaiters: (() => void)[] = [];
  private doneWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly spec: AppSpec,
    /** the program (calibrate/programs uses a variant of app.py) and extra config fields for it */
    private readonly script: string = APP_PY,
    private readonly extra: Record<string, unknown> = {},
  ) {}

  /**
   * Spawn in namespace `ns` (null: outside any, to be moved by enterNetns before `go`), send
   * the configuration, wait for ready.
   */
  async start(ns: string | null, peers: Record<string, string>, socket: SocketOptionsSpec): Promise<void> {
    const py = [pythonPath(), '-u', '-B', this.script];
    const [cmd, ...args] = (ns === null ? py : inNs(ns, ...py)) as [string, ...string[]];
    const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // A process that is gone (killed by a crash/reboot fault) has finished as far as the horizon is concerned.
    proc.once('exit', () => this.markFinished());
    createInterface({ input: proc.stdout! }).on('line', (l) => this.onLine(l));
    const cfg = { ...this.extra, name: this.name, host: this.spec.host, onError: this.spec.onError, steps: this.spec.steps, peers, socket };
    proc.stdin?.write(`${JSON.stringify(cfg)}\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app ${this.name} not ready: ${this.stderr}`)), READY_TIMEOUT_MS);
      proc.once('exit', (code) => reject(new Error(`app ${this.name} exited early (${String(code)}): ${this.stderr}`)));
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** spawned and not yet exited */
  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Move a program started outside any namespace into `ns` (before `go`; app.py setns). */
  enterNetns(ns: string): void {
    this.proc?.stdin?.write(`NETNS /run/netns/${ns}\n`);
  }

  /** `go` was sent (a program waiting for its host's reboot is running but not released) */
  released = false;

  /** Release the start barrier: scenario time 0 is t0Us (µs since the epoch). */
  go(t0Us: number): void {
    this.released = true;
    this.proc?.stdin?.write(`GO ${(t0Us / 1e6).toFixed(6)}\n`);
  }

  /** Resolves when the app has finished its steps (or stopped at an error). */
  whenFinished(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((r) => this.doneWaiters.push(r));
  }

  /** SIGKILL the process (its sockets are closed by the kernel as the process exits). */
  kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    return exited;
  }

  killSync(): void {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  /** Anything the program wrote to stderr (a Python traceback means a harness bug). */
  errors(): string {
    return this.stderr;
  }

  private onLine(line: string): void {
    let obj: AppLogLine;
    try {
      obj = JSON.parse(line) as AppLogLine;
    } catch {
      this.stderr += `unparsable log line: ${line}\n`;
      return;
    }
    if (obj.ev === 'ready') this.readyWaiters.splice(0).forEach((f) => f());
    else this.log.push(obj);
    if (obj.ev === 'done') this.markFinished();
  }

  private markFinished(): void {
    this.finished = true;
    this.doneWaiters.splice(0).forEach((f) => f());
  }
}
