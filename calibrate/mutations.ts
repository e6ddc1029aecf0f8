/**
 * Deliberately wrong simulators (issue 18): each is the real simulator with one scenario field
 * changed on every host — a real input of the simulator (`hz`, `timer`, a sysctl, a what-if
 * profile parameter), applied to the replayed scenario before the phase is fitted. The
 * calibration suite must catch each one (test/calibrate/mutations.test.ts, docs/calibration.md
 * "The gate can fail").
 */
import type { HostSpec, Scenario } from '../src/scenarios/schema.ts';

export interface Mutation {
  name: string;
  /** what is wrong, in a few words */
  what: string;
  apply(sc: Scenario): Scenario;
}

const everyHost = (f: (h: HostSpec) => HostSpec) => (sc: Scenario): Scenario => ({
  ...sc,
  hosts: Object.fromEntries(Object.entries(sc.hosts).map(([n, h]) => [n, f(h)])),
});

export const MUTATIONS: readonly Mutation[] = [
  { name: 'hz-1000', what: 'CONFIG_HZ 1000 instead of 250', apply: everyHost((h) => ({ ...h, hz: 1000 })) },
  { name: 'hz-100', what: 'CONFIG_HZ 100 instead of 250', apply: everyHost((h) => ({ ...h, hz: 100 })) },
  { name: 'exact-timers', what: 'timers fire exactly on time (no jiffies, no wheel)', apply: everyHost((h) => ({ ...h, timer: 'exact' })) },
  {
    name: 'keepalive-interval-one-jiffy',
    what: 'a keepalive interval one jiffy long',
    apply: everyHost((h) => ({ ...h, profile: { ...h.profile, keepaliveIntervalJiffies: 1 } })),
  },
  { name: 'rto-min-210ms', what: 'RTO floor 210 ms instead of 200 ms', apply: everyHost((h) => ({ ...h, sysctl: { ...h.sysctl, tcp_rto_min_us: 210_000 } })) },
  { name: 'no-tail-loss-probe', what: 'no tail loss probe (tcp_early_retrans 0)', apply: everyHost((h) => ({ ...h, sysctl: { ...h.sysctl, tcp_early_retrans: 0 } })) },
  { name: 'no-rst-at-keepalive-death', what: 'keepalive death without the RST|ACK', apply: everyHost((h) => ({ ...h, profile: { ...h.profile, keepaliveRst: false } })) },
];
