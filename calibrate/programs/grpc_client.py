#!/usr/bin/env python3
"""The `grpc-client` model played by gRPC core (Debian's python3-grpcio): an insecure channel
with no call open, keepalive options from the model's fields, connected at `start` and, with
`reconnect`, asked to connect again whenever it falls IDLE (as an application that keeps its
channel ready does; connection failures are retried by the channel itself).

  stdin line 1  JSON {target, start (µs), options: [[name, value], …], reconnect: bool}
  stdout        {"ev":"ready"}
  stdin line 2  GO <t0>      scenario time 0, CLOCK_REALTIME epoch seconds

gRPC core logs its decisions on stderr (GRPC_VERBOSITY=debug): GOAWAY too_many_pings,
"Keepalive watchdog fired", "connect failed (…), backing off for N ms".
"""
import json
import sys
import time

import grpc


def wait_until(t):
    while True:
        left = t - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.05) if left > 0.002 else left)


def main():
    cfg = json.loads(sys.stdin.readline())
    # created before t0 (nothing connects yet), so that the start is not delayed by set-up
    ch = grpc.insecure_channel(cfg["target"], options=[tuple(o) for o in cfg["options"]])
    sys.stdout.write(json.dumps({"ev": "ready"}) + "\n")
    sys.stdout.flush()
    line = sys.stdin.readline().split()
    t0 = float(line[1])
    wait_until(t0 + cfg["start"] / 1e6)

    def on_state(state):
        if cfg["reconnect"] and state == grpc.ChannelConnectivity.IDLE:
            # the public subscribe(try_to_connect=True) asks only once; this is what
            # channel_ready_future / a wait_for_ready call do for every IDLE
            ch._channel.check_connectivity_state(True)

    ch.subscribe(on_state, try_to_connect=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
