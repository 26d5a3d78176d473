#!/usr/bin/python3
"""Load time and memory: dnsd, Knot DNS and NSD starting on one large zone.

It writes one zone of --names owner names (the zone of bench_memory.py: an A
record on every name, an AAAA on every 4th, a TXT on every 8th, an MX on every
16th, and every 32nd name a CNAME to the name before it instead), as dnsd JSON
and as an RFC 1035 zone file for Knot and NSD. Then, --runs times per server,
it starts the server on a free 127.0.0.1 port and measures:
- load: seconds from exec to the first correct answer for the LAST name of the
  zone (an A query polled with short UDP queries; for a CNAME owner, the
  answer must hold the CNAME and its target's address), and the server's CPU
  time (user + system, all its processes) by then, which a busy machine
  disturbs less than the wall time;
- RSS once serving, one second after that answer: VmRSS summed over the
  server's process tree and the largest single process (NSD forks a child
  that shares the parent's pages, so the sum counts them twice; the largest
  process is the fairer figure), Pss summed over the tree (shared pages split
  between their users), and the peak VmHWM of any one process.

Servers run as in bench_memory.py / bench_core.sh: dnsd with one worker, no
control API, no file watching; Knot 3.2 with zonefile-load whole (its default),
no journal (journal-content none), no zone file flush, semantic checks off (its
default), one background worker; NSD 4.6 with no database (database: ""), so it
reads the zone file itself at start, and one server process.

    /usr/bin/python3 tests/bench/bench_load.py [--names 1000000] [--runs 3]
        [--servers dnsd,knot,nsd] [--dnsd build-bench/dnsd/dnsd]

dnsd defaults to $DNSD_BIN, else build-bench/dnsd/dnsd (a release build) when
it exists, else build/dnsd/dnsd. Exit 0 when it measured; 1 when a server
could not be started or never answered.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "tests" / "bench"))
from dnsd_harness import free_port  # noqa: E402
from bench_memory import ZONE, knot_conf, nsd_conf, records, tree, write_json, write_rfc1035  # noqa: E402

import dns.exception  # noqa: E402
import dns.message  # noqa: E402
import dns.rdatatype  # noqa: E402

LOAD_DEADLINE = 600.0
POLL_TIMEOUT = 0.05  # one query's wait: short, so the first answer is seen within ~50 ms
SETTLE = 1.0  # after the first answer, before memory is read: lets background work finish


def default_dnsd() -> str:
    if os.environ.get("DNSD_BIN"):
        return os.environ["DNSD_BIN"]
    release = REPO / "build-bench" / "dnsd" / "dnsd"
    return str(release if release.exists() else REPO / "build" / "dnsd" / "dnsd")


def expected_answer(names: int) -> tuple[str, str | None, str]:
    """(last owner, its CNAME target or None, the address an A query ends at)."""
    data: dict = {}
    for owner, rtype, rdata in records(names):
        data.setdefault(owner, {})[rtype] = rdata
    last = next(reversed(data))
    target = data[last].get("CNAME")
    address = data[target if target else last]["A"]
    fq = lambda n: f"{n}.{ZONE}."  # noqa: E731
    return fq(last), fq(target) if target else None, address


def correct(sock: socket.socket, qname: str, cname: str | None, address: str) -> bool:
    """One A query for qname: True when the answer is the zone's, as loaded."""
    query = dns.message.make_query(qname, "A")
    try:
        sock.send(query.to_wire())
        reply = dns.message.from_wire(sock.recv(65535))
        while reply.id != query.id:  # a late answer to an earlier poll
            reply = dns.message.from_wire(sock.recv(65535))
    except (OSError, dns.exception.DNSException):  # not listening yet, or not answering yet
        return False
    got_cname = any(r.rdtype == dns.rdatatype.CNAME and str(r[0].target) == cname for r in reply.answer)
    got_a = any(r.rdtype == dns.rdatatype.A and address in {rd.address for rd in r} for r in reply.answer)
    return got_a and (cname is None or got_cname)


def status_kib(pid: int, field: str) -> int:
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/PID/stat fields 14 and 15)."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_kib(pid: int) -> int:
    try:
        for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def stop(proc: subprocess.Popen) -> None:
    for p in reversed(tree(proc.pid)):
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_once(server: str, run: int, zone_dir: pathlib.Path, dnsd: str, work: pathlib.Path,
             expect: tuple[str, str | None, str]) -> dict:
    d = work / f"{server}-{run}"
    d.mkdir()
    port = free_port()
    if server == "dnsd":
        cmd = [dnsd, "serve", "--zones", str(zone_dir / "json"), "--listen", f"127.0.0.1:{port}", "--threads", "1",
               "--control", "none", "--no-watch", "--rrl-rate", "0"]
    else:
        cmd = (knot_conf if server == "knot" else nsd_conf)(d, port)
        (d / "zone").symlink_to(zone_dir / "zone.txt")
    qname, cname, address = expect
    log = open(d / "server.log", "wb")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(POLL_TIMEOUT)
    sock.connect(("127.0.0.1", port))
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        while not correct(sock, qname, cname, address):
            if proc.poll() is not None or time.monotonic() - t0 > LOAD_DEADLINE:
                raise RuntimeError(f"{server} did not answer {qname} correctly; see {d / 'server.log'}")
            time.sleep(0.005)
        load = time.monotonic() - t0
        cpu = sum(cpu_seconds(p) for p in tree(proc.pid))
        time.sleep(SETTLE)  # a measuring delay, not synchronisation: background work settles
        pids = tree(proc.pid)
        rss = [status_kib(p, "VmRSS") for p in pids]
        return {"load": load, "cpu": cpu, "rss_sum": sum(rss), "rss_max": max(rss), "pss": sum(pss_kib(p) for p in pids),
                "hwm": max(status_kib(p, "VmHWM") for p in pids), "procs": len(pids)}
    finally:
        sock.close()
        stop(proc)
        log.close()


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--servers", default="dnsd,knot,nsd")
    ap.add_argument("--dnsd", default=default_dnsd())
    args = ap.parse_args()
    servers = args.servers.split(",")
    for s in servers:
        if s != "dnsd" and not shutil.which("knotd" if s == "knot" else "nsd"):
            print(f"{s} is not installed", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="dnsd-bench-load-") as tmp:
        work = pathlib.Path(tmp)
        zone_dir = work / "zone"
        (zone_dir / "json").mkdir(parents=True)
        write_json(zone_dir / "json" / f"{ZONE}.json", args.names)
        count = write_rfc1035(zone_dir / "zone.txt", args.names)
        expect = expected_answer(args.names)
        size = (zone_dir / "json" / f"{ZONE}.json").stat().st_size
        print(f"zone {ZONE}. with {args.names} owner names, {count} records (JSON {size / 2**20:.0f} MiB); "
              f"dnsd {args.dnsd}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"load = exec to the first correct answer for {expect[0]}, CPU = the server's CPU time by then; "
              f"memory {SETTLE:.0f} s later, in MiB")
        print(f"{'server':6} {'run':>3} {'load s':>7} {'CPU s':>6} {'RSS sum':>8} {'RSS max':>8} {'Pss sum':>8} {'HWM max':>8} "
              f"{'procs':>5}")
        results: dict = {}
        for run in range(1, args.runs + 1):
            for s in servers:  # interleaved, so a noisy moment hurts every server alike
                try:
                    r = run_once(s, run, zone_dir, args.dnsd, work, expect)
                except RuntimeError as e:
                    print(e, file=sys.stderr)
                    return 1
                results.setdefault(s, []).append(r)
                print(f"{s:6} {run:3} {r['load']:7.2f} {r['cpu']:6.2f} {mib(r['rss_sum']):>8} {mib(r['rss_max']):>8} "
                      f"{mib(r['pss']):>8} {mib(r['hwm']):>8} {r['procs']:5}", flush=True)
        med = {s: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for s, rs in results.items()}
        print("medians:")
        for s, m in med.items():
            print(f"{s:6} {'med':>3} {m['load']:7.2f} {m['cpu']:6.2f} {mib(m['rss_sum']):>8} {mib(m['rss_max']):>8} "
                  f"{mib(m['pss']):>8} {mib(m['hwm']):>8} {m['procs']:5.0f}")
        if "dnsd" in med:
            for s, m in med.items():
                if s != "dnsd":
                    d = med["dnsd"]
                    print(f"dnsd/{s}: load {d['load'] / m['load']:.2f}, CPU {d['cpu'] / m['cpu']:.2f}, RSS (largest process) "
                          f"{d['rss_max'] / m['rss_max']:.2f}, Pss {d['pss'] / m['pss']:.2f}, "
                          f"peak {d['hwm'] / m['hwm']:.2f}")
        if "nsd" in med:
            print("nsd: its processes share the zone's pages copy-on-write; RSS max and Pss are the fair figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
