/**
 * Linux as an OS module (the registry's view of `linuxProfile`): its knobs are the
 * net.ipv4 sysctls the scenario schema already validates (linux-keepalive.md §2), in
 * seconds and counts, passed through unchanged. No parameters: Linux is the calibrated
 * reference and its timer model is chosen with `hz`/`timer`.
 */
import type { OsModule } from '../module.ts';
import { LINUX_DEFAULTS, linuxProfile } from './profile.ts';

const src = 'include/net/tcp.h, linux-keepalive.md §2 [V]';
export const linuxModule: OsModule = {
  name: 'linux',
  title: 'Linux 6.x',
  reference: 'linux-keepalive.md',
  knobs: {
    tcp_keepalive_time: { unit: 's', min: 1, max: 2_147_483, default: LINUX_DEFAULTS.tcp_keepalive_time, doc: 'idle before the first probe', source: src },
    tcp_keepalive_intvl: { unit: 's', min: 1, max: 2_147_483, default: LINUX_DEFAULTS.tcp_keepalive_intvl, doc: 'interval between probes', source: src },
    tcp_keepalive_probes: { unit: 'count', min: 0, max: 255, default: LINUX_DEFAULTS.tcp_keepalive_probes, doc: 'unanswered probes before death', source: src },
    tcp_retries2: { unit: 'count', min: 0, max: 255, default: LINUX_DEFAULTS.tcp_retries2, doc: 'RTO death boundary (≈924.6 s)', source: src },
    tcp_syn_retries: { unit: 'count', min: 1, max: 127, default: LINUX_DEFAULTS.tcp_syn_retries, doc: 'SYN retransmissions', source: src },
    tcp_synack_retries: { unit: 'count', min: 0, max: 255, default: LINUX_DEFAULTS.tcp_synack_retries, doc: 'SYN-ACK retransmissions', source: src },
    tcp_fin_timeout: { unit: 's', min: 1, max: 2_147_483, default: LINUX_DEFAULTS.tcp_fin_timeout, doc: 'orphaned FIN_WAIT_2 lifetime', source: src },
    tcp_syn_linear_timeouts: { unit: 'count', min: 0, max: 127, default: LINUX_DEFAULTS.tcp_syn_linear_timeouts, doc: '6.5+: linear SYN timeouts', source: src },
  },
  params: {},
  build(given) {
    return { profile: linuxProfile, sysctl: { ...given } };
  },
};
