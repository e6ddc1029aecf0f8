/**
 * Connect timeouts. The BSDs run the KEEP timer in SYN_SENT with keepinit (75 s) and drop the
 * connection when it fires (XNU tcp_timers TCPT_KEEP step 1 `dropit`, FreeBSD tcp_timer_keep;
 * os-profiles.md §1.1, §1.2, §2.1, §2.2); meanwhile SYNs back off by tcp_syn_backoff
 * {1,1,1,1,1,2,4,8,16,32,64,64,64} × 1 s. Linux counts SYN retransmissions instead.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenarios/run.ts';
import { scenarioSchema } from '../../src/scenarios/schema.ts';

function connectToNowhere(os: string, socket: Record<string, number> = {}, until = 400) {
  const sc = scenarioSchema.parse({
    name: 'connect',
    until,
    hosts: { client: { os, timer: 'exact', socket }, server: { timer: 'exact' } },
    apps: [{ host: 'client', steps: [{ at: 1, call: 'connect', to: 'server', port: 80 }] }],
    faults: [{ at: 0, type: 'cut' }],
  });
  const r = runScenario(sc);
  const syns = r.json.packets.filter((p) => p.at === 'client' && p.dir === 'tx' && p.flags === 'S').map((p) => Math.round((p.t - 1) * 1000) / 1000);
  const call = r.json.calls.find((c) => c.call === 'connect');
  return { syns, errno: call?.errno, at: call ? Math.round((call.t - 1) * 1000) / 1000 : null, rst: r.json.packets.some((p) => p.flags.startsWith('R')) };
}

describe('connect timeout (keepinit) on the BSDs', () => {
  it.each(['macos', 'freebsd'])('%s: SYNs at 0,1,2,3,4,5,7,11,19,35,67 s, ETIMEDOUT at keepinit 75 s, no RST', (os) => {
    const r = connectToNowhere(os);
    expect(r.syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(r).toMatchObject({ errno: 'ETIMEDOUT', at: 75, rst: false });
  });

  it('macOS TCP_CONNECTIONTIMEOUT 10 ends the connect at 10 s', () => {
    expect(connectToNowhere('macos', { TCP_CONNECTIONTIMEOUT: 10 })).toMatchObject({ errno: 'ETIMEDOUT', at: 10 });
  });

  it('FreeBSD TCP_KEEPINIT 600: the SYN count ends it first, after TCP_MAXRXTSHIFT 12 retransmissions (259 s)', () => {
    const r = connectToNowhere('freebsd', { TCP_KEEPINIT: 600 }, 700);
    expect(r.syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67, 131, 195]);
    expect(r).toMatchObject({ errno: 'ETIMEDOUT', at: 259 });
  });

  it('Linux is unchanged: 6 + 4 linear SYN retransmissions, ETIMEDOUT at 131 s (linux-keepalive.md §3)', () => {
    const r = connectToNowhere('linux');
    expect(r.syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(r).toMatchObject({ errno: 'ETIMEDOUT', at: 131 });
  });
});
