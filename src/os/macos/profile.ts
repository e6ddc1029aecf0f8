/**
 * macOS / iOS (XNU, xnu-11417.101.15): os-profiles.md §1. Keepalive death is anchored to
 * time (§1.2), probes go out while data is being retransmitted (§1.5), the probe is a bare
 * ACK at SND.UNA−1 without options (§1.3), death sends RST|ACK at SND.MAX and reports
 * ETIMEDOUT (§1.4), RTO death after 12 retransmissions with backoff capped at ×64 (§1.7).
 */
import { BSD_ERRNO, bsdSoKeepalive, elapsedDeath, intOpt, orInherit, secondsOpt, uniformLate } from '../bsd.ts';
import { knobValues, paramValues, type OsModule } from '../module.ts';
import type { OsProfile, Sysctls } from '../profile.ts';

const INT_MAX = 2 ** 31 - 1;
const SEC_MAX = Math.floor(0xffffffff / 1000); // optval > UINT32_MAX / TCP_RETRANSHZ → EINVAL (tcp_usrreq.c)

export const macosModule: OsModule = {
  name: 'macos',
  title: 'macOS / iOS (XNU 11417)',
  reference: 'os-profiles.md §1',
  knobs: {
    'net.inet.tcp.keepidle': { unit: 'ms', min: 1, max: INT_MAX, default: 7_200_000, doc: 'idle before the first probe', source: 'tcp_timer.c L160, sysctl_msec_to_ticks L125 [V]', linux: 'tcp_keepalive_time (s)' },
    'net.inet.tcp.keepintvl': { unit: 'ms', min: 1, max: INT_MAX, default: 75_000, doc: 'interval between probes', source: 'tcp_timer.c L166 [V]', linux: 'tcp_keepalive_intvl (s)' },
    'net.inet.tcp.keepcnt': { unit: 'count', min: 0, max: INT_MAX, default: 8, doc: 'probes before death (0: die at the first firing, no probe)', source: 'tcp_timer.c L174 (no validation) [V]', linux: 'tcp_keepalive_probes' },
    'net.inet.tcp.keepinit': { unit: 'ms', min: 1, max: INT_MAX, default: 75_000, doc: 'connect timeout: the KEEP timer in SYN_SENT drops the connection (ETIMEDOUT)', source: 'tcp_timer.c L154, TCPT_KEEP step 1 [V]' },
    'net.inet.tcp.always_keepalive': { unit: '0/1', min: 0, max: 1, default: 0, doc: 'probe every connection as if SO_KEEPALIVE were set', source: 'tcp_timer.c L278 [V]' },
    'net.inet.tcp.rexmt_slop': { unit: 'ms', min: 0, max: 64_000, default: 200, doc: 'added to every RTO once ESTABLISHED', source: 'TCPTV_REXMTSLOP, §1.7 [V]' },
  },
  params: {
    probeWhileUnacked: { default: true, values: [true, false], doc: 'probe while data is being retransmitted (no snd_una test in TCPT_KEEP)', source: '§1.5', confidence: 'V' },
    keepTimerLateMs: { default: 500, min: 0, max: 10_000, doc: 'a KEEP firing is late by U[0, this) ms, cumulatively (500 ms timer class, TCP_TIMER_500MS_QUANTUM)', source: '§1.6 tcp_timer.h L231-233; the exact spread is [I]', confidence: 'I' },
    srttReset: { default: true, values: [true, false], doc: 'after the 4th RTO fold srtt into rttvar and zero it (t_rxtshift > TCP_MAXRXTSHIFT/4)', source: '§1.7', confidence: 'V' },
  },
  build(given, params) {
    const k = knobValues(this, given);
    const p = paramValues(this, params);
    const sysctl: Sysctls = {
      tcp_keepalive_time: k['net.inet.tcp.keepidle']! / 1000,
      tcp_keepalive_intvl: k['net.inet.tcp.keepintvl']! / 1000,
      tcp_keepalive_probes: k['net.inet.tcp.keepcnt']!,
      tcp_retries2: 12, // TCP_MAXRXTSHIFT (read through profile.rto)
      // SYNs back off by tcp_syn_backoff {1,1,1,1,1,2,4,8,16,32,64,64,64} × 1 s (tcp_timer.c) —
      // Linux's linear timeouts 4 then doubling — for at most TCP_MAXRXTSHIFT 12 retransmissions
      // (8 + 4); keepinit (75 s) usually ends the connect first: SYNs at 0,1,2,3,4,5,7,11,19,35,67.
      tcp_syn_retries: 8,
      tcp_synack_retries: 6,
      tcp_fin_timeout: 60, // [I] FIN_WAIT_2 of an orphan: tcp_fin_wait_timeout ≈ 60 s
      tcp_syn_linear_timeouts: 4,
    };
    const lateMaxUs = Number(p['keepTimerLateMs']) * 1000;
    const profile: OsProfile = {
      name: 'macos',
      defaults: sysctl,
      connectTimeoutUs: k['net.inet.tcp.keepinit']! * 1000,
      checkSockopt: () => null, // the sockopts table below is authoritative
      sockoptRange: () => 'see the macOS options',
      keepalive: {
        probeLen: 0,
        probeSeq: 'una', // tcp_respond(..., tp->snd_una - 1, 0) §1.3
        probeOptions: 'none', // th_off = sizeof(struct tcphdr) >> 2: no timestamps §1.3
        probeWhileUnacked: p['probeWhileUnacked'] === true,
        probeStates: ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'FIN_WAIT_2'], // t_state <= CLOSING || FIN_WAIT_2
        timerAlwaysArmed: true,
        always: k['net.inet.tcp.always_keepalive'] === 1,
        idleFromAnySegment: true, // t_rcvtime before validation, tcp_input.c L3083-3093
        rearmOnReceive: true, // then tcp_keepalive_reset(tp): KEEP = keepidle from now (tcp_input.c L908)
        isDead: elapsedDeath,
        rstOnDeath: true,
        rstSeq: 'max', // tcp_drop → tcp_output in CLOSED, seq snd_max (tcp_output.c L2768) §1.4
        icmpSoftErrorEstablished: false, // tcp_notify §1.4
        deathErrno: () => ({ now: 'ETIMEDOUT' }),
        lateUs: (_d, rng) => uniformLate(lateMaxUs, rng),
      },
      sockopts: {
        SO_KEEPALIVE: bsdSoKeepalive,
        // TCP_KEEPALIVE (0x10): idle in seconds; re-arms KEEP from now once ESTABLISHED (§1.1)
        TCP_KEEPALIVE: secondsOpt(SEC_MAX, 'tcp_usrreq.c L2442-2560 [V]', (v) => ({ keepIdle: orInherit(v), rearm: 'from-now' })),
        TCP_KEEPINTVL: secondsOpt(SEC_MAX, 'tcp_usrreq.c [V]', (v) => ({ keepIntvl: orInherit(v) })),
        TCP_KEEPCNT: intOpt(0, INT_MAX, 'count, 0 = use the sysctl', 'tcp_usrreq.c [V]', (v) => ({ keepCnt: orInherit(v) })),
        TCP_CONNECTIONTIMEOUT: secondsOpt(SEC_MAX, 'tcp_usrreq.c (t_keepinit; 0 = the sysctl) [V]', (v) => ({ connectTimeout: orInherit(v) })),
        TCP_RXT_CONNDROPTIME: intOpt(0, INT_MAX, 'seconds, 0 = off', 'tcp_usrreq.c (< 0 → EINVAL) [V]', (v) => ({ rxtDrop: orInherit(v) })),
        TCP_KEEPIDLE: { unsupported: 'ENOPROTOOPT', instead: 'TCP_KEEPALIVE (seconds)' },
        TCP_USER_TIMEOUT: { unsupported: 'ENOPROTOOPT', instead: 'TCP_RXT_CONNDROPTIME (seconds) for retransmission death' },
        TCP_SYNCNT: { unsupported: 'ENOPROTOOPT', instead: 'TCP_CONNECTIONTIMEOUT (seconds)' },
      },
      rto: {
        backoff: [1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64], // tcp_backoff[] L886
        maxRetransmissions: 12, // TCP_MAXRXTSHIFT
        slopUs: k['net.inet.tcp.rexmt_slop']! * 1000,
        minUs: 30_000, // TCPTV_REXMTMIN = TCP_RETRANSHZ/33 ≈ 30 ms
        maxUs: 64_000_000, // TCPTV_REXMTMAX
        initUs: 1_000_000, // TCPTV_RTOBASE
        ...(p['srttReset'] === true ? { srttResetAfter: 3 } : {}),
        errno: 'ETIMEDOUT',
      },
      errnoNumber: (e) => BSD_ERRNO[e] ?? 0,
      timer: { clock: 'xnu', usPerTick: 1000, label: 'tcp_now 1 ms, KEEP in the 500 ms class' },
      tcp: {
        mss: 1448, // timestamps negotiated (rfc1323 on by default)
        window: 65535,
        rtoMinUs: 30_000,
        rtoMaxUs: 64_000_000,
        rtoInitUs: 1_000_000,
        tailLossProbe: false, // XNU's PTO exists [I] but is not modelled
        invalidRatelimitUs: 0,
        timeWaitUs: 30_000_000, // [I] XNU TCPTV_MSL 15 s → 2MSL 30 s
        timestamps: true,
      },
    };
    return { profile, sysctl };
  },
};
