/**
 * The real-kernel harness end to end (calibration, issues 10 and 18): one short scenario in
 * network namespaces, as root (CI installs and requires it; elsewhere it is skipped with one
 * line). It checks what does not depend on the machine's load: the calls' results, and that the
 * simulator replaying this very run (calibrate/replay.ts: real call and fault times, the
 * reboot as slow as it was) makes the same calls and packets, in order; nothing left behind.
 * Timing is reported by `keepalive-lab calibrate`, not judged here: a busy machine can run a
 * timer callback a jiffy late. The preflight tests run everywhere.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { need, NETNS } from '../support/needs.ts';
import { HarnessError, preflight, runOnKernel } from '../../calibrate/kernel.ts';
import { natRefusals, natSysctls } from '../../calibrate/nat.ts';
import { nsPrefix } from '../../calibrate/netns.ts';
import { calibrateRun } from '../../calibrate/fit.ts';
import { renderDiff } from '../../calibrate/render.ts';
import { loadFixture, loadScenario } from '../../calibrate/suite.ts';
import { scenarioSchema, type Scenario } from '../../src/scenarios/schema.ts';

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

  it('reboot-keepalive on the live kernel: the probe meets a rebooted peer, RST, ECONNRESET; the replayed simulator makes the same calls and packets; nothing left behind', async (ctx) => {
    need(ctx, NETNS);
    // Arrange
    const scenario = loadScenario('reboot-keepalive');
    // Act
    const run = await runOnKernel(scenario);
    // Assert. A busy machine can bring the rebooted server back late (the harness records when
    // it answered again); probes sent before that go unanswered. Nothing here depends on how late.
    const reboot = run.faults?.[0];
    expect(reboot?.up).toBeGreaterThan(reboot?.start ?? Infinity);
    const up = reboot?.up ?? Infinity;
    // the client's probes (SND.UNA − 1); the first one after the server is back meets a kernel
    // without the socket, which answers a bare RST with seq = the probe's ack
    const atClient = run.packets.filter((p) => p.at === 'client' && p.t > 0.5);
    const probes = atClient.filter((p) => p.dir === 'tx');
    const answered = probes.findIndex((p) => p.t > up);
    const expected = [...probes.slice(0, answered < 0 ? probes.length : answered + 1).map(() => 'tx . 0:1 keepalive'), ...(answered < 0 ? [] : ['rx R 1:0 reset'])];
    expect(atClient.map((p) => `${p.dir} ${p.flags} ${p.seq}:${p.ack} ${p.kind ?? ''}`)).toEqual(expected);
    expect(probes.length).toBeGreaterThan(0);
    // what the application saw: the RST as ECONNRESET (when the server was back in time for a
    // probe within the run's 4 s; else recv is still blocked at the end)
    const recv = run.calls.find((c) => c.host === 'client' && c.call === 'recv');
    if (answered >= 0) expect(recv?.errno).toBe('ECONNRESET');
    else expect(recv?.pending).toBe(true);
    expect(run.kernel.hz).toBeGreaterThan(0);
    // nothing left behind
    expect(ourNamespaces()).toEqual([]);
    // each host's calls and each vantage point's packets, in order, as in the recorded fixture
    // (times aside, and the interleaving of the two hosts too: that is the scheduler's) — when
    // the server was back before the first probe, as it was in the fixture
    const shape = (r: typeof run): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const c of r.calls) (out[`calls ${c.host}`] ??= []).push(`${c.call} ${c.errno ?? String(c.result ?? '')}`);
      for (const p of r.packets) (out[`packets ${p.at}`] ??= []).push(`${p.dir} ${p.flags} ${p.kind ?? ''}`);
      return out;
    };
    if (answered === 0) expect(shape(run)).toEqual(shape(loadFixture('reboot-keepalive')));
    // The simulator, replaying this run (call and fault times as they happened, fitted jiffy
    // phase), makes the same calls with the same outcomes and puts the same packets on the wire.
    // Times are not part of this verdict: a busy machine can run a timer callback a jiffy late
    // (`npx keepalive-lab calibrate` reports them); the sequence does not depend on load.
    const { diff } = calibrateRun(run, scenario);
    const sequence = diff.rows.filter((r) => r.verdict === 'missing-in-sim' || r.verdict === 'extra-in-sim');
    expect(sequence, renderDiff(diff, 'reboot-keepalive: live kernel vs replayed simulator')).toEqual([]);
  });
});
