/**
 * Linux as an OS module (the registry's view of `linuxProfile`): its knobs are the
 * net.ipv4 sysctls the scenario schema already validates (linux-keepalive.md §2), in
 * seconds and counts, passed through unchanged. Its timer model is chosen with `hz`/`timer`;
 * its parameters are what-ifs (Linux is the calibrated reference).
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
    tcp_rto_min_us: { unit: 'µs', min: 1, max: 120_000_000, default: 200_000, doc: '6.11+: floor of the computed RTO (the tail loss probe and tcp_retries2 keep TCP_RTO_MIN)', source: 'net/ipv4/tcp_input.c tcp_rto_min(), Documentation/networking/ip-sysctl.rst [V]' },
    tcp_early_retrans: { unit: '0..4', min: 0, max: 4, default: 3, doc: 'tail loss probe on when 3 or 4', source: 'net/ipv4/tcp_output.c tcp_schedule_loss_probe [V]' },
  },
  // What-if parameters: not Linux knobs, but the ways a model of Linux can be wrong, so the
  // calibration suite can show it catches them (docs/calibration.md, "The gate can fail").
  params: {
    keepaliveRst: { default: true, values: [true, false], doc: 'keepalive death sends RST|ACK (tcp_keepalive_timer → tcp_send_active_reset); false = a model without it', source: 'net/ipv4/tcp_timer.c tcp_keepalive_timer', confidence: 'V' },
    keepaliveIntervalJiffies: { default: 0, min: 0, max: 2 ** 31 - 1, doc: 'every keepalive interval is this many jiffies whatever TCP_KEEPINTVL says (0 = Linux: keepintvl · HZ)', source: 'include/net/tcp.h keepalive_intvl_when', confidence: 'V' },
  },
  build(given, params) {
    const rst = params['keepaliveRst'] ?? true;
    const intvl = Number(params['keepaliveIntervalJiffies'] ?? 0);
    if (rst === true && intvl === 0) return { profile: linuxProfile, sysctl: { ...given } };
    const keepalive = { ...linuxProfile.keepalive, rstOnDeath: rst === true, ...(intvl > 0 ? { intervalTicks: intvl } : {}) };
    return { profile: { ...linuxProfile, keepalive }, sysctl: { ...given } };
  },
};
