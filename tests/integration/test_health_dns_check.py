"""The dns check against a real DNS server on loopback (backends/dns_backend.py,
dnspython on UDP and TCP): a truncated UDP reply is asked again over TCP, an
unexpected rcode or an answer without the expected address takes a member
down with the reason in /api/status and `dnsd ctl status`, and the query
carries EDNS unless the check turns it off (the backend records what it got).
"""

from control_support import api, ctl
from dnsd_harness import wait_for
from health_support import backends  # noqa: F401 (a fixture)
from health_support import (CHANGE_DEADLINE, common_port, fast_check, pool_zone, wait_answers,
                            wait_state_line)


def dns_check(backend, **options) -> dict:
    return fast_check(type="dns", port=backend.port, query_name="probe.test", query_type="A", **options)


def last_result(d, pool: str, address: str) -> dict | None:
    _, _, s = api(d, "GET", "/api/status")
    for p in s["pools"]:
        if p["name"] == pool:
            for m in p["members"]:
                if m["address"] == address:
                    return m["last_result"]
    raise AssertionError(f"no member {address} in pool {pool}")


def wait_detail(d, pool: str, address: str, detail: str) -> dict:
    """Polls /api/status until the member's last result has `detail`; returns that result."""
    def holds():
        r = last_result(d, pool, address)
        return r if r and r["detail"] == detail else None

    try:
        return wait_for(holds, CHANGE_DEADLINE, f"{pool}/{address}: last result {detail!r}")
    except TimeoutError as e:
        raise AssertionError(f"{e}; last {last_result(d, pool, address)}\n--- dnsd log ---\n{d.log()}") from None


def test_a_truncated_udp_reply_is_retried_over_tcp(start_dnsd, zone_dir, backends):
    tc = backends.dns("127.0.1.60", {"truncate_udp": True, "answer": ["192.0.2.1"]})
    tcp_only = backends.dns("127.0.1.61", {"truncate_udp": True})
    zones = zone_dir({"example.test.json": pool_zone({
        "tc": {"ttl": 5, "members": [tc.address], "when_all_down": "serve-none",
               "check": dns_check(tc, expect_address="192.0.2.1")},
        "tcp": {"ttl": 5, "members": [tcp_only.address], "when_all_down": "serve-none",
                "check": dns_check(tcp_only, transport="tcp")}},
        {"tc": {"A": {"pool": "tc"}}, "tcp": {"A": {"pool": "tcp"}}})})
    d = start_dnsd(zones=zones, threads=1)
    wait_answers(d, lambda s: s == {tc.address}, "the member that answers fully only over TCP", name="tc.example.test.")
    wait_answers(d, lambda s: s == {tcp_only.address}, "the transport=tcp member", name="tcp.example.test.")
    r = wait_detail(d, "tc", tc.address, "NOERROR over TCP")
    assert r["ok"]
    seen = [q["transport"] for q in tc.queries()]
    assert seen[:2] == ["udp", "tcp"] and seen.count("udp") - seen.count("tcp") in (0, 1), seen
    assert {q["transport"] for q in tcp_only.queries()} == {"tcp"}, "transport tcp never tries UDP"

    # Truncated over UDP and answered SERVFAIL over TCP: down, and the reason says both.
    tc.set_mode({"truncate_udp": True, "rcode": "SERVFAIL"})
    wait_answers(d, lambda s: s == set(), "the member to leave", name="tc.example.test.")
    wait_detail(d, "tc", tc.address, "rcode SERVFAIL over TCP, expected NOERROR")


def test_servfail_takes_a_member_down_with_the_reason_shown(start_dnsd, zone_dir, backends):
    members = ["127.0.1.62", "127.0.1.63"]
    port = common_port(members)
    ok = backends.dns(members[0], port=port)
    failing = backends.dns(members[1], {"rcode": "SERVFAIL"}, port=port)
    zones = zone_dir({"example.test.json": pool_zone({
        "web": {"ttl": 5, "members": members, "check": fast_check(type="dns", port=port, query_name="probe.test")},
        "lenient": {"ttl": 5, "members": [failing.address],
                    "check": fast_check(type="dns", port=port, query_name="probe.test",
                                        expect_rcode=["NOERROR", "SERVFAIL"])}},
        {"www": {"A": {"pool": "web"}}, "lenient": {"A": {"pool": "lenient"}}})})
    d = start_dnsd(zones=zones, threads=1)
    wait_answers(d, lambda s: s == {ok.address}, "the SERVFAIL member to be left out")
    r = wait_detail(d, "web", failing.address, "rcode SERVFAIL, expected NOERROR")
    assert r["failure"] == "rcode"
    wait_state_line(d, "pool=web", f"member={failing.address} ", "SERVFAIL, expected NOERROR")
    out = ctl(d, "status")
    assert out.returncode == 0, out.stderr
    assert "rcode SERVFAIL, expected NOERROR" in out.stdout, out.stdout
    # A pool that accepts SERVFAIL keeps the same server: different expectations are different targets.
    wait_answers(d, lambda s: s == {failing.address}, "the lenient pool to serve it", name="lenient.example.test.")
    assert wait_detail(d, "lenient", failing.address, "SERVFAIL")["ok"]

    failing.set_mode({"rcode": "NOERROR"})
    wait_answers(d, lambda s: s == set(members), "the member to return once it answers NOERROR")


def test_expect_address_wants_that_address_in_the_answer(start_dnsd, zone_dir, backends):
    b = backends.dns("127.0.1.64", {"answer": ["192.0.2.1", "192.0.2.2"]})
    zones = zone_dir({"example.test.json": pool_zone({
        "match": {"ttl": 5, "members": [b.address], "when_all_down": "serve-none",
                  "check": dns_check(b, expect_address="192.0.2.2", expect_answer=True)},
        "miss": {"ttl": 5, "members": [b.address], "when_all_down": "serve-none",
                 "check": dns_check(b, expect_address="192.0.2.9")}},
        {"match": {"A": {"pool": "match"}}, "miss": {"A": {"pool": "miss"}}})})
    d = start_dnsd(zones=zones, threads=1)
    wait_answers(d, lambda s: s == {b.address}, "the member whose answer has 192.0.2.2", name="match.example.test.")
    wait_answers(d, lambda s: s == set(), "the member whose answer lacks 192.0.2.9", name="miss.example.test.")
    assert wait_detail(d, "miss", b.address, "NOERROR, answer lacks 192.0.2.9")["failure"] == "body"

    b.set_mode({"answer": ["192.0.2.9"]})
    wait_answers(d, lambda s: s == {b.address}, "the member once its answer has 192.0.2.9", name="miss.example.test.")
    wait_answers(d, lambda s: s == set(), "the member once its answer lacks 192.0.2.2", name="match.example.test.")


def test_the_query_carries_edns_unless_the_check_turns_it_off(start_dnsd, zone_dir, backends):
    members = ["127.0.1.65", "127.0.1.66"]
    port = common_port(members)
    with_edns = backends.dns(members[0], port=port)
    without = backends.dns(members[1], port=port)
    zones = zone_dir({"example.test.json": pool_zone({
        "edns": {"ttl": 5, "members": [members[0]], "check": fast_check(type="dns", port=port)},
        "plain": {"ttl": 5, "members": [members[1]], "check": fast_check(type="dns", port=port, edns=False)}},
        {"edns": {"A": {"pool": "edns"}}, "plain": {"A": {"pool": "plain"}}})})
    d = start_dnsd(zones=zones, threads=1)
    wait_for(lambda: len(with_edns.queries()) >= 2 and len(without.queries()) >= 2, CHANGE_DEADLINE,
             "both backends to be probed")
    assert all(q["edns"] and q["payload"] == 1232 and not q["do"] and q["type"] == "SOA" and q["name"] == "."
               for q in with_edns.queries()), with_edns.queries()
    assert not any(q["edns"] for q in without.queries()), without.queries()
    _, _, s = api(d, "GET", "/api/status")
    checks = {p["name"]: p["check"] for p in s["pools"]}
    assert checks["edns"]["edns"] is True and checks["plain"]["edns"] is False
    assert checks["edns"]["transport"] == "udp" and checks["edns"]["expect_rcode"] == ["NOERROR"]
