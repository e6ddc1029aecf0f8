/**
 * Run a scenario on the real Linux kernel (calibration, issue 10): namespaces for the hosts
 * and a router, tcpdump on each host's interface, one Python program per app, faults as
 * iptables rules / namespace surgery at their scenario times. The result has the shape of
 * `keepalive-lab run --json` (RunJson) so it can be diffed against the simulator.
 *
 * Time line: scenario time 0 (t0) is the release of a start barrier: every capture is
 * listening and every app process has loaded its steps and reported ready; then each app
 * gets the same absolute t0 and waits for it. Output times are relative to the client's
 * connect() returning (convert.ts).
 *
 * Cleanup runs on every exit path: normal end, an exception (finally), SIGINT/SIGTERM
 * (handler), and process exit (synchronous last resort). Only SIGKILL of this process can
 * leave namespaces behind; the next run reaps them (netns.ts reapStaleNamespaces).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FaultSpec, Scenario } from '../src/scenarios/schema.ts';
import { AppProcess, pythonPath } from './apps.ts';
import { CaptureSet } from './capture.ts';
import { toRunJson, type FaultResult, type KernelRunJson } from './convert.ts';
import { FaultInjector, type Applied } from './faults.ts';
import { natOf, natRefusals, setupNat } from './nat.ts';
import { HOST_IF, reapStaleNamespaces, ROUTER_IP, Topology } from './netns.ts';
import { appName } from './replay.ts';
import { nowUs, run, sleep, sleepUntil } from './sh.ts';

export { appName };

export interface KernelRunOptions {
  /** progress messages (default: none) */
  log?: (msg: string) => void;
  /** keep the work directory with pcaps (default false) */
  keepDir?: boolean;
  /** without `until`: how long to keep capturing after every app finished (default 500 ms) */
  lingerMs?: number;
  /** hard cap on the run's real duration in seconds (default 120) */
  maxSeconds?: number;
}

/** A refusal to run (not root, tools missing); `exitCode` is what a CLI should exit with. */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Gap between the barrier and t0: time for every app to read its GO line. */
const START_MARGIN_US = 100_000;

/** Refuse early, with a message that says what to do. */
export async function preflight(): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new HarnessError('calibrate: the real-kernel run needs root (network namespaces, iptables, tcpdump). Run it as root, e.g. sudo npx tsx calibrate/record.ts', 2);
  }
  for (const argv of [['ip', '-V'], ['iptables', '--version'], ['tcpdump', '--version'], ['ethtool', '--version'], ['ping', '-V'], [pythonPath(), '--version']]) {
    try {
      await run(argv);
    } catch {
      throw new HarnessError(`calibrate: '${argv[0]}' is missing; install it (Debian: apt-get install -y iproute2 iptables tcpdump ethtool iputils-ping python3)`, 2);
    }
  }
}

/** Kernel release and CONFIG_HZ (from /boot/config-<release> or /proc/config.gz; 0 if unknown). */
export function kernelInfo(): { release: string; hz: number } {
  const rel = release();
  let text = '';
  if (existsSync(`/boot/config-${rel}`)) text = readFileSync(`/boot/config-${rel}`, 'utf8');
  else if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  const m = /^CONFIG_HZ=(\d+)$/m.exec(text);
  return { release: rel, hz: m?.[1] ? Number(m[1]) : 0 };
}

/** One run of `scenario` on this machine's kernel. Requires root. */
export async function runOnKernel(scenario: Scenario, opts: KernelRunOptions = {}): Promise<KernelRunJson> {
  const refusals = natRefusals(scenario);
  if (refusals.length > 0) throw new HarnessError(`calibrate: ${scenario.name}: cannot build the middlebox on the real kernel: ${refusals.join('; ')}`, 2);
  await preflight();
  const log = opts.log ?? ((): void => {});
  const stale = await reapStaleNamespaces();
  if (stale.length > 0) log(`removed stale namespaces of dead runs: ${stale.join(' ')}`);
  const h = new Harness(scenario, mkdtempSync(join(tmpdir(), 'kal-')), log);
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: cleaning up`);
    void h.cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  const onExit = (): void => h.cleanupSync();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    return await h.run(opts);
  } finally {
    await h.cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    if (!opts.keepDir) rmSync(h.dir, { recursive: true, force: true });
    else log(`work directory kept: ${h.dir}`);
  }
}

/** The state of one kernel run; exists so cleanup can reach everything that was started. */
class Harness {
  private readonly topo: Topology;
  private readonly captures: CaptureSet;
  private readonly apps: AppProcess[];
  private readonly faults: FaultResult[] = [];
  /** programs whose first step comes after a reboot of their host: started in the new namespace */
  private readonly deferred = new Map<AppProcess, number>();
  private t0Us = 0;
  private stopping = false;

  constructor(
    private readonly scenario: Scenario,
    readonly dir: string,
    private readonly log: (msg: string) => void,
  ) {
    this.topo = new Topology(scenario);
    this.captures = new CaptureSet(dir);
    this.apps = scenario.apps.map((a, k) => new AppProcess(appName(scenario, k), a));
  }

  async run(opts: KernelRunOptions): Promise<KernelRunJson> {
    const injector = new FaultInjector(this.scenario, {
      topo: this.topo,
      captures: this.captures,
      appsOn: (host) => this.apps.filter((a) => a.spec.host === host),
      hostRecreated: (host) => this.startDeferred(host),
    });
    this.log(`${this.scenario.name}: creating namespaces ${this.topo.prefix}*`);
    await this.topo.create();
    const notes = await injector.setupPath(this.scenario);
    const nat = natOf(this.scenario);
    if (nat) {
      const [inside, outside] = pathHosts(this.scenario);
      notes.push(...(await setupNat(this.topo, nat, inside, outside)));
    }
    for (const h of this.topo.hosts.values()) await this.captures.start(h.name, h.ns, HOST_IF);
    await this.startApps();
    const t0Us = nowUs() + START_MARGIN_US;
    this.t0Us = t0Us;
    for (const a of this.apps) if (!this.deferred.has(a)) a.go(t0Us);
    this.log(`${this.scenario.name}: started`);
    const faultLoop = this.runFaults(injector, t0Us);
    await Promise.race([this.horizon(t0Us, opts), faultLoop.then(() => new Promise<never>(() => {}))]);
    this.stopping = true;
    await faultLoop;
    const endUs = nowUs();
    // Stop capturing before the programs are killed: their exit would close sockets and put
    // FIN/RST on the wire that the scenario never asked for.
    await this.captures.stopAll();
    await Promise.all(this.apps.map((a) => a.kill()));
    notes.push(...this.captures.warnings());
    const broken = this.apps.filter((a) => a.errors().trim() !== '');
    for (const a of broken) this.log(`app ${a.name} stderr:\n${a.errors()}`);
    return toRunJson({
      scenario: this.scenario,
      t0Us,
      endUs,
      hostIps: Object.fromEntries([...this.topo.hosts.values()].map((h) => [h.name, h.ip])),
      kernel: { ...kernelInfo(), python: (await run([pythonPath(), '--version'])).trim() },
      packets: Object.fromEntries([...this.topo.hosts.keys()].map((name) => [name, this.captures.packets(name)])),
      icmp: Object.fromEntries([...this.topo.hosts.keys()].map((name) => [name, this.captures.icmp(name)])),
      routerIp: ROUTER_IP,
      ...(nat ? { aliases: { [nat.ip]: nat.name } } : {}),
      apps: this.apps.map((a) => ({ name: a.name, host: a.spec.host, log: a.log, killedByFault: a.killedByFault })),
      faults: this.faults,
      notes,
    });
  }

  /** Stop everything and delete every namespace. Idempotent, never throws. */
  async cleanup(): Promise<void> {
    this.stopping = true;
    await this.captures.stopAll().catch(() => {});
    await Promise.all(this.apps.map((a) => a.kill().catch(() => {})));
    await this.topo.destroy();
  }

  cleanupSync(): void {
    this.captures.killAllSync();
    for (const a of this.apps) a.killSync();
    this.topo.destroySync();
  }

  private async startApps(): Promise<void> {
    for (const a of this.apps) {
      const reboot = rebootBefore(this.scenario, a.spec);
      if (reboot !== undefined) this.deferred.set(a, reboot);
      await this.startApp(a, reboot !== undefined);
    }
  }

  private async startApp(a: AppProcess, outside: boolean): Promise<void> {
    const peers = Object.fromEntries([...this.topo.hosts.values()].map((h) => [h.name, h.ip]));
    const host = this.scenario.hosts[a.spec.host];
    if (!host) throw new Error(`app ${a.name} runs on unknown host ${a.spec.host}`);
    await a.start(outside ? null : this.topo.host(a.spec.host).ns, peers, host.socket);
  }

  /**
   * A rebooted host's namespace exists again: the programs that begin after this reboot
   * (spawned at the start, outside any namespace) enter it and are released, as a program
   * started after a real reboot runs on the new kernel.
   */
  private async startDeferred(host: string): Promise<void> {
    for (const [a] of this.deferred) {
      if (a.spec.host !== host || a.finished) continue;
      this.deferred.delete(a);
      a.enterNetns(this.topo.host(host).ns);
      a.go(this.t0Us);
    }
  }

  /** Resolves at the horizon: `until`, or once every app is done (+ linger), capped. */
  private async horizon(t0Us: number, opts: KernelRunOptions): Promise<void> {
    const capUs = t0Us + (opts.maxSeconds ?? 120) * 1e6;
    if (this.scenario.until !== undefined) return sleepUntil(Math.min(capUs, t0Us + this.scenario.until));
    const allDone = Promise.all(this.apps.map((a) => a.whenFinished())).then(() => sleep(opts.lingerMs ?? 500));
    await Promise.race([allDone, sleepUntil(capUs)]);
  }

  /** Wait until `atUs`, returning early once the run is stopping (a fault after the horizon). */
  private async waitUnlessStopping(atUs: number): Promise<void> {
    while (!this.stopping && atUs - nowUs() > 50_000) await sleep(40);
    if (!this.stopping) await sleepUntil(atUs);
  }

  /** Apply faults in time order, one at a time (a reboot takes a few hundred ms). */
  private async runFaults(injector: FaultInjector, t0Us: number): Promise<void> {
    type Item = { atUs: number; fault?: FaultSpec; undo?: NonNullable<Applied['undo']> };
    const queue: Item[] = this.scenario.faults.map((f) => ({ atUs: t0Us + f.at, fault: f }));
    while (queue.length > 0) {
      queue.sort((a, b) => a.atUs - b.atUs);
      const item = queue.shift() as Item;
      await this.waitUnlessStopping(item.atUs);
      if (this.stopping) return;
      const startUs = nowUs();
      if (item.fault) {
        const applied = await injector.apply(item.fault, t0Us);
        this.faults.push({ fault: item.fault, startUs, endUs: nowUs(), detail: applied.detail, ...(applied.upUs !== undefined ? { upUs: applied.upUs } : {}) });
        if (applied.undo) queue.push({ atUs: applied.undo.atUs, undo: applied.undo });
      } else if (item.undo) {
        const detail = await item.undo.apply();
        this.faults.push({ fault: { at: item.atUs - t0Us, type: 'restore' }, startUs, endUs: nowUs(), detail, undo: true });
      }
      this.log(`  fault at +${((startUs - t0Us) / 1e6).toFixed(3)} s: ${this.faults.at(-1)?.detail ?? ''}`);
    }
  }
}


/**
 * The `at` of the last reboot of the app's host that comes before the app's first step, if
 * the first step has an `at` (such a program only exists on the rebooted host).
 */
export function rebootBefore(scenario: Scenario, app: Scenario['apps'][number]): number | undefined {
  const first = app.steps[0]?.at;
  if (first === undefined) return undefined;
  const reboots = scenario.faults.filter((f) => f.type === 'reboot' && f.host === app.host && f.at + f.downtime <= first);
  return reboots.length > 0 ? Math.max(...reboots.map((f) => f.at)) : undefined;
}

/** The two hosts of the path: `path.between`, else the first two hosts (the first is inside a NAT). */
export function pathHosts(scenario: Scenario): [string, string] {
  const names = Object.keys(scenario.hosts);
  return scenario.path.between ?? [names[0] ?? '', names[1] ?? ''];
}
