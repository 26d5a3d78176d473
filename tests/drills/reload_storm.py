#!/usr/bin/python3
"""Drill: a storm of zone rewrites under load.

dnsd (--threads 2) serves storm.test. from a watched zone directory. A writer
rewrites storm.test.json 20 times a second (a temporary file renamed over it,
as editors save) and sends SIGHUP after each write, so both the watcher and
the signal ask for reloads. Every 5th write is invalid, alternately broken
JSON (a valid file cut in half) and a schema error (a CNAME whose target is a
number); dnsd must keep the last good version and log the error.

Each valid version carries its serial twice: in the SOA, and in the data as
`c CNAME v<serial>`, whose target does not exist. So one answer to
`c.storm.test. A` shows both: the CNAME (the data) and, as the zone has no
v<serial>, NXDOMAIN with the SOA in the authority section (the serial). The
file's serial increases by one on every valid write and starts far ahead of
the clock, so the served serial equals the file's. Invalid versions carry
serials from another range, so serving any part of one shows.

Load: dnsperf at --qps (3,000 by default) over a mix of c, w, h17, SOA and a
missing name, and a verifying loop asking for c one query at a time. Every
verifying answer is checked: NXDOMAIN, one CNAME to v<N>, one SOA serial M,
N == M, M a serial of a valid write, and never lower than the answer before.
After the storm the last valid version must be served (convergence).

Targets: 0 lost queries (dnsperf's count, 1 s timeout), 0 inconsistent
answers (N != M, unknown serial, wrong shape), 0 serial regressions, the
last version served within 3 s after the storm.

    /usr/bin/python3 tests/drills/reload_storm.py [--long] [--seconds S] [--qps N] [--no-hup] [--dnsd BIN] [--keep]

Short: 6 s of storm. --long: 120 s.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time

import drill_support as ds

ORIGIN = "storm.test."
NAME = "c.storm.test."
WRITES_PER_SECOND = 20
INVALID_EVERY = 5
HOSTS = 200


def zone_text(serial: int, cname_target=None) -> str:
    records = {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "w": {"A": "192.0.2.1"},
               "c": {"CNAME": cname_target if cname_target is not None else f"v{serial}"}}
    for i in range(HOSTS):
        records[f"h{i}"] = {"A": f"10.0.{i >> 8}.{i & 255}"}
    return json.dumps({"origin": ORIGIN, "ttl": 300,
                       "soa": {"mname": "ns1", "rname": "hostmaster", "serial": serial, "minimum": 30},
                       "records": records})


class Writer(threading.Thread):
    """Rewrites the zone file WRITES_PER_SECOND times a second until stopped."""

    def __init__(self, path, d: ds.Dnsd, first_serial: int, hup: bool):
        super().__init__(daemon=True)
        self.path = path
        self.d = d
        self.hup = hup
        self.serial = first_serial            # the last valid serial written
        self.valid = {first_serial}
        self.invalid_base = first_serial + 500_000
        self.writes = self.invalid_json = self.invalid_schema = 0
        self.late = 0                         # writes that started over 50 ms behind schedule
        self.stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            period = 1.0 / WRITES_PER_SECOND
            due = time.monotonic()
            while not self.stop_event.wait(max(0.0, due - time.monotonic())):
                if time.monotonic() - due > period:
                    self.late += 1
                due += period
                self.writes += 1
                if self.writes % INVALID_EVERY == 0:
                    if (self.writes // INVALID_EVERY) % 2:
                        text = zone_text(self.invalid_base + self.writes)
                        text = text[:len(text) // 2]
                        self.invalid_json += 1
                    else:
                        text = zone_text(self.invalid_base + self.writes, cname_target=42)
                        self.invalid_schema += 1
                else:
                    self.serial += 1
                    self.valid.add(self.serial)  # before it can be served
                    text = zone_text(self.serial)
                tmp = self.path.with_name(".storm.tmp")
                tmp.write_text(text)
                os.replace(tmp, self.path)
                if self.hup:
                    self.d.proc.send_signal(signal.SIGHUP)
        except BaseException as e:  # reported by the main thread
            self.error = e


class Verifier:
    """Checks every answer to `c` for one consistent, known, non-decreasing version."""

    def __init__(self, writer: Writer):
        self.writer = writer
        self.answers = 0
        self.bad: list[str] = []
        self.regressions = 0
        self.last = 0
        self.seen: set[int] = set()

    def __call__(self, _sent, _received, a: ds.Answer):
        self.answers += 1
        problem = None
        if a.rcode != 3 or len(a.cnames) != 1 or len(a.soa_serials) != 1:
            problem = f"rcode {a.rcode}, cnames {a.cnames}, soa serials {a.soa_serials}"
        else:
            owner, target = a.cnames[0]
            serial = a.soa_serials[0]
            if owner != NAME or target != f"v{serial}.{ORIGIN}":
                problem = f"CNAME {owner} -> {target} with SOA serial {serial}"
            elif serial not in self.writer.valid:
                problem = f"serial {serial} was never a valid version"
            else:
                if serial < self.last:
                    self.regressions += 1
                    problem = f"serial {serial} after {self.last}"
                self.last = max(self.last, serial)
                self.seen.add(serial)
        if problem and len(self.bad) < 1000:
            self.bad.append(problem)


def served_serial(addr) -> int | None:
    a = ds.ask(addr, NAME)
    return a.soa_serials[0] if a is not None and len(a.soa_serials) == 1 else None


def main() -> int:
    args = ds.arguments(__doc__, lambda p: (p.add_argument("--seconds", type=float),
                                            p.add_argument("--qps", type=int, default=3000),
                                            p.add_argument("--no-hup", action="store_true")))
    seconds = args.seconds or (120 if args.long else 6)
    report = ds.Report("reload_storm")
    work = ds.work_dir(args, "storm")
    zones = work / "zones"
    zones.mkdir()
    path = zones / "storm.test.json"
    first = int(time.time()) + 1_000_000  # ahead of the clock: the file's serial is the one served
    path.write_text(zone_text(first))
    queries = ds.write_queries(work / "queries.txt", ["c.storm.test A", "w.storm.test A", "h17.storm.test A",
                                                      "storm.test SOA", "nx.storm.test A"])
    d = ds.Dnsd(zones=zones, threads=2, log_dir=str(work))
    print(f"reload_storm: {WRITES_PER_SECOND} writes/s for {seconds:g} s, every {INVALID_EVERY}th invalid, "
          f"SIGHUP {'off' if args.no_hup else 'after each'}; dnsperf {args.qps} qps; {ds.machine_load()}")
    writer = perf = None
    try:
        d.start()
        ds.wait_for(lambda: served_serial(d.addrs[0]) == first, 10, "the first version")
        writer = Writer(path, d, first, hup=not args.no_hup)
        verifier = Verifier(writer)
        perf = ds.Dnsperf(d.addrs[0], queries, seconds, qps=args.qps).start()
        writer.start()
        loop = ds.UdpLoad(d.addrs[0], [(NAME, 1)], qps=2000, window=1)
        end = time.monotonic() + seconds
        loop.run(lambda: time.monotonic() >= end or writer.error is not None, verifier)
        writer.stop_event.set()
        writer.join(10)
        if writer.error:
            raise writer.error
        stopped = time.monotonic()
        ds.wait_for(lambda: served_serial(d.addrs[0]) == writer.serial, 30, "the last valid version")
        converged = time.monotonic() - stopped
        result = perf.result()
        alive = d.alive()
        log = d.log()
    finally:
        if writer is not None:
            writer.stop_event.set()
        if perf is not None:
            perf.stop()
        if d.proc is not None and d.alive():
            d.stop()

    reloads = sum(1 for line in log.splitlines() if "reloaded " in line)
    kept = sum(1 for line in log.splitlines() if "still serving the last good version" in line)
    json_errors = sum(1 for line in log.splitlines() if " error: " in line and "invalid JSON" in line)
    schema_errors = sum(1 for line in log.splitlines() if " error: " in line and "/records/c/CNAME: " in line)
    report.figure(f"writes {writer.writes} ({writer.writes - writer.invalid_json - writer.invalid_schema} valid, "
                  f"{writer.invalid_json} bad JSON, {writer.invalid_schema} schema errors, {writer.late} late); "
                  f"dnsd: {reloads} reloads, {kept} kept the last good version ({json_errors} JSON errors, "
                  f"{schema_errors} schema errors logged)")
    report.figure(f"dnsperf: {ds.dnsperf_text(result)}")
    report.figure(f"verifier: {verifier.answers} answers ({loop.lost} unanswered), {len(verifier.seen)} versions seen, "
                  f"{len(verifier.bad)} inconsistent, {verifier.regressions} regressions; last version served "
                  f"{converged:.2f} s after the storm")
    if verifier.bad:
        report.figure(f"first inconsistent answers: {verifier.bad[:5]}")
    report.target("0 lost queries (dnsperf)", result["lost"] == 0 and result["sent"] > 0,
                  f"{result['lost']} lost of {result['sent']}")
    report.target("every answer from one valid version", verifier.answers > 0 and not verifier.bad,
                  f"{len(verifier.bad)} of {verifier.answers} not")
    report.target("0 serial regressions", verifier.regressions == 0)
    report.target("0 verifier queries unanswered", loop.lost == 0, f"{loop.lost}")
    report.target("last version served within 3 s", converged <= 3.0, f"{converged:.2f} s")
    report.target("both kinds of invalid version rejected and logged", json_errors > 0 and schema_errors > 0,
                  f"{json_errors} JSON, {schema_errors} schema")
    report.target("dnsd alive", alive)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
