/**
 * The built-in comparison: sim/scenarios/os-cable-pull.yaml run once per client OS with the
 * same socket settings (SO_KEEPALIVE on, every OS's defaults), the cable pulled at 60 s while
 * the client waits in recv(). Asserts per OS the probes sent, the detection time, the RST and
 * the error the application sees (os-profiles.md §6), with exact timers and with each OS's own.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/load.ts';
import { runScenario } from '../../src/scenarios/run.ts';

interface Row {
  probes: number;
  /** seconds after the last receive (the SYN-ACK at 1.010 s) */
  detected: number;
  rst: boolean;
  error: string;
}

function row(os: string, timer: 'linux' | 'exact'): Row {
  const { scenario } = loadScenario('os-cable-pull', { set: [`hosts.client.os=${os}`, `hosts.client.timer=${timer}`] });
  const { world } = runScenario(scenario);
  const ev = world.sim.trace.events;
  const tx = ev.filter((e) => e.kind === 'packet' && e.at === 'client' && e.dir === 'tx' && e.pkt.proto === 'tcp');
  const recv = ev.find((e) => e.kind === 'call' && e.host === 'client' && e.call === 'recv' && !e.blocked);
  if (!recv || recv.kind !== 'call') throw new Error('recv never returned');
  return {
    probes: tx.filter((e) => e.kind === 'packet' && e.pkt.proto === 'tcp' && e.pkt.tag === 'keepalive').length,
    detected: Math.round((recv.t - 1_010_000) / 1000) / 1000,
    rst: tx.some((e) => e.kind === 'packet' && e.pkt.proto === 'tcp' && e.pkt.tag === 'reset'),
    error: recv.errno ?? String(recv.result),
  };
}

describe('os-cable-pull: one cable pull, four OSes', () => {
  it('exact timers: the rules alone', () => {
    expect(Object.fromEntries(['linux', 'macos', 'freebsd', 'windows'].map((os) => [os, row(os, 'exact')]))).toEqual({
      linux: { probes: 9, detected: 7875, rst: true, error: 'ETIMEDOUT' },
      macos: { probes: 8, detected: 7800, rst: true, error: 'ETIMEDOUT' },
      freebsd: { probes: 8, detected: 7800, rst: true, error: 'ETIMEDOUT' },
      windows: { probes: 10, detected: 7210, rst: true, error: 'WSAENETRESET' },
    });
  });
  it("each OS's own timers (seed 1): Linux's wheel runs late, XNU up to 0.5 s per firing, FreeBSD coalesces", () => {
    expect(Object.fromEntries(['linux', 'macos', 'freebsd', 'windows'].map((os) => [os, row(os, 'linux')]))).toEqual({
      linux: { probes: 9, detected: 8010.153, rst: true, error: 'ETIMEDOUT' },
      macos: { probes: 8, detected: 7801.627, rst: true, error: 'ETIMEDOUT' },
      freebsd: { probes: 8, detected: 7858.989, rst: true, error: 'ETIMEDOUT' },
      windows: { probes: 10, detected: 7210.011, rst: true, error: 'WSAENETRESET' },
    });
  });
});
