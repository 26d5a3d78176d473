"""Which members answer: backups, drain, all-down under both policies, weights
and max_answers, against real backends on 127.0.1.x.

The order of the rules (health/README.md): healthy primaries, else healthy
backups, else drained members that are up, else `when_all_down`.
"""

import collections
import subprocess

import dns.rcode
import dns.rdatatype
import pytest

from dnsd_harness import dnsd_bin, free_port
from health_support import backends  # noqa: F401 (a fixture)
from health_support import (addresses, common_port, fast_check, pool_zone, response, wait_answers,
                            wait_state_line)


def test_backups_take_over_when_every_primary_is_dead_and_leave_when_one_returns(start_dnsd, zone_dir, backends):
    primaries = ["127.0.1.20", "127.0.1.21"]
    backup = "127.0.1.22"
    b = backends(primaries + [backup])
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "check": fast_check(port=b[0].port),
        "members": primaries + [{"address": backup, "backup": True}]}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(primaries), "an up backup stands by while primaries serve"

    b[0].kill()
    wait_answers(d, lambda s: s == {primaries[1]}, "one primary left: still no backup")
    b[1].kill()
    wait_answers(d, lambda s: s == {backup}, "the backup to take over")

    b[0].start()
    wait_answers(d, lambda s: s == {primaries[0]}, "the returning primary to replace the backup")


def test_a_member_drained_in_the_zone_is_served_only_as_a_last_resort(start_dnsd, zone_dir, backends):
    primaries = ["127.0.1.23", "127.0.1.24"]
    drained = "127.0.1.25"
    b = backends(primaries + [drained])
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "check": fast_check(port=b[0].port),
        "members": primaries + [{"address": drained, "state": "drain"}]}})})
    d = start_dnsd(zones=zones, threads=1)
    for _ in range(10):
        assert set(addresses(d)) == set(primaries), "a drained member that is up is not served"

    for backend in b[:2]:
        backend.kill()
    wait_answers(d, lambda s: s == {drained}, "the drained member to answer when nothing else is up")
    b[0].start()
    wait_answers(d, lambda s: s == {primaries[0]}, "the drained member to step back")


def _ctl(d, *args) -> subprocess.CompletedProcess:
    return subprocess.run([dnsd_bin(), "ctl", "--control", d.control_address, *args],
                          capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)


def test_runtime_drain_through_the_control_api_takes_a_member_out_and_undrain_brings_it_back(
        start_dnsd, zone_dir, backends):
    members = ["127.0.1.26", "127.0.1.27"]
    b = backends(members)
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "check": fast_check(port=b[0].port), "members": members}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(members)

    drain = _ctl(d, "drain", "web", members[0])
    if drain.returncode != 0 and "unknown" in (drain.stderr + drain.stdout).lower():
        pytest.skip(f"dnsd ctl drain not available yet: {drain.stderr.strip()}")
    assert drain.returncode == 0, drain.stdout + drain.stderr
    # The drain takes effect on the next answer: no probe is involved.
    for _ in range(10):
        assert set(addresses(d)) == {members[1]}, "a runtime-drained member is not served"

    b[1].kill()
    wait_answers(d, lambda s: s == {members[0]}, "the drained member as the last resort")
    b[1].start()
    wait_answers(d, lambda s: s == {members[1]}, "the other member back")

    undrain = _ctl(d, "undrain", "web", members[0])
    assert undrain.returncode == 0, undrain.stdout + undrain.stderr
    for _ in range(10):
        assert set(addresses(d)) == set(members)


def _dead_pool(policy: str) -> dict:
    # Nothing listens on these ports: every probe is refused, so the first round marks all down.
    port = free_port("127.0.1.28")
    return pool_zone({"web": {
        "ttl": 5, "when_all_down": policy, "check": fast_check(type="tcp", port=port),
        "members": ["127.0.1.28", "127.0.1.29", {"address": "127.0.1.30", "backup": True},
                    {"address": "127.0.1.31", "state": "drain"}]}})


def test_all_down_serve_all_answers_with_every_primary_not_drained(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"example.test.json": _dead_pool("serve-all")}), threads=1)
    for _ in range(5):
        resp = response(d)
        assert resp.rcode() == dns.rcode.NOERROR
        assert set(addresses(d)) == {"127.0.1.28", "127.0.1.29"}, "fail open with the primaries"
    for member in ("127.0.1.28", "127.0.1.29", "127.0.1.30", "127.0.1.31"):
        wait_state_line(d, f"member={member} ", "unknown -> down: connect refused")


def test_all_down_serve_none_answers_nodata_with_the_soa(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"example.test.json": _dead_pool("serve-none")}), threads=1)
    resp = response(d)
    assert resp.rcode() == dns.rcode.NOERROR, "NODATA, not NXDOMAIN: the name exists"
    assert resp.answer == []
    assert [r.rdtype for r in resp.authority] == [dns.rdatatype.SOA], resp.to_text()
    assert resp.authority[0].ttl <= 30, "negative TTL is min(SOA TTL, minimum)"


def test_weighted_policy_gives_first_position_in_proportion_to_weight(start_dnsd, zone_dir, backends):
    weights = {"127.0.1.32": 1, "127.0.1.33": 3, "127.0.1.34": 6}
    port = common_port(list(weights))
    for a in weights:
        backends.tcp(a, port)
    zones = zone_dir({"example.test.json": pool_zone({
        "web": {"ttl": 5, "policy": "weighted", "check": fast_check(type="tcp", port=port),
                "members": [{"address": a, "weight": w} for a, w in weights.items()]},
        "rr": {"ttl": 5, "check": fast_check(type="tcp", port=port), "members": list(weights)}},
        {"www": {"A": {"pool": "web"}}, "rr": {"A": {"pool": "rr"}}})})
    d = start_dnsd(zones=zones, threads=1)

    n = 600
    first = collections.Counter(addresses(d)[0] for _ in range(n))
    total = sum(weights.values())
    for a, w in weights.items():
        share = first[a] / n
        assert abs(share - w / total) < 0.07, f"{a}: first in {share:.2%}, weight share {w / total:.2%}: {first}"
    assert set(addresses(d)) == set(weights), "every member is still in every answer"

    first_rr = collections.Counter(addresses(d, "rr.example.test.")[0] for _ in range(300))
    for a in weights:
        assert abs(first_rr[a] / 300 - 1 / 3) < 0.07, f"round-robin leads evenly: {first_rr}"


def test_max_answers_cuts_each_answer_and_rotation_still_reaches_every_member(start_dnsd, zone_dir, backends):
    members = [f"127.0.1.{i}" for i in range(35, 40)]
    port = common_port(members)
    for a in members:
        backends.tcp(a, port)
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "max_answers": 2, "check": fast_check(type="tcp", port=port), "members": members}})})
    d = start_dnsd(zones=zones, threads=1)
    seen = set()
    for _ in range(10):
        got = addresses(d)
        assert len(got) == 2, got
        seen |= set(got)
    assert seen == set(members), "rotation brings every member into some answer"
