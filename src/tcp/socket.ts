/**
 * The socket API an application sees (Linux semantics, linux-keepalive.md §2-§4).
 * Calls that would block take a callback and complete later in virtual time; every
 * call is recorded in the trace with its result or errno when it returns.
 */
import type { OsSockOptName, SockOptName } from '../os/profile.ts';
import { checkOsSockopt } from '../os/index.ts';
import { applySockoptEffect } from './os-sockopt.ts';
import { Conn } from './conn.ts';
import type { Errno } from './errno.ts';
import { ERRNO } from './errno.ts';
import type { ListenerHost } from './listener.ts';
import { Listener } from './listener.ts';
import { appClose, queueFin } from './close.ts';
import { defaultSockOpts, type SockOpts } from './options.ts';
import { pushData, sendSyn } from './output.ts';
import { armSynTimer } from './rtx.ts';
import { enableKeepalive } from './keepalive/bind.ts';
import { SENDS_DATA } from './state.ts';
import { seqAdd } from '../wire/seq.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; errno: Errno };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(errno: Errno): Result<T> => ({ ok: false, errno });

export type OptName = OsSockOptName | 'SO_ERROR';

/** What a socket needs from its host beyond a TCP stack. */
export interface SocketHost extends ListenerHost {
  /** a free ephemeral port towards that peer, or undefined when every one is taken */
  ephemeralPort(rip: string, rport: number): number | undefined;
  /** a port bound before connect(): free for this peer? (absent: always) */
  portFree?(port: number, rip: string, rport: number): boolean;
  listen(l: Listener): boolean;
  unlisten(l: Listener): void;
  resolve(name: string): string | undefined;
  /** calls are not traced (a proxy's relay loop: its decisions are traced as proxy events instead) */
  readonly quietCalls?: boolean;
}

export class Socket {
  readonly opts: SockOpts;
  conn: Conn | null = null;
  listener: Listener | null = null;
  closed = false;
  /** set when the socket's own host crashed: nothing returns any more */
  private readonly boot: () => boolean;

  constructor(
    readonly host: SocketHost,
    /** who owns the socket, for the trace (e.g. `server`, `client/app1`) */
    readonly owner: string,
    conn?: Conn,
    alive: () => boolean = () => true,
  ) {
    this.opts = conn ? conn.opts : defaultSockOpts();
    if (conn) this.conn = conn;
    this.boot = alive;
  }

  private record(call: string, start: number, r: Result<unknown>, args?: Record<string, unknown>): void {
    const sim = this.host.sim;
    if (!sim.trace.on.call || this.host.quietCalls) return;
    const v = r.ok ? r.value : undefined;
    const result = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : r.ok ? 0 : undefined;
    sim.trace.emit({
      kind: 'call', t: sim.now, start, host: this.host.name, app: this.owner, call,
      ...(args ? { args } : {}),
      ...(r.ok ? (result !== undefined ? { result } : {}) : { errno: r.errno }),
    });
  }

  /** Note in the trace that a blocking call is waiting (it is reported as pending if it never returns). */
  private blocking(call: string, start: number, first: boolean): void {
    const sim = this.host.sim;
    if (first && sim.trace.on.call && !this.host.quietCalls) sim.trace.emit({ kind: 'call', t: sim.now, start, host: this.host.name, app: this.owner, call, blocked: true });
  }

  /**
   * A blocking call: `poll` answers with a result when the call can return, else null and
   * the call waits (`wait` registers the retry) — recorded as blocked until it returns.
   */
  private block<T>(call: string, start: number, poll: () => Result<T> | null, wait: (retry: () => void) => void, cb: (r: Result<T>) => void, args?: Record<string, unknown>): void {
    let first = true;
    const attempt = (): void => {
      const r = poll();
      if (r) {
        this.finish(call, start, r, cb, args);
        return;
      }
      this.blocking(call, start, first);
      first = false;
      wait(attempt);
    };
    attempt();
  }

  /** Report a result now or later (never after the host crashed). */
  private finish<T>(call: string, start: number, res: Result<T>, cb: ((r: Result<T>) => void) | undefined, args?: Record<string, unknown>): Result<T> {
    if (!this.boot()) return res;
    // the OS's own error names (Windows: WSA…); Linux has no mapping
    const name = this.host.profile.errnoName;
    const r: Result<T> = !res.ok && name ? { ok: false, errno: name(res.errno) } : res;
    this.record(call, start, r, args);
    cb?.(r);
    return r;
  }

  setsockopt(name: OsSockOptName, value: number | boolean): Result<0> {
    const start = this.host.sim.now;
    const v = typeof value === 'boolean' ? Number(value) : value;
    const args = { name, value: v };
    const p = this.host.profile;
    if (name === 'SO_LINGER' || name === 'SO_RCVBUF') return this.finish('setsockopt', start, this.solSocket(name, v), undefined, args);
    if (p.sockopts || !LINUX_OPTS.has(name)) {
      // a non-Linux profile's own options, units and re-arming (src/tcp/os-sockopt.ts)
      const verdict = checkOsSockopt(p, name, v);
      if (!verdict.ok) return this.finish('setsockopt', start, fail<0>(verdict.errno), undefined, args);
      if (verdict.spec) applySockoptEffect(this.opts, this.conn, verdict.spec.effect(v), name, v);
      return this.finish('setsockopt', start, ok<0>(0), undefined, args);
    }
    if (this.host.profile.checkSockopt(name as SockOptName, v)) return this.finish('setsockopt', start, fail<0>('EINVAL'), undefined, args);
    const o = this.opts;
    const c = this.conn;
    const live = c !== null && !c.done;
    switch (name) {
      case 'SO_KEEPALIVE':
        if (v !== 0 && !o.keepalive) {
          o.keepalive = true;
          if (live) enableKeepalive(c); // armed for the full keepidle from now
        } else if (v === 0 && o.keepalive) {
          o.keepalive = false;
          if (live) c.ka?.send({ type: 'DISABLE' });
        }
        break;
      case 'TCP_KEEPIDLE':
        o.keepIdle = v;
        if (live && o.keepalive) c.ka?.send({ type: 'KEEPIDLE_CHANGED' }); // re-armed to keepidle − idle
        break;
      case 'TCP_KEEPINTVL':
        o.keepIntvl = v;
        break;
      case 'TCP_KEEPCNT':
        o.keepCnt = v;
        break;
      case 'TCP_USER_TIMEOUT':
        o.userTimeout = v;
        break;
      case 'TCP_SYNCNT':
        o.synCnt = v;
        break;
    }
    return this.finish('setsockopt', start, ok<0>(0), undefined, args);
  }

  /**
   * SOL_SOCKET options every OS has alike (net/core/sock.c sk_setsockopt): SO_LINGER (only
   * l_linger 0 is modelled: close() then aborts with RST; −1 = l_onoff 0) and SO_RCVBUF
   * (__sock_set_rcvbuf: min(val, rmem_max) doubled, at least SOCK_MIN_RCVBUF; locks the size).
   */
  private solSocket(name: 'SO_LINGER' | 'SO_RCVBUF', v: number): Result<0> {
    const verdict = checkOsSockopt(this.host.profile, name, v);
    if (!verdict.ok) return fail<0>(verdict.errno);
    if (name === 'SO_LINGER') {
      this.opts.linger = v < 0 ? undefined : v;
    } else {
      this.opts.rcvbuf = Math.max(2 * Math.min(v, RMEM_MAX), SOCK_MIN_RCVBUF);
    }
    return ok<0>(0);
  }

  /**
   * Windows WSAIoctl(SIO_KEEPALIVE_VALS, struct tcp_keepalive): on/off, idle and interval in
   * milliseconds, no count (sio-keepalive-vals.md; os-profiles.md §3.1). WSAEINVAL elsewhere.
   */
  wsaIoctlKeepaliveVals(v: { onoff: number; keepalivetime: number; keepaliveinterval: number }): Result<0> {
    const start = this.host.sim.now;
    const args = { name: 'SIO_KEEPALIVE_VALS', ...v };
    const a = checkOsSockopt(this.host.profile, 'SIO_KEEPALIVE_VALS', v.keepalivetime);
    const b = checkOsSockopt(this.host.profile, 'SIO_KEEPALIVE_VALS', v.keepaliveinterval);
    if (!a.ok || !b.ok) return this.finish('WSAIoctl', start, fail<0>(!a.ok ? a.errno : !b.ok ? b.errno : 'EINVAL'), undefined, args);
    const effect = { keepalive: v.onoff !== 0, keepIdle: v.keepalivetime / 1000, keepIntvl: v.keepaliveinterval / 1000 };
    applySockoptEffect(this.opts, this.conn, effect, 'SIO_KEEPALIVE_VALS', v.keepalivetime);
    return this.finish('WSAIoctl', start, ok<0>(0), undefined, args);
  }

  /** getsockopt: unset keepalive options read back as the host's sysctls. SO_ERROR returns and clears. */
  getsockopt(name: OptName): Result<number> {
    const start = this.host.sim.now;
    const o = this.opts;
    const s = this.host.sysctl;
    let v: number;
    switch (name) {
      case 'SO_KEEPALIVE': v = o.keepalive ? 1 : 0; break;
      case 'TCP_KEEPIDLE': v = o.keepIdle ?? s.tcp_keepalive_time; break;
      case 'TCP_KEEPINTVL': v = o.keepIntvl ?? s.tcp_keepalive_intvl; break;
      case 'TCP_KEEPCNT': v = o.keepCnt ?? s.tcp_keepalive_probes; break;
      case 'TCP_USER_TIMEOUT': v = o.userTimeout; break;
      case 'TCP_SYNCNT': v = o.synCnt ?? s.tcp_syn_retries; break;
      case 'SO_RCVBUF': v = o.rcvbuf ?? TCP_RMEM_DEFAULT; break;
      case 'SO_ERROR': {
        const e = this.conn ? takeError(this.conn) : null;
        v = e ? (this.host.profile.errnoNumber?.(e) ?? ERRNO[e]) : 0;
        break;
      }
      default: v = o.osOpts?.[name] ?? 0; break; // OS-specific options read back as set (0 = inherit)
    }
    return this.finish('getsockopt', start, ok(v), undefined, { name });
  }

  listen(port: number, backlog = 128): Result<0> {
    const start = this.host.sim.now;
    const l = new Listener(this.host, port, this.opts, backlog);
    if (!this.host.listen(l)) return this.finish('listen', start, fail<0>('EADDRINUSE'), undefined, { port });
    this.listener = l;
    return this.finish('listen', start, ok<0>(0), undefined, { port });
  }

  accept(cb: (r: Result<Socket>) => void): void {
    const start = this.host.sim.now;
    const l = this.listener;
    if (!l) {
      this.finish('accept', start, fail<Socket>('EINVAL'), cb);
      return;
    }
    const poll = (): Result<Socket> | null => {
      const c = l.queue.shift();
      return c ? ok(new Socket(this.host, this.owner, c, this.boot)) : null;
    };
    this.block('accept', start, poll, (retry) => l.wait(retry), cb);
  }

  connect(to: string, port: number, cb: (r: Result<0>) => void, localPort?: number): void {
    const start = this.host.sim.now;
    const args = localPort === undefined ? { to, port } : { to, port, localPort };
    const rip = this.host.resolve(to);
    if (rip === undefined) {
      this.finish('connect', start, fail<0>('ENETUNREACH'), cb, args);
      return;
    }
    if (this.conn || this.listener) {
      this.finish('connect', start, fail<0>('EISCONN'), cb, args);
      return;
    }
    const h = this.host;
    if (localPort !== undefined && h.portFree?.(localPort, rip, port) === false) {
      this.finish('connect', start, fail<0>('EADDRINUSE'), cb, args);
      return;
    }
    const lport = localPort ?? h.ephemeralPort(rip, port);
    if (lport === undefined) {
      // every ephemeral port towards that peer is in use (TIME_WAIT included): Linux's
      // __inet_hash_connect returns -EADDRNOTAVAIL (net/ipv4/inet_hashtables.c)
      this.finish('connect', start, fail<0>('EADDRNOTAVAIL'), cb, args);
      return;
    }
    const c = new Conn(h, h.ip, lport, rip, port, this.opts);
    this.conn = c;
    c.iss = h.newIss();
    c.sndUna = c.iss;
    c.sndNxt = seqAdd(c.iss, 1);
    c.setState('SYN_SENT');
    h.addConn(c);
    sendSyn(c);
    c.rttSample = { end: c.sndNxt, t: h.sim.now };
    armSynTimer(c);
    const poll = (): Result<0> | null => {
      if (c.state === 'SYN_SENT') return null;
      const err = takeError(c);
      return err ? fail<0>(err) : ok<0>(0);
    };
    this.block('connect', start, poll, (retry) => c.wait(retry), cb, args);
  }

  /** Queue `bytes` for sending. Never blocks (the send buffer is not bounded in this model). */
  send(bytes: number): Result<number> {
    const start = this.host.sim.now;
    const c = this.conn;
    const args = { bytes };
    if (!c) return this.finish('send', start, fail<number>(this.closed ? 'EBADF' : 'ENOTCONN'), undefined, args);
    const err = takeError(c);
    if (err) return this.finish('send', start, fail<number>(err), undefined, args);
    if (c.wrShut || c.done) return this.finish('send', start, fail<number>('EPIPE'), undefined, args); // then SIGPIPE unless MSG_NOSIGNAL
    if (!SENDS_DATA.has(c.state)) return this.finish('send', start, fail<number>('ENOTCONN'), undefined, args);
    c.writeSeq = seqAdd(c.writeSeq, bytes);
    pushData(c);
    return this.finish('send', start, ok(bytes), undefined, args);
  }

  /**
   * Blocking recv (tcp_recvmsg_locked): queued data first; then EOF if the peer's FIN
   * arrived (SOCK_DONE, checked before sk_err); then the pending error once; then 0.
   */
  recv(max: number, cb: (r: Result<number>) => void): void {
    const start = this.host.sim.now;
    const c = this.conn;
    if (!c) {
      this.finish('recv', start, fail<number>('ENOTCONN'), cb);
      return;
    }
    const poll = (): Result<number> | null => {
      if (c.rcvBuf > 0) {
        const n = Math.min(max, c.rcvBuf);
        c.rcvBuf -= n;
        return ok(n);
      }
      if (c.finRcvd) return ok(0);
      const err = takeError(c);
      if (err) return fail<number>(err);
      return c.rdShut || c.done ? ok(0) : null;
    };
    this.block('recv', start, poll, (retry) => c.wait(retry), cb);
  }

  /** select()/poll() for readability: readable on data, EOF, or a pending error. */
  select(cb: (r: Result<string>) => void): void {
    const start = this.host.sim.now;
    const c = this.conn;
    if (!c) {
      this.finish('select', start, fail<string>('EBADF'), cb);
      return;
    }
    const poll = (): Result<string> | null => (c.rcvBuf > 0 || c.skErr || c.rdShut || c.done ? ok('readable') : null);
    this.block('select', start, poll, (retry) => c.wait(retry), cb);
  }

  shutdown(how: 'SHUT_RD' | 'SHUT_WR' | 'SHUT_RDWR'): Result<0> {
    const start = this.host.sim.now;
    const c = this.conn;
    if (!c || c.done) return this.finish('shutdown', start, fail<0>('ENOTCONN'), undefined, { how });
    if (how !== 'SHUT_WR') {
      c.rdShut = true;
      c.wake();
    }
    if (how !== 'SHUT_RD') queueFin(c);
    return this.finish('shutdown', start, ok<0>(0), undefined, { how });
  }

  close(): Result<0> {
    const start = this.host.sim.now;
    if (this.closed) return this.finish('close', start, fail<0>('EBADF'), undefined);
    this.closed = true;
    if (this.listener) {
      const l = this.listener;
      l.closed = true;
      this.host.unlisten(l);
      for (const c of l.queue) appClose(c);
    }
    if (this.conn) {
      appClose(this.conn);
      this.conn = null;
    }
    return this.finish('close', start, ok<0>(0), undefined);
  }
}

/** sock_error(): the pending socket error, reported once (then the profile's sticky error, if any). */
function takeError(c: Conn): Errno | null {
  const e = c.skErr;
  c.skErr = c.stickyErr;
  return e;
}

/** net.core.rmem_max, SOCK_MIN_RCVBUF (2048 + sizeof(struct sk_buff)) and tcp_rmem[1] on Linux 6.18 x86-64. */
const RMEM_MAX = 212_992;
const SOCK_MIN_RCVBUF = 2_304;
const TCP_RMEM_DEFAULT = 131_072;

const LINUX_OPTS: ReadonlySet<string> = new Set<SockOptName>(['SO_KEEPALIVE', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_USER_TIMEOUT', 'TCP_SYNCNT']);
