#!/usr/bin/python3
"""Signing a large zone on load: time and memory, Knot DNS and dnsd.

Writes the zone of bench_memory.py (--names owner names: an A each, an AAAA
every 4th, a TXT every 8th, an MX every 16th, every 32nd a CNAME instead) and
has each server load and sign it with one combined signing key (CSK, ECDSA
P-256 by default, or Ed25519) and NSEC, pinned to one CPU (`taskset -c`, then
`taskset -a -p` on every thread once loaded, as bench_core.sh does). For each
server it measures:

- sign s: from the start of the process until it has signed and loaded the
  zone (Knot logs "[ZONE] loaded" after "DNSSEC, successfully signed"; dnsd
  logs "dnssec: zone ZONE: N signatures made with key K in S s") and
  answers the last name with an RRSIG;
- load s: the same for the zone unsigned (the part of "sign s" that is not signing);
- CPU s: the server's user and system CPU time until then (/proc/PID/stat,
  all threads): steadier than "sign s" on a machine shared with other work;
- RSS and HWM: VmRSS once signed and settled (Knot frees its signing
  changeset just after the zone is loaded: RSS is read when it has not
  changed for a second) and VmHWM, the peak (/proc/PID/status);
- bytes/record: the signed run's VmRSS minus that of a one-name signed zone,
  per record of the zone file (RRSIG and NSEC not counted as records);
- threads: the server's threads once signed (/proc/PID/task); Knot runs with
  one UDP, TCP and background worker and `signing-threads: 1`, dnsd with one
  worker and its default --signing-threads (one per CPU); `dnsd-1t` is dnsd
  with --signing-threads 1. Every thread is pinned to the one CPU either way.
- log s: the signing time the server logs itself (dnsd: the S of the line above).

One row per server. A server is a function `measure_SERVER(names, work, cpu,
algorithm, signed) -> (seconds, CPU seconds, VmRSS KiB, VmHWM KiB, threads, logged s)` in SERVERS.

    /usr/bin/python3 tests/bench/bench_sign_zone.py [--names 200000] [--servers knot,dnsd,dnsd-1t]
        [--algorithm ecdsap256sha256|ed25519] [--cpu 0] [--fifo] [--dnsd build-bench/dnsd/dnsd]

On a machine shared with other work, compare "CPU s"; or give --fifo, which
runs the servers at real-time priority (`chrt -f 1`, as bench_core.sh's
PRIORITY=fifo) so that "sign s" is not stretched by other processes.

Exit 0 when it measured; 1 when a server failed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_memory import ZONE, tree, write_json, write_rfc1035  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))
from dnsd_harness import free_port  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

LOAD_TIMEOUT = 900.0  # a large zone signed on one busy core


def status_kib(pid: int, field: str) -> int:
    """A field of /proc/PID/status in KiB, summed over the process tree (VmRSS, VmHWM)."""
    total = 0
    for p in tree(pid):
        try:
            for line in pathlib.Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def settled_kib(pid: int, field: str = "VmRSS", still: float = 1.0, deadline: float = 30.0) -> int:
    """status_kib once it has not changed for `still` seconds (or at the deadline)."""
    t_end = time.monotonic() + deadline
    value, since = status_kib(pid, field), time.monotonic()
    while time.monotonic() < t_end and time.monotonic() - since < still:
        time.sleep(0.05)
        now = status_kib(pid, field)
        if now != value:
            value, since = now, time.monotonic()
    return value


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process tree, all threads (/proc/PID/stat fields 14 and 15)."""
    total = 0
    for p in tree(pid):
        try:
            stat = pathlib.Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pin_tree(pid: int, cpu: int):
    """Every thread of every process of the tree on `cpu` (servers pin some threads themselves)."""
    for p in tree(pid):
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(p)], stdout=subprocess.DEVNULL, check=False)


def answers_signed(port: int, name: str, signed: bool) -> bool:
    q = dns.message.make_query(name, "A", want_dnssec=True)
    q.flags &= ~dns.flags.RD
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.2)
    except Exception:  # not up yet
        return False
    types = {rr.rdtype for rr in r.answer}
    return dns.rdatatype.A in types and (not signed or dns.rdatatype.RRSIG in types)


PRIORITY: list[str] = []  # ["chrt", "-f", "1"] with --fifo


def run_until_ready(cmd: list[str], port: int, last: str, signed: bool, log: pathlib.Path, ready_line: str,
                    cpu: int):
    """Starts `cmd` pinned to `cpu`, polls (deadline LOAD_TIMEOUT) until `ready_line` is in its log and it
    answers `last`; returns (Popen, seconds). The caller stops it (stop())."""
    out = open(log, "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen([*PRIORITY, "taskset", "-c", str(cpu), *cmd], stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    out.close()
    pinned = False
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}; see {log}")
        if time.monotonic() - t0 > LOAD_TIMEOUT:
            stop(proc)
            raise RuntimeError(f"{cmd[0]} was not ready within {LOAD_TIMEOUT}s; see {log}")
        if not pinned and pathlib.Path(f"/proc/{proc.pid}/task").exists():
            pin_tree(proc.pid, cpu)  # threads started so far; again once loaded
            pinned = True
        if ready_line in log.read_text(errors="replace") and answers_signed(port, last, signed):
            seconds = time.monotonic() - t0
            pin_tree(proc.pid, cpu)
            return proc, seconds
        time.sleep(0.01)


def stop(proc: subprocess.Popen):
    """SIGTERM to the server's PID (taskset execs it: the same PID), SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def knot_conf(d: pathlib.Path, port: int, algorithm: str, signed: bool) -> list[str]:
    (d / "db").mkdir()
    (d / "run").mkdir()
    signing = """    dnssec-signing: on
    dnssec-policy: csk
""" if signed else ""
    (d / "knot.conf").write_text(f"""server:
    listen: 127.0.0.1@{port}
    rundir: "{d}/run"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "{d}/db"
policy:
  - id: csk
    algorithm: {algorithm}
    single-type-signing: on
    nsec3: off
    signing-threads: 1
    ksk-lifetime: 0
    zsk-lifetime: 0
template:
  - id: default
    storage: "{d}"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
{signing}zone:
  - domain: {ZONE}
    file: "{d}/zone"
""")
    return ["knotd", "-c", str(d / "knot.conf")]


def measure_knot(names: int, work: pathlib.Path, cpu: int, algorithm: str, signed: bool):
    d = work / f"knot-{names}-{'signed' if signed else 'unsigned'}"
    d.mkdir()
    write_rfc1035(d / "zone", names)
    port = free_port()
    cmd = knot_conf(d, port, algorithm, signed)
    last = f"h{names - 2}.{ZONE}." if names > 1 else f"ns1.{ZONE}."
    proc, seconds = run_until_ready(cmd, port, last, signed, d / "server.log", f"[{ZONE}.] loaded", cpu)
    try:
        if signed:
            log = (d / "server.log").read_text(errors="replace")
            assert "DNSSEC, successfully signed" in log, f"knot did not sign {ZONE}; see {d / 'server.log'}"
        cpu = cpu_seconds(proc.pid)
        return (seconds, cpu, settled_kib(proc.pid), status_kib(proc.pid, "VmHWM"), threads(proc.pid),
                None)
    finally:
        stop(proc)


def threads(pid: int) -> int:
    return sum(len(list(pathlib.Path(f"/proc/{p}/task").iterdir())) for p in tree(pid))


ROOT = pathlib.Path(__file__).resolve().parents[2]
DNSD = [str(ROOT / "build-bench/dnsd/dnsd") if (ROOT / "build-bench/dnsd/dnsd").exists()
        else str(ROOT / "build/dnsd/dnsd")]  # --dnsd


def measure_dnsd(names: int, work: pathlib.Path, cpu: int, algorithm: str, signed: bool,
                 signing_threads: int | None = None):
    """dnsd signing the zone itself: "dnssec" in the zone file, a key made on start in a fresh --key-dir."""
    d = work / f"dnsd{signing_threads or ''}-{names}-{'signed' if signed else 'unsigned'}"
    (d / "zones").mkdir(parents=True)
    write_json(d / "zones" / f"{ZONE}.json", names)
    if signed:
        zone = json.loads((d / "zones" / f"{ZONE}.json").read_text())
        zone["dnssec"] = {"algorithm": algorithm}
        (d / "zones" / f"{ZONE}.json").write_text(json.dumps(zone))
    port = free_port()
    cmd = [DNSD[0], "serve", "--zones", str(d / "zones"), "--listen", f"127.0.0.1:{port}", "--threads", "1",
           "--control", "none", "--no-watch", "--rrl-rate", "0", "--key-dir", str(d / "keys")]
    if signing_threads:
        cmd += ["--signing-threads", str(signing_threads)]
    last = f"h{names - 2}.{ZONE}." if names > 1 else f"ns1.{ZONE}."
    ready = "signatures made" if signed else ""
    proc, seconds = run_until_ready(cmd, port, last, signed, d / "server.log", ready, cpu)
    try:
        logged = None
        if signed:
            m = re.search(r"dnssec: zone \S+: (\d+) signatures made with key \d+ in ([0-9.]+) s",
                          (d / "server.log").read_text(errors="replace"))
            assert m, f"dnsd did not log its signing; see {d / 'server.log'}"
            logged = float(m.group(2))
        cpu_s = cpu_seconds(proc.pid)
        return seconds, cpu_s, settled_kib(proc.pid), status_kib(proc.pid, "VmHWM"), threads(proc.pid), logged
    finally:
        stop(proc)


def measure_dnsd_1t(names: int, work: pathlib.Path, cpu: int, algorithm: str, signed: bool):
    return measure_dnsd(names, work, cpu, algorithm, signed, signing_threads=1)


# One entry per server: measure(names, work, cpu, algorithm, signed) -> (seconds, CPU seconds, VmRSS KiB,
# VmHWM KiB, threads, logged signing seconds or None), the server started pinned to `cpu` and stopped by
# PID before it returns.
SERVERS = {"knot": measure_knot, "dnsd": measure_dnsd, "dnsd-1t": measure_dnsd_1t}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=200000)
    ap.add_argument("--servers", default="knot", help=f"comma-separated, of {', '.join(SERVERS)}")
    ap.add_argument("--algorithm", default="ecdsap256sha256", choices=["ecdsap256sha256", "ed25519"])
    ap.add_argument("--cpu", type=int, default=0, help="the CPU every server thread is pinned to")
    ap.add_argument("--no-unsigned", action="store_true", help="skip the unsigned load (load s column)")
    ap.add_argument("--fifo", action="store_true", help="servers at SCHED_FIFO priority 1 (chrt -f 1)")
    ap.add_argument("--dnsd", default=DNSD[0], help="the dnsd binary (a release build)")
    args = ap.parse_args()
    DNSD[0] = args.dnsd
    if args.fifo:
        PRIORITY[:] = ["chrt", "-f", "1"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="dnsd-bench-sign-") as tmp:
        work = pathlib.Path(tmp)
        records = write_rfc1035(work / "count-only", args.names)
        for server in args.servers.split(","):
            measure = SERVERS[server]
            try:
                tiny_rss = measure(1, work, args.cpu, args.algorithm, True)[2]
                load = None if args.no_unsigned else measure(args.names, work, args.cpu, args.algorithm, False)[0]
                seconds, cpu, rss, hwm, nthreads, logged = measure(args.names, work, args.cpu, args.algorithm, True)
            except (RuntimeError, AssertionError) as e:
                print(f"{server}: {e}", file=sys.stderr)
                return 1
            rows.append((server, seconds, cpu, load, rss, hwm, (rss - tiny_rss) * 1024 / records, nthreads,
                         logged))
            print(f"  {server}: {seconds:.2f} s, {cpu:.2f} s CPU", file=sys.stderr, flush=True)
    print(f"zone {ZONE}. with {args.names} owner names, {records} records; CSK {args.algorithm}, NSEC; "
          f"pinned to CPU {args.cpu}{', SCHED_FIFO' if args.fifo else ''}; "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(f"{'server':8} {'names':>8} {'records':>8} {'sign s':>8} {'CPU s':>8} {'load s':>8} {'RSS MiB':>8} "
          f"{'HWM MiB':>8} {'bytes/record':>13} {'threads':>7} {'log s':>7}")
    for server, seconds, cpu, load, rss, hwm, per, nthreads, logged in rows:
        load_text = f"{load:8.2f}" if load is not None else f"{'-':>8}"
        logged_text = f"{logged:7.2f}" if logged is not None else f"{'-':>7}"
        print(f"{server:8} {args.names:8d} {records:8d} {seconds:8.2f} {cpu:8.2f} {load_text} {rss / 1024:8.1f} "
              f"{hwm / 1024:8.1f} {per:13.0f} {nthreads:7d} {logged_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
