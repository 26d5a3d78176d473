#!/usr/bin/python3
"""Reload latency: time from a zone file save to the first answer with the new data.

Starts `dnsd serve` (file watching on, the default) on a temporary zones
directory, runs a UDP query loop for www.live.test. back to back, and saves
the zone TRIALS times per save style, each time with a new address:
- in-place: open(path, "w"), write, close (the save ends when close returns);
- rename: write a temp file beside it, then os.rename over the zone (the save
  ends when rename returns), as vim and atomic deploy tools do.
Latency = arrival of the first response carrying the new address - end of the
save. It includes the watcher's debounce (the directory must be quiet for
100 ms), parsing and validating the zone, publishing the snapshot, and one
query round trip (the loop's resolution). Prints min, median, p90 and max per
style, and, when the control API is built in, the reload's own duration as
/api/status reports it. With --records N the zone gets N extra A records, to
show parse cost. With --other-zones K the directory also holds K zones of
--other-records names each that never change: a reload parses only the files
whose bytes changed, so they should cost (almost) nothing.

    /usr/bin/python3 tests/bench/bench_reload.py [--trials 20] [--records 0]
        [--other-zones 0] [--other-records 1000] [--threads 2] [--dnsd build/dnsd/dnsd]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

import dns.message
import dns.rdatatype

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from dnsd_harness import Dnsd, free_port, make_query, wait_for  # noqa: E402

NAME = "www.live.test."
DEADLINE = 30.0


def zone(address: str, serial: int, extra_records: int) -> dict:
    records = {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "www": {"A": address}}
    for i in range(extra_records):
        records[f"host{i}"] = {"A": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}
    return {"origin": "live.test.", "ttl": 60, "soa": {"mname": "ns1", "rname": "hostmaster", "serial": serial},
            "records": records}


class Loop:
    """Queries NAME back to back; remembers each answer's arrival time and address set."""

    def __init__(self, host: str, port: int):
        self.addr = (host, port)
        self.lock = threading.Lock()
        self.answers: list[tuple[float, frozenset]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(self.addr)
            s.settimeout(2.0)
            while not self.stop.is_set():
                wire = make_query(NAME, "A").to_wire()
                s.send(wire)
                try:
                    raw = s.recv(65535)
                    while raw[:2] != wire[:2]:
                        raw = s.recv(65535)
                except socket.timeout:
                    continue
                now = time.monotonic()
                msg = dns.message.from_wire(raw)
                data = frozenset(rd.to_text() for r in msg.answer if r.rdtype == dns.rdatatype.A for rd in r)
                with self.lock:
                    self.answers.append((now, data))
                    if len(self.answers) > 100000:
                        del self.answers[:50000]

    def first_with(self, address: str, after: float) -> float:
        def find():
            with self.lock:
                for t, data in self.answers:
                    if t >= after and address in data:
                        return t
            return None
        return wait_for(find, DEADLINE, f"{NAME} to answer {address}", interval=0.001)


# Each save returns the time just before its last system call (close, rename):
# taken after it, a busy machine could deschedule this process in between and
# make the figure look shorter than it is.
def save_in_place(path: pathlib.Path, text: str) -> float:
    f = open(path, "w")
    f.write(text)
    f.flush()
    saved = time.monotonic()
    f.close()
    return saved


def save_by_rename(path: pathlib.Path, text: str) -> float:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    saved = time.monotonic()
    os.rename(tmp, path)
    return saved


def last_reload_ms(control: str, serial: int) -> float:
    """duration_ms of the reload that published `serial`, from the control API."""
    def get():
        with urllib.request.urlopen(f"http://{control}/api/status", timeout=5) as r:
            status = json.load(r)
        zones = {z["origin"]: z for z in status["zones"]}
        if zones.get("live.test.", {}).get("file_serial") != serial:
            return None
        return status["last_reload"]["duration_ms"]
    return wait_for(get, DEADLINE, "the reload in /api/status")


def summary(ms: list[float]) -> str:
    q = sorted(ms)
    p90 = q[min(len(q) - 1, int(round(0.9 * (len(q) - 1))))]
    return (f"n={len(q)} min={q[0]:.1f} ms median={statistics.median(q):.1f} ms p90={p90:.1f} ms "
            f"max={q[-1]:.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--records", type=int, default=0, help="extra A records in the zone (parse cost)")
    ap.add_argument("--other-zones", type=int, default=0, help="unchanged zones beside the edited one")
    ap.add_argument("--other-records", type=int, default=1000, help="extra A records in each unchanged zone")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dnsd", default=os.environ.get("DNSD_BIN", "build/dnsd/dnsd"))
    args = ap.parse_args()
    os.environ["DNSD_BIN"] = str(pathlib.Path(args.dnsd).resolve())

    with tempfile.TemporaryDirectory(prefix="dnsd-bench-reload-") as tmp:
        zones = pathlib.Path(tmp) / "zones"
        zones.mkdir()
        path = zones / "live.test.json"
        path.write_text(json.dumps(zone("192.0.2.1", 1, args.records)))
        (zones / "stable.test.json").write_text(json.dumps({
            "origin": "stable.test.", "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
            "records": {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}}}))
        for k in range(args.other_zones):
            other = zone("192.0.2.1", 1, args.other_records)
            other["origin"] = f"other{k}.test."
            (zones / f"other{k}.test.json").write_text(json.dumps(other))
        extra, control = [], None
        if "--control " in os.popen(f"{os.environ['DNSD_BIN']} serve --help").read():
            control = f"127.0.0.1:{free_port()}"
            extra = ["--control", control]
        server = Dnsd(zones, threads=args.threads, extra_args=extra, log_dir=tmp)
        server.start()
        loop = Loop(server.host, server.port)
        loop.thread.start()
        try:
            loop.first_with("192.0.2.1", 0)
            others = (f", beside {args.other_zones} unchanged zones of {args.other_records + 3} names"
                      if args.other_zones else "")
            print(f"dnsd {args.dnsd}, {args.threads} threads, zone with {args.records + 3} owner names{others}, "
                  f"{args.trials} saves per style; load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs")
            serial = 1
            for style, save in (("in-place", save_in_place), ("rename", save_by_rename)):
                ms, reload_ms = [], []
                for trial in range(args.trials):
                    serial += 1
                    address = f"192.0.2.{10 + serial % 200}"
                    text = json.dumps(zone(address, serial, args.records))
                    saved = save(path, text)
                    ms.append(1000 * (loop.first_with(address, saved) - saved))
                    if control:
                        reload_ms.append(last_reload_ms(control, serial))
                print(f"{style:9s} save -> new answer: {summary(ms)}")
                if reload_ms:
                    print(f"{style:9s} reload alone (parse, validate, publish; /api/status duration_ms): "
                          f"{summary(reload_ms)}")
        finally:
            loop.stop.set()
            loop.thread.join(5)
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
