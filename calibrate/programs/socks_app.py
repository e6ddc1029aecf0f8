#!/usr/bin/env python3
"""calibrate/app.py with a SOCKS5 client inside connect() (RFC 1928, no authentication):
when the scenario's step connects to the proxy, the program speaks SOCKS5 to it and asks
for the proxy's target, as a SOCKS-aware client library (curl --socks5, PySocks) does
before returning the connected socket. Everything else is app.py.

Extra config field: "socks": {"proxy": ip, "target": [ip, port]}.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import app  # noqa: E402  (calibrate/app.py)


def recv_exactly(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionResetError("proxy closed during the SOCKS5 handshake")
        buf += chunk
    return buf


class SocksApp(app.App):
    def do_connect(self, st):
        r = super().do_connect(st)
        socks = self.cfg.get("socks")
        if socks and self.cfg["peers"].get(st["to"]) == socks["proxy"]:
            s = self.cur
            s.sendall(b"\x05\x01\x00")  # version 5, one method: no authentication
            if recv_exactly(s, 2) != b"\x05\x00":
                raise app.StepError("ECONNREFUSED")
            ip, port = socks["target"]
            s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(ip) + struct.pack("!H", port))  # CONNECT
            rep = recv_exactly(s, 10)
            if rep[1] != 0:
                raise app.StepError("ECONNREFUSED")
        return r


def main():
    import json

    cfg = json.loads(sys.stdin.readline())
    app.emit({"ev": "ready"})
    line = sys.stdin.readline().split()
    if len(line) != 2 or line[0] != "GO":
        sys.exit(3)
    a = SocksApp(cfg, float(line[1]))
    a.wait_until(a.t0)
    a.run()


if __name__ == "__main__":
    main()
