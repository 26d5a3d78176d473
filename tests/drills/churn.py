#!/usr/bin/python3
"""Drill: backend churn under load.

dnsd serves www.churn.test. from a pool of 6 real HTTP backends
(tests/integration/backends/http_backend.py on 127.0.3.11-16), checked over
HTTP with interval 0.5 s, fast_interval 0.1 s, timeout 0.3 s, fall 2, rise 2,
when_all_down serve-none. While a paced UDP query loop asks for www (2,000
queries/s by default, up to 32 in flight), a churn thread kills backends
(SIGKILL: the port refuses at once, as after a crash) and restarts them at
random: each lives 1-4 s, stays dead 0.5-4 s, and at most 4 are dead at once.

For each backend the drill records when it went down (its process reaped)
and when it came back (the `listen` time in its own log). Every answer is then
checked: an answer to a query sent while a member had been down for longer
than the detection window W, yet containing that member, is stale.

    W = 1.1 x interval + (fall - 1) x 1.1 x fast_interval + fall x timeout + margin
      = 0.55 + 0.11 + 0.6 + 0.5 = 1.76 s

(the next probe within an interval plus jitter, fall-1 fast re-checks, each
probe at most its timeout, and 0.5 s for a loaded 2-core machine). A refused
connect ends a probe at once, so the nominal detection is 0.66 s; the measured
detection times (last answer with the member - its death) are printed too.

Target: 0 stale answers. Prints answers, stale count, W, detection and return times.

    /usr/bin/python3 tests/drills/churn.py [--long] [--seconds S] [--qps N] [--dnsd BIN] [--keep]

Short: 8 s of churn. --long: 120 s.
"""

from __future__ import annotations

import bisect
import json
import random
import shutil
import sys
import threading
import time

import drill_support as ds
from health_support import HttpBackend, common_port

ADDRESSES = [f"127.0.3.{i}" for i in range(11, 17)]
MAX_DOWN = 4
MARGIN = 0.5
NAME = "www.churn.test."


def zone(port: int, check: dict) -> dict:
    return {"origin": "churn.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1},
            "pools": {"web": {"ttl": 1, "members": ADDRESSES, "when_all_down": "serve-none",
                              "check": {**check, "port": port}}},
            "records": {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}, "www": {"A": {"pool": "web"}}}}


class Churn(threading.Thread):
    """Kills and restarts backends at random until stopped; records each death.

    A restart runs on its own thread (a Python backend takes a while to start
    on a busy machine) and the backend counts as down until it listens; a
    backend is killed only once up, never while starting."""

    def __init__(self, backends: list[HttpBackend], seed: int):
        super().__init__(daemon=True)
        self.backends = {b.address: b for b in backends}
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.deaths: dict[str, list[float]] = {a: [] for a in self.backends}
        self.state = {a: "up" for a in self.backends}
        self.starters: list[threading.Thread] = []
        self.error: BaseException | None = None

    def _start(self, address: str):
        try:
            self.backends[address].start()
            self.state[address] = "up"
        except BaseException as e:  # reported by the main thread
            self.error = e

    def run(self):
        try:
            now = time.monotonic()
            due = {a: now + self.rng.uniform(0.5, 4) for a in self.backends}
            while not self.stop_event.is_set() and self.error is None:
                address = min(due, key=due.get)
                if self.stop_event.wait(max(0.0, due[address] - time.monotonic())):
                    return
                state = self.state[address]
                if state == "up":
                    if sum(s != "up" for s in self.state.values()) >= MAX_DOWN:
                        due[address] = time.monotonic() + self.rng.uniform(0.2, 1)
                        continue
                    self.backends[address].kill()
                    self.deaths[address].append(time.monotonic())
                    self.state[address] = "down"
                    due[address] = time.monotonic() + self.rng.uniform(0.5, 4)
                elif state == "down":
                    self.state[address] = "starting"
                    t = threading.Thread(target=self._start, args=(address,), daemon=True)
                    t.start()
                    self.starters.append(t)
                    due[address] = time.monotonic() + self.rng.uniform(1, 4)
                else:  # still starting: look again soon
                    due[address] = time.monotonic() + 0.2
        except BaseException as e:  # reported by the main thread
            self.error = e

    def finish(self):
        self.stop_event.set()
        self.join(30)
        for t in self.starters:
            t.join(30)


def outages(deaths: list[float], listens: list[float], end: float) -> list[tuple[float, float]]:
    """(down, up) per death: up is the first listen after it, or `end`."""
    out = []
    for down in deaths:
        up = next((t for t in listens if t > down), end)
        out.append((down, up))
    return out


def main() -> int:
    args = ds.arguments(__doc__, lambda p: (p.add_argument("--seconds", type=float),
                                            p.add_argument("--qps", type=float, default=2000),
                                            p.add_argument("--seed", type=int)))
    seconds = args.seconds or (120 if args.long else 8)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    check = ds.check_spec()
    window = ds.detection_bound(check) + MARGIN
    report = ds.Report("churn")
    work = ds.work_dir(args, "churn")
    port = common_port(ADDRESSES)
    backends = [HttpBackend(a, work, port=port, log_file=work / f"{a}.log") for a in ADDRESSES]
    zones = work / "zones"
    zones.mkdir()
    (zones / "churn.test.json").write_text(json.dumps(zone(port, check)))
    d = ds.Dnsd(zones=zones, threads=1, log_dir=str(work))
    churn = Churn(backends, seed)
    print(f"churn: {len(ADDRESSES)} backends, {seconds:g} s, {args.qps:g} queries/s, seed {seed}; "
          f"check {json.dumps(check)}; {ds.machine_load()}")
    try:
        ds.start_all(backends)
        d.start()
        ds.wait_for(lambda: ds.addresses(d.addrs[0], NAME) == set(ADDRESSES), 10, "every backend in the answer")
        load = ds.UdpLoad(d.addrs[0], [(NAME, 1)], args.qps)
        answers: list[tuple[float, tuple[str, ...]]] = []
        churn.start()
        end = time.monotonic() + seconds
        load.run(lambda: time.monotonic() >= end or churn.error is not None,
                 lambda sent, _received, a: answers.append((sent, tuple(a.addresses))))
        churn.finish()
        if churn.error:
            raise churn.error
        finished = time.monotonic()
        alive = d.alive()
    finally:
        if churn.ident is not None:  # started: stop it and its restarts before the backends go
            churn.finish()
        for b in backends:
            b.close()
        if d.proc is not None:
            if d.alive():
                d.stop()

    # Judge every answer against the recorded outages.
    answers.sort()
    sent_times = [sent for sent, _ in answers]
    stale = []
    detection, returns = [], []
    empty = sum(1 for _, addrs in answers if not addrs)
    for b in backends:
        for down, up in outages(churn.deaths[b.address], b.events("listen"), finished):
            first, last = bisect.bisect_left(sent_times, down), bisect.bisect_left(sent_times, up)
            with_it = [sent for sent, addrs in answers[first:last] if b.address in addrs]
            stale += [(b.address, round(sent - down, 3)) for sent in with_it if sent - down > window]
            if up - down > window and last > first:  # down long enough that it must have been noticed
                detection.append((max(with_it) - down) if with_it else 0.0)
            back = next((sent for sent, addrs in answers[last:] if b.address in addrs), None)
            if back is not None and up < finished:
                returns.append(back - up)
    deaths = sum(len(v) for v in churn.deaths.values())
    report.figure(f"answers {len(answers)} (sent {load.sent}, lost {load.lost}, unparsable {load.unparsable}, "
                  f"empty/NODATA {empty}); {deaths} deaths over {seconds:g} s")
    report.figure(f"detection window W = {ds.bound_text(check)} + margin {MARGIN} = {window:.2f} s")
    report.figure(f"detection (last answer with a dead member - its death): {ds.spread(detection)}")
    report.figure(f"return (first answer with a restarted member - it listening): {ds.spread(returns)}")
    report.figure(f"stale answers (member down > W): {len(stale)}"
                  + (f"; first: {stale[:5]}" if stale else ""))
    report.target("dnsd alive through the churn", alive)
    report.target("0 stale answers past W", not stale, f"{len(stale)} stale of {len(answers)}")
    report.target("answers flowed", len(answers) >= 0.1 * args.qps * seconds,
                  f"{len(answers) / seconds:.0f}/s of {args.qps:g}/s paced (at least 10%: a busy machine "
                  f"starves this Python loop, not dnsd)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
