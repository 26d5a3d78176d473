#!/usr/bin/python3
"""Reloads under load: does a reload of a large zone cost the query path anything?

Serves two zones from one directory: small.test (www, and 1,000 hosts) and
big.test with --names names (200,000 by default, A + TXT each). dnsperf sends
a fixed rate (--qps, 20,000 by default: well under saturation, so latency is
the server's and not a queue's) of A queries for small.test names and random
big.test names, for --seconds, twice:

  1. quiet: no reloads;
  2. reloads: big.test is rewritten (a new serial, so its bytes change and it
     is parsed again) and SIGHUP sent every --every seconds. A reload of a
     zone this size takes seconds, so the reload thread is busy throughout and
     requests made meanwhile coalesce into the next reload.

For each run it prints queries sent, completed and lost (dnsperf's count of
queries with no answer within 1 s), the average and maximum latency, and the
number of reloads dnsd completed. The target is 0 lost queries in both runs,
and a maximum latency with reloads close to the one without: parsing and
building run on the reload thread, and the workers only ever swap a pointer.
On a 2-core machine the reload thread shares the CPUs with the worker and
dnsperf, so some latency cost is expected; it is reported, not hidden.

    /usr/bin/python3 tests/bench/bench_reload_under_load.py [--names 200000]
        [--seconds 20] [--qps 20000] [--every 1] [--threads 1] [--dnsd build-bench/dnsd/dnsd]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from dnsd_harness import Dnsd  # noqa: E402


def small_zone() -> dict:
    records = {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": ["192.0.2.1", "192.0.2.2"]}}
    for i in range(1000):
        records[f"h{i}"] = {"A": f"10.1.{i >> 8}.{i & 255}"}
    return {"origin": "small.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1}, "records": records}


def big_zone_text(names: int, serial: int) -> str:
    parts = ['{"origin": "big.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": %d}, "records": {' % serial,
             '"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}']
    for i in range(names):
        parts.append(',"n%d": {"A": "10.%d.%d.%d", "TXT": "name %d"}' % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i))
    parts.append("}}")
    return "".join(parts)


def write_queries(path: pathlib.Path, names: int) -> None:
    rng = random.Random(7)
    with open(path, "w") as f:
        for _ in range(100_000):
            if rng.random() < 0.5:
                f.write(f"h{rng.randrange(1000)}.small.test A\n")
            else:
                f.write(f"n{rng.randrange(names)}.big.test A\n")


def dnsperf(port: int, queries: pathlib.Path, seconds: float, qps: int) -> dict:
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-l", str(seconds),
                          "-Q", str(qps), "-c", "4", "-q", "500", "-t", "1"],
                         capture_output=True, text=True, check=True).stdout
    def num(pattern: str) -> float:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else float("nan")
    return {"sent": int(num(r"Queries sent:\s+(\d+)")), "completed": int(num(r"Queries completed:\s+(\d+)")),
            "lost": int(num(r"Queries lost:\s+(\d+)")), "avg_ms": num(r"Average Latency \(s\):\s+([\d.]+)") * 1000,
            "max_ms": num(r"max ([\d.]+)\)") * 1000}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--names", type=int, default=200_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--qps", type=int, default=20_000)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dnsd", default=os.environ.get("DNSD_BIN", "build-bench/dnsd/dnsd"))
    args = ap.parse_args()
    os.environ["DNSD_BIN"] = str(pathlib.Path(args.dnsd).resolve())

    work = pathlib.Path(tempfile.mkdtemp(prefix="dnsd-reload-load-"))
    zones = work / "zones"
    zones.mkdir()
    (zones / "small.test.json").write_text(json.dumps(small_zone()))
    (zones / "big.test.json").write_text(big_zone_text(args.names, 1))
    queries = work / "queries.txt"
    write_queries(queries, args.names)

    d = Dnsd(zones, threads=args.threads, extra_args=["--no-watch"], log_dir=str(work)).start()
    results = {}
    try:
        results["quiet"] = dnsperf(d.port, queries, args.seconds, args.qps)

        stop = threading.Event()
        serials = [1]
        # Two versions made up front and saved in turn: each save changes the
        # bytes (so the zone is parsed again) and costs the machine only a write,
        # not the CPU of generating 200,000 names while the servers run.
        versions = [big_zone_text(args.names, 2), big_zone_text(args.names, 3)]

        def churn():
            while not stop.wait(args.every):
                serials[0] += 1
                tmp = zones / ".big.tmp"
                tmp.write_text(versions[serials[0] % 2])
                os.rename(tmp, zones / "big.test.json")
                d.proc.send_signal(signal.SIGHUP)

        before = d.log().count("reloaded ")
        t = threading.Thread(target=churn)
        t.start()
        try:
            results["reloads"] = dnsperf(d.port, queries, args.seconds, args.qps)
        finally:
            stop.set()
            t.join()
        results["reloads"]["reloaded"] = d.log().count("reloaded ") - before
        results["reloads"]["saves"] = serials[0] - 1
    finally:
        d.stop()

    print(f"zone: big.test {args.names} names (A+TXT), small.test 1,000; {args.qps} qps for {args.seconds:g} s; "
          f"--threads {args.threads}")
    print(f"{'run':8} {'sent':>9} {'completed':>10} {'lost':>6} {'avg ms':>8} {'max ms':>8} {'reloads':>8}")
    for run, r in results.items():
        reloads = f"{r['reloaded']} ({r['saves']} saves)" if "reloaded" in r else "-"
        print(f"{run:8} {r['sent']:>9} {r['completed']:>10} {r['lost']:>6} {r['avg_ms']:>8.3f} {r['max_ms']:>8.3f} "
              f"{reloads:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
