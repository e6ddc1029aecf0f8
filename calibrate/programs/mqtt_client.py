#!/usr/bin/env python3
"""An MQTT 3.1.1 client on a raw socket, doing exactly what keepalive-lab's `mqtt-client`
model does (src/apps/mqtt.ts), so that a recording measures the broker, not the client.

  stdin line 1  JSON {name, to: ip, port, start (µs), keepAlive (s), publishEvery (µs|null),
                publishBytes, silentAfter (µs|null)}
  stdout        {"ev":"ready"}
  stdin line 2  GO <t0>      scenario time 0, CLOCK_REALTIME epoch seconds
  stdout        {"ev": "connected"|"decide"|"closed", "t": epoch, ...} one per line

CONNECT is 2 + 10 + 2 + len(client id) bytes with clean session (MQTT 3.1.1 §3.1); the
client id is the app's name. PINGREQ (0xC0 0x00) is sent when keepAlive has passed since the
last packet sent or received and none is outstanding; if one is outstanding at that moment,
the broker is declared gone (PINGRESP_TIMEOUT) and the socket closed. A QoS 0 PUBLISH of
publishBytes in all goes out every publishEvery. From silentAfter after the connect the
client sends nothing more but still reads; end of stream -> PEER_CLOSED and close().
"""
import json
import select
import socket
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def wait_until(t):
    while True:
        left = t - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.05) if left > 0.002 else left)


def connect_packet(client_id, keepalive):
    cid = client_id.encode()
    var = b"\x00\x04MQTT\x04\x02" + keepalive.to_bytes(2, "big")  # level 4 = 3.1.1, clean session
    payload = len(cid).to_bytes(2, "big") + cid
    body = var + payload
    assert len(body) < 128
    return bytes([0x10, len(body)]) + body


def publish_packet(total):
    topic = b"t"
    body_len = total - 2
    payload = b"x" * (body_len - 2 - len(topic))
    return bytes([0x30, body_len]) + len(topic).to_bytes(2, "big") + topic + payload


def main():
    cfg = json.loads(sys.stdin.readline())
    emit({"ev": "ready"})
    line = sys.stdin.readline().split()
    t0 = float(line[1])
    wait_until(t0 + cfg["start"] / 1e6)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((cfg["to"], cfg["port"]))
    now = time.time()
    emit({"ev": "connected", "t": now})
    k = cfg["keepAlive"]
    silent_from = now + cfg["silentAfter"] / 1e6 if cfg.get("silentAfter") is not None else float("inf")
    every = cfg["publishEvery"] / 1e6 if cfg.get("publishEvery") is not None else None
    next_pub = now + every if every else float("inf")
    s.sendall(connect_packet(cfg["name"], k))
    last_out = last_in = now
    ping_t = None
    buf = b""
    while True:
        deadline = min(last_out, last_in) + k if k > 0 and time.time() < silent_from else float("inf")
        if time.time() >= silent_from:
            next_pub = float("inf")
        wake = min(deadline, next_pub)
        timeout = None if wake == float("inf") else max(0.0, wake - time.time())
        r, _, _ = select.select([s], [], [], timeout)
        now = time.time()
        if r:
            data = s.recv(4096)
            if not data:
                emit({"ev": "decide", "what": "PEER_CLOSED", "detail": "recv() returned 0: the broker closed the connection", "t": now})
                s.close()
                emit({"ev": "closed", "t": time.time()})
                break
            last_in = now
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + buf[1]:
                if buf[0] == 0xD0:
                    ping_t = None
                buf = buf[2 + buf[1]:]
            continue
        if now >= silent_from:
            continue
        if now >= next_pub:
            s.sendall(publish_packet(cfg["publishBytes"]))
            last_out = now
            next_pub += every
        if k > 0 and (now - last_out >= k or now - last_in >= k):
            if ping_t is None:
                s.sendall(b"\xc0\x00")
                last_out = last_in = ping_t = now
            else:
                emit({"ev": "decide", "what": "PINGRESP_TIMEOUT", "detail": "no PINGRESP %.6f s after PINGREQ (keep alive %d s): close()" % (now - ping_t, k), "t": now})
                s.close()
                emit({"ev": "closed", "t": time.time()})
                break
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
