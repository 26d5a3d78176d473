#!/usr/bin/python3
"""Publish time after a health change: signed against unsigned zones, pools of 3, 64 and 1,000.

dnsd serves one zone, bench.test., with a pool of --members addresses (check
`none`, max_answers 8, so pools over 8 members are answered in rotation
windows) behind pool.bench.test, signed ("dnssec": {}, keys made on start in
a temp --key-dir) or not. Each trial drains one member through the control
API (POST /api/drain, as `dnsd ctl drain` does) and then returns it (POST
/api/undrain), and polls dnsd as fast as one client can (a DO=1 SOA query and
a DO=1 A query of the pool name, in turn, no sleep) for:

- serial: until the SOA serial changes, i.e. a new version is published (for a
  signed zone: signed before publishing; the transfer service first collects
  health changes for 150 ms, kCoalesceWindowMs in dnsd/xfr/versioner.h);
- do1: until the DO=1 answer no longer carries the drained member (after an
  undrain: carries it again); for pools over max_answers an answer holds 8 of
  the members, so this is reported for pools of at most 8 only;
- do0: the same with DO=0 (answers from live health: no version needed).

The clock starts when the drain request is sent. After each change the
zone's AXFR is read once and checked: the drained member is gone from it (and
back after the undrain), with its RRSIG when signed. Every trial is printed,
then the median, min and max per column; signed minus unsigned medians is
the share of signing.

    /usr/bin/python3 tests/bench/bench_publish_time.py [--dnsd build-bench/dnsd/dnsd]
        [--members 3,64,1000] [--trials 10] [--algorithm ecdsap256sha256] [--cpu 0]

dnsd runs with one worker, every thread pinned to --cpu (taskset), at normal
priority (give --fifo for SCHED_FIFO, as bench_core.sh does).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))
from dnsd_harness import free_port  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

ZONE = "bench.test."
ROOT = pathlib.Path(__file__).resolve().parents[2]
DEADLINE = 30.0


def member_address(m: int) -> str:
    return f"10.{m // 65536}.{m // 256 % 256}.{m % 256}"


def zone_json(members: int, signed: bool, algorithm: str) -> dict:
    z = {
        "origin": ZONE, "ttl": 300, "transfer": {"allow": ["127.0.0.0/8"]},
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
        "pools": {"pool": {"ttl": 1, "max_answers": 8, "check": {"type": "none"},
                           "members": [member_address(m) for m in range(members)]}},
        "records": {"@": {"NS": ["ns1", "ns2"]}, "ns1": {"A": "192.0.2.1"}, "ns2": {"A": "192.0.2.2"},
                    "pool": {"A": {"pool": "pool"}},
                    **{f"host{i}": {"A": f"198.51.100.{i}"} for i in range(1, 101)}},
    }
    if signed:
        z["dnssec"] = {"algorithm": algorithm}
    return z


def query(port: int, name: str, rdtype: str, do: bool, timeout: float = 1.0):
    q = dns.message.make_query(name, rdtype, want_dnssec=do, use_edns=0)
    q.flags &= ~dns.flags.RD
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)


def serial_of(r) -> int | None:
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def addresses_of(r) -> set[str]:
    return {rd.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset}


def post(control: int, path: str, body: dict):
    req = urllib.request.Request(f"http://127.0.0.1:{control}{path}", data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=5) as resp:
        resp.read()


def axfr_addresses(port: int) -> tuple[set[str], bool]:
    """The pool name's A records in the zone's AXFR, and whether an RRSIG covers them."""
    import dns.zone
    import dns.query as q
    z = dns.zone.from_xfr(q.xfr("127.0.0.1", ZONE, port=port, timeout=10, relativize=False), relativize=False, check_origin=False)
    node = z.get_node(f"pool.{ZONE}")
    if node is None:
        return set(), False
    a = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.A)
    sig = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.A)
    return ({rd.address for rd in a} if a else set()), sig is not None


import dns.rdataclass  # noqa: E402


class Dnsd:
    def __init__(self, binary: str, work: pathlib.Path, members: int, signed: bool, algorithm: str, cpu: int,
                 prio: list[str]):
        self.port, self.control = free_port(), free_port()
        (work / "zones").mkdir(parents=True)
        (work / "zones" / "bench.test.json").write_text(json.dumps(zone_json(members, signed, algorithm)))
        cmd = [binary, "serve", "--zones", str(work / "zones"), "--listen", f"127.0.0.1:{self.port}",
               "--threads", "1", "--control", f"127.0.0.1:{self.control}", "--rrl-rate", "0",
               "--key-dir", str(work / "keys"), "--state-dir", str(work / "state")]
        self.log = work / "dnsd.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([*prio, "taskset", "-c", str(cpu), *cmd], stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        t_end = time.monotonic() + DEADLINE
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsd exited: {self.log.read_text()[-2000:]}")
            try:
                r = query(self.port, ZONE, "SOA", True, 0.2)
                if serial_of(r) is not None and (not signed or any(x.rdtype == dns.rdatatype.RRSIG for x in r.answer)):
                    break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if time.monotonic() > t_end:
                self.stop()
                raise RuntimeError("dnsd did not answer in time")
            time.sleep(0.02)
        for task in pathlib.Path(f"/proc/{self.proc.pid}/task").iterdir():
            subprocess.run(["taskset", "-p", "-c", str(cpu), task.name], stdout=subprocess.DEVNULL, check=False)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def trial(d: Dnsd, member: str, drain: bool, small: bool, signed: bool) -> dict:
    """One drain (or undrain) of `member`: seconds until each condition holds."""
    before = serial_of(query(d.port, ZONE, "SOA", True))
    want_gone = drain
    t0 = time.monotonic()
    post(d.control, "/api/drain" if drain else "/api/undrain", {"zone": ZONE, "pool": "pool", "address": member})
    got = {"http": time.monotonic() - t0}
    pending = {"serial", "do1", "do0"} if small else {"serial"}
    while pending:
        now = time.monotonic() - t0
        if now > DEADLINE:
            raise RuntimeError(f"no change within {DEADLINE}s: {pending}")
        if "serial" in pending and serial_of(query(d.port, ZONE, "SOA", True)) != before:
            got["serial"] = time.monotonic() - t0
            pending.discard("serial")
        for key, do in (("do1", True), ("do0", False)):
            if key in pending and (member not in addresses_of(query(d.port, f"pool.{ZONE}", "A", do))) == want_gone:
                got[key] = time.monotonic() - t0
                pending.discard(key)
    present, sig = axfr_addresses(d.port)
    if (member not in present) != want_gone or (signed and not sig):
        raise RuntimeError(f"AXFR after the new serial: {member} {'still' if drain else 'not'} in it, RRSIG {sig}")
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_bin = ROOT / "build-bench/dnsd/dnsd"
    ap.add_argument("--dnsd", default=str(default_bin if default_bin.exists() else ROOT / "build/dnsd/dnsd"))
    ap.add_argument("--members", default="3,64,1000")
    ap.add_argument("--trials", type=int, default=10, help="drain+undrain pairs per pool and mode")
    ap.add_argument("--algorithm", default="ecdsap256sha256", choices=["ecdsap256sha256", "ed25519"])
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--fifo", action="store_true")
    args = ap.parse_args()
    prio = ["chrt", "-f", "1"] if args.fifo else []
    print(f"dnsd {args.dnsd}; {args.algorithm}; {args.trials} drain+undrain pairs; cpu {args.cpu}"
          f"{', SCHED_FIFO' if args.fifo else ''}; load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    summary = []
    for members in (int(x) for x in args.members.split(",")):
        small = members <= 8
        for signed in (False, True):
            with tempfile.TemporaryDirectory(prefix="dnsd-bench-publish-") as tmp:
                d = Dnsd(args.dnsd, pathlib.Path(tmp), members, signed, args.algorithm, args.cpu, prio)
                rows = []
                try:
                    for t in range(args.trials):
                        member = member_address((t * 7) % members)
                        for drain in (True, False):
                            got = trial(d, member, drain, small, signed)
                            rows.append(got)
                            print(f"  {members:5d} members {'signed  ' if signed else 'unsigned'} "
                                  f"{'drain  ' if drain else 'undrain'} {member:12s} "
                                  + " ".join(f"{k} {v * 1000:7.1f} ms" for k, v in got.items()), flush=True)
                finally:
                    d.stop()
                    log = d.log.read_text(errors="replace")
                signing_lines = [line for line in log.splitlines() if "signatures made" in line]
                if signing_lines:
                    print(f"  log: {signing_lines[0].strip()}")
                summary.append((members, signed, rows))
    print()
    print(f"{'members':>7} {'zone':8} {'n':>3} {'serial ms median (min..max)':>30} {'do1 ms median':>24} "
          f"{'do0 ms median':>24} {'http ms':>8}")

    def col(rows, key):
        xs = [r[key] * 1000 for r in rows if key in r]
        if not xs:
            return "-"
        return f"{statistics.median(xs):7.1f} ({min(xs):.1f}..{max(xs):.1f})"
    medians = {}
    for members, signed, rows in summary:
        medians[(members, signed)] = statistics.median(r["serial"] for r in rows) * 1000
        print(f"{members:7d} {'signed' if signed else 'unsigned':8} {len(rows):3d} {col(rows, 'serial'):>30} "
              f"{col(rows, 'do1'):>24} {col(rows, 'do0'):>24} {statistics.median(r['http'] for r in rows) * 1000:8.1f}")
    for members in sorted({m for m, _, _ in summary}):
        if (members, True) in medians and (members, False) in medians:
            print(f"{members} members: signed - unsigned serial median = "
                  f"{medians[(members, True)] - medians[(members, False)]:+.1f} ms")
    print("(the transfer service waits 150 ms, kCoalesceWindowMs, after the first health change before it "
          "publishes a version)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
