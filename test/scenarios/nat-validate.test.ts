/** Scenario validation of `path.middleboxes` (NAT): one clear line per problem, naming the field. */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenarios/validate.ts';

const base = (middleboxes: unknown[], extra: Record<string, unknown> = {}) => ({ hosts: { client: {}, server: {} }, path: { middleboxes }, ...extra });
const problems = (raw: unknown): string[] => {
  const v = validateScenario(raw);
  return v.ok ? [] : v.problems;
};

describe('path.middleboxes', () => {
  it('accepts a NAT by profile name with defaults for name, address and profile', () => {
    const v = validateScenario(base([{ type: 'nat' }]));
    expect(v.ok && v.scenario.path.middleboxes).toEqual([{ type: 'nat', name: 'nat', profile: 'linux-conntrack', ip: '203.0.113.1' }]);
  });

  it('parses overrides: durations to µs, behaviours, table and ports', () => {
    const v = validateScenario(base([{ type: 'nat', profile: 'aws-natgw', established: '5min', refresh: 'outbound', table: 10, evict: 'lru', ports: [2000, 3000] }]));
    expect(v.ok && v.scenario.path.middleboxes[0]).toMatchObject({ established: 300_000_000, refresh: 'outbound', table: 10, evict: 'lru', ports: [2000, 3000] });
  });

  it('rejects an unknown profile, type, field, zero timeout and reversed port range', () => {
    expect(problems(base([{ type: 'nat', profile: 'aws' }]))[0]).toMatch(/^path\.middleboxes\.0\.profile: "aws" is not one of rfc5382-floor, linux-conntrack, /);
    expect(problems(base([{ type: 'firewall' }]))).toEqual(['path.middleboxes.0.type: "firewall" is not one of nat, proxy']);
    expect(problems(base([{ type: 'nat', bogus: 1 }]))[0]).toMatch(/^path\.middleboxes\.0: unknown field "bogus" \(fields here: type, name, profile, ip, synSent, .*, ports\)$/);
    expect(problems(base([{ type: 'nat', establishd: 1 }]))).toEqual(['path.middleboxes.0: unknown field "establishd" (did you mean "established"?)']);
    expect(problems(base([{ type: 'nat', established: 0, ports: [2000, 1000] }]))).toEqual([
      'path.middleboxes.0.established: an idle timeout must be more than 0',
      'path.middleboxes.0.ports: [2000, 1000] is not a range lo <= hi',
    ]);
  });

  it('rejects a second middlebox, a name taken by a host and an address taken by a host', () => {
    expect(problems(base([{ type: 'nat', name: 'server', ip: '10.0.0.1' }, { type: 'nat' }]))).toEqual([
      'path.middleboxes: at most one middlebox per path (got 2)',
      'path.middleboxes.0.name: "server" is already a host\'s name',
      "path.middleboxes.0.ip: 10.0.0.1 is already client's address",
    ]);
  });

  it('accepts the NAT name as a vantage point', () => {
    expect(problems(base([{ type: 'nat', name: 'gw' }], { vantage: ['gw', 'client'] }))).toEqual([]);
    expect(problems(base([], { vantage: ['gw'] }))).toEqual(['vantage.0: no host or middlebox named "gw" (names: client, server)']);
  });
});
