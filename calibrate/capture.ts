/**
 * tcpdump on a host's interface, inside the host's namespace. A host that reboots gets a new
 * interface, so one host may have several capture segments; they are read back together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePcap, type Capture as Decoded, type RawIcmp, type RawTcp } from './pcap.ts';
import { inNs, sleep } from './sh.ts';

const READY_TIMEOUT_MS = 5_000;

/** One tcpdump process writing one pcap file. */
export class Capture {
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  constructor(
    readonly host: string,
    readonly file: string,
  ) {}

  /** Start tcpdump and wait until it reports that it is listening (so nothing is missed). */
  async start(ns: string, ifname: string): Promise<void> {
    // --immediate-mode: hand each packet to tcpdump at once; without it libpcap's TPACKET_V3
    // ring delivers a block only when it fills or after ~1 s, and a block still pending
    // when tcpdump is stopped (horizon, reboot) is lost;
    // -U: write each packet as it arrives, so a SIGINT/SIGKILL loses nothing;
    // -Z root: Debian's tcpdump otherwise drops to user tcpdump before opening the file;
    // -s 128: headers are enough, the payload is never looked at.
    const argv = inNs(ns, 'tcpdump', '-i', ifname, '--immediate-mode', '-n', '-s', '128', '-U', '-Z', 'root', '-w', this.file, 'tcp or icmp');
    const [cmd, ...args] = argv as [string, ...string[]];
    const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump on ${this.host} did not start: ${this.stderr}`)), READY_TIMEOUT_MS);
      proc.stderr?.on('data', (d: Buffer) => {
        this.stderr += d.toString();
        if (this.stderr.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump on ${this.host} exited (${String(code)}): ${this.stderr.trim()}`));
      });
    });
  }

  /** Stop gracefully (SIGINT flushes the file), escalating to SIGKILL. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGINT');
    const done = await Promise.race([this.exited.then(() => true), sleep(2_000).then(() => false)]);
    if (!done) {
      p.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Packets the kernel dropped before tcpdump could read them (from its exit statistics). */
  droppedByKernel(): number {
    const m = /(\d+) packets? dropped by kernel/.exec(this.stderr);
    return m?.[1] ? Number(m[1]) : 0;
  }

  /** Last-resort kill for the exit hook. */
  killSync(): void {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  read(): Decoded {
    try {
      return parsePcap(readFileSync(this.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { tcp: [], icmp: [] };
      throw e;
    }
  }
}

/** All captures of a run, by host; numbered files in the run's work directory. */
export class CaptureSet {
  private readonly all: Capture[] = [];

  constructor(private readonly dir: string) {}

  async start(host: string, ns: string, ifname: string): Promise<Capture> {
    const c = new Capture(host, join(this.dir, `${host}.${this.all.length}.pcap`));
    this.all.push(c);
    await c.start(ns, ifname);
    return c;
  }

  /** Stop the captures of one host (before its interface disappears in a reboot). */
  async stopHost(host: string): Promise<void> {
    for (const c of this.all) if (c.host === host) await c.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((c) => c.stop()));
  }

  killAllSync(): void {
    for (const c of this.all) c.killSync();
  }

  /** Warnings about incomplete captures, for the run's notes. */
  warnings(): string[] {
    return this.all.filter((c) => c.droppedByKernel() > 0).map((c) => `tcpdump on ${c.host} lost ${c.droppedByKernel()} packets (${c.file})`);
  }

  /** Every TCP segment seen on `host`'s interface(s), in capture order. */
  packets(host: string): RawTcp[] {
    return this.decoded(host).flatMap((d) => d.tcp).sort((a, b) => a.tsUs - b.tsUs);
  }

  /** Every ICMP message seen on `host`'s interface(s), in capture order. */
  icmp(host: string): RawIcmp[] {
    return this.decoded(host).flatMap((d) => d.icmp).sort((a, b) => a.tsUs - b.tsUs);
  }

  private decoded(host: string): Decoded[] {
    return this.all.filter((c) => c.host === host).map((c) => c.read());
  }
}
