/** NAT views: the conntrack -L table, the JSON document's NAT records, the human trace's NAT lines. */
import { describe, expect, it } from 'vitest';
import { conntrackRows, formatConntrack } from '../../src/report/conntrack.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';
import { runScenario } from '../../src/scenarios/run.ts';
import { humanTrace } from '../../src/report/human.ts';
import { PORT } from '../tcp/fixtures.ts';
import { natNet, natPair, runTo } from './nat-fixtures.ts';

const S = 1_000_000;

describe('conntrack -L view', () => {
  it('shows seconds left (truncated), state, both tuples and [ASSURED]', () => {
    const p = natPair({ profile: 'aws-natgw' });
    runTo(p, p.tAck + 100 * S + 1);
    expect(formatConntrack(conntrackRows(p.nat, p.w.sim.now))).toEqual([
      `nat      tcp      6 249 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=${p.cc.lport} dport=${PORT} src=10.0.0.2 dst=203.0.113.1 sport=${PORT} dport=${p.cc.lport} [ASSURED]`,
    ]);
  });

  it('marks a flow with no reply yet [UNREPLIED] (SYN_SENT, 120 s on Linux)', () => {
    const p = natNet({ profile: 'linux-conntrack' });
    p.path.ab.up = false;
    p.w.socket(p.client).connect('server', PORT, () => undefined);
    runTo(p, 500_000);
    const [row] = conntrackRows(p.nat, p.w.sim.now);
    expect(row).toMatchObject({ state: 'SYN_SENT', left: 119, unreplied: true, assured: false });
    expect(formatConntrack([row as NonNullable<typeof row>])[0]).toContain(' [UNREPLIED] src=10.0.0.2 dst=203.0.113.1 ');
  });
});

describe('run document and human trace', () => {
  const sc = (() => {
    const v = validateScenario({
      hosts: { client: {}, server: {} },
      until: 300,
      vantage: ['client', 'nat'],
      path: { middleboxes: [{ type: 'nat', profile: 'azure-lb-rst-on-idle' }] },
      apps: [
        { host: 'server', steps: [{ call: 'listen', port: 80 }, { call: 'accept' }, { call: 'recv' }] },
        { host: 'client', steps: [{ call: 'connect', to: 'server', port: 80 }, { call: 'recv' }] },
      ],
    });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    return v.scenario;
  })();

  it('records NAT actions as events and NAT packets with their side; the packet count is the hosts\'', () => {
    const r = runScenario(sc);
    expect(r.json.events.filter((e) => e.kind === 'nat').map((e) => [e.host, e.detail.split(' ')[0]])).toEqual([
      ['nat', 'new'],
      ['nat', 'expired'],
      ['nat', 'reset'],
    ]);
    const sides = r.json.packets.filter((p) => p.at === 'nat').map((p) => `${p.side}/${p.dir}`);
    expect(sides.slice(0, 4)).toEqual(['inside/rx', 'outside/tx', 'outside/rx', 'inside/tx']);
    const hostTx = r.json.packets.filter((p) => p.at !== 'nat' && p.dir === 'tx').length;
    expect(r.json.summary.packets).toBe(hostTx);
  });

  it('prints the NAT header line, its actions, and its packets as [nat inside] / [nat outside]', () => {
    const r = runScenario(sc);
    const text = humanTrace(r.world, sc, r.json);
    expect(text).toContain("# nat: NAT 203.0.113.1, profile azure-lb-rst-on-idle, at client's edge");
    expect(text).toMatch(/^240\.\d+ nat: reset on idle: RST to both ends of 10\.0\.0\.1:\d+ > 10\.0\.0\.2:80$/m);
    expect(text).toMatch(/^\[nat outside\] 240\.\d+ nat\.\d+ > server\.80: Flags \[R\.\]/m);
  });
});
