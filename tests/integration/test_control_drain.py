"""Drains against a running `dnsd serve`, where one address is in several
pools: 192.0.2.1 is in pools web and api of drain.test. and in pool web of
other.test. A drain of one pool warns that the others still serve it and
gives no safe time; `dnsd ctl drain ADDRESS` drains it in every pool of every
zone (and in pools a reload adds), with a safe time covering the longest TTL;
`undrain ADDRESS` lifts it; unknown pools and zones get their own 404. Checked
with dig and `dnsd ctl`, across a restart with --state-dir."""

import json
import time

from control_support import api, ctl
from dnsd_harness import Dnsd, wait_for

ADDRESS = "192.0.2.1"


def soa(origin):
    return {"origin": origin, "ttl": 300,
            "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "refresh": 3600, "retry": 600,
                    "expire": 86400, "minimum": 60}}


DRAIN_ZONE = {
    **soa("drain.test."),
    "pools": {
        "web": {"ttl": 20, "members": [ADDRESS, "192.0.2.2"], "check": {"type": "none"}},
        "api": {"ttl": 60, "members": [ADDRESS, "192.0.2.3"], "check": {"type": "none"}},
    },
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"},
                "www": {"A": {"pool": "web"}}, "api": {"A": {"pool": "api", "ttl": 90}}},
}

OTHER_ZONE = {
    **soa("other.test."),
    "pools": {"web": {"ttl": 30, "members": [ADDRESS, "192.0.2.5"], "check": {"type": "none"}}},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": {"pool": "web"}}},
}

NAMES = ["www.drain.test", "api.drain.test", "www.other.test"]


def served(d, name):
    """Every A address dig sees for `name` over a few rotations."""
    seen = set()
    for _ in range(3):
        (answer,) = d.dig(name, "A")
        assert answer.rcode == "NOERROR", answer.text
        seen.update(answer.data("ANSWER", "A"))
    return seen


def start(start_dnsd, zone_dir, **kw):
    return start_dnsd(zones=zone_dir({"drain.test.json": DRAIN_ZONE, "other.test.json": OTHER_ZONE}), threads=1, **kw)


def test_pool_drain_warns_when_other_pools_still_serve_the_address(start_dnsd, zone_dir):
    d = start(start_dnsd, zone_dir)
    status, _, r = api(d, "POST", "/api/drain", {"pool": "web", "address": ADDRESS, "zone": "drain.test."})
    assert status == 200, r
    assert r["pool"] == "web" and r["all_pools"] is False and not r["still_serving"]
    assert [(m["zone"], m["pool"], m["serving"]) for m in r["members"]] == [("drain.test.", "web", False)]
    assert sorted((o["zone"], o["pool"], o["serving"], o["state"]) for o in r["other_pools"]) == [
        ("drain.test.", "api", True, "unchecked"), ("other.test.", "web", True, "unchecked")]
    assert r["safe_after"] is None and r["safe_after_ms"] is None and r["safe_in_s"] is None
    assert "pool api of drain.test." in r["warning"] and "pool web of other.test." in r["warning"]
    assert f"dnsd ctl drain {ADDRESS}" in r["warning"]

    assert ADDRESS not in served(d, "www.drain.test")
    assert ADDRESS in served(d, "api.drain.test") and ADDRESS in served(d, "www.other.test")

    p = ctl(d, "drain", "web", ADDRESS, "--zone", "drain.test.")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "other pools with 192.0.2.1: api of drain.test. (SERVING), web of other.test. (SERVING)" in p.stdout
    assert "NOT SAFE to stop it" in p.stdout and "not safe to stop the server" in p.stdout
    assert f"to drain it in every pool of every zone: dnsd ctl drain {ADDRESS}" in p.stdout
    assert "safe to stop after" not in p.stdout

    p = ctl(d, "--json", "drain", "web", ADDRESS)  # every zone's web: api of drain.test. still serves
    assert p.returncode == 3
    body = json.loads(p.stdout)
    assert [(o["zone"], o["pool"]) for o in body["other_pools"]] == [("drain.test.", "api")]
    assert body["safe_in_s"] is None and "pool api of drain.test." in body["warning"]


def test_address_drain_covers_every_pool_and_undrain_restores_them(start_dnsd, zone_dir):
    d = start(start_dnsd, zone_dir)
    api(d, "POST", "/api/drain", {"pool": "web", "address": ADDRESS, "zone": "drain.test."})  # an earlier pool drain
    before = time.time()
    p = ctl(d, "--json", "drain", ADDRESS)
    assert p.returncode == 0, p.stdout + p.stderr
    r = json.loads(p.stdout)
    assert r["all_pools"] is True and r["pool"] is None and r["changed"] and r["other_pools"] == []
    assert sorted((m["zone"], m["pool"], m["admin"], m["serving"]) for m in r["members"]) == [
        ("drain.test.", "api", "drain", False), ("drain.test.", "web", "drain", False),
        ("other.test.", "web", "drain", False)]
    assert r["max_ttl_s"] == 90, "api's record TTL is the longest of all three pools"
    assert before - 1 <= r["drained_since_ms"] / 1000 <= time.time() + 1, "the latest drain counts"
    assert r["safe_after_ms"] == r["drained_since_ms"] + 90_000
    assert 85 <= r["safe_in_s"] <= 90 and r["warning"] is None and not r["still_serving"]
    for name in NAMES:
        assert ADDRESS not in served(d, name), name
    assert served(d, "www.drain.test") == {"192.0.2.2"} and served(d, "www.other.test") == {"192.0.2.5"}

    p = ctl(d, "drain", ADDRESS)
    assert p.returncode == 0 and "drained 192.0.2.1 in every pool of every zone (" in p.stdout, p.stdout
    assert "it already was" in p.stdout and "up to 90 s" in p.stdout and "safe to stop after" in p.stdout

    _, _, s = api(d, "GET", "/api/status")
    assert [a["address"] for a in s["address_drains"]] == [ADDRESS]
    assert s["address_drains"][0]["since_ms"] == r["drained_since_ms"]
    assert "drained in every pool of every zone: 192.0.2.1" in ctl(d, "status").stdout

    # Once no pool serves it, a pool drain has a safe time again, covering the other pools' TTLs.
    _, _, again = api(d, "POST", "/api/drain", {"pool": "web", "address": ADDRESS})
    assert again["warning"] is None and again["max_ttl_s"] == 90 and again["safe_after_ms"] is not None
    assert all(not o["serving"] and o["admin"] == "drain" for o in again["other_pools"])

    # A pool cannot be undrained out from under an address-wide drain.
    status, _, e = api(d, "POST", "/api/undrain", {"pool": "api", "address": ADDRESS})
    assert status == 409 and f"dnsd ctl undrain {ADDRESS}" in e["error"]
    assert ADDRESS not in served(d, "api.drain.test")

    p = ctl(d, "undrain", ADDRESS)
    assert p.returncode == 0 and "undrained 192.0.2.1 in every pool of every zone" in p.stdout, p.stdout + p.stderr
    for name in NAMES:
        assert ADDRESS in served(d, name), name
    _, _, s = api(d, "GET", "/api/status")
    assert s["address_drains"] == []
    assert all(m["admin"] == "auto" for p in s["pools"] for m in p["members"]), "the per-pool drain went too"


def test_unknown_pool_zone_or_member_say_which(start_dnsd, zone_dir):
    d = start(start_dnsd, zone_dir)
    p = ctl(d, "drain", "nosuch", "1.2.3.4")
    assert p.returncode == 1 and "no such pool: nosuch" in p.stderr, p.stderr
    status, _, r = api(d, "POST", "/api/drain", {"pool": "nosuch", "address": "1.2.3.4"})
    assert status == 404 and r["error"] == "no such pool: nosuch"
    status, _, r = api(d, "POST", "/api/drain", {"pool": "web", "address": "1.2.3.4"})
    assert status == 404 and r["error"] == "pool web has no member 1.2.3.4"
    status, _, r = api(d, "POST", "/api/drain", {"pool": "web", "address": ADDRESS, "zone": "nosuch.test"})
    assert status == 404 and r["error"] == "no such zone: nosuch.test."
    status, _, r = api(d, "POST", "/api/drain", {"address": "1.2.3.4"})
    assert status == 404 and r["error"] == "no pool of any zone has a member 1.2.3.4"
    p = ctl(d, "undrain", "1.2.3.4")
    assert p.returncode == 1 and "no pool of any zone has a member 1.2.3.4" in p.stderr
    assert api(d, "POST", "/api/drain", {"address": ADDRESS, "zone": "drain.test."})[0] == 400

    p = ctl(d, "drain", "web")
    assert p.returncode == 2 and "'web' is not an IP address" in p.stderr
    p = ctl(d, "drain", ADDRESS, "--zone", "drain.test.")
    assert p.returncode == 2 and "--zone needs a POOL" in p.stderr
    for name in NAMES:
        assert ADDRESS in served(d, name), "nothing was drained"


def test_address_drain_survives_a_restart_and_covers_pools_added_later(zone_dir, tmp_path):
    zones = zone_dir({"drain.test.json": DRAIN_ZONE, "other.test.json": OTHER_ZONE})
    state = tmp_path / "state"

    def server():
        return Dnsd(zones=zones, threads=1, extra_args=["--state-dir", str(state)], log_dir=str(tmp_path))

    with server() as d:
        status, _, r = api(d, "POST", "/api/drain", {"address": ADDRESS})
        assert status == 200 and r["persisted"], r
        saved = json.loads((state / "drains.json").read_text())
        assert saved["addresses"] == [{"address": ADDRESS, "since_ms": r["drained_since_ms"],
                                       "since": r["drained_since"]}]
        assert sorted((x["zone"], x["pool"]) for x in saved["drains"]) == [
            ("drain.test.", "api"), ("drain.test.", "web"), ("other.test.", "web")]

    with server() as d:
        for name in NAMES:  # from the first answers, before any API call
            assert ADDRESS not in served(d, name), name
        _, _, s = api(d, "GET", "/api/status")
        assert s["address_drains"] == [{"address": ADDRESS, "since_ms": r["drained_since_ms"],
                                        "since": r["drained_since"]}]

        # A pool a reload adds with the address is drained from its first answer.
        late = {**soa("late.test."),
                "pools": {"edge": {"ttl": 10, "members": [ADDRESS, "192.0.2.7"], "check": {"type": "none"}}},
                "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "edge": {"A": {"pool": "edge"}}}}
        (zones / "late.test.json").write_text(json.dumps(late))
        status, _, report = api(d, "POST", "/api/reload", {})
        assert status == 200, report
        wait_for(lambda: d.dig("edge.late.test", "A")[0].rcode == "NOERROR", 10, "late.test. served")
        assert served(d, "edge.late.test") == {"192.0.2.7"}
        again = api(d, "POST", "/api/drain", {"address": ADDRESS})[2]
        assert not again["changed"] and len(again["members"]) == 4
        assert again["drained_since_ms"] >= r["drained_since_ms"]

        p = ctl(d, "undrain", ADDRESS)
        assert p.returncode == 0, p.stdout + p.stderr
        saved = json.loads((state / "drains.json").read_text())
        assert saved["addresses"] == [] and saved["drains"] == []
        for name in NAMES + ["edge.late.test"]:
            assert ADDRESS in served(d, name), name

    with server() as d:
        assert ADDRESS in served(d, "www.other.test")
        assert api(d, "GET", "/api/status")[2]["address_drains"] == []
