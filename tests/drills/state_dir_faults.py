#!/usr/bin/python3
"""Drill: the --state-dir cannot be written.

As root, permissions do not stop writes, so the drill breaks the directory
in ways that stop root too, one dnsd per fault:

    full       DIR is a 64 KiB tmpfs mounted in a private mount namespace
               (`unshare -m`, dnsd exec'ed inside it); once dnsd serves, a
               file fills it through /proc/PID/root, so writes fail ENOSPC
    read-only  the same tmpfs, remounted read-only (`nsenter -m mount -o
               remount,ro`): EROFS
    immutable  DIR on the ordinary file system with `chattr +i`: nothing can
               be created in it, EPERM (no namespace needed)

With the fault in place the drill makes dnsd want to write state three ways:
it drains a member (DIR/drains.json, and a new zone version so
DIR/serials.json), edits the zone file (a new serial), and kills a backend
(a health change: a new serial, and health state where that is kept).
Meanwhile a query loop asks at 300 queries/s.

Targets, per fault: no query unanswered while the state dir is broken; the
drain, the edit and the health change all show in the answers; each failed
write is logged as an error (`cannot persist drains`, `serials not saved`);
the counter dnsd_state_write_errors_total on /metrics rises; and once the
fault is removed, the next change is written (drains.json and serials.json
match what is served) without a new error.

    /usr/bin/python3 tests/drills/state_dir_faults.py [--long] [--faults full,read-only,immutable]
        [--skip-metric] [--dnsd BIN] [--keep]

--skip-metric: report the counter but do not fail on it (for builds without
it). --long: each fault held for 60 s of queries instead of the few seconds
the three changes take.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import drill_support as ds
from control_support import api
from health_support import HttpBackend, common_port

DRAINED, KILLED, STEADY = "127.0.3.41", "127.0.3.42", "127.0.3.43"
MEMBERS = [DRAINED, KILLED, STEADY]
ORIGIN = "faults.test."
NAME = "www.faults.test."
METRIC = "dnsd_state_write_errors_total"
FAULTS = ("full", "read-only", "immutable")
ERROR_LINE = re.compile(r" error: ")  # zone files are saved atomically: every error is the state dir's


def zone(port: int, check: dict, serial: int, text: str) -> dict:
    return {"origin": ORIGIN, "ttl": 300, "soa": {"mname": "ns1", "serial": serial},
            "pools": {"web": {"ttl": 1, "members": MEMBERS, "check": {**check, "port": port}}},
            "records": {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "www": {"A": {"pool": "web"}},
                        "v": {"TXT": text}}}


class NamespacedDnsd(ds.Dnsd):
    """dnsd exec'ed in a private mount namespace where `state` is a small tmpfs."""

    def __init__(self, state, **kw):
        super().__init__(**kw)
        self.state = str(state)

    def command(self):
        script = 'mount -t tmpfs -o size=64k,mode=0755 dnsd-drill-state "$0" && exec "$@"'
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, self.state] + super().command()

    def state_path(self, name: str = "") -> str:
        """A path in the state dir as dnsd sees it (through its mount namespace)."""
        return f"/proc/{self.proc.pid}/root{self.state}/{name}"


class Fault:
    """Breaks and repairs one dnsd's state dir."""

    def __init__(self, kind: str, d: ds.Dnsd, state):
        self.kind, self.d, self.state = kind, d, str(state)

    def path(self, name: str) -> str:
        return self.d.state_path(name) if isinstance(self.d, NamespacedDnsd) else os.path.join(self.state, name)

    def apply(self):
        if self.kind == "full":
            with open(self.path("filler"), "wb", buffering=0) as f:
                try:
                    while f.write(b"\0" * 1024):
                        pass
                except OSError:
                    pass  # ENOSPC: full
        elif self.kind == "read-only":
            run(["nsenter", "-t", str(self.d.proc.pid), "-m", "mount", "-o", "remount,ro", self.state])
        else:
            run(["chattr", "+i", self.state])

    def repair(self):
        if self.kind == "full":
            os.unlink(self.path("filler"))
        elif self.kind == "read-only":
            run(["nsenter", "-t", str(self.d.proc.pid), "-m", "mount", "-o", "remount,rw", self.state])
        else:
            run(["chattr", "-i", self.state])

    def read(self, name: str) -> dict | None:
        try:
            with open(self.path(name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()}")


def fault_available(kind: str, work) -> str | None:
    """Why `kind` cannot be staged here, or None when it can."""
    try:
        if kind in ("full", "read-only"):
            probe = work / "ns-probe"
            probe.mkdir()
            run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                 f'mount -t tmpfs -o size=16k probe "{probe}"' + (f' && mount -o remount,ro "{probe}"'
                                                                  if kind == "read-only" else "")])
            probe.rmdir()
        else:
            probe = work / "attr-probe"
            probe.mkdir()
            run(["chattr", "+i", str(probe)])
            run(["chattr", "-i", str(probe)])
            probe.rmdir()
    except (RuntimeError, OSError) as e:
        return str(e)
    return None


def drill_one(kind: str, args, work, backends, port, check, report):
    state = work / f"state-{kind}"
    state.mkdir()
    zones = work / f"zones-{kind}"
    zones.mkdir()
    zone_file = zones / "faults.test.json"
    zone_file.write_text(json.dumps(zone(port, check, 1, "v1")))
    kw = dict(zones=zones, threads=1, log_dir=str(work / kind), extra_args=["--state-dir", str(state)])
    (work / kind).mkdir()
    d = NamespacedDnsd(state, **kw) if kind in ("full", "read-only") else ds.Dnsd(**kw)
    fault = Fault(kind, d, state)
    for b in backends.values():
        if b.proc is None or b.proc.poll() is not None:
            b.start()
    addr = None
    stop = threading.Event()
    load = None
    figures = {}
    try:
        d.start()
        addr = d.addrs[0]
        ds.wait_for(lambda: ds.addresses(addr, NAME) == set(MEMBERS), 10, "every member in the answer")
        ds.wait_for(lambda: fault.read("serials.json") is not None, 10, "serials.json written before the fault")
        errors_before = ds.log_count(d, ERROR_LINE.pattern)
        metric_before = ds.metric_total(d, METRIC)
        fault.apply()
        broken_at = time.monotonic()

        load = ds.UdpLoad(addr, [(NAME, 1), ("v.faults.test.", 16)], qps=300, window=4)
        loader = threading.Thread(target=load.run, args=(stop.is_set, lambda *_: None), daemon=True)
        loader.start()
        status, _, body = api(d, "POST", "/api/drain", {"zone": ORIGIN, "pool": "web", "address": DRAINED})
        figures["drain"] = f"{status}, persisted {body.get('persisted') if isinstance(body, dict) else body}"
        ds.wait_for(lambda: ds.addresses(addr, NAME) == {KILLED, STEADY}, 10, "the drained member out")
        tmp = zones / ".faults.tmp"
        tmp.write_text(json.dumps(zone(port, check, 2, "v2")))
        os.replace(tmp, zone_file)
        ds.wait_for(lambda: ask_txt(addr) == "v2", 10, "the edited zone served")
        backends[KILLED].kill()
        ds.wait_for(lambda: ds.addresses(addr, NAME) == {STEADY}, 10, "the killed member out")
        # The error lines follow the changes closely; poll for them rather than assume.
        ds.wait_for(lambda: ds.log_count(d, ERROR_LINE.pattern) > errors_before, 10, "an error line")
        if args.long:
            stop.wait(max(0.0, 60 - (time.monotonic() - broken_at)))  # keep the fault under load (pacing)
        errors = [l for l in d.log().splitlines() if ERROR_LINE.search(l)][errors_before:]
        metric_during = ds.metric_total(d, METRIC)

        fault.repair()
        errors_repaired = ds.log_count(d, ERROR_LINE.pattern)
        status, _, body = api(d, "POST", "/api/undrain", {"zone": ORIGIN, "pool": "web", "address": DRAINED})
        ds.wait_for(lambda: ds.addresses(addr, NAME) == {DRAINED, STEADY}, 10, "the undrained member back")
        ds.wait_for(lambda: (fault.read("drains.json") or {}).get("drains") == [], 10, "drains.json rewritten")
        # The undrain makes a new version (a health-change window later): serials.json must catch up with it.
        seen = {}

        def serials_caught_up():
            served = ds.ask(addr, ORIGIN, 6)
            seen["served"] = served.soa_serials[0] if served is not None and served.soa_serials else None
            seen["kept"] = ((fault.read("serials.json") or {}).get("zones") or {}).get(ORIGIN, {}).get("serial")
            return seen["served"] is not None and seen["served"] == seen["kept"] and seen["served"] > 2

        try:
            ds.wait_for(serials_caught_up, 10, "serials.json to hold the served serial")
        except TimeoutError:
            pass  # judged below
        stop.set()
        loader.join(10)
        errors_after = ds.log_count(d, ERROR_LINE.pattern) - errors_repaired
        new_errors = [l for l in d.log().splitlines() if ERROR_LINE.search(l)][errors_repaired:]
        metric_after = ds.metric_total(d, METRIC)
        alive = d.alive()
    finally:
        stop.set()
        try:
            if kind == "immutable":
                run(["chattr", "-i", str(state)])
        except RuntimeError:
            pass
        if d.proc is not None and d.alive():
            d.stop()

    report.figure(f"[{kind}] queries while broken: sent {load.sent}, answered {load.answered}, lost {load.lost}; "
                  f"drain API: {figures['drain']}")
    report.figure(f"[{kind}] {len(errors)} error lines, e.g. {errors[0].split(' error: ', 1)[1] if errors else '-'}")
    report.figure(f"[{kind}] {METRIC}: before {metric_before}, broken {metric_during}, repaired {metric_after}")
    report.target(f"[{kind}] serving goes on", alive and load.lost == 0 and load.answered > 0,
                  f"{load.lost} of {load.sent} unanswered")
    report.target(f"[{kind}] failed writes logged", any("drains" in l for l in errors)
                  and any("serials" in l for l in errors), f"{len(errors)} lines")
    metric_ok = metric_during is not None and metric_during > (metric_before or 0)
    if args.skip_metric and not metric_ok:
        report.figure(f"[{kind}] {METRIC} did not rise (not judged: --skip-metric)")
    else:
        report.target(f"[{kind}] {METRIC} rises", metric_ok, f"{metric_before} -> {metric_during}")
    if metric_ok:
        report.target(f"[{kind}] {METRIC} still after repair", metric_after == metric_during,
                      f"{metric_during} -> {metric_after}")
    for line in new_errors if errors_after else []:
        report.figure(f"[{kind}] after repair: {line}")
    report.target(f"[{kind}] state written again after repair", errors_after == 0 and seen["served"] == seen["kept"],
                  f"{errors_after} new errors; served serial {seen['served']}, serials.json {seen['kept']}")


def ask_txt(addr) -> str | None:
    import dns.message
    import dns.query
    try:
        r = dns.query.udp(dns.message.make_query("v.faults.test.", "TXT"), addr[0], port=addr[1], timeout=1)
    except Exception:  # noqa: BLE001 - no answer yet
        return None
    return next((rd.strings[0].decode() for rr in r.answer for rd in rr), None)


def main() -> int:
    args = ds.arguments(__doc__, lambda p: (p.add_argument("--faults", default=",".join(FAULTS)),
                                            p.add_argument("--skip-metric", action="store_true")))
    report = ds.Report("state_dir_faults")
    work = ds.work_dir(args, "faults")
    check = ds.check_spec()
    port = common_port(MEMBERS)
    backends = {a: HttpBackend(a, work, port=port) for a in MEMBERS}
    print(f"state_dir_faults: faults {args.faults}; {ds.machine_load()}")
    try:
        ds.start_all(backends.values())
        for kind in args.faults.split(","):
            why = fault_available(kind, work)
            if why:
                report.target(f"[{kind}] can be staged here", False, why)
                continue
            drill_one(kind, args, work, backends, port, check, report)
    finally:
        for b in backends.values():
            b.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
