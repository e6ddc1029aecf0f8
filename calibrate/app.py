#!/usr/bin/env python3
"""One scenario application on the real kernel (keepalive-lab calibration, issue 10).

Protocol with the harness (calibrate/apps.ts):
  stdin line 1   JSON {name, host, onError, steps, peers: {host: ip}, socket: {OPT: value}}
  stdout         {"ev":"ready"}
  stdin          NETNS <path>   (optional) enter that network namespace first
  stdin          GO <t0>        t0 = scenario time 0 as a CLOCK_REALTIME epoch (float seconds)
  stdout         one JSON object per line:
                 {"ev":"start","i":k,"call":...,"args":{...},"t":abs}
                 {"ev":"end","i":k,"call":...,"args":{...},"start":abs,"t":abs,"result"|"errno":...}
                 {"ev":"done","stopped":bool,"t":abs}

Step semantics match the simulator's (docs/calibration.md):
  * `at` (µs of scenario time): the step does not start before t0 + at.
  * After the last step, or after a failed call with onError=stop, the program does NOT exit:
    it sleeps with its sockets open until the harness kills it at the horizon (after the
    captures are stopped). A real program that exits would close its sockets and might emit
    FIN/RST that the scenario did not ask for.
  * send uses MSG_NOSIGNAL so a write on a dead connection returns EPIPE instead of SIGPIPE
    (net/core/stream.c sk_stream_error).
"""
import errno
import json
import select
import socket
import struct
import sys
import time

SOL_OPTS = {"SO_KEEPALIVE": socket.SO_KEEPALIVE, "SO_ERROR": socket.SO_ERROR, "SO_RCVBUF": socket.SO_RCVBUF, "SO_LINGER": socket.SO_LINGER}
TCP_OPTS = {
    "TCP_KEEPIDLE": socket.TCP_KEEPIDLE,
    "TCP_KEEPINTVL": socket.TCP_KEEPINTVL,
    "TCP_KEEPCNT": socket.TCP_KEEPCNT,
    # Linux values, in case this Python lacks the constants (include/uapi/linux/tcp.h)
    "TCP_USER_TIMEOUT": getattr(socket, "TCP_USER_TIMEOUT", 18),
    "TCP_SYNCNT": getattr(socket, "TCP_SYNCNT", 7),
}
OPTION_ORDER = ["SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT", "TCP_SYNCNT", "SO_RCVBUF"]
SHUT = {"SHUT_RD": socket.SHUT_RD, "SHUT_WR": socket.SHUT_WR, "SHUT_RDWR": socket.SHUT_RDWR}


class StepError(Exception):
    """A call failed with an errno the scenario should see."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def errno_name(e):
    return errno.errorcode.get(e.errno or 0, "E%s" % e.errno)


def opt_level(name):
    if name in SOL_OPTS:
        return socket.SOL_SOCKET, SOL_OPTS[name]
    if name in TCP_OPTS:
        return socket.IPPROTO_TCP, TCP_OPTS[name]
    raise StepError("ENOPROTOOPT")


class App:
    def __init__(self, cfg, t0):
        self.cfg = cfg
        self.t0 = t0
        self.listener = None
        self.cur = None
        self.fresh = None  # socket made by prepare_socket() for the next listen/connect
        self.sockets = []  # every socket, kept referenced so none is closed by GC

    def wait_until(self, t):
        while True:
            left = t - time.time()
            if left <= 0:
                return
            time.sleep(min(left, 0.05) if left > 0.002 else left)

    def prepare_socket(self, i):
        """A new socket with the host's socket options (schema: hosts.<h>.socket) applied
        before connect/listen. They are real setsockopt() calls of the program, so each is
        logged as its own call, in the simulator's order (src/scenarios/apps.ts)."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sockets.append(s)
        self.fresh = s
        opts = self.cfg.get("socket", {})
        for name in [n for n in OPTION_ORDER if n in opts]:
            level, opt = opt_level(name)
            value = int(opts[name])
            ok, _ = self.call(i, "setsockopt", {"name": name, "value": opts[name]}, lambda: s.setsockopt(level, opt, value) or 0)
            if not ok:
                return False
        return True

    def need_cur(self):
        if self.cur is None:
            raise StepError("EBADF")
        return self.cur

    # ---- one method per call; each returns the result to log ----
    def do_listen(self, st):
        s = self.fresh
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", st["port"]))
        s.listen(st.get("backlog", 128))
        self.listener = s
        self.cur = s
        return 0

    def do_accept(self, _st):
        if self.listener is None:
            raise StepError("EINVAL")
        conn, _addr = self.listener.accept()
        self.sockets.append(conn)
        self.cur = conn
        return 0

    def do_connect(self, st):
        ip = self.cfg["peers"].get(st["to"])
        if ip is None:
            raise StepError("EHOSTUNREACH")
        s = self.fresh
        self.cur = s
        if st.get("localPort") is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", st["localPort"]))
        s.connect((ip, st["port"]))
        return 0

    def do_setsockopt(self, st):
        level, opt = opt_level(st["name"])
        value = int(st["value"])
        if st["name"] == "SO_LINGER":
            # struct linger {l_onoff, l_linger}: -1 = off, n >= 0 = on with n seconds
            self.need_cur().setsockopt(level, opt, struct.pack("ii", 0 if value < 0 else 1, max(value, 0)))
            return 0
        self.need_cur().setsockopt(level, opt, value)
        return 0

    def do_getsockopt(self, st):
        level, opt = opt_level(st["name"])
        v = self.need_cur().getsockopt(level, opt)
        if st["name"] == "SO_ERROR":
            return errno.errorcode.get(v, v) if v else 0
        return v

    def do_send_once(self, n):
        return self.need_cur().send(b"x" * n, socket.MSG_NOSIGNAL)

    def do_recv(self, _st):
        return len(self.need_cur().recv(65536))

    def do_select(self, _st):
        s = self.need_cur()
        select.select([s], [], [])
        return "readable"

    def do_sleep(self, st):
        time.sleep(st["for"] / 1e6)
        return 0

    def do_shutdown(self, st):
        self.need_cur().shutdown(SHUT[st.get("how", "SHUT_WR")])
        return 0

    def do_close(self, _st):
        self.need_cur().close()
        self.cur = None
        return 0

    def do_unknown(self, _st):
        raise StepError("ENOSYS")

    # ---- logging wrapper and step loop ----
    def call(self, i, name, args, fn):
        start = time.time()
        emit({"ev": "start", "i": i, "call": name, "args": args, "t": start})
        rec = {"ev": "end", "i": i, "call": name, "args": args, "start": start}
        ok = True
        try:
            rec["result"] = fn()
        except StepError as e:
            rec["errno"], ok = e.name, False
        except OSError as e:
            rec["errno"], ok = errno_name(e), False
        rec["t"] = time.time()
        emit(rec)
        return ok, rec.get("result")

    def run_send(self, i, st, args):
        every = st.get("every")
        count = st.get("count", 1 if every is None else None)
        first = time.time()
        k = 0
        while count is None or k < count:
            if every is not None and k > 0:
                self.wait_until(first + k * every / 1e6)
            ok, _ = self.call(i, "send", args, lambda: self.do_send_once(st.get("bytes", 1)))
            if not ok:
                return False
            k += 1
        return True

    def run_recv(self, i, st, args):
        while True:
            ok, n = self.call(i, "recv", args, lambda: self.do_recv(st))
            if not ok:
                return False
            if not st.get("loop") or n == 0:
                return True

    def run_step(self, i, st):
        name = st["call"]
        args = {k: v for k, v in st.items() if k not in ("call", "at")}
        if name in ("listen", "connect") and not self.prepare_socket(i):
            return False
        if name == "send":
            return self.run_send(i, st, args)
        if name == "recv":
            return self.run_recv(i, st, args)
        fn = getattr(self, "do_" + name, self.do_unknown)
        return self.call(i, name, args, lambda: fn(st))[0]

    def run(self):
        stopped = False
        for i, st in enumerate(self.cfg["steps"]):
            if st.get("at") is not None:
                self.wait_until(self.t0 + st["at"] / 1e6)
            if not self.run_step(i, st) and self.cfg.get("onError", "stop") == "stop":
                stopped = True
                break
        emit({"ev": "done", "stopped": stopped, "t": time.time()})
        # Keep every socket open until the harness kills us (see module docstring).
        while True:
            time.sleep(3600)


CLONE_NEWNET = 0x40000000


def enter_netns(path):
    """setns(2) into a network namespace: a program that starts after its host rebooted is
    spawned early, outside any namespace, and moved into the re-created one when it exists
    (starting Python there would take 0.1-3 s on a busy machine)."""
    import ctypes
    import os

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def main():
    cfg = json.loads(sys.stdin.readline())
    emit({"ev": "ready"})
    while True:
        line = sys.stdin.readline().split()
        if len(line) == 2 and line[0] == "NETNS":
            enter_netns(line[1])
            continue
        break
    if len(line) != 2 or line[0] != "GO":
        sys.exit(3)
    app = App(cfg, float(line[1]))
    app.wait_until(app.t0)
    app.run()


if __name__ == "__main__":
    main()
