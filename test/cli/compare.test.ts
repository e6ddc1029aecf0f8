/**
 * `keepalive-lab compare`: a compare file runs a base scenario under strategies ×
 * situations and prints the table from computeMetrics(); bad files exit 2 with one line
 * per problem naming the strategy/situation and the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cli } from '../support/cli.ts';
const file = (text: string): string => {
  const p = join(mkdtempSync(join(tmpdir(), 'kal-cmp-')), 'c.yaml');
  writeFileSync(p, text);
  return p;
};

const SMALL = `
name: small
base: seed003-client-ping
until: 60s
strategies:
  - name: ping-2s
    set: {}
  - name: ping-5s
    set: { apps.1.program.ping.interval: 5s }
situations:
  - name: live
    set: { faults: [] }
  - name: server-crash
    set: { faults: [{ at: 20s, type: crash, host: server }] }
`;

describe('keepalive-lab compare', () => {
  it('prints one row per strategy × situation with detect time and who detected', async () => {
    const r = await cli('compare', file(SMALL));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').filter((l) => /^ping-/.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 5));
    // 2 s pings: 21, 23, 25 unanswered → 26.0002 (6.0002 s after the crash); 5 s pings from 1.0002: 21, 26, 31 → 32.0002
    expect(rows).toEqual([
      ['ping-2s', 'live', 'never', 'none', 'no'],
      ['ping-2s', 'server-crash', '6.000', 'client', 'no'],
      ['ping-5s', 'live', 'never', 'none', 'no'],
      ['ping-5s', 'server-crash', '12.000', 'client', 'no'],
    ]);
  });

  it('--json gives every cell with its per-run metrics', async () => {
    const r = await cli('compare', file(SMALL), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { format: string; cells: { strategy: string; situation: string; runs: Record<string, unknown>[]; summary: { detect: number | null } }[] };
    expect(j.format).toBe('keepalive-lab/compare@1');
    expect(j.cells.map((c) => `${c.strategy}/${c.situation}`)).toEqual(['ping-2s/live', 'ping-2s/server-crash', 'ping-5s/live', 'ping-5s/server-crash']);
    expect(j.cells[1]?.runs[0]?.['detect.client']).toBe(6.0002);
    expect(j.cells[3]?.summary.detect).toBe(12.0002);
  });

  it('finds the built-in seed003-strategies by name', async () => {
    const r = await cli('compare', 'seed003-strategies');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tcp-keepalive-4\/1\/5\s+socks5-server-crash\s+never\s+none/m);
    expect(r.out).toMatch(/^client-ping-2s\/1s\/3\s+socks5-server-crash\s+6\.000\s+client/m);
    expect(r.out).toMatch(/^grpc-5min\s+nat-azure-lb\s+\S+\s+client\s+no\s+\S+\s+\S+\s+no$/m);
  });

  it('rejects a bad cell with exit 2 and a line naming the strategy, the situation and the field', async () => {
    const bad = SMALL.replace('apps.1.program.ping.interval: 5s', 'apps.1.program.ping.misses: 0');
    const r = await cli('compare', file(bad));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      'error: c.yaml: strategy ping-5s × situation live: apps.1.program.ping.misses: 0 is too small (at least 1)',
      'error: c.yaml: strategy ping-5s × situation server-crash: apps.1.program.ping.misses: 0 is too small (at least 1)',
    ]);
  });

  it('rejects an unknown compare file and a malformed one', async () => {
    expect((await cli('compare', 'no-such-compare')).err).toMatch(/^error: no-such-compare: no such file and no built-in compare file by that name \(built-in: [^)]*\bseed003-strategies\b/);
    const r = await cli('compare', file('base: x\nstrategies: []\nsituations: [{ name: a, seeds: 0 }]\n'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: c.yaml: strategies: give at least one strategy');
    expect(r.err).toContain('error: c.yaml: situations.0.seeds:');
  });
});
