"""Failover against real HTTP backends: a backend that dies leaves the answers,
one that comes back returns, and each change is logged on one line.

Backends are tests/integration/backends/http_backend.py processes on
127.0.1.x, killed with SIGKILL (a crash: connects are refused at once).
Checks use FAST_CHECK (interval 0.5 s, fast_interval 0.1 s, fall 2, rise 2),
so a refused member leaves within about 0.5 + 0.1 s (plus jitter) and a
restarted one returns as fast; the first test asserts that bound (change_bound)
plus SCHEDULING_MARGIN. Every wait polls with a deadline, never a fixed sleep.
"""

import re

from health_support import backends  # noqa: F401 (a fixture)
from health_support import (FAST_CHECK, addresses, fast_check, pool_zone, state_lines, wait_answers,
                            wait_state_line)

# Slack over the nominal timing for a loaded 2-core CI machine: the prober
# thread waking late from its timer, each probe's connect and HTTP exchange,
# and this test's own polling (a query every 20 ms). On a 2-core machine at a
# load average of 9-12 (parallel builds beside the test) every run stayed
# under the nominal bound; 0.5 s is room for worse, and no more than the
# extra interval a missed fast re-check would cost.
SCHEDULING_MARGIN = 0.5


def change_bound(consecutive: int, first_gap: float = 1.1) -> float:
    """Worst case, in seconds, for `consecutive` results to flip a member: the
    first probe comes at most `first_gap` intervals after the change (1.1: an
    interval with +10% jitter; 1.5 just after start-up, when the second probe
    gets a random phase of 0.5-1.5 intervals, health/member_status.cc), each
    further one a jittered fast_interval later. Probes here end at once
    (connection refused or HTTP 200 on loopback), so their duration is left
    to the margin."""
    return FAST_CHECK["interval"] * first_gap + (consecutive - 1) * FAST_CHECK["fast_interval"] * 1.1


def test_killed_backend_leaves_the_answers_and_returns_when_restarted(start_dnsd, zone_dir, backends):
    live = ["127.0.1.10", "127.0.1.11", "127.0.1.12"]
    b = backends(live)
    port = b[0].port
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": live, "check": fast_check(port=port)}})})
    d = start_dnsd(zones=zones, threads=1)

    assert set(addresses(d)) == set(live), "all three backends answer after the first probe round"
    resp = d.query("www.example.test.", "A")
    assert resp.answer[0].ttl == 5, "the pool's TTL"

    b[1].kill()  # right after start-up: its next probe may be 1.5 intervals away
    bound = change_bound(FAST_CHECK["fall"], first_gap=1.5)
    took = wait_answers(d, lambda s: s == {live[0], live[2]}, "the killed backend to leave the answers",
                        timeout=bound + SCHEDULING_MARGIN)
    print(f"left after {took:.2f}s (nominal bound {bound:.2f}s)")
    assert took <= bound + SCHEDULING_MARGIN

    b[1].start()
    bound = change_bound(FAST_CHECK["rise"])
    took = wait_answers(d, lambda s: s == set(live), "the restarted backend to return",
                        timeout=bound + SCHEDULING_MARGIN)
    print(f"returned after {took:.2f}s (nominal bound {bound:.2f}s)")
    assert took <= bound + SCHEDULING_MARGIN

    wait_state_line(d, "member=127.0.1.11 ", "down -> up")
    lines = state_lines(d)
    down = [l for l in lines if "member=127.0.1.11 " in l and "up -> down" in l]
    up = [l for l in lines if "member=127.0.1.11 " in l and "down -> up" in l]
    assert len(down) == 1 and len(up) == 1, "\n".join(lines)
    # pool, member, check, old -> new, and why with its latency, on one line:
    assert re.search(rf"pool=web member=127\.0\.1\.11 \(check http 127\.0\.1\.11:{port}\) up -> down: "
                     r"connect refused in [0-9.]+ ms", down[0]), down[0]
    assert re.search(r"down -> up: HTTP 200 in [0-9.]+ ms", up[0]), up[0]
    assert not [l for l in lines if "127.0.1.10 " in l and "up -> down" in l], "the others never flapped"


def test_backend_that_accepts_but_never_replies_is_marked_down_by_the_timeout(start_dnsd, zone_dir, backends):
    live = ["127.0.1.13", "127.0.1.14"]
    b = backends(live)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": live, "check": fast_check(port=b[0].port)}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(live)

    b[0].set_mode("hang")  # the process still accepts connections; it just never answers
    # Each probe now lasts the whole timeout (0.3 s): interval + fall x (fast_interval + timeout).
    wait_answers(d, lambda s: s == {live[1]}, "the hung backend to leave the answers")
    line = wait_state_line(d, "member=127.0.1.13 ", "up -> down")
    assert "timeout after 300 ms" in line, line

    b[0].set_mode("ok")
    wait_answers(d, lambda s: s == set(live), "the recovered backend to return")


def test_backend_returning_500_is_down_unless_expect_lists_it(start_dnsd, zone_dir, backends):
    live = ["127.0.1.15", "127.0.1.16"]
    b = backends(live)
    port = b[0].port
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": live, "check": fast_check(port=port)},
         # Same members, a check that also accepts 500: a separate probe target.
         "lenient": {"ttl": 5, "members": live, "check": fast_check(port=port, expect=[200, 500])}},
        {"www": {"A": {"pool": "web"}}, "lenient": {"A": {"pool": "lenient"}}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(live)

    b[0].set_mode("500")
    wait_answers(d, lambda s: s == {live[1]}, "the backend answering 500 to leave www")
    line = wait_state_line(d, "pool=web member=127.0.1.15 ", "up -> down")
    assert re.search(r"HTTP 500 in [0-9.]+ ms", line), line
    for _ in range(5):
        assert set(addresses(d, "lenient.example.test.")) == set(live), "expect [200, 500] keeps it"
    assert not [l for l in state_lines(d) if "pool=lenient" in l and "up -> down" in l]

    b[0].set_mode("503")
    wait_answers(d, lambda s: s == {live[1]}, "503 is in neither list", name="lenient.example.test.")

    b[0].set_mode("ok")
    wait_answers(d, lambda s: s == set(live), "the backend to return to www")
