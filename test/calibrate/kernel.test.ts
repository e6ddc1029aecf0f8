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
import { nsPrefix } from '../../calibrate/netns.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { loadFixture, loadScenario } from '../../calibrate/suite.ts';

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
