#!/usr/bin/python3
"""Drill: backends that fail in bad ways, beside healthy ones.

dnsd serves www.bad.test. from a pool of 6 real HTTP backends
(tests/integration/backends/http_backend.py on 127.0.3.21-26), checked over
HTTP with interval 0.5 s, fast_interval 0.1 s, timeout 0.3 s, fall 2, rise 2.
All start healthy. Then, at one moment, four turn bad:

    hang     accepts and reads the request, never answers
    slow     answers 200, but only 0.45 s (1.5 x the timeout) after the request
    reset    reads the request, then closes with a TCP reset
    garbage  reads the request, answers bytes that are not HTTP

Each must leave the answers within its bound, from the check's settings:

    probe ends at once (reset, garbage):
        1.1 x interval + (fall - 1) x 1.1 x fast_interval             = 0.66 s
    probe lasts the whole timeout (hang, slow):
        1.1 x interval + (fall - 1) x 1.1 x fast_interval + fall x timeout = 1.26 s

plus 0.5 s of margin for a loaded 2-core machine, and never come back while
bad. Meanwhile the two healthy backends log the time of every connection;
their probes must keep the schedule although bad probes hang beside them:
the largest gap between two probes of one healthy backend <= 1.1 x interval
+ slack (0.25 s). Figures: the time each bad one took, the reason dnsd
logged, and the probe gaps at the healthy ones.

    /usr/bin/python3 tests/drills/bad_backends.py [--long] [--seconds S] [--dnsd BIN] [--keep]

Short: 6 s of bad backends. --long: 120 s (the probe gaps over a long run).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time

import drill_support as ds
from health_support import HttpBackend, common_port

HEALTHY = ["127.0.3.21", "127.0.3.22"]
BAD = {"127.0.3.23": "hang", "127.0.3.24": "slow", "127.0.3.25": "reset", "127.0.3.26": "garbage"}
NAME = "www.bad.test."
MARGIN = 0.5
GAP_SLACK = 0.25


def zone(port: int, check: dict) -> dict:
    return {"origin": "bad.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1},
            "pools": {"web": {"ttl": 1, "members": HEALTHY + list(BAD), "check": {**check, "port": port}}},
            "records": {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "www": {"A": {"pool": "web"}}}}


def main() -> int:
    args = ds.arguments(__doc__, lambda p: p.add_argument("--seconds", type=float))
    seconds = args.seconds or (120 if args.long else 6)
    check = ds.check_spec()
    modes = {"hang": "hang", "slow": f"delay:{1.5 * check['timeout']:g}", "reset": "reset", "garbage": "garbage"}
    bounds = {kind: ds.detection_bound(check, 0 if kind in ("reset", "garbage") else None) + MARGIN
              for kind in modes}
    max_gap = 1.1 * check["interval"] + GAP_SLACK
    report = ds.Report("bad_backends")
    work = ds.work_dir(args, "bad")
    everyone = HEALTHY + list(BAD)
    port = common_port(everyone)
    backends = {a: HttpBackend(a, work, port=port, log_file=work / f"{a}.log") for a in everyone}
    zones = work / "zones"
    zones.mkdir()
    (zones / "bad.test.json").write_text(json.dumps(zone(port, check)))
    d = ds.Dnsd(zones=zones, threads=1, log_dir=str(work))
    print(f"bad_backends: healthy {HEALTHY}, bad {BAD}, {seconds:g} s; check {json.dumps(check)}; "
          f"{ds.machine_load()}")
    left: dict[str, float] = {}
    came_back: dict[str, int] = {}
    try:
        ds.start_all(backends.values())
        d.start()
        ds.wait_for(lambda: ds.addresses(d.addrs[0], NAME) == set(everyone), 10, "every backend in the answer")
        for address, kind in BAD.items():
            backends[address].set_mode(modes[kind])
        turned = time.monotonic()
        end = turned + seconds
        while time.monotonic() < end:  # one query every 10 ms: when each bad one leaves, and that it stays out
            got = ds.addresses(d.addrs[0], NAME)
            now = time.monotonic()
            if got is None:
                continue
            for address in BAD:
                if address not in got and address not in left:
                    left[address] = now - turned
                elif address in got and address in left:
                    came_back[address] = came_back.get(address, 0) + 1
            time.sleep(max(0.0, 0.01 - (time.monotonic() - now)))  # pacing, not synchronisation
        probes = {a: [t for t in backends[a].events("connect") if t >= turned] for a in HEALTHY}
        alive = d.alive()
        log = d.log()
    finally:
        for b in backends.values():
            b.close()
        if d.proc is not None and d.alive():
            d.stop()

    for address, kind in BAD.items():
        took = left.get(address)
        line = next((l for l in log.splitlines() if f"member={address} " in l and "up -> down" in l), "")
        reason = re.sub(r".*up -> down: ", "", line) or "no state-change line"
        report.target(f"{kind} ({address}) down within {bounds[kind]:.2f} s",
                      took is not None and took <= bounds[kind] and not came_back.get(address),
                      (f"left after {took:.3f} s" if took is not None else "never left the answers")
                      + (f"; came back in {came_back[address]} answers" if came_back.get(address) else "")
                      + f"; dnsd: {reason}")
    report.figure(f"bounds: ends at once: {ds.bound_text(check, 0)}; lasts the timeout: {ds.bound_text(check)}; "
                  f"each + margin {MARGIN} s")
    for address in HEALTHY:
        g = ds.gaps(probes[address])
        report.figure(f"probe gaps at healthy {address} over {seconds:g} s: {ds.spread(g)}")
        report.target(f"probes of {address} keep the schedule (max gap <= {max_gap:.2f} s)",
                      len(g) >= seconds / check["interval"] / 2 and max(g, default=99) <= max_gap,
                      f"{len(g) + 1} probes, max gap {max(g, default=float('nan')):.3f} s")
    report.target("dnsd alive", alive)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
