#!/usr/bin/python3
"""Memory per record: dnsd, Knot DNS and NSD loading the same large zone.

For each server and each zone size (a tiny zone, then --names owner names),
it writes the zone (dnsd JSON; RFC 1035 text for Knot and NSD), starts the
server on a free 127.0.0.1 port as a process of its own, waits until it
answers a name near the end of the zone, and reads the proportional set size
(Pss, /proc/PID/smaps_rollup, summed over the server's process tree: NSD
forks) and the time from start to that first answer. The cost of the zone is
the difference between the large and the tiny run, divided by the records.

Each owner name gets an A record; every 4th an AAAA, every 8th a TXT, every
16th an MX, and every 32nd is a CNAME instead. Servers are configured as in
bench_core.sh (one worker; Knot without journal, NSD without database).

    /usr/bin/python3 tests/bench/bench_memory.py [--names 200000] [--dnsd build/dnsd/dnsd]
        [--servers dnsd,knot,nsd]

Exit 0 when it measured; 1 when a server could not be started.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from dnsd_harness import free_port  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402

ZONE = "mem.test"


def records(names: int):
    """(owner, type, rdata) tuples, relative owners."""
    yield "@", "NS", "ns1"
    yield "ns1", "A", "192.0.2.1"
    for i in range(names):
        owner = f"h{i}"
        if i % 32 == 31:
            yield owner, "CNAME", f"h{i - 1}"
            continue
        yield owner, "A", f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        if i % 4 == 0:
            yield owner, "AAAA", f"2001:db8::{i >> 16:x}:{i & 0xffff:x}"
        if i % 8 == 0:
            yield owner, "TXT", f"host number {i}"
        if i % 16 == 0:
            yield owner, "MX", f"10 h{max(i - 1, 0)}"


def write_rfc1035(path: pathlib.Path, names: int) -> int:
    count = 1
    with open(path, "w") as f:
        f.write(f"$ORIGIN {ZONE}.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n")
        for owner, rtype, data in records(names):
            if rtype == "TXT":
                data = '"' + data + '"'
            f.write(f"{owner} IN {rtype} {data}\n")
            count += 1
    return count


def write_json(path: pathlib.Path, names: int) -> None:
    recs: dict = {}
    for owner, rtype, data in records(names):
        node = recs.setdefault(owner, {})
        node.setdefault(rtype, []).append(data)
    path.write_text(json.dumps({"origin": f"{ZONE}.", "ttl": 300,
                                "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
                                "records": recs}))


def knot_conf(d: pathlib.Path, port: int) -> list[str]:
    (d / "db").mkdir()
    (d / "run").mkdir()
    (d / "knot.conf").write_text(f"""server:
    listen: 127.0.0.1@{port}
    rundir: "{d}/run"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{d}/db"
template:
  - id: default
    storage: "{d}"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
zone:
  - domain: {ZONE}
    file: "{d}/zone"
""")
    return ["knotd", "-c", str(d / "knot.conf")]


def nsd_conf(d: pathlib.Path, port: int) -> list[str]:
    (d / "nsd.conf").write_text(f"""server:
    ip-address: 127.0.0.1
    port: {port}
    do-ip6: no
    server-count: 1
    reuseport: no
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    logfile: "{d}/nsd.log"
    verbosity: 0
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: {ZONE}
    zonefile: "{d}/zone"
""")
    return ["nsd", "-d", "-c", str(d / "nsd.conf")]


def tree(pid: int) -> list[int]:
    out = [pid]
    try:
        children = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for c in children:
        out += tree(int(c))
    return out


def pss_kib(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            for line in pathlib.Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def answers(port: int, name: str) -> bool:
    try:
        r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=0.2)
        return bool(r.answer)
    except Exception:  # not up yet
        return False


def measure(server: str, names: int, dnsd: str, work: pathlib.Path) -> tuple[int, float, int]:
    """(Pss KiB, seconds to the first answer for the last name, records)."""
    d = work / f"{server}-{names}"
    d.mkdir()
    port = free_port()
    if server == "dnsd":
        (d / "zones").mkdir()
        write_json(d / "zones" / f"{ZONE}.json", names)
        count = write_rfc1035(d / "count-only", names)
        cmd = [dnsd, "serve", "--zones", str(d / "zones"), "--listen", f"127.0.0.1:{port}", "--threads", "1",
               "--control", "none", "--no-watch", "--rrl-rate", "0"]
    else:
        count = write_rfc1035(d / "zone", names)
        cmd = (knot_conf if server == "knot" else nsd_conf)(d, port)
    last = f"h{names - 2}.{ZONE}." if names > 1 else f"ns1.{ZONE}."
    log = open(d / "server.log", "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        while not answers(port, last):
            if proc.poll() is not None or time.monotonic() - t0 > 300:
                raise RuntimeError(f"{server} did not answer {last}; see {d / 'server.log'}")
            time.sleep(0.05)
        ready = time.monotonic() - t0
        time.sleep(1.0)  # let background loading work settle
        return pss_kib(proc.pid), ready, count
    finally:
        for p in reversed(tree(proc.pid)):
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=200000)
    ap.add_argument("--dnsd", default=os.environ.get("DNSD_BIN", str(REPO / "build" / "dnsd" / "dnsd")))
    ap.add_argument("--servers", default="dnsd,knot,nsd")
    args = ap.parse_args()
    servers = args.servers.split(",")
    for s in servers:
        if s != "dnsd" and not shutil.which("knotd" if s == "knot" else "nsd"):
            print(f"{s} is not installed", file=sys.stderr)
            return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="dnsd-bench-memory-") as tmp:
        work = pathlib.Path(tmp)
        for s in servers:
            try:
                small, _, small_count = measure(s, 1, args.dnsd, work)
                big, ready, count = measure(s, args.names, args.dnsd, work)
            except RuntimeError as e:
                print(e, file=sys.stderr)
                return 1
            per = (big - small) * 1024 / (count - small_count)
            rows.append((s, small, big, count, per, ready))
    print(f"zone {ZONE}. with {args.names} owner names ({rows[0][3]} records); Pss summed over each server's processes")
    print(f"{'server':8} {'tiny zone MiB':>14} {'large zone MiB':>15} {'bytes/record':>13} {'load s':>8}")
    for s, small, big, count, per, ready in rows:
        print(f"{s:8} {small / 1024:14.1f} {big / 1024:15.1f} {per:13.0f} {ready:8.2f}")
    if "dnsd" in servers and len(rows) > 1:
        dn = next(r for r in rows if r[0] == "dnsd")
        for r in rows:
            if r[0] != "dnsd":
                print(f"dnsd/{r[0]} bytes per record: {dn[4] / r[4]:.2f}; load time: {dn[5] / r[5]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
