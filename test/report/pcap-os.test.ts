// pcap export of the non-Linux probes, read back by tshark (os-profiles.md §4): frame sizes
// and the Keep-Alive label exactly as real captures show them. tshark is required (never skipped).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { need, TSHARK } from '../support/needs.ts';
import { toPcap } from '../../src/report/pcap.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { loadScenario } from '../../sim/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'keepalive-lab-pcap-os-'));
const tool = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const FIELDS = ['frame.len', 'tcp.flags.str', 'tcp.len', 'tcp.hdr_len', 'tcp.analysis.keep_alive', 'tcp.checksum.status', 'tcp.seq_raw'];
function fields(events: Parameters<typeof toPcap>[0], name: string): string[][] {
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, toPcap(events, { at: 'client', format: 'pcap', linktype: 'ethernet' }));
  const out = tool('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-Y', 'ip.src == 10.0.0.1', '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])]);
  return out.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
}
const A = '·······A····';
const RA = '·······A·R··';

/** The client's frames after the handshake in os-cable-pull run on `os`: [len, flags, tcp.len, hdr, keep-alive]. */
function cablePull(os: string): string[][] {
  const { scenario } = loadScenario('os-cable-pull', { set: [`hosts.client.os=${os}`, 'hosts.client.timer=exact'] });
  return fields(runScenario(scenario).world.sim.trace.events, `os-cable-pull-${os}`)
    .slice(2)
    .map((f) => f.slice(0, 6));
}

describe('tshark labels each OS probe as a real capture (os-profiles.md §4)', () => {
  beforeEach((ctx) => need(ctx, TSHARK));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('macOS: 8 probes of 54 bytes (bare 20-byte header, Len=0) labelled Keep-Alive, then RST|ACK', () => {
    const out = cablePull('macos');
    expect(out).toEqual([...Array(8).fill(['54', A, '0', '20', '1', '1']), ['66', RA, '0', '32', '', '1']]);
  });
  it('FreeBSD: 8 probes of 66 bytes (NOP NOP TS), labelled Keep-Alive', () => {
    const out = cablePull('freebsd');
    expect(out).toEqual([...Array(8).fill(['66', A, '0', '32', '1', '1']), ['66', RA, '0', '32', '', '1']]);
  });
  it('Windows: 10 probes of 55 bytes (Len=1, no options) labelled Keep-Alive, then RST|ACK', () => {
    const out = cablePull('windows');
    expect(out).toEqual([...Array(10).fill(['55', A, '1', '20', '1', '1']), ['54', RA, '0', '20', '', '1']]);
  });

  it('macOS probes during retransmission (seq SND.UNA−1 < SND.NXT−1) are not labelled Keep-Alive', () => {
    const v = validateScenario({
      name: 'mac-rtx-probes',
      until: '60s',
      hosts: { client: { os: 'macos', timer: 'exact', socket: { SO_KEEPALIVE: true, TCP_KEEPALIVE: 5, TCP_KEEPINTVL: 2, TCP_KEEPCNT: 3 } }, server: {} },
      path: { latency: '5ms' },
      apps: [
        { host: 'server', steps: [{ call: 'listen', port: 80 }, { call: 'accept' }, { call: 'recv' }] },
        { host: 'client', steps: [{ at: '1s', call: 'connect', to: 'server', port: 80 }, { at: '3s', call: 'send', bytes: 100 }, { call: 'recv' }] },
      ],
      faults: [{ at: '2s', type: 'cut' }],
    });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    const out = fields(runScenario(v.scenario).world.sim.trace.events, 'mac-rtx');
    const probes = out.filter((f) => f[2] === '0' && f[1] === A && f[3] === '20');
    expect(probes.length).toBe(3);
    expect(probes.every((f) => f[4] === '')).toBe(true); // no Keep-Alive label during retransmission
    const data = out.find((f) => f[2] === '100');
    expect(Number(probes[0]?.[6])).toBe(Number(data?.[6]) - 1); // SND.UNA − 1
  });
});
