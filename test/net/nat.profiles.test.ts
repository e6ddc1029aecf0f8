/** Named NAT profiles: the numbers nat.md gives for each, and field overrides. */
import { describe, expect, it } from 'vitest';
import { NAT_PROFILE_NAMES, natConfig } from '../../src/net/nat/profiles.ts';

const S = 1_000_000;

describe('NAT profiles', () => {
  it.each([
    ['rfc5382-floor', 7440, 240], // RFC 5382 REQ-5
    ['linux-conntrack', 432_000, 120],
    ['openwrt', 7440, 120],
    ['kube-proxy', 86_400, 120],
    ['aws-natgw', 350, 350],
    ['aws-nlb', 350, 350],
    ['azure-lb', 240, 240],
    ['azure-lb-rst-on-idle', 240, 240],
    ['azure-natgw', 240, 240],
    ['gcp-cloudnat', 1200, 30],
    ['enterprise-fw-1800', 1800, 20],
    ['enterprise-fw-3600', 3600, 240],
    ['cellular-cgn-short', 300, 240],
    ['cellular-cgn-long', 21_600, 240],
  ] as const)('%s: established %i s, SYN_SENT %i s', (name, est, syn) => {
    const c = natConfig(name);
    expect([c.timeouts.established / S, c.timeouts.synSent / S]).toEqual([est, syn]);
  });

  it('every profile is listed and refreshes in both directions by default', () => {
    expect(NAT_PROFILE_NAMES).toHaveLength(14);
    for (const n of NAT_PROFILE_NAMES) expect(natConfig(n).refresh).toBe('both');
  });

  it('what happens after expiry, per profile (nat.md §3, §7)', () => {
    const row = (n: (typeof NAT_PROFILE_NAMES)[number]) => {
      const c = natConfig(n);
      return [c.insideNoEntry, c.outsideNoEntry, c.rstOnIdle];
    };
    expect(row('aws-natgw')).toEqual(['rst', 'drop', false]);
    expect(row('aws-nlb')).toEqual(['rst', 'rst', false]); // client or target gets the RST
    expect(row('azure-lb')).toEqual(['drop', 'drop', false]);
    expect(row('azure-lb-rst-on-idle')).toEqual(['drop', 'drop', true]);
    expect(row('azure-natgw')).toEqual(['rst', 'rst', false]);
    expect(row('linux-conntrack')).toEqual(['pickup', 'rst', false]); // the router's own TCP answers (calibration nat-expired-outside-first)
    expect(row('rfc5382-floor')).toEqual(['pickup', 'drop', false]);
  });

  it('Linux keeps its refinements and table defaults (nat.md §2.1, §2.4)', () => {
    const c = natConfig('linux-conntrack');
    expect([c.timeouts.unacknowledged / S, c.timeouts.retrans / S, c.maxRetrans, c.table, c.evict]).toEqual([300, 300, 3, 262_144, 'early-drop']);
    expect(natConfig('kube-proxy').timeouts.closeWait / S).toBe(3600);
  });

  it('any field can be overridden; the rest stays the profile', () => {
    const c = natConfig('aws-natgw', { established: 100 * S, table: 5, evict: 'lru', refresh: 'outbound' });
    expect([c.timeouts.established / S, c.timeouts.synSent / S, c.table, c.evict, c.refresh, c.insideNoEntry]).toEqual([100, 350, 5, 'lru', 'outbound', 'rst']);
    expect(natConfig('aws-natgw').timeouts.established / S).toBe(350);
  });
});
