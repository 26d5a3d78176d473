"""The control API's explain (GET /api/explain and `dnsd ctl explain`) and the
whole /metrics exposition parsed as Prometheus text, against a running
`dnsd serve` (helpers and the zone in control_support.py)."""

import math
import os
import re
import time

from control_support import SERIAL, ZONE, api, ctl, parse_prometheus, value, zone


def test_explain_follows_the_cname_to_the_pool(ctl_server):
    api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.2"})
    status, _, e = api(ctl_server, "GET", "/api/explain?name=Alias.ctl.test&type=A")
    assert status == 200, e
    assert e["name"] == "alias.ctl.test." and e["type"] == "A" and e["zone"] == "ctl.test."
    assert e["outcome"] == "answer" and e["rcode"] == "NOERROR" and e["authoritative"]
    assert e["chain"] == [{"owner": "alias.ctl.test.", "target": "www.ctl.test.", "ttl": 300}]
    assert e["owner"] == "www.ctl.test."
    pool = e["pool"]
    assert pool["name"] == "web" and pool["rule"] == "healthy-primaries" and pool["rule_text"]
    why = {m["address"]: (m["role"], m["state"], m["in_answer"], m["why"]) for m in pool["members"]}
    assert why == {"192.0.2.1": ("primary", "unchecked", True, "up"),
                   "192.0.2.2": ("primary", "unchecked", False, "drained"),
                   "192.0.2.9": ("backup", "unchecked", False, "backup-standby")}, "only the A family"
    records = [(r["name"], r["type"], r["ttl"], r["data"]) for r in e["answer"]["records"]]
    assert records == [("alias.ctl.test.", "CNAME", 300, "www.ctl.test."), ("www.ctl.test.", "A", 20, "192.0.2.1")]
    assert e["answer"]["ttl"] == 20 and e["answer"]["rotates"]
    assert e["failover"] is None, "check none never fails over"


def test_explain_failover_time_and_all_down(ctl_server):
    e = api(ctl_server, "GET", "/api/explain?name=dead.ctl.test")[2]
    assert e["pool"]["rule"] == "all-down-serve-all"
    assert {m["why"] for m in e["pool"]["members"]} == {"fail-open"}
    # interval 1 s (+10%) + 1 more at 0.25 s (+10%) + 2 timeouts of 0.25 s, then the 5 s TTL.
    f = e["failover"]
    assert f["detection_ms"] == 1100 + 275 + 500 and f["ttl_s"] == 5
    assert math.isclose(f["worst_case_s"], 1.875 + 5)

    p = ctl(ctl_server, "explain", "dead.ctl.test")
    assert p.returncode == 0
    assert "rule all-down-serve-all" in p.stdout and "worst-case failover: 6.9 s" in p.stdout, p.stdout


def test_explain_negative_and_other_answers(ctl_server):
    e = api(ctl_server, "GET", "/api/explain?name=nope.ctl.test")[2]
    assert e["outcome"] == "nxdomain" and e["rcode"] == "NXDOMAIN" and e["pool"] is None
    assert e["answer"]["records"] == [] and e["answer"]["authority"][0]["type"] == "SOA"
    e = api(ctl_server, "GET", "/api/explain?name=static.ctl.test&type=MX")[2]
    assert e["outcome"] == "nodata"
    e = api(ctl_server, "GET", "/api/explain?name=static.ctl.test&type=1")[2]
    assert e["outcome"] == "answer" and e["type"] == "A" and e["answer"]["rotates"] and e["pool"] is None
    assert sorted(r["data"] for r in e["answer"]["records"]) == ["192.0.2.100", "192.0.2.101"]
    e = api(ctl_server, "GET", "/api/explain?name=www.ctl.test&type=aaaa")[2]
    assert [m["address"] for m in e["pool"]["members"]] == ["2001:db8::1"]
    e = api(ctl_server, "GET", "/api/explain?name=elsewhere.invalid")[2]
    assert e["outcome"] == "refused" and e["zone"] is None

    assert api(ctl_server, "GET", "/api/explain")[0] == 400
    assert api(ctl_server, "GET", "/api/explain?name=www.ctl.test&type=NOTATYPE")[0] == 400
    assert api(ctl_server, "GET", "/api/explain?name=a..b")[0] == 400


def test_ctl_explain_is_readable(ctl_server):
    p = ctl(ctl_server, "explain", "alias.ctl.test", "A")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("alias.ctl.test. A: answer (NOERROR, authoritative)")
    assert "CNAME alias.ctl.test. -> www.ctl.test. (TTL 300)" in out
    assert "pool web: round-robin, TTL 20" in out and "rule healthy-primaries:" in out
    assert re.search(r"^\s+MEMBER\s+ROLE\s+STATE\s+FOR\s+LAST\s+ADMIN\s+IN ANSWER\s+WHY$", out, re.M), out
    assert re.search(r"^\s+192\.0\.2\.9\s+backup\s+unchecked\b.*\bno\s+backup-standby$", out, re.M), out
    assert re.search(r"^\s+www\.ctl\.test\.\s+20\s+A\s+192\.0\.2\.\d$", out, re.M), out
    assert "TTL 20 s" in out and "failover: none" in out
    p = ctl(ctl_server, "explain", "www.ctl.test", "BOGUS")
    assert p.returncode == 1 and "unknown record type" in p.stderr


def test_ctl_explain_of_negative_answers_and_referrals(start_dnsd, zone_dir):
    """The real `dnsd ctl explain` on NXDOMAIN, NODATA and a referral: each
    prints its outcome and the authority records, and exits 0."""
    records = dict(ZONE["records"], sub={"NS": "ns.sub"}, **{"ns.sub": {"A": "192.0.2.54"}})
    d = start_dnsd(zones=zone_dir({"ctl.test.json": zone(records=records)}), threads=1)
    cases = [
        (["nothere.ctl.test"], "nothere.ctl.test. A: nxdomain (NXDOMAIN, authoritative)", "SOA"),
        (["www.ctl.test", "MX"], "www.ctl.test. MX: nodata (NOERROR, authoritative)", "SOA"),
        (["x.sub.ctl.test", "A"], "x.sub.ctl.test. A: referral (NOERROR)", "NS"),
    ]
    for args, first_line, authority_type in cases:
        p = ctl(d, "explain", *args)
        assert p.returncode == 0, f"{args}: exit {p.returncode}\n{p.stderr}"
        e = api(d, "GET", f"/api/explain?name={args[0]}&type={args[1] if len(args) > 1 else 'A'}")[2]
        assert e["answer"]["rotates"] is False and e["authoritative"] is (authority_type == "SOA"), e
        out = p.stdout
        assert out.splitlines()[0] == first_line, out
        assert "  answer served now:\n    (empty answer section)\n  authority:\n" in out, out
        assert re.search(rf"^    \S+\s+\d+\s+{authority_type}\s", out, re.M), out
        assert "rotates" not in out and "pool " not in out and "failover" not in out, out
    p = ctl(d, "explain", "x.sub.ctl.test")
    assert re.search(r"^    sub\.ctl\.test\.\s+300\s+NS\s+ns\.sub\.ctl\.test\.$", p.stdout, re.M), p.stdout


# -- metrics ---------------------------------------------------------------------------

def test_metrics_are_prometheus_text_with_the_expected_series(ctl_server):
    for _ in range(5):
        ctl_server.query("www.ctl.test", "A")
    ctl_server.query("nope.ctl.test", "A")
    ctl_server.query_tcp("static.ctl.test", "MX")
    ctl_server.query("dead.ctl.test", "A")
    api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1"})

    status, headers, text = api(ctl_server, "GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples, types = parse_prometheus(text)
    assert types["dnsd_queries_total"] == "counter" and types["dnsd_member_up"] == "gauge"
    assert types["dnsd_probe_duration_seconds"] == "histogram"

    assert value(samples, "dnsd_queries_total", proto="udp", qtype="A") >= 7
    assert value(samples, "dnsd_queries_total", proto="tcp", qtype="MX") >= 1
    assert value(samples, "dnsd_responses_total", proto="udp", rcode="NXDOMAIN") >= 1
    assert value(samples, "dnsd_responses_total", proto="udp", rcode="NOERROR") >= 6
    assert value(samples, "dnsd_truncated_total", proto="udp") is not None
    assert value(samples, "dnsd_all_down_total", zone="ctl.test.", pool="dead", proto="udp") >= 1, \
        "dead.ctl.test answered by fail-open"
    assert value(samples, "dnsd_all_down_total", zone="ctl.test.", pool="web", proto="udp") == 0
    assert value(samples, "dnsd_zone_queries_total", zone="ctl.test.", proto="udp") >= 7
    assert value(samples, "dnsd_zone_queries_total", zone="ctl.test.", proto="tcp") >= 1
    assert value(samples, "dnsd_zone_responses_total", zone="ctl.test.", rcode="NXDOMAIN") >= 1
    assert value(samples, "dnsd_pool_all_down", zone="ctl.test.", pool="dead") == 1
    assert value(samples, "dnsd_pool_all_down", zone="ctl.test.", pool="web") == 0

    web1 = dict(zone="ctl.test.", pool="web", member="192.0.2.1")
    assert value(samples, "dnsd_member_up", **web1) is None, "check none: no health to report"
    assert value(samples, "dnsd_member_drained", **web1) == 1
    assert value(samples, "dnsd_member_state", state="unchecked", **web1) == 1
    assert value(samples, "dnsd_member_state", state="up", **web1) == 0
    assert value(samples, "dnsd_member_state", state="down", **web1) == 0
    dead1 = dict(zone="ctl.test.", pool="dead", member="127.0.1.251")
    assert value(samples, "dnsd_member_up", **dead1) == 0
    assert value(samples, "dnsd_member_state", state="unchecked", **dead1) == 0
    assert value(samples, "dnsd_member_transitions_total", to="down", **dead1) >= 1
    assert value(samples, "dnsd_member_transitions_total", to="up", **dead1) == 0
    changed = value(samples, "dnsd_member_last_change_timestamp_seconds", **dead1)
    assert changed is not None and abs(changed - time.time()) < 600, changed
    (build_labels, build_value), = samples["dnsd_build_info"].items()
    assert build_value == 1 and dict(build_labels)["version"] and dict(build_labels)["ldns"]
    assert value(samples, "process_open_fds") > 0 and value(samples, "process_max_fds") >= value(samples, "process_open_fds")
    assert value(samples, "process_resident_memory_bytes") > 1 << 20
    assert abs(value(samples, "process_start_time_seconds") - time.time()) < 3600

    assert value(samples, "dnsd_zone_serial", zone="ctl.test.") == SERIAL
    assert value(samples, "dnsd_reloads_total", result="ok") >= 1
    assert value(samples, "dnsd_reloads_total", result="failed") == 0
    assert value(samples, "dnsd_zone_load_error", zone="ctl.test.",
                 file=os.path.join(ctl_server.zones, "ctl.test.json")) == 0
    # The first probe round (before the first answer) found both dead members refused.
    assert value(samples, "dnsd_health_transitions_total", to="down") >= 2

    # A histogram per check type: cumulative buckets ending at +Inf == _count.
    buckets = {dict(k)["le"]: v for k, v in samples["dnsd_probe_duration_seconds_bucket"].items()
               if dict(k)["check"] == "tcp"}
    ordered = [buckets[le] for le in sorted(buckets, key=lambda le: math.inf if le == "+Inf" else float(le))]
    assert ordered == sorted(ordered) and len(ordered) == 14
    assert buckets["+Inf"] == value(samples, "dnsd_probe_duration_seconds_count", check="tcp")
    assert value(samples, "dnsd_probe_failures_total", check="tcp", reason="refused") >= 2
    assert value(samples, "dnsd_probe_failures_total", check="tcp", reason="timeout") is not None


# -- HTTP rules and the token ------------------------------------------------------------
