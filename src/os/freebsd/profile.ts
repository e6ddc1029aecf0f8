/**
 * FreeBSD 14/15, default stack: os-profiles.md §2. Like XNU, death is anchored to time and
 * probes go out during retransmission; unlike XNU every connection is probed by default
 * (always_keepalive = 1), the probe carries a timestamp option when timestamps were
 * negotiated (§2.3), FIN_WAIT_2 is not probed, RTO backoff runs to ×512 (§2.7), and
 * callouts may be deferred by up to delay/16 for coalescing (§2.6).
 */
import { BSD_ERRNO, bsdSoKeepalive, elapsedDeath, intOpt, orInherit, secondsOpt, uniformLate } from '../bsd.ts';
import { knobValues, paramValues, type OsModule } from '../module.ts';
import type { OsProfile, Sysctls } from '../profile.ts';

const INT_MAX = 2 ** 31 - 1;
const UINT_MAX = 0xffffffff;

export const freebsdModule: OsModule = {
  name: 'freebsd',
  title: 'FreeBSD 14/15',
  reference: 'os-profiles.md §2',
  knobs: {
    'net.inet.tcp.keepidle': { unit: 'ms', min: 1, max: INT_MAX, default: 7_200_000, doc: 'idle before the first probe (< 1 tick → EINVAL)', source: 'tcp_init TCPTV_KEEP_IDLE, sysctl_msec_to_ticks [V]', linux: 'tcp_keepalive_time (s)' },
    'net.inet.tcp.keepintvl': { unit: 'ms', min: 1, max: INT_MAX, default: 75_000, doc: 'interval between probes', source: 'TCPTV_KEEPINTVL [V]', linux: 'tcp_keepalive_intvl (s)' },
    'net.inet.tcp.keepcnt': { unit: 'count', min: 0, max: INT_MAX, default: 8, doc: 'probes before death', source: 'TCPTV_KEEPCNT, SYSCTL_INT [V]', linux: 'tcp_keepalive_probes' },
    'net.inet.tcp.keepinit': { unit: 'ms', min: 1, max: INT_MAX, default: 75_000, doc: 'connect timeout: the keepalive callout in SYN_SENT drops the connection (ETIMEDOUT)', source: 'TCPTV_KEEP_INIT, tcp_timer_keep step 2 [V]' },
    'net.inet.tcp.always_keepalive': { unit: '0/1', min: 0, max: 1, default: 1, doc: 'probe every connection, SO_KEEPALIVE or not (FreeBSD default: on)', source: 'tcp_timer.c VNET_DEFINE(int, tcp_always_keepalive) = 1 [V]' },
    'net.inet.tcp.retries': { unit: 'count', min: 1, max: 12, default: 12, doc: 'retransmissions before the RTO drop', source: 'tcp_timer.c (outside 1..12 → EINVAL) [V]', linux: 'tcp_retries2' },
    'net.inet.tcp.maxunacktime': { unit: 'ms', min: 0, max: INT_MAX, default: 0, doc: 'drop when data stays unacknowledged this long (0 = off)', source: '§2.1 [V]' },
    'net.inet.tcp.rexmit_slop': { unit: 'ms', min: 0, max: 64_000, default: 200, doc: 'added to every RTO (TCPTV_CPU_VAR)', source: '§2.7 [V]' },
    'net.inet.tcp.rexmit_min': { unit: 'ms', min: 1, max: 64_000, default: 30, doc: 'minimum RTO (TCPTV_MIN = hz/33)', source: '§2.7 [V]' },
  },
  params: {
    hz: { default: 1000, min: 100, max: 1000, doc: 'kernel tick rate: 1000, or 100 (HZ_VM) when a hypervisor is detected', source: '§2.6 subr_param.c', confidence: 'V' },
    calloutSlackDivisor: { default: 16, min: 0, max: 1024, doc: 'a keepalive callout fires up to delay/N late (coalescing, tc_precexp = 4); 0 = on the tick', source: '§2.6 callout_when, tc_adjprecision; how much of the slack is used is [I]', confidence: 'I' },
    probeTimestamps: { default: true, values: [true, false], doc: 'timestamps negotiated (rfc1323 = 1): the probe and every segment carry TS', source: '§2.3', confidence: 'V' },
    probeWhileUnacked: { default: true, values: [true, false], doc: 'probe while data is being retransmitted', source: '§2.5', confidence: 'V' },
  },
  build(given, params) {
    const k = knobValues(this, given);
    const p = paramValues(this, params);
    const sysctl: Sysctls = {
      tcp_keepalive_time: k['net.inet.tcp.keepidle']! / 1000,
      tcp_keepalive_intvl: k['net.inet.tcp.keepintvl']! / 1000,
      tcp_keepalive_probes: k['net.inet.tcp.keepcnt']!,
      tcp_retries2: k['net.inet.tcp.retries']!,
      // SYNs back off by tcp_syn_backoff {1,1,1,1,1,2,4,8,16,32,64,64,64} × 1 s (tcp_timer.c) —
      // Linux's linear timeouts 4 then doubling — for at most TCP_MAXRXTSHIFT 12 retransmissions
      // (8 + 4); keepinit (75 s) usually ends the connect first: SYNs at 0,1,2,3,4,5,7,11,19,35,67.
      tcp_syn_retries: 8,
      tcp_synack_retries: 6,
      tcp_fin_timeout: 60, // [I] tcp_finwait2_timeout 60 s
      tcp_syn_linear_timeouts: 4,
    };
    const hz = Number(p['hz']);
    const div = Number(p['calloutSlackDivisor']);
    const ts = p['probeTimestamps'] === true;
    const maxUnack = k['net.inet.tcp.maxunacktime']!;
    const profile: OsProfile = {
      name: 'freebsd',
      defaults: sysctl,
      connectTimeoutUs: k['net.inet.tcp.keepinit']! * 1000,
      checkSockopt: () => null,
      sockoptRange: () => 'see the FreeBSD options',
      keepalive: {
        probeLen: 0,
        probeSeq: 'una', // tcp_respond(..., tp->snd_una - 1, 0) §2.3
        probeOptions: ts ? 'ts' : 'none', // TF_RCVD_TSTMP → timestamp option §2.3
        probeWhileUnacked: p['probeWhileUnacked'] === true,
        probeStates: ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING'], // t_state <= TCPS_CLOSING §2.2
        timerAlwaysArmed: true,
        always: k['net.inet.tcp.always_keepalive'] === 1,
        idleFromAnySegment: true, // tcp_do_segment: t_rcvtime = ticks before validation
        isDead: elapsedDeath,
        rstOnDeath: true,
        rstSeq: 'max', // tcp_drop → tcp_output_nodrop in CLOSED §2.4
        icmpSoftErrorEstablished: false, // tcp_notify §2.4
        deathErrno: () => ({ now: 'ETIMEDOUT' }),
        lateUs: (d, rng) => (div > 0 ? uniformLate(Math.floor(d / div), rng) : 0),
      },
      sockopts: {
        SO_KEEPALIVE: bsdSoKeepalive,
        // u_int seconds, ui > UINT_MAX / hz → EINVAL; TCP_KEEPIDLE re-arms TT_KEEP from now (§2.1)
        TCP_KEEPIDLE: secondsOpt(Math.floor(UINT_MAX / hz), 'tcp_default_ctloutput (lineage) [V]', (v) => ({ keepIdle: orInherit(v), rearm: 'from-now' })),
        TCP_KEEPINTVL: secondsOpt(Math.floor(UINT_MAX / hz), 'tcp_default_ctloutput [V]', (v) => ({ keepIntvl: orInherit(v) })),
        TCP_KEEPINIT: secondsOpt(Math.floor(UINT_MAX / hz), 'tcp_default_ctloutput [V] (0 = the sysctl)', (v) => ({ connectTimeout: orInherit(v) })),
        TCP_KEEPCNT: intOpt(0, UINT_MAX, 'count (u_int, not validated), 0 = use the sysctl', 'tcp_default_ctloutput [V]', (v) => ({ keepCnt: orInherit(v) })),
        TCP_MAXUNACKTIME: intOpt(0, Math.floor(UINT_MAX / hz), 'seconds, 0 = off', 'tcp(4), FreeBSD 14+ [S]', (v) => ({ rxtDrop: orInherit(v) })),
        TCP_USER_TIMEOUT: { unsupported: 'ENOPROTOOPT', instead: 'TCP_MAXUNACKTIME (seconds, FreeBSD 14+)' },
        TCP_SYNCNT: { unsupported: 'ENOPROTOOPT', instead: 'TCP_KEEPINIT (seconds)' },
      },
      rto: {
        backoff: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512, 512], // tcp_backoff[]
        maxRetransmissions: k['net.inet.tcp.retries']!,
        slopUs: k['net.inet.tcp.rexmit_slop']! * 1000,
        minUs: k['net.inet.tcp.rexmit_min']! * 1000,
        maxUs: 64_000_000, // TCPTV_REXMTMAX
        initUs: 1_000_000, // TCPTV_RTOBASE
        ...(maxUnack > 0 ? { dropAfterUs: maxUnack * 1000 } : {}),
        errno: 'ETIMEDOUT',
      },
      errnoNumber: (e) => BSD_ERRNO[e] ?? 0,
      timer: { clock: 'freebsd', usPerTick: 1e6 / hz, label: `hz ${hz}, callout slack delay/${div}` },
      tcp: {
        mss: ts ? 1448 : 1460,
        window: 65535,
        rtoMinUs: 30_000,
        rtoMaxUs: 64_000_000,
        rtoInitUs: 1_000_000,
        tailLossProbe: false,
        invalidRatelimitUs: 0,
        timeWaitUs: 60_000_000, // 2·MSL, net.inet.tcp.msl 30 s
        timestamps: ts,
      },
    };
    return { profile, sysctl };
  },
};
