#!/usr/bin/python3
"""Drill: a soak at 80% of peak with health churn (not part of the test suite).

dnsd (--threads 1) serves soak.test.: www from a pool of 4 real HTTP
backends (127.0.3.51-54, checked every 1 s: fast_interval 0.25 s, timeout
0.5 s, fall 2, rise 2), a CNAME to it, 1,000 static hosts and NXDOMAINs.

1. Peak: dnsperf without a rate limit for 5 s (-c 4 -q 100); its qps is the peak.
2. Soak: dnsperf at 80% of that for --minutes (10 by default). Meanwhile three
   of the backends die and come back at random (each lives 5-20 s, stays
   dead 2-10 s), so health changes, and with them new zone versions, go on
   all the time; the fourth stays up and logs every probe it receives.
   dnsd's RSS (VmRSS) is sampled every 5 s.

Targets: RSS flat: after the warm-up (the first quarter of the run, at most
2 minutes) no sample exceeds the first one after it by more than max(5%,
1 MiB), and, when at least 5 minutes follow the warm-up, the least-squares
slope of those samples is <= 64 KiB/min (RSS moves in steps of malloc
chunks, so over a shorter run one step makes a slope of noise; it is printed
all the same); the probes of the steady backend keep their schedule: largest
gap <= 1.1 x interval + 0.5 s.
Figures: peak, the soak's dnsperf summary, RSS first/last/max and slopes,
probe gaps, deaths.

    /usr/bin/python3 tests/drills/soak.py [--minutes 10] [--load 0.8] [--dnsd BIN] [--keep]

(--long is accepted and means the default 10 minutes.)
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import threading
import time

import drill_support as ds
from health_support import HttpBackend, common_port

CHURNED = ["127.0.3.51", "127.0.3.52", "127.0.3.53"]
STEADY = "127.0.3.54"
CHECK = {"type": "http", "interval": 1, "fast_interval": 0.25, "timeout": 0.5, "rise": 2, "fall": 2}
SAMPLE_EVERY = 5.0
SLOPE_LIMIT_KIB = 64
SLOPE_SPAN = 300.0  # the slope is judged over at least this many seconds after the warm-up
GAP_SLACK = 0.5


def zone(port: int) -> dict:
    records = {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "www": {"A": {"pool": "web"}},
               "alias": {"CNAME": "www"}}
    for i in range(1000):
        records[f"h{i}"] = {"A": f"10.1.{i >> 8}.{i & 255}"}
    return {"origin": "soak.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1},
            "pools": {"web": {"ttl": 5, "members": CHURNED + [STEADY], "check": {**CHECK, "port": port}}},
            "records": records}


def queries() -> list[str]:
    rng = random.Random(5)
    lines = []
    for _ in range(10000):
        r = rng.random()
        lines.append("www.soak.test A" if r < 0.5 else "alias.soak.test A" if r < 0.6 else
                     f"nx{rng.randrange(10 ** 6)}.soak.test A" if r < 0.7 else f"h{rng.randrange(1000)}.soak.test A")
    return lines


def churn(backends: list[HttpBackend], stop: threading.Event, deaths: list[float], errors: list):
    """One thread per backend: live 5-20 s, dead 2-10 s, until stopped."""
    def one(b: HttpBackend, seed: int):
        rng = random.Random(seed)
        try:
            while not stop.wait(rng.uniform(5, 20)):  # the workload's pacing
                b.kill()
                deaths.append(time.monotonic())
                if stop.wait(rng.uniform(2, 10)):
                    return
                b.start()
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=one, args=(b, random.randrange(1 << 30)), daemon=True) for b in backends]
    for t in threads:
        t.start()
    return threads


def main() -> int:
    args = ds.arguments(__doc__, lambda p: (p.add_argument("--minutes", type=float, default=10),
                                            p.add_argument("--load", type=float, default=0.8)))
    seconds = args.minutes * 60
    warmup = min(120.0, seconds / 4)
    report = ds.Report("soak")
    work = ds.work_dir(args, "soak")
    port = common_port(CHURNED + [STEADY])
    backends = {a: HttpBackend(a, work, port=port, log_file=work / f"{a}.log") for a in CHURNED + [STEADY]}
    zones = work / "zones"
    zones.mkdir()
    (zones / "soak.test.json").write_text(json.dumps(zone(port)))
    qfile = ds.write_queries(work / "queries.txt", queries())
    d = ds.Dnsd(zones=zones, threads=1, log_dir=str(work))
    print(f"soak: {args.minutes:g} min at {args.load:.0%} of peak, RSS every {SAMPLE_EVERY:g} s, "
          f"warm-up {warmup:.0f} s; check {json.dumps(CHECK)}; {ds.machine_load()}", flush=True)
    stop = threading.Event()
    deaths: list[float] = []
    errors: list = []
    samples: list[tuple[float, int]] = []
    perf = None
    try:
        ds.start_all(backends.values())
        d.start()
        ds.wait_for(lambda: ds.addresses(d.addrs[0], "www.soak.test.") == set(backends), 10, "every backend up")
        peak = ds.Dnsperf(d.addrs[0], qfile, 5).start().result()
        rate = int(peak["qps"] * args.load)
        report.figure(f"peak: {ds.dnsperf_text(peak)}")
        print(f"  soaking at {rate} qps ...", flush=True)
        begin = time.monotonic()
        perf = ds.Dnsperf(d.addrs[0], qfile, seconds, qps=rate).start()
        threads = churn([backends[a] for a in CHURNED], stop, deaths, errors)
        next_sample = begin
        while time.monotonic() < begin + seconds and d.alive() and not errors:
            samples.append((time.monotonic() - begin, ds.rss_kib(d.proc.pid)))
            if len(samples) % 12 == 0:
                print(f"  {samples[-1][0]:5.0f} s: RSS {samples[-1][1]} KiB, {len(deaths)} deaths", flush=True)
            next_sample += SAMPLE_EVERY
            stop.wait(max(0.0, next_sample - time.monotonic()))  # the sampling period
        ended = time.monotonic()
        stop.set()
        for t in threads:
            t.join(30)
        if errors:
            raise errors[0]
        result = perf.result()
        probes = [t for t in backends[STEADY].events("connect") if begin <= t <= ended]
        versions = ds.metric_total(d, "dnsd_zone_versions_kept")  # IXFR history grows until its cap
        alive = d.alive()
    finally:
        stop.set()
        if perf is not None:
            perf.stop()
        for b in backends.values():
            b.close()
        if d.proc is not None and d.alive():
            d.stop()

    after = [(t, v) for t, v in samples if t >= warmup]
    second_half = [(t, v) for t, v in samples if t >= seconds / 2]
    rss = [v for _, v in samples]
    slope = ds.slope_per_minute(after)
    report.figure(f"soak dnsperf: {ds.dnsperf_text(result)}")
    report.figure(f"RSS KiB: first {rss[0]}, after warm-up {after[0][1] if after else '-'}, last {rss[-1]}, "
                  f"max {max(rss)}, min {min(rss)}; slope after warm-up {slope:+.1f} KiB/min, "
                  f"second half {ds.slope_per_minute(second_half):+.1f} KiB/min, whole run "
                  f"{ds.slope_per_minute(samples):+.1f} KiB/min ({len(samples)} samples)")
    g = ds.gaps(probes)
    max_gap = 1.1 * CHECK["interval"] + GAP_SLACK
    report.figure(f"probe gaps at the steady backend: {ds.spread(g)}; {len(deaths)} deaths of the others; "
                  f"zone versions kept for IXFR at the end: {versions}")
    report.target("dnsd alive", alive)
    span = (after[-1][0] - after[0][0]) if len(after) >= 2 else 0.0
    if span >= SLOPE_SPAN:
        report.target(f"RSS slope after warm-up <= {SLOPE_LIMIT_KIB} KiB/min", slope <= SLOPE_LIMIT_KIB,
                      f"{slope:+.1f} KiB/min over {span / 60:.1f} min")
    else:
        report.figure(f"RSS slope not judged: {span / 60:.1f} min after warm-up, under {SLOPE_SPAN / 60:.0f} min "
                      "(RSS moves in steps of malloc chunks, so a short run's slope is noise)")
    limit = max(after[0][1] * 1.05, after[0][1] + 1024) if after else 0
    report.target("RSS max after warm-up <= after warm-up + max(5%, 1 MiB)",
                  bool(after) and max(v for _, v in after) <= limit,
                  f"max {max((v for _, v in after), default=0)} vs limit {limit:.0f} KiB")
    report.target(f"probes keep the schedule (max gap <= {max_gap:.2f} s)",
                  len(g) > seconds / CHECK["interval"] / 2 and max(g, default=99) <= max_gap,
                  f"{len(probes)} probes, max gap {max(g, default=float('nan')):.3f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
