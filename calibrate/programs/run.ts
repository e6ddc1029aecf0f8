/**
 * Run a scenario with real programs (issue 19): the kernel harness's namespaces, router,
 * captures and faults (calibrate/netns.ts, capture.ts, faults.ts), with each heartbeat
 * model played by the real program it stands for (./real.ts) and each proxy by a real proxy
 * in the router namespace (./proxies.ts). The result is the run JSON of `keepalive-lab run
 * --json`, plus `programs` (which program and exact version played each model); the
 * programs' decisions are `app` events worded like the simulator's.
 *
 * Time line: scenario time 0 is a whole second of CLOCK_MONOTONIC (./clock.ts). Servers
 * and proxies are started at t0 and waited for until they listen; clients get t0 and start
 * at their own `start`. Times in the document are seconds of scenario time (origin
 * scenario-start) unless a `steps` app connects (then, as in the kernel harness, its
 * connect() return; `timeBase.scenarioOffset` says where that is).
 *
 * Cleanup on every exit path, as the kernel harness: normal end, exception (finally),
 * SIGINT/SIGTERM, process exit (synchronous). Programs are killed by process group.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecord } from '../../src/scenarios/result.ts';
import { expandApps } from '../../src/scenarios/apps.ts';
import type { AppSpec, Scenario } from '../../src/scenarios/schema.ts';
import { AppProcess, pythonPath } from '../apps.ts';
import { CaptureSet } from '../capture.ts';
import { toRunJson, type FaultResult, type KernelRunJson } from '../convert.ts';
import { FaultInjector } from '../faults.ts';
import { HarnessError, kernelInfo, preflight } from '../kernel.ts';
import type { ProxySpec } from '../../src/scenarios/schema.ts';
import { HOST_IF, reapStaleNamespaces, ROUTER_IP, Topology } from '../netns.ts';
import { execFileSync } from 'node:child_process';
import { nowUs, run, sleep, sleepUntil } from '../sh.ts';
import { nextMonoSecond } from './clock.ts';
import { TH } from '../pcap.ts';
import { launch, programRefusals, type Decision, type RealProgram } from './real.ts';
import { packagePath } from '../../sim/paths.ts';
import { proxyOf, proxyRefusals, SOCKS_PROFILES, startProxy, type RealProxy } from './proxies.ts';

/** Which real program played which model in a recording. */
export interface ProgramInfo {
  app: string;
  host: string;
  kind: string;
  profile?: string;
  program: string;
}

export interface ProgramRunJson extends KernelRunJson {
  programs: ProgramInfo[];
}

export interface ProgramRunOptions {
  log?: (msg: string) => void;
  keepDir?: boolean;
}

/** Why this scenario cannot run with real programs (empty: it can). */
export function refusals(sc: Scenario): string[] {
  const out: string[] = [];
  if (sc.until === undefined) out.push('a real-program scenario needs `until` (the programs never finish by themselves)');
  else if (sc.until > 180_000_000) out.push('until: at most 180 s of real time');
  for (const a of expandApps(sc.apps)) if (a.program) out.push(...programRefusals(a.program));
  for (const f of sc.faults) if (f.type === 'crash' || f.type === 'reboot') out.push(`faults: ${f.type} is not supported with real programs (use cut or firewall)`);
  out.push(...proxyRefusals(sc));
  return out;
}

export async function runPrograms(scenario: Scenario, opts: ProgramRunOptions = {}): Promise<ProgramRunJson> {
  const no = refusals(scenario);
  if (no.length > 0) throw new HarnessError(`calibrate: ${scenario.name}: cannot run with real programs: ${no.join('; ')}`, 2);
  await preflight();
  const log = opts.log ?? ((): void => {});
  const stale = await reapStaleNamespaces();
  if (stale.length > 0) log(`removed stale namespaces of dead runs: ${stale.join(' ')}`);
  const h = new ProgramHarness(scenario, mkdtempSync(join(tmpdir(), 'kal-prog-')), log);
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: cleaning up`);
    void h.cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  const onExit = (): void => h.cleanupSync();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    return await h.run();
  } finally {
    await h.cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    if (!opts.keepDir) rmSync(h.dir, { recursive: true, force: true });
    else log(`work directory kept: ${h.dir}`);
  }
}

interface Player {
  spec: AppSpec;
  name: string;
  real: RealProgram;
}

class ProgramHarness {
  private readonly topo: Topology;
  private readonly captures: CaptureSet;
  private readonly specs: AppSpec[];
  private readonly steps: AppProcess[] = [];
  private readonly players: Player[] = [];
  private proxy: RealProxy | null = null;
  private readonly faults: FaultResult[] = [];
  private stopping = false;

  constructor(
    private readonly scenario: Scenario,
    readonly dir: string,
    private readonly log: (msg: string) => void,
  ) {
    this.topo = new Topology(scenario);
    this.captures = new CaptureSet(dir);
    this.specs = expandApps(scenario.apps);
  }

  async run(): Promise<ProgramRunJson> {
    const sc = this.scenario;
    const injector = new FaultInjector(sc, { topo: this.topo, captures: this.captures, appsOn: (host) => this.steps.filter((a) => a.spec.host === host) });
    this.log(`${sc.name}: creating namespaces ${this.topo.prefix}*`);
    await this.topo.create();
    const notes = await injector.setupPath(sc);
    const ips = Object.fromEntries([...this.topo.hosts.values()].map((x) => [x.name, x.ip]));
    const box = proxyOf(sc);
    if (box) ips[box.name] = box.ip;
    for (const [k, spec] of this.specs.entries()) {
      const name = spec.name ?? spec.host;
      const ns = this.topo.host(spec.host).ns;
      if (spec.program) this.players.push({ spec, name, real: await launch({ dir: this.dir, ns, ips, name, socket: sc.hosts[spec.host]?.socket ?? {} }, spec.program) });
      else if (box && SOCKS_PROFILES.has(box.profile)) {
        // a client of a SOCKS5 proxy speaks SOCKS5 in its connect() (./socks_app.py)
        const socks = { proxy: box.ip, target: [this.topo.host(box.target.host).ip, box.target.port] };
        this.steps.push(new AppProcess(name || `app${k}`, spec, packagePath('calibrate', 'programs', 'socks_app.py'), { socks }));
      } else this.steps.push(new AppProcess(name || `app${k}`, spec));
    }
    for (const x of this.topo.hosts.values()) await this.captures.start(x.name, x.ns, HOST_IF);
    for (const a of this.steps) await a.start(this.topo.host(a.spec.host).ns, ips, sc.hosts[a.spec.host]?.socket ?? {});
    const clients = this.players.filter((p) => p.real.role === 'client');
    const { realUs: t0Us } = nextMonoSecond(300_000);
    for (const p of clients) await p.real.start(t0Us); // each waits for t0 + its start by itself
    for (const a of this.steps) a.go(t0Us);
    await sleepUntil(t0Us);
    if (box) this.proxy = await startProxy(this.topo, box, this.dir);
    await Promise.all(this.players.filter((p) => p.real.role === 'server').map((p) => p.real.start(t0Us)));
    const late = nowUs() - t0Us;
    // Programs that count whole seconds from their start (mosquitto's check cycle) must
    // start within scenario second 0, and clients connect from 1 s on: a machine this busy
    // cannot make a faithful recording.
    if (late > 800_000) throw new Error(`${sc.name}: the servers took ${(late / 1000).toFixed(0)} ms to listen after t0 (at most 800 ms): the machine is too busy for a faithful recording; run it again`);
    this.log(`${sc.name}: started (servers listening ${(late / 1000).toFixed(1)} ms after t0)`);
    const faultLoop = this.runFaults(injector, t0Us);
    await sleepUntil(t0Us + (sc.until ?? 0));
    this.stopping = true;
    await faultLoop;
    const endUs = nowUs();
    if (box) notes.push(`proxy sockets at the end (ss -tno in the proxy's namespace):\n${(await run(['ip', 'netns', 'exec', this.topo.router, 'ss', '-tno']).catch(() => '')).trim()}`);
    await this.captures.stopAll();
    notes.push(...this.captures.warnings());
    const json = toRunJson({
      scenario: sc,
      t0Us,
      endUs,
      hostIps: Object.fromEntries([...this.topo.hosts.values()].map((x) => [x.name, x.ip])),
      kernel: { ...kernelInfo(), python: (await run([pythonPath(), '--version'])).trim() },
      packets: Object.fromEntries([...this.topo.hosts.keys()].map((n) => [n, this.captures.packets(n)])),
      icmp: Object.fromEntries([...this.topo.hosts.keys()].map((n) => [n, this.captures.icmp(n)])),
      routerIp: ROUTER_IP,
      ...(box ? { aliases: { [box.ip]: box.name } } : {}),
      apps: this.steps.map((a) => ({ name: a.name, host: a.spec.host, log: a.log, killedByFault: a.killedByFault })),
      faults: this.faults,
      notes,
    });
    const anchorUs = t0Us + json.timeBase.scenarioOffset * 1e6;
    const rel = (us: number): number => Math.round(us - anchorUs) / 1e6;
    const finAt = (host: string, d: Decision): number => {
      if (d.finTo === undefined) return d.us;
      const fin = this.captures.packets(host).find((x) => x.dport === d.finTo && (x.flags & TH.FIN) !== 0 && x.tsUs > d.us - 2_000_000);
      return fin?.tsUs ?? d.us;
    };
    const decided: EventRecord[] = this.players.flatMap((p) => p.real.decisions().map((d) => ({ t: rel(finAt(p.spec.host, d)), host: p.spec.host, kind: 'app' as const, detail: `${p.name} ${d.what}: ${d.detail}` })));
    if (this.proxy) decided.push(...this.proxy.events().map((e) => ({ t: rel(e.us), host: box?.name ?? 'proxy', kind: 'nat' as const, detail: e.detail })));
    json.events = [...json.events, ...decided].sort((a, b) => a.t - b.t);
    for (const p of this.players) if (!p.real.proc.running() && p.real.role === 'server') json.events.push({ t: rel(p.real.proc.exitUs ?? endUs), host: p.spec.host, kind: 'note', detail: `${p.name} exited early (${String(p.real.proc.exitCode)}):\n${p.real.proc.output()}` });
    const programs: ProgramInfo[] = this.players.map((p) => ({
      app: p.name,
      host: p.spec.host,
      kind: p.spec.program?.kind ?? '?',
      ...(p.spec.program && 'profile' in p.spec.program ? { profile: String(p.spec.program.profile) } : {}),
      program: p.real.version,
    }));
    if (box && this.proxy) programs.push({ app: box.name, host: 'router', kind: 'proxy', profile: box.profile, program: this.proxy.version });
    return { ...json, tool: 'keepalive-lab calibrate --programs (real programs)', programs };
  }

  async cleanup(): Promise<void> {
    this.stopping = true;
    await this.captures.stopAll().catch(() => {});
    await Promise.all([...this.players.map((p) => p.real.proc.kill()), ...this.steps.map((a) => a.kill().catch(() => {})), this.proxy?.proc.kill()]);
    // sshd's per-connection children call setsid() and leave the process group: whatever
    // still runs in one of our namespaces is ours, and goes (ip netns pids)
    for (const ns of this.topo.namespaces()) await killNamespacePids(ns);
    await this.topo.destroy();
  }

  cleanupSync(): void {
    this.captures.killAllSync();
    for (const p of this.players) p.real.proc.killSync();
    for (const a of this.steps) a.killSync();
    this.proxy?.proc.killSync();
    for (const ns of this.topo.namespaces()) killNamespacePidsSync(ns);
    this.topo.destroySync();
  }

  private async runFaults(injector: FaultInjector, t0Us: number): Promise<void> {
    for (const f of [...this.scenario.faults].sort((a, b) => a.at - b.at)) {
      while (!this.stopping && t0Us + f.at - nowUs() > 50_000) await sleep(40);
      if (this.stopping) return;
      await sleepUntil(t0Us + f.at);
      const startUs = nowUs();
      const box = proxyOf(this.scenario);
      const applied = box && (f.type === 'cut' || f.type === 'restore') ? { detail: await cutBeyondProxy(this.topo, box, f.type === 'cut') } : await injector.apply(f, t0Us);
      this.faults.push({ fault: f, startUs, endUs: nowUs(), detail: applied.detail });
      this.log(`  fault at +${((startUs - t0Us) / 1e6).toFixed(3)} s: ${applied.detail}`);
    }
  }
}

/** SIGKILL every process inside namespace `ns` (one of this run's namespaces). */
async function killNamespacePids(ns: string): Promise<void> {
  const out = await run(['ip', 'netns', 'pids', ns]).catch(() => '');
  for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (out.trim() !== '') await sleep(20);
}

function killNamespacePidsSync(ns: string): void {
  let out = '';
  try {
    out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000 });
  } catch {
    return;
  }
  for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * With a proxy, the path's cut is beyond it (the simulator's proxy sits at the first host's
 * edge): the proxy's own traffic to and from the target leaves and enters the router
 * namespace through OUTPUT and INPUT, not FORWARD, so that is where the cut goes.
 */
async function cutBeyondProxy(topo: Topology, box: ProxySpec, add: boolean): Promise<string> {
  const ip = topo.host(box.target.host).ip;
  for (const rule of [['INPUT', '-s', ip, '-j', 'DROP'], ['OUTPUT', '-d', ip, '-j', 'DROP']]) await run(['ip', 'netns', 'exec', topo.router, 'iptables', add ? '-I' : '-D', ...rule]);
  return `${add ? 'cut' : 'restore'} ${box.name} <-> ${box.target.host} (router INPUT/OUTPUT)`;
}
