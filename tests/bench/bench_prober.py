#!/usr/bin/python3
"""CPU cost of dnsd's prober: N HTTP (or TCP) members probed every interval, on loopback.

dnsd serves one zone whose pools (of 100 members) total --members members,
each a distinct loopback address 127.3.X.Y on one port, checked with
`{"type": "http"}` (GET /, expect 200) or `{"type": "tcp"}` every --interval
seconds. Every member is a real listener of http_sink (http_sink.c, compiled
on the fly with cc: one epoll loop per process, --sinks processes sharing the
addresses), which answers HTTP/1.1 200 to every request and keeps the
connection open unless asked to close. The sinks' CPU is not counted.

It starts `dnsd serve` (build-bench/dnsd/dnsd, the release build, if present;
else $DNSD_BIN or build/dnsd/dnsd), waits until /metrics shows every member
up, lets it settle, then measures --runs windows of --seconds each and prints,
per window: dnsd's CPU (utime + stime of all its threads, /proc/PID/stat) as
% of one core, split user/system, CPU per probe, probes/s (dnsd's
dnsd_probe_duration_seconds_count), requests/s and new connections/s the
sinks saw, the mean probe latency, and the machine's load average.

On loopback the kernel work of a connection is shared between both ends, so
part of dnsd's system time is TCP work done for the sink; that is also what a
real prober pays. On a busy machine the sinks answer late, the prober's
in-flight cap (256) then holds probes/s under the nominal members/interval,
and the summary also gives CPU per probe x the nominal rate.

    /usr/bin/python3 tests/bench/bench_prober.py [--members 10000] [--interval 1]
        [--seconds 20] [--runs 3] [--check http|tcp|both] [--sinks 2] [--dnsd PATH] [--workdir DIR]

Exit 0 when it measured, whatever the figures; 1 when something could not be set up.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from dnsd_harness import Dnsd  # noqa: E402
from health_support import common_port  # noqa: E402

POOL_SIZE = 100
SETTLE_S = 3.0  # after every member is up: first-round phases spread over one interval


def member_addresses(n: int) -> list[str]:
    return [f"127.3.{i // 250}.{i % 250 + 1}" for i in range(n)]


def build_sink(workdir: pathlib.Path) -> pathlib.Path:
    exe = workdir / "http_sink"
    subprocess.run(["cc", "-O2", "-o", str(exe), str(REPO / "tests" / "bench" / "http_sink.c")], check=True)
    return exe


class Sinks:
    """--sinks http_sink processes, each listening on its share of the addresses."""

    def __init__(self, exe: pathlib.Path, addresses: list[str], port: int, count: int, workdir: pathlib.Path):
        self.procs, self.count_files = [], []
        for k in range(count):
            counts = workdir / f"sink{k}.counts"
            proc = subprocess.Popen([str(exe), str(port), str(counts)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            proc.stdin.write("".join(a + "\n" for a in addresses[k::count]))
            proc.stdin.close()
            self.procs.append(proc)
            self.count_files.append(counts)
        for proc in self.procs:
            line = proc.stdout.readline()  # blocks until it listens, or EOF if it failed
            if not line.startswith("ready"):
                self.close()
                raise RuntimeError("http_sink did not start")

    def totals(self) -> tuple[int, int]:
        """(requests, accepted connections) over every sink."""
        req = acc = 0
        for f in self.count_files:
            fields = f.read_text().split()
            if len(fields) == 2:
                req += int(fields[0])
                acc += int(fields[1])
        return req, acc

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


def metrics(control: str) -> str:
    return urllib.request.urlopen(f"http://{control}/metrics", timeout=10).read().decode()


def probe_totals(text: str) -> tuple[int, float]:
    """(probes done, their summed latency in seconds), every check type."""
    def total(prefix):
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))
    return int(total("dnsd_probe_duration_seconds_count")), total("dnsd_probe_duration_seconds_sum")


def members_up(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("dnsd_member_up{") and line.endswith(" 1"))


def write_zone(directory: pathlib.Path, addresses: list[str], port: int, check: str, interval: float):
    pools, records = {}, {}
    for p in range(0, len(addresses), POOL_SIZE):
        name = f"p{p // POOL_SIZE}"
        spec = {"type": check, "port": port, "interval": interval}
        pools[name] = {"ttl": 20, "members": addresses[p:p + POOL_SIZE], "check": spec}
        records[f"host{p // POOL_SIZE}"] = {"A": {"pool": name}}
    records.update({"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}})
    z = {"origin": "probe.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1}, "pools": pools,
         "records": records}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "probe.test.json").write_text(json.dumps(z))


def measure(check: str, args, exe: pathlib.Path, workdir: pathlib.Path) -> list[dict]:
    addresses = member_addresses(args.members)
    port = common_port(addresses[:3])
    sinks = Sinks(exe, addresses, port, args.sinks, workdir)
    d = None
    try:
        zones = workdir / f"zones-{check}"
        write_zone(zones, addresses, port, check, args.interval)
        d = Dnsd(zones=zones, threads=1, log_dir=str(workdir))
        d.start()
        pid = d.proc.pid
        deadline = time.monotonic() + 60
        while (up := members_up(metrics(d.control_address))) < args.members:
            if time.monotonic() > deadline:
                tail = "\n".join(d.log().splitlines()[-10:])
                raise RuntimeError(f"only {up} of {args.members} members up after 60 s; dnsd's log ends:\n{tail}")
            time.sleep(0.2)
        time.sleep(SETTLE_S)
        print(f"\n{check}: {args.members} members, interval {args.interval} s, all up; "
              f"{args.runs} windows of {args.seconds} s (dnsd {os.environ['DNSD_BIN']}, pid {pid})", flush=True)
        results = []
        for run in range(args.runs):
            u0, (p0, l0), (r0, a0), w0 = cpu_times(pid), probe_totals(metrics(d.control_address)), sinks.totals(), \
                time.monotonic()
            time.sleep(args.seconds)
            u1, (p1, l1), (r1, a1), w1 = cpu_times(pid), probe_totals(metrics(d.control_address)), sinks.totals(), \
                time.monotonic()
            wall = w1 - w0
            user, system = u1[0] - u0[0], u1[1] - u0[1]
            probes = p1 - p0
            r = {"cpu": (user + system) / wall, "user": user / wall, "system": system / wall,
                 "probes_per_s": probes / wall, "requests_per_s": (r1 - r0) / wall,
                 "connections_per_s": (a1 - a0) / wall, "latency_ms": 1000 * (l1 - l0) / max(1, probes),
                 "us_per_probe": 1e6 * (user + system) / max(1, probes), "loadavg": os.getloadavg()}
            results.append(r)
            print(f"  run {run + 1}: dnsd CPU {100 * r['cpu']:.1f}% of one core "
                  f"(user {100 * r['user']:.1f}%, sys {100 * r['system']:.1f}%), "
                  f"{r['us_per_probe']:.1f} us/probe; {r['probes_per_s']:.0f} probes/s, "
                  f"sinks saw {r['requests_per_s']:.0f} requests/s and {r['connections_per_s']:.0f} new "
                  f"connections/s; mean probe latency {r['latency_ms']:.2f} ms; "
                  f"load average {' '.join(f'{x:.2f}' for x in r['loadavg'])} on {os.cpu_count()} CPUs",
                  flush=True)
        up = members_up(metrics(d.control_address))
        if up != args.members:
            print(f"  warning: {up} of {args.members} members up at the end", flush=True)
        return results
    finally:
        if d is not None and d.alive():
            d.stop()
        sinks.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=10000)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--check", choices=["http", "tcp", "both"], default="http")
    ap.add_argument("--sinks", type=int, default=2, help="http_sink processes sharing the addresses")
    ap.add_argument("--workdir", help="keep the zone, logs and sink here instead of a temporary directory")
    ap.add_argument("--dnsd", help="binary (default build-bench/dnsd/dnsd if built, else $DNSD_BIN or build/dnsd/dnsd)")
    args = ap.parse_args()
    if args.members < 1 or args.members > 250 * 256:
        ap.error("--members: 1 to 64000")
    if args.dnsd:
        os.environ["DNSD_BIN"] = args.dnsd
    elif "DNSD_BIN" not in os.environ:
        release = REPO / "build-bench" / "dnsd" / "dnsd"
        os.environ["DNSD_BIN"] = str(release if release.exists() else REPO / "build" / "dnsd" / "dnsd")
    checks = ["http", "tcp"] if args.check == "both" else [args.check]
    summary = {}
    with tempfile.TemporaryDirectory(prefix="dnsd-bench-prober-") as tmp:
        workdir = pathlib.Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            exe = build_sink(workdir)
            for check in checks:
                summary[check] = measure(check, args, exe, workdir)
        except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as e:
            print(f"bench_prober: {e}", file=sys.stderr)
            return 1
    print("\n== results")
    nominal = args.members / args.interval
    for check, runs in summary.items():
        cpus = ", ".join(f"{100 * r['cpu']:.1f}%" for r in runs)
        print(f"{check}: {args.members} members every {args.interval:g} s: dnsd CPU {cpus} of one core "
              f"(min {100 * min(r['cpu'] for r in runs):.1f}%), "
              f"{sum(r['probes_per_s'] for r in runs) / len(runs):.0f} probes/s, "
              f"{sum(r['us_per_probe'] for r in runs) / len(runs):.1f} us/probe "
              f"(= {sum(r['us_per_probe'] for r in runs) / len(runs) * nominal / 1e4:.1f}% of one core at the "
              f"nominal {nominal:.0f} probes/s), "
              f"mean latency {sum(r['latency_ms'] for r in runs) / len(runs):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
