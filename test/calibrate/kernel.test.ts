/**
 * The real-kernel harness end to end (calibration, issue 10): one short scenario in network
 * namespaces. Runs only as root with working `ip netns` (CI runs as root); elsewhere the
 * kernel test reports itself skipped. The preflight test runs everywhere.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { diffRuns } from '../../calibrate/diff.ts';
import { HarnessError, preflight, runOnKernel } from '../../calibrate/kernel.ts';
import { natRefusals, natSysctls } from '../../calibrate/nat.ts';
import { nsPrefix } from '../../calibrate/netns.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { loadFixture, loadScenario } from '../../calibrate/suite.ts';
import { scenarioSchema, type Scenario } from '../../src/scenarios/schema.ts';

function canUseNetns(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    execFileSync('iptables', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const KERNEL = canUseNetns();
if (!KERNEL) console.warn('calibrate/kernel.test: skipping the real-kernel run (needs root, ip netns, tcpdump, iptables)');

const ourNamespaces = (): string[] => {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(nsPrefix()));
  } catch {
    return [];
  }
};

describe('runOnKernel', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses to run without root, with exit code 2', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const err = await preflight().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).exitCode).toBe(2);
    expect((err as HarnessError).message).toMatch(/needs root/);
  });

  it('translates a linux-conntrack NAT to router sysctls, and refuses what it cannot build (exit 2)', async () => {
    // Arrange
    const withBox = (box: object): Scenario => {
      const sc = loadScenario('nat-expired-outside-first');
      return scenarioSchema.parse({ ...JSON.parse(JSON.stringify(sc)), path: { latency: 20, middleboxes: [box] } });
    };
    const ok = withBox({ type: 'nat', profile: 'linux-conntrack', established: '10s', timeWait: '5s', maxRetrans: 2 });
    // Act / Assert
    expect(natRefusals(ok)).toEqual([]);
    expect(natSysctls(ok.path.middleboxes[0] as Parameters<typeof natSysctls>[0])).toEqual([
      'net.netfilter.nf_conntrack_tcp_timeout_established=10',
      'net.netfilter.nf_conntrack_tcp_timeout_time_wait=5',
      'net.netfilter.nf_conntrack_tcp_max_retrans=2',
    ]);
    expect(natRefusals(withBox({ type: 'nat', profile: 'aws-natgw' })).join()).toMatch(/profile 'aws-natgw'/);
    expect(natRefusals(withBox({ type: 'nat', established: '1500ms' })).join()).toMatch(/whole positive number of seconds/);
    expect(natRefusals(withBox({ type: 'nat', outsideNoEntry: 'drop' })).join()).toMatch(/outsideNoEntry/);
    expect(natRefusals(withBox({ type: 'nat', table: 10 })).join()).toMatch(/table/);
    const err = await runOnKernel(withBox({ type: 'nat', profile: 'azure-lb' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).exitCode).toBe(2);
  });

  it.skipIf(!KERNEL)(
    'reboot-keepalive: the probe meets a rebooted peer, RST, ECONNRESET; matches the recorded fixture',
    async () => {
      // Arrange
      const scenario = loadScenario('reboot-keepalive');
      // Act
      const run = await runOnKernel(scenario);
      // Assert: what the application saw
      const recv = run.calls.find((c) => c.host === 'client' && c.call === 'recv');
      expect(recv?.errno).toBe('ECONNRESET');
      // the client's probe (SND.UNA − 1) and the new kernel's bare RST with seq = the probe's ack
      const atClient = run.packets.filter((p) => p.at === 'client' && p.t > 0.5);
      expect(atClient.map((p) => `${p.dir} ${p.flags} ${p.seq}:${p.ack} ${p.kind ?? ''}`)).toEqual(['tx . 0:1 keepalive', 'rx R 1:0 reset']);
      expect(run.kernel.hz).toBeGreaterThan(0);
      // nothing left behind
      expect(ourNamespaces()).toEqual([]);
      // and the same run as the committed fixture, within the timer-wheel tolerance
      const d = diffRuns(loadFixture('reboot-keepalive'), run);
      expect(d.mismatches, renderDiff(d)).toBe(0);
    },
    15_000,
  );
});
