/**
 * Windows Vista and later (10, 11, Server 2019+): os-profiles.md §3. Keepalive idle 2 h,
 * interval 1 s, 10 probes (TCP_KEEPCNT ≤ 255 since 1703); death counted in probes [?];
 * the probe is one 0x00 byte at SND.NXT−1 [S]; keepalive death gives WSAENETRESET to the
 * operation in flight, WSAECONNRESET afterwards [V]; RTO death after 5 retransmissions,
 * doubling, 60 s cap [S/I]. Timestamps are off by default, so segments carry no options.
 */
import { countDeath, elapsedDeath, intOpt } from '../bsd.ts';
import { knobValues, paramValues, type OsModule } from '../module.ts';
import type { OsProfile, SockOptSpec, Sysctls } from '../profile.ts';
import { ERRNO, type Errno } from '../../tcp/errno.ts';

const UINT_MAX = 0xffffffff;

/** Winsock names for what the endpoint reports (windows-sockets-error-codes-2.md). */
const WSA: Partial<Record<Errno, Errno>> = {
  EPERM: 'WSAEACCES',
  EBADF: 'WSAENOTSOCK',
  EAGAIN: 'WSAEWOULDBLOCK',
  EINVAL: 'WSAEINVAL',
  EPIPE: 'WSAESHUTDOWN',
  ENOPROTOOPT: 'WSAENOPROTOOPT',
  EADDRINUSE: 'WSAEADDRINUSE',
  EADDRNOTAVAIL: 'WSAEADDRNOTAVAIL',
  ENETUNREACH: 'WSAENETUNREACH',
  ECONNRESET: 'WSAECONNRESET',
  EISCONN: 'WSAEISCONN',
  ENOTCONN: 'WSAENOTCONN',
  ETIMEDOUT: 'WSAETIMEDOUT',
  ECONNREFUSED: 'WSAECONNREFUSED',
  EHOSTDOWN: 'WSAEHOSTDOWN',
  EHOSTUNREACH: 'WSAEHOSTUNREACH',
};

const secondsDword = (source: string, effect: SockOptSpec['effect']): SockOptSpec => intOpt(1, Math.floor(UINT_MAX / 1000), 'seconds (DWORD)', source, effect, 'WSAEINVAL');

export const windowsModule: OsModule = {
  name: 'windows',
  title: 'Windows Vista+ / 10 / 11 / Server 2019+',
  reference: 'os-profiles.md §3',
  knobs: {
    KeepAliveTime: { unit: 'ms', min: 1, max: UINT_MAX, default: 7_200_000, doc: 'registry Tcpip\\Parameters: idle before the first probe', source: 'cc957549 [V]', linux: 'tcp_keepalive_time (s)' },
    KeepAliveInterval: { unit: 'ms', min: 1, max: UINT_MAX, default: 1000, doc: 'registry: interval between unanswered probes', source: 'cc957548 [V]', linux: 'tcp_keepalive_intvl (s)' },
    TcpMaxDataRetransmissions: { unit: 'count', min: 0, max: 255, default: 5, doc: 'registry: retransmissions before the RTO drop', source: 'cc780586 [V 2003], KB 170359 [S Vista+]', linux: 'tcp_retries2' },
  },
  params: {
    keepaliveCount: { default: 10, min: 1, max: 255, doc: 'probes before death ("set to 10 and cannot be changed"; per socket TCP_KEEPCNT)', source: 'sio-keepalive-vals.md [V]', confidence: 'V' },
    deathRule: { default: 'count', values: ['count', 'elapsed'], doc: 'death after cnt unanswered probes, or at the first firing ≥ idle + cnt·intvl', source: '§3.2: undocumented', confidence: '?' },
    probeWhileUnacked: { default: false, values: [true, false], doc: 'send keepalive probes while data is unacknowledged (RFC 1122: only when idle)', source: '§3.2: undocumented', confidence: '?' },
    probePayload: { default: 1, min: 0, max: 1, doc: 'payload bytes in a probe (one 0x00 byte at SND.NXT−1)', source: '§3.3 contiki#558, PcapPlusPlus#1594 [S]; Davies says no data', confidence: 'S' },
    rstOnDeath: { default: true, values: [true, false], doc: 'send RST|ACK when keepalive declares the peer dead', source: '§3.4 PyTCP#29 [S]', confidence: '?' },
    rtoDeathErrno: { default: 'WSAECONNABORTED', values: ['WSAECONNABORTED', 'WSAETIMEDOUT', 'WSAECONNRESET'], doc: 'error after an RTO death', source: '§3.6: no authoritative mapping', confidence: '?' },
    minRtoMs: { default: 300, min: 20, max: 300, doc: 'MinRtoMs (Set-NetTCPSetting 20..300)', source: '§3.6 [S]', confidence: 'S' },
    initialRtoMs: { default: 1000, min: 300, max: 3000, doc: 'InitialRtoMs: 1 s as captured (xmrig#3300); Get-NetTCPSetting documents 3000', source: '§3.6 [S] vs [V]', confidence: 'S' },
    tickUs: { default: 15_625, min: 1, max: 100_000, doc: 'timer tick (µs): timers fire on tick boundaries', source: '§3.5 [I]', confidence: 'I' },
    timestamps: { default: false, values: [true, false], doc: 'RFC 7323 timestamps (Get-NetTCPSetting: Disabled)', source: '§3.3 [V]', confidence: 'V' },
  },
  build(given, params) {
    const k = knobValues(this, given);
    const p = paramValues(this, params);
    const sysctl: Sysctls = {
      tcp_keepalive_time: k['KeepAliveTime']! / 1000,
      tcp_keepalive_intvl: k['KeepAliveInterval']! / 1000,
      tcp_keepalive_probes: Number(p['keepaliveCount']),
      tcp_retries2: k['TcpMaxDataRetransmissions']!,
      tcp_syn_retries: 4, // [S] xmrig#3300: 4 SYN retransmissions at 1 s doubling
      tcp_synack_retries: 4,
      tcp_fin_timeout: 120, // [S] TcpFinWait2Delay default 240 s on old versions; [?]
      tcp_syn_linear_timeouts: 0,
    };
    const ts = p['timestamps'] === true;
    const profile: OsProfile = {
      name: 'windows',
      defaults: sysctl,
      checkSockopt: () => null,
      sockoptRange: () => 'see the Windows options',
      keepalive: {
        probeLen: Number(p['probePayload']) === 0 ? 0 : 1,
        probeSeq: 'nxt',
        probeOptions: ts ? 'ts' : 'none',
        probeWhileUnacked: p['probeWhileUnacked'] === true,
        isDead: p['deathRule'] === 'elapsed' ? elapsedDeath : countDeath,
        rstOnDeath: p['rstOnDeath'] === true,
        rstSeq: 'nxt',
        // "Operations that were in progress fail with WSAENETRESET. Subsequent operations fail with WSAECONNRESET."
        deathErrno: (inFlight) => ({ now: inFlight ? 'WSAENETRESET' : 'WSAECONNRESET', after: 'WSAECONNRESET' }),
      },
      sockopts: {
        SO_KEEPALIVE: intOpt(-(2 ** 31), 2 ** 31 - 1, 'BOOL', 'so-keepalive.md [V]', (v) => ({ keepalive: v !== 0 })),
        TCP_KEEPIDLE: secondsDword('ipproto-tcp-socket-options.md, Windows 10 1709+ [V]', (v) => ({ keepIdle: v })),
        TCP_KEEPINTVL: secondsDword('ipproto-tcp-socket-options.md, 1709+ [V]', (v) => ({ keepIntvl: v })),
        // "It is illegal to set TCP_KEEPCNT to a value greater than 255" (1703+); WSAEINVAL [I]
        TCP_KEEPCNT: intOpt(0, 255, 'count (DWORD ≤ 255)', 'ipproto-tcp-socket-options.md [V]', (v) => ({ keepCnt: v }), 'WSAEINVAL'),
        // DWORD seconds; -1 = retransmit forever (capped 60 s per retransmission)
        TCP_MAXRT: intOpt(-1, Math.floor(UINT_MAX / 1000), 'seconds, -1 = never drop', 'ipproto-tcp-socket-options.md [V]', (v) => ({ rxtDrop: v === -1 ? 1e12 : v === 0 ? null : v }), 'WSAEINVAL'),
        // WSAIoctl(SIO_KEEPALIVE_VALS) { onoff, keepalivetime ms, keepaliveinterval ms }: here the value is keepalivetime
        // with the interval and onoff given as SIO_KEEPALIVE_VALS in a scenario object (os/index.ts)
        SIO_KEEPALIVE_VALS: intOpt(1, UINT_MAX, 'ms (struct tcp_keepalive)', 'sio-keepalive-vals.md [V]', (v) => ({ keepalive: true, keepIdle: v / 1000 }), 'WSAEINVAL'),
        TCP_USER_TIMEOUT: { unsupported: 'WSAENOPROTOOPT', instead: 'TCP_MAXRT (seconds)' },
        TCP_SYNCNT: { unsupported: 'WSAENOPROTOOPT', instead: 'TCP_MAXRT (seconds)' },
      },
      rto: {
        backoff: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], // "The interval doubles" (cc780586)
        maxRetransmissions: k['TcpMaxDataRetransmissions']!,
        slopUs: 0,
        minUs: Number(p['minRtoMs']) * 1000,
        maxUs: 60_000_000, // TCP_MAXRT doc: "up to its maximum value of 60sec"
        initUs: Number(p['initialRtoMs']) * 1000,
        errno: p['rtoDeathErrno'] as Errno,
      },
      errnoName: (e) => WSA[e] ?? e,
      errnoNumber: (e) => ERRNO_WIN(e),
      timer: { clock: 'windows', usPerTick: Number(p['tickUs']), label: `${Number(p['tickUs']) / 1000} ms tick` },
      tcp: {
        mss: ts ? 1448 : 1460,
        window: 65535,
        rtoMinUs: Number(p['minRtoMs']) * 1000,
        rtoMaxUs: 60_000_000,
        rtoInitUs: Number(p['initialRtoMs']) * 1000,
        tailLossProbe: false,
        invalidRatelimitUs: 0,
        timeWaitUs: 120_000_000, // TcpTimedWaitDelay default 120 s
        timestamps: ts,
      },
    };
    return { profile, sysctl };
  },
};

/** Windows numbers: WSA names carry their own; others are mapped to their WSA name first. */
function ERRNO_WIN(e: Errno): number {
  return ERRNO[WSA[e] ?? e];
}
