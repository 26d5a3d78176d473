#!/usr/bin/python3
"""Reflection amplification with response rate limiting (RRL) off and on, on loopback.

A reflection attack sends small queries with the victim's address as source,
so that the server's large answers go to the victim. Here the "victim" is the
flooder's own UDP socket on 127.0.0.1: it sends one query (`big.amp.test TXT`
with EDNS, 41 bytes; the answer, five 220-byte TXT strings, is 1,206 bytes) at a fixed rate for
a fixed time, and counts the bytes it sent (what reaches the server) and the
bytes it received (what the server would reflect at the victim). The
amplification factor is bytes out / bytes in, DNS payloads only (add 28 bytes
of IPv4+UDP header per packet for the wire).

Meanwhile a legitimate client on 127.0.1.2 (another /24, so another RRL
budget) asks the same question at a modest rate (one query every 20 ms, each
waiting up to 1 s for its answer) and reports the share answered.

Each round runs dnsd with `--rrl-rate 0` (off) and with its defaults (on: 200
responses/s per /24 and response, slip 2), in alternating order, one worker.
Every run is printed, then the medians per mode.

    /usr/bin/python3 tests/bench/bench_rrl_amplification.py [--rounds 3] [--duration 5]
        [--flood-qps 5000] [--client-qps 50] [--dnsd build/dnsd/dnsd]

Exit 0 when it measured, whatever the figures; 1 when something could not be set up.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import select
import socket
import statistics
import sys
import tempfile
import threading
import time

import dns.exception
import dns.flags
import dns.message

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from dnsd_harness import Dnsd, make_query  # noqa: E402

ORIGIN = "amp.test."
NAME = f"big.{ORIGIN}"
# Five 220-byte strings: with the question and OPT, a 1,206-byte answer (under 1,232).
ZONE = {
    "origin": ORIGIN,
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "records": {
        "@": {"NS": "ns1"},
        "ns1": {"A": "192.0.2.53"},
        "big": {"TXT": [c * 220 for c in "abcde"]},
    },
}
VICTIM = "127.0.0.1"
CLIENT = "127.0.1.2"


class Flooder:
    """Sends the query at `qps` from one socket for `duration` seconds and
    counts payload bytes each way; a second thread reads the replies."""

    def __init__(self, server: tuple[str, int], qps: int, duration: float):
        self.server, self.qps, self.duration = server, qps, duration
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((VICTIM, 0))
        # Room for a second of full answers, so the flooder's own socket drops nothing.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.query = make_query(NAME, "TXT", edns=0, payload=1232).to_wire()
        self.sent = self.bytes_in = 0
        self.replies = self.slips = self.bytes_out = 0
        self.done = threading.Event()

    def _read(self):
        while True:
            ready = select.select([self.sock], [], [], 0.05)[0]
            if not ready:
                if self.done.is_set():
                    return
                continue
            raw = self.sock.recv(65535)
            self.bytes_out += len(raw)
            self.replies += 1
            if len(raw) > 2 and raw[2] & 0x02:  # TC: a slip
                self.slips += 1

    def run(self):
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        start = time.monotonic()
        tick = 0.005  # send qps/200 queries every 5 ms
        per_tick = max(1, round(self.qps * tick))
        next_at = start
        while time.monotonic() - start < self.duration:
            for _ in range(per_tick):
                self.sock.sendto(self.query, self.server)
                self.sent += 1
                self.bytes_in += len(self.query)
            next_at += tick
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self.elapsed = time.monotonic() - start
        time.sleep(0.5)  # the replies still on their way
        self.done.set()
        reader.join(5)
        self.sock.close()


class Client:
    """Asks the same question from another /24 every 1/qps seconds until stopped."""

    def __init__(self, server: tuple[str, int], qps: int):
        self.server, self.interval = server, 1.0 / qps
        self.asked = self.answered = 0
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((CLIENT, 0))
            s.settimeout(1.0)
            while not self.stop.is_set():
                q = make_query(NAME, "TXT", edns=0)
                t0 = time.monotonic()
                s.sendto(q.to_wire(), self.server)
                self.asked += 1
                try:
                    while True:
                        raw = s.recv(65535)
                        r = dns.message.from_wire(raw)
                        if r.id == q.id:
                            break
                    if not r.flags & dns.flags.TC and r.answer:
                        self.answered += 1
                        self.latencies.append(time.monotonic() - t0)
                except (socket.timeout, dns.exception.DNSException):
                    pass
                self.stop.wait(max(0.0, self.interval - (time.monotonic() - t0)))


def one_run(mode: str, args, workdir: pathlib.Path) -> dict:
    zones = workdir / f"zones-{mode}"
    zones.mkdir(exist_ok=True)
    (zones / "amp.test.json").write_text(json.dumps(ZONE))
    extra = ["--control", "none", "--no-watch"]
    d = Dnsd(zones=zones, threads=1, extra_args=extra, log_dir=str(workdir), rrl=(mode == "on")).start()
    try:
        server = (d.host, d.port)
        client = Client(server, args.client_qps)
        client_thread = threading.Thread(target=client.run, daemon=True)
        client_thread.start()
        flood = Flooder(server, args.flood_qps, args.duration)
        flood.run()
        client.stop.set()
        client_thread.join(5)
    finally:
        d.stop()
    return {
        "mode": mode,
        "seconds": flood.elapsed,
        "sent": flood.sent,
        "replies": flood.replies,
        "slips": flood.slips,
        "bytes_in": flood.bytes_in,
        "bytes_out": flood.bytes_out,
        "amplification": flood.bytes_out / flood.bytes_in if flood.bytes_in else 0.0,
        "flood_answered_per_s": (flood.replies - flood.slips) / flood.elapsed,
        "client_asked": client.asked,
        "client_answered": client.answered,
        "client_rate": client.answered / client.asked if client.asked else 0.0,
        "client_ms": statistics.median(client.latencies) * 1000 if client.latencies else float("nan"),
    }


def print_run(r: dict):
    print(f"  rrl {r['mode']:<3}  {r['seconds']:.1f} s  flood sent {r['sent']:>6} ({r['sent'] / r['seconds']:.0f}/s, "
          f"{r['bytes_in']:>8} B)  got {r['replies']:>6} replies ({r['slips']} slips, "
          f"{r['flood_answered_per_s']:.0f} answers/s, {r['bytes_out']:>9} B)  "
          f"amplification {r['amplification']:6.2f}x  other client {r['client_answered']}/{r['client_asked']} "
          f"answered ({100 * r['client_rate']:.1f}%, median {r['client_ms']:.2f} ms)", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 5)))
    ap.add_argument("--flood-qps", type=int, default=5000)
    ap.add_argument("--client-qps", type=int, default=50)
    ap.add_argument("--dnsd", help="binary (default $DNSD_BIN, else build/dnsd/dnsd)")
    args = ap.parse_args()
    if args.dnsd:
        os.environ["DNSD_BIN"] = str(pathlib.Path(args.dnsd).resolve())
    print(f"rrl amplification: {args.rounds} rounds x {args.duration:g} s per mode, flood {args.flood_qps} qps "
          f"from {VICTIM}, other client {args.client_qps} qps from {CLIENT}, query {NAME} TXT with EDNS; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="dnsd-bench-rrl-") as tmp:
        try:
            for i in range(args.rounds):
                for mode in (("off", "on") if i % 2 == 0 else ("on", "off")):
                    r = one_run(mode, args, pathlib.Path(tmp))
                    runs.append(r)
                    print_run(r)
        except (RuntimeError, OSError, AssertionError) as e:
            print(f"bench_rrl_amplification: {e}", file=sys.stderr)
            return 1
    print("\n== medians")
    for mode in ("off", "on"):
        rs = [r for r in runs if r["mode"] == mode]
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(f"  rrl {mode:<3}: amplification {med('amplification'):.2f}x, flood answered "
              f"{med('flood_answered_per_s'):.0f}/s of {med('sent') / med('seconds'):.0f}/s, "
              f"other client answered {100 * med('client_rate'):.1f}% (median {med('client_ms'):.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
