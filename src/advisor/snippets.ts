/**
 * The exact lines to apply a recommendation: Linux sysctls, C setsockopt, and the socket
 * APIs of Node.js, Python and Go, each with what that API can and cannot set.
 */
import type { Triple } from './model.ts';

export interface Snippets {
  sysctl: string[];
  c: string[];
  node: string[];
  python: string[];
  go: string[];
}

/** `userTimeoutMs`: TCP_USER_TIMEOUT to set as well (0 = none). */
export function snippets(t: Triple, userTimeoutMs: number): Snippets {
  const ut = userTimeoutMs > 0;
  return {
    // linux-keepalive.md §2: per-netns sysctls, used by sockets that set SO_KEEPALIVE without
    // their own TCP_KEEP* values. There is no sysctl for TCP_USER_TIMEOUT.
    sysctl: [
      `sysctl -w net.ipv4.tcp_keepalive_time=${t.idle}`,
      `sysctl -w net.ipv4.tcp_keepalive_intvl=${t.intvl}`,
      `sysctl -w net.ipv4.tcp_keepalive_probes=${t.cnt}`,
      '# the application must still enable SO_KEEPALIVE on its sockets',
    ],
    c: [
      'int on = 1, idle = ' + t.idle + ', intvl = ' + t.intvl + ', cnt = ' + t.cnt + ';',
      'setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);',
      'setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);',
      'setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);',
      'setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);',
      ...(ut ? [`unsigned int ut = ${userTimeoutMs}; /* ms */`, 'setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof ut);'] : []),
    ],
    // Node.js net docs, socket.setKeepAlive (v13.12.0 / v12.17.0, nodejs/node#32204): enabling
    // sets SO_KEEPALIVE=1, TCP_KEEPIDLE=initialDelay, TCP_KEEPCNT=10, TCP_KEEPINTVL=1; Node
    // has no API for TCP_KEEPINTVL/TCP_KEEPCNT/TCP_USER_TIMEOUT.
    node: [
      `socket.setKeepAlive(true, ${t.idle * 1000}); // sets TCP_KEEPIDLE=${t.idle}, and forces TCP_KEEPINTVL=1, TCP_KEEPCNT=10`,
      ...(t.intvl !== 1 || t.cnt !== 10 ? [`// Node cannot set TCP_KEEPINTVL=${t.intvl} / TCP_KEEPCNT=${t.cnt}: see the Node.js line of the evidence for what 1 s × 10 gives`] : []),
      ...(ut ? ['// no TCP_USER_TIMEOUT in Node\'s API: bound writes with an application timeout instead'] : []),
    ],
    // Python socket module: the TCP_* constants exist on Linux (socket(7), tcp(7)).
    python: [
      'sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)',
      `sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, ${t.idle})`,
      `sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, ${t.intvl})`,
      `sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, ${t.cnt})`,
      ...(ut ? [`sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, ${userTimeoutMs})`] : []),
    ],
    // Go 1.23 net.KeepAliveConfig (golang/go#62254): Idle, Interval, Count; without it a
    // Dialer's KeepAlive (default 15 s) sets both idle and interval and leaves the count to the OS.
    go: [
      `d := net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: ${t.idle} * time.Second, Interval: ${t.intvl} * time.Second, Count: ${t.cnt}}}`,
      ...(ut
        ? [
            '// TCP_USER_TIMEOUT through the raw connection (golang.org/x/sys/unix):',
            `d.Control = func(_, _ string, c syscall.RawConn) error { return c.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, ${userTimeoutMs}) }) }`,
          ]
        : []),
    ],
  };
}
