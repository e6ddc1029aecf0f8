#!/usr/bin/env python3
"""The `grpc-server` model played by gRPC core (Debian's python3-grpcio): a server with no
service of interest (the modelled channel has no call open), its ping policy set from the
model's fields.

  stdin line 1  JSON {port, minPingIntervalMs, permitWithoutCalls, maxPingStrikes}
  stdout        {"ev":"listening"}

gRPC core logs its own decisions on stderr (GRPC_VERBOSITY=debug): "Sending goaway
err=…too_many_pings" (chttp2_transport.cc send_goaway).
"""
import json
import sys
import time
from concurrent import futures

import grpc


def main():
    cfg = json.loads(sys.stdin.readline())
    options = [
        ("grpc.http2.min_ping_interval_without_data_ms", cfg["minPingIntervalMs"]),
        ("grpc.keepalive_permit_without_calls", 1 if cfg["permitWithoutCalls"] else 0),
        ("grpc.http2.max_ping_strikes", cfg["maxPingStrikes"]),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=options)
    server.add_insecure_port("0.0.0.0:%d" % cfg["port"])
    server.start()
    sys.stdout.write(json.dumps({"ev": "listening"}) + "\n")
    sys.stdout.flush()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
