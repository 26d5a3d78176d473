#!/usr/bin/python3
"""dnsd as a primary of Knot DNS 3.2 and NSD 4.6 secondaries, on loopback.

1. Convergence. dnsd serves www.conv.test. from a pool of 3 HTTP backends
   (tests/integration/backends/http_backend.py on 127.0.1.211-213), checked
   as in bench_failover.py (interval 1 s, fast_interval 0.25 s, fall 2, rise
   2, timeout 0.5 s); a Knot and an NSD secondary (NSD on 127.0.0.2) get the
   zone by NOTIFY + IXFR with a TSIG key, configured as docs/deployment.md
   says (tests/integration/secondaries.py). Each trial waits a random 0-1 s,
   kills a random backend (SIGKILL) and polls dnsd, Knot and NSD every 10 ms
   until each answers without it; then restarts it and polls until each
   answers with it again. Times are from the kill (the restart) to the first
   answer without (with) it, so they include dnsd's detection; the
   secondaries' share is the difference to dnsd's own time.

2. IXFR size. A zone of 10,000 names (one A each) plus www from the same
   pool: the IXFR that one health change (a backend killed) makes, against
   the AXFR of the same zone, in bytes of DNS messages (no TCP framing), as
   dnsd sends them to a client here (unsigned).

3. A big AXFR. A zone of 200,000 names (one A each): the time from starting
   a Knot (an NSD) secondary to it answering the zone's serial, and the
   transfer time the secondary logs itself (Knot: from the first message to
   the last; NSD: receiving and applying), with the bytes it received.

    /usr/bin/python3 tests/bench/bench_transfer.py [--trials 10] [--names 10000]
        [--big-names 200000] [--big-trials 3] [--skip-convergence] [--skip-size]
        [--skip-big] [--dnsd build/dnsd/dnsd]

Every trial is printed, then the summary. Exit 0 when it measured, whatever
the figures; 1 when something could not be set up.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import re
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from daemon import TsigKey, write_tsig_keys  # noqa: E402
from dnsd_harness import free_port  # noqa: E402
from health_support import HttpBackend, common_port  # noqa: E402
from secondaries import KnotSecondary, NsdSecondary  # noqa: E402
from transfer_support import Primary, answer_set, write_zone, xfr_zone  # noqa: E402

BACKENDS = ["127.0.1.211", "127.0.1.212", "127.0.1.213"]
CHECK = {"type": "http", "interval": 1, "fast_interval": 0.25, "fall": 2, "rise": 2, "timeout": 0.5}
POLL = 0.010


def stats_line(label: str, values: list[float], unit: str = "s") -> str:
    v = sorted(values)
    return (f"{label}: median {statistics.median(v):.3f} {unit}, min {v[0]:.3f} {unit}, "
            f"max {v[-1]:.3f} {unit} over {len(v)} trials")


def poll_each(servers: dict, name: str, predicate, since: float, deadline_s: float = 30.0) -> dict:
    """{server: seconds from `since` to its first answer for which predicate(set) holds}."""
    took, end = {}, time.monotonic() + deadline_s
    while len(took) < len(servers):
        if time.monotonic() > end:
            raise TimeoutError(f"no matching answer within {deadline_s}s from {set(servers) - set(took)}")
        t = time.monotonic()
        for label, addr in servers.items():
            if label not in took:
                try:
                    got = answer_set(addr, name)
                except Exception:  # a timeout: ask again
                    continue
                if predicate(got):
                    took[label] = time.monotonic() - since
        time.sleep(max(0.0, POLL - (time.monotonic() - t)))
    return took


class Setup:
    """dnsd with `zones` (a dict origin -> zone), the backends, and the secondaries of `secondary_zones`."""

    def __init__(self, workdir: pathlib.Path, dnsd_bin: str):
        self.workdir = workdir
        os.environ["DNSD_BIN"] = dnsd_bin
        self.key = TsigKey.generate("xfr-key")
        self.keys = write_tsig_keys(workdir / "tsig.keys", [self.key])
        self.port = common_port(BACKENDS)
        self.backends = [HttpBackend(a, workdir, port=self.port) for a in BACKENDS]
        self.daemons = []
        self.started = 0  # secondaries ever made: each gets a directory of its own
        self.dnsd = None

    def pool(self) -> dict:
        return {"web": {"ttl": 5, "members": BACKENDS, "check": {**CHECK, "port": self.port}}}

    def start_dnsd(self, zones: list[dict]) -> Primary:
        zdir = self.workdir / "zones"
        zdir.mkdir(exist_ok=True)
        for z in zones:
            write_zone(zdir, z)
        self.dnsd = Primary(zdir, tsig_keys=self.keys, log_dir=str(self.workdir)).start()
        return self.dnsd

    def secondary(self, cls, zones, host="127.0.0.1", port=0, **kw):
        self.started += 1
        d = cls(self.dnsd.address, zones, self.workdir / f"{cls.name}-{self.started}", tsig=self.key,
                host=host, **kw)
        d.port = port
        self.daemons.append(d)
        return d

    def close(self):
        for d in self.daemons:
            d.stop()
        for b in self.backends:
            b.close()
        if self.dnsd is not None and self.dnsd.alive():
            self.dnsd.stop()


def bench_convergence(s: Setup, trials: int) -> dict:
    for b in s.backends:
        b.start()
    knot_port, nsd_port = free_port("127.0.0.1"), free_port("127.0.0.2")
    origin = "conv.test."
    s.start_dnsd([xfr_zone(origin, pools=s.pool(), records={"www": {"A": {"pool": "web"}}},
                           transfer={"allow": ["127.0.0.0/8"], "tsig": "xfr-key",
                                     "notify": [f"127.0.0.1:{knot_port}", f"127.0.0.2:{nsd_port}"]})])
    knot = s.secondary(KnotSecondary, [origin], port=knot_port).start()
    nsd = s.secondary(NsdSecondary, [origin], host="127.0.0.2", port=nsd_port).start()
    for sec in (knot, nsd):
        sec.wait_serial(origin, s.dnsd.serial(origin), 30)
    servers = {"dnsd": s.dnsd.address, "knot": knot.address, "nsd": nsd.address}
    name = "www." + origin
    poll_each(servers, name, lambda got: got == set(BACKENDS), time.monotonic())
    print(f"convergence: {trials} trials, pool of {len(BACKENDS)} HTTP backends, interval {CHECK['interval']} s, "
          f"fast_interval {CHECK['fast_interval']} s, fall {CHECK['fall']}, rise {CHECK['rise']}; "
          f"Knot on {knot.host}, NSD on {nsd.host}, TSIG on transfers and NOTIFY")
    gone, back = {k: [] for k in servers}, {k: [] for k in servers}
    rng = random.Random()
    for i in range(trials):
        time.sleep(rng.uniform(0, CHECK["interval"]))  # a random phase of the probe schedule
        victim = rng.choice(s.backends)
        victim.kill()
        t = poll_each(servers, name, lambda got: victim.address not in got and got, time.monotonic())
        victim.start()
        u = poll_each(servers, name, lambda got: got == set(BACKENDS), time.monotonic())
        for k in servers:
            gone[k].append(t[k])
            back[k].append(u[k])
        print(f"  trial {i + 1:2d}: killed {victim.address}: gone from dnsd {t['dnsd']:.3f} s, "
              f"knot {t['knot']:.3f} s, nsd {t['nsd']:.3f} s; back after restart: dnsd {u['dnsd']:.3f} s, "
              f"knot {u['knot']:.3f} s, nsd {u['nsd']:.3f} s", flush=True)
    kinds = {sec.name: sorted({k for k, _s in sec.transfers()}) for sec in (knot, nsd)}
    print(f"  transfers seen: {kinds} (the first of each is the initial AXFR)")
    for k in servers:
        print("  " + stats_line(f"{k:4s} dropped the dead backend after", gone[k]))
    for k in servers:
        print("  " + stats_line(f"{k:4s} served the returning backend after", back[k]))
    for k in ("knot", "nsd"):
        lag = [a - b for a, b in zip(gone[k], gone["dnsd"])]
        print("  " + stats_line(f"{k:4s} behind dnsd (kill)", lag))
    for sec in (knot, nsd):
        sec.stop()
    s.dnsd.stop()
    s.dnsd = None
    return {"gone": gone, "back": back}


def names_zone(origin: str, n: int, pool: dict | None, tsig: bool) -> dict:
    records = {f"h{i}": {"A": f"198.18.{(i >> 8) & 255}.{i & 255}"} for i in range(n)}
    transfer = {"allow": ["127.0.0.0/8"]}
    if tsig:
        transfer["tsig"] = "xfr-key"
    if pool:
        records["www"] = {"A": {"pool": "web"}}
    return xfr_zone(origin, pools=pool, records=records, transfer=transfer)


def bench_size(s: Setup, names: int) -> dict:
    for b in s.backends:
        if b.proc is None or b.proc.poll() is not None:
            b.start()
    origin = "size.test."
    d = s.start_dnsd([names_zone(origin, names, s.pool(), tsig=False)])
    full = d.axfr(origin)
    serial = full.serial
    s.backends[0].kill()
    d.wait_serial_above(origin, serial, timeout=30)
    inc = d.ixfr(origin, serial)
    after = d.axfr(origin)
    print(f"\nIXFR size: zone of {names} names + a pool of {len(BACKENDS)}; one backend killed")
    print(f"  AXFR before: {full.nbytes} bytes in {len(full.raw)} messages ({len(full.zone())} records)")
    print(f"  IXFR {serial} -> {inc.serial} ({inc.kind}): {inc.nbytes} bytes in {len(inc.raw)} messages, "
          f"changes {[(len(dl), len(ad)) for _o, _n, dl, ad in inc.changes()]} (deleted, added) records")
    print(f"  AXFR after: {after.nbytes} bytes; IXFR/AXFR = {inc.nbytes / after.nbytes:.5f}")
    s.backends[0].start()
    d.stop()
    s.dnsd = None
    return {"axfr": after.nbytes, "ixfr": inc.nbytes}


def log_seconds(sec, origin: str) -> str:
    """What the secondary logged about the transfer of `origin`: its duration and size."""
    text = sec.log_text()
    zone = re.escape(origin)
    m = re.search(rf"\[{zone}\] AXFR, incoming, [^\n]*finished, ([0-9.]+) seconds, (\d+) messages, (\d+) bytes",
                  text)
    if m:
        return f"knot logs {m.group(1)} s, {m.group(2)} messages, {m.group(3)} bytes"
    m = re.search(rf"zone {zone} received update to serial \d+ at [^\n]* of (\d+) bytes in ([0-9.e+-]+) seconds",
                  text)
    if m:
        return f"nsd logs {float(m.group(2)):.3f} s, {m.group(1)} bytes"
    return "no duration in the log"


def bench_big(s: Setup, names: int, trials: int) -> dict:
    origin = "big.test."
    t = time.monotonic()
    d = s.start_dnsd([names_zone(origin, names, None, tsig=True)])
    print(f"\nbig AXFR: zone of {names} names, TSIG-signed; dnsd answered {time.monotonic() - t:.1f} s after start")
    serial = d.serial(origin)
    out = {"knot": [], "nsd": []}
    for i in range(trials):
        for label, cls, host in (("knot", KnotSecondary, "127.0.0.1"), ("nsd", NsdSecondary, "127.0.0.2")):
            sec = s.secondary(cls, [origin], host=host, **({"xfr_tap": False} if cls is NsdSecondary else {}))
            t = time.monotonic()
            sec.start()
            started = time.monotonic() - t
            took = sec.wait_serial(origin, serial, 300) + started
            out[label].append(took)
            print(f"  trial {i + 1}: {label}: answers serial {serial} {took:.3f} s after its start "
                  f"(start-up {started:.3f} s); {log_seconds(sec, origin)}", flush=True)
            sec.stop()
    for label, v in out.items():
        print("  " + stats_line(f"{label} pulled {names} names", v))
    d.stop()
    s.dnsd = None
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=int(os.environ.get("TRIALS", 10)))
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--big-names", type=int, default=200000)
    ap.add_argument("--big-trials", type=int, default=3)
    ap.add_argument("--skip-convergence", action="store_true")
    ap.add_argument("--skip-size", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--dnsd", default=str(REPO / "build" / "dnsd" / "dnsd"))
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        s = Setup(pathlib.Path(tmp), str(pathlib.Path(args.dnsd).resolve()))
        try:
            if not args.skip_convergence:
                results["convergence"] = bench_convergence(s, args.trials)
            if not args.skip_size:
                results["size"] = bench_size(s, args.names)
            if not args.skip_big:
                results["big"] = bench_big(s, args.big_names, args.big_trials)
        except Exception as e:  # set-up failed: say what, exit 1
            print(f"bench_transfer: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        finally:
            s.close()
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
