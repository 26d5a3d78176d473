"""The control API (dnsd/CONTROL_API.md) and `dnsd ctl`, against a running
`dnsd serve`: every endpoint and every ctl subcommand, the token rules, drains
that survive a restart, and /metrics parsed as Prometheus text.

Pools use check type "none" (always up) where a test needs settled states, so
nothing here depends on probe timing; "tcp" pools against closed ports on
127.0.1.x give members that are not up (all-down) without any network."""

import copy
import json
import math
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from dnsd_harness import REPO, Dnsd, dnsd_bin, free_port, wait_for

SERIAL = 2024060101

ZONE = {
    "origin": "ctl.test.",
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": SERIAL, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "pools": {
        "web": {"ttl": 20,
                "members": ["192.0.2.1", "192.0.2.2", {"address": "192.0.2.9", "backup": True}, "2001:db8::1"],
                "check": {"type": "none"}},
        "solo": {"ttl": 30, "members": ["192.0.2.50"]},
        # Probed at a closed port on a loopback address: never up, so the
        # pool is all-down and answers by when_all_down (fail open).
        "dead": {"ttl": 5, "members": ["127.0.1.251", "127.0.1.252"],
                 "check": {"type": "tcp", "port": 9, "interval": 1, "fast_interval": 0.25, "timeout": 0.25,
                           "fall": 2}},
    },
    "records": {
        "@": {"NS": "ns1"},
        "ns1": {"A": "192.0.2.53"},
        "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web"}},
        "www2": {"A": {"pool": "web", "ttl": 120}},
        "alias": {"CNAME": "www"},
        "solo": {"A": {"pool": "solo"}},
        "dead": {"A": {"pool": "dead"}},
        "static": {"A": ["192.0.2.100", "192.0.2.101"]},
    },
}


def zone(**changes):
    z = copy.deepcopy(ZONE)
    z.update(changes)
    return z


# -- clients -------------------------------------------------------------------

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


def api(d, method, path, body=None, token=None, raw=False):
    """(status, headers, parsed JSON or text) of one request to d's control API."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://{d.control_address}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with _opener.open(req, timeout=10) as r:
            status, headers, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read().decode()
    if raw or not headers.get("Content-Type", "").startswith("application/json"):
        return status, headers, text
    return status, headers, json.loads(text)


def ctl(d, *args, token=None):
    cmd = [dnsd_bin(), "ctl", "--control", d.control_address]
    if token:
        cmd += ["--token", token]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                          cwd=REPO)


def addresses(d, name, rdtype="A"):
    r = d.query(name, rdtype)
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset if rrset.rdtype in (1, 28))


def member(status, pool, address, zone_name="ctl.test."):
    for p in status["pools"]:
        if p["zone"] == zone_name and p["name"] == pool:
            for m in p["members"]:
                if m["address"] == address:
                    return m
    raise AssertionError(f"no member {address} of {pool} in status")


@pytest.fixture
def ctl_server(start_dnsd, zone_dir):
    return start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), threads=1)


# -- Prometheus text -----------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def parse_prometheus(text):
    """{name: {frozenset(labels): value}} and {name: type}; asserts the text is well formed."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"TYPE given twice for {name}"
            types[name] = kind
            continue
        assert not line.startswith("#"), line
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = _LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample {name} before its # TYPE"
        key = frozenset(labels.items())
        assert key not in samples.setdefault(name, {}), f"duplicate series {line!r}"
        samples[name][key] = float(value)
    assert set(types) <= helps, "every family has HELP"
    return samples, types


def value(samples, name, **labels):
    return samples.get(name, {}).get(frozenset(labels.items()))


# -- status ------------------------------------------------------------------------

def test_status_shows_zones_pools_and_members(ctl_server):
    status, headers, s = api(ctl_server, "GET", "/api/status")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert s["version"] == 1 and s["server"]["zones_path"] == ctl_server.zones
    assert abs(s["now_ms"] / 1000 - time.time()) < 60
    (z,) = s["zones"]
    assert z["origin"] == "ctl.test." and z["serial"] == SERIAL and z["file"].endswith("ctl.test.json")
    assert z["loaded_ms"] <= s["now_ms"] and z["loaded"].endswith("Z") and not z["stale"] and z["errors"] == []
    assert s["last_reload"]["ok"] and s["reloads"]["ok"] >= 1

    web = next(p for p in s["pools"] if p["name"] == "web")
    assert web["ttl"] == 20 and web["policy"] == "round-robin" and web["check"]["type"] == "none"
    assert web["names"] == ["www.ctl.test.", "www2.ctl.test."]
    assert web["selection"]["A"] == {"rule": "healthy-primaries", "serving": ["192.0.2.1", "192.0.2.2"]}
    assert web["selection"]["AAAA"]["serving"] == ["2001:db8::1"]
    m = member(s, "web", "192.0.2.1")
    assert m["state"] == "up" and m["admin"] == "auto" and m["serving"] and not m["backup"] and m["weight"] == 1
    assert m["age_s"] >= 0 and m["since"].endswith("Z")
    assert m["last_result"] is None and m["next_probe_in_ms"] is None, "check none is never probed"
    backup = member(s, "web", "192.0.2.9")
    assert backup["backup"] and not backup["serving"]

    dead = next(p for p in s["pools"] if p["name"] == "dead")
    assert dead["selection"]["A"]["rule"] == "all-down-serve-all"
    assert all(m["state"] != "up" for m in dead["members"])


def test_ctl_status_prints_tables(ctl_server):
    p = ctl(ctl_server, "status")
    assert p.returncode == 0, p.stderr
    assert re.search(r"^ZONE\s+SERIAL\s+LOADED\s+FILE\s+STATE$", p.stdout, re.M), p.stdout
    assert re.search(rf"^ctl\.test\.\s+{SERIAL}\s+.*ago\s+\S*ctl\.test\.json\s+ok$", p.stdout, re.M), p.stdout
    assert re.search(r"^ZONE\s+POOL\s+MEMBER\s+ROLE\s+STATE\s+FOR\s+LAST\s+NEXT\s+ADMIN\s+SERVING$", p.stdout, re.M)
    assert re.search(r"^ctl\.test\.\s+web\s+192\.0\.2\.1\s+primary\s+up\s+\S+\s+-\s+-\s+auto\s+yes$", p.stdout, re.M), \
        p.stdout
    assert re.search(r"^ctl\.test\.\s+web\s+192\.0\.2\.9\s+backup\s+up\b.*\bno$", p.stdout, re.M), p.stdout

    j = ctl(ctl_server, "--json", "status")
    assert j.returncode == 0 and json.loads(j.stdout)["zones"][0]["origin"] == "ctl.test."


# -- reload -------------------------------------------------------------------------

def test_reload_reports_success_failure_and_recovery(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), threads=1)
    path = os.path.join(d.zones, "ctl.test.json")

    status, _, r = api(d, "POST", "/api/reload")
    assert status == 200 and r["ok"] and r["files"] == 1 and r["errors"] == [] and r["at"].endswith("Z")
    p = ctl(d, "reload")
    assert p.returncode == 0 and re.match(r"reloaded 1 zone\(s\) from 1 file\(s\) in [\d.]+ ms", p.stdout), p.stdout

    broken = zone(soa={**ZONE["soa"], "serial": SERIAL + 1})
    broken["records"]["static"]["A"] = ["192.0.2.100", "192.0.2.300"]
    with open(path, "w") as f:
        json.dump(broken, f)
    status, _, r = api(d, "POST", "/api/reload")
    assert status == 422 and not r["ok"] and r["published"] and r["failed"] == 1
    assert r["kept"] == [{"file": path, "origin": "ctl.test.", "serial": SERIAL}]
    (err,) = r["errors"]
    assert err["file"] == path and err["pointer"].startswith("/records/static/A") and "192.0.2.300" in err["message"]
    assert err["text"] == f"{path}: {err['pointer']}: {err['message']}"
    assert addresses(d, "static.ctl.test") == ["192.0.2.100", "192.0.2.101"], "the last good version serves"

    p = ctl(d, "reload")
    assert p.returncode == 1, "a failed file makes `ctl reload` fail"
    assert f"{path}: /records/static/A" in p.stdout and "FAILED" in p.stdout, p.stdout

    _, _, s = api(d, "GET", "/api/status")
    (z,) = s["zones"]
    assert z["stale"] and z["serial"] == SERIAL and z["errors"][0]["pointer"].startswith("/records/static/A")
    assert not s["last_reload"]["ok"] and s["reloads"]["failed"] >= 2
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    assert value(samples, "dnsd_zone_load_error", zone="ctl.test.", file=path) == 1
    assert value(samples, "dnsd_zone_stale", zone="ctl.test.") == 1
    assert value(samples, "dnsd_reloads_total", result="failed") >= 2

    fixed = zone(soa={**ZONE["soa"], "serial": SERIAL + 2})
    with open(path, "w") as f:
        json.dump(fixed, f)
    p = ctl(d, "reload")
    assert p.returncode == 0, p.stdout + p.stderr
    _, _, s = api(d, "GET", "/api/status")
    assert s["zones"][0]["serial"] == SERIAL + 2 and not s["zones"][0]["stale"] and s["last_reload"]["ok"]
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    assert value(samples, "dnsd_zone_load_error", zone="ctl.test.", file=path) == 0
    assert value(samples, "dnsd_zone_serial", zone="ctl.test.") == SERIAL + 2


def test_reload_of_an_unreadable_directory_is_a_500(start_dnsd, zone_dir, tmp_path):
    zones = zone_dir({"ctl.test.json": ZONE})
    d = start_dnsd(zones=zones, threads=1)
    moved = tmp_path / "moved-away"
    os.rename(zones, moved)
    try:
        status, _, r = api(d, "POST", "/api/reload")
        assert status == 500 and not r["published"] and r["errors"]
        assert addresses(d, "static.ctl.test") == ["192.0.2.100", "192.0.2.101"]
    finally:
        os.rename(moved, zones)


# -- drain and undrain ---------------------------------------------------------------

def test_drain_removes_the_member_and_says_when_it_is_safe(ctl_server):
    before = time.time()
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1"})
    assert status == 200, r
    assert r["admin"] == "drain" and r["changed"] and r["zone"] is None and not r["still_serving"]
    assert r["members"] == [{"zone": "ctl.test.", "pool": "web", "address": "192.0.2.1", "state": "up",
                             "admin": "drain", "serving": False}]
    assert r["max_ttl_s"] == 120, "www2 serves the pool with TTL 120, longer than the pool's 20"
    assert r["safe_after_ms"] == r["drained_since_ms"] + 120_000
    assert before - 1 <= r["drained_since_ms"] / 1000 <= time.time() + 1
    assert 115 <= r["safe_in_s"] <= 120 and r["safe_after"].endswith("Z")
    assert r["persisted"] is False, "no --state-dir"

    for _ in range(12):  # every rotation
        assert addresses(ctl_server, "www.ctl.test") == ["192.0.2.2"]
    _, _, s = api(ctl_server, "GET", "/api/status")
    m = member(s, "web", "192.0.2.1")
    assert m["admin"] == "drain" and m["drained"] and not m["serving"] and m["state"] == "up"

    again = api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1", "zone": "CTL.test"})[2]
    assert not again["changed"] and again["drained_since_ms"] == r["drained_since_ms"], "the first drain time stays"

    status, _, u = api(ctl_server, "POST", "/api/undrain", {"pool": "web", "address": "192.0.2.1"})
    assert status == 200 and u["admin"] == "auto" and u["changed"] and u["safe_after"] is None
    assert u["members"][0]["serving"]
    seen = set()
    for _ in range(6):
        seen.update(addresses(ctl_server, "www.ctl.test"))
    assert seen == {"192.0.2.1", "192.0.2.2"}


def test_ctl_drain_and_undrain(ctl_server):
    p = ctl(ctl_server, "drain", "web", "192.0.2.2")
    assert p.returncode == 0, p.stderr
    assert "drained 192.0.2.2 in pool web (ctl.test.)" in p.stdout
    assert "up to 120 s" in p.stdout
    assert re.search(r"safe to stop after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(.*\), in \S+", p.stdout), p.stdout
    assert "not persisted" in p.stdout
    assert addresses(ctl_server, "www.ctl.test") == ["192.0.2.1"]

    p = ctl(ctl_server, "undrain", "web", "192.0.2.2", "--zone", "ctl.test.")
    assert p.returncode == 0 and "undrained 192.0.2.2 in pool web" in p.stdout, p.stdout + p.stderr
    assert "192.0.2.2" in {a for _ in range(4) for a in addresses(ctl_server, "www.ctl.test")}


def test_draining_the_only_member_is_not_safe(ctl_server):
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "solo", "address": "192.0.2.50"})
    assert status == 200 and r["still_serving"] and r["safe_after"] is None and r["safe_in_s"] is None
    assert "still being served" in r["warning"]
    assert addresses(ctl_server, "solo.ctl.test") == ["192.0.2.50"], "a drained member beats no answer"
    _, _, s = api(ctl_server, "GET", "/api/status")
    solo = next(p for p in s["pools"] if p["name"] == "solo")
    assert solo["selection"]["A"]["rule"] == "drained-last-resort"

    p = ctl(ctl_server, "drain", "solo", "192.0.2.50")
    assert p.returncode == 3, "exit 3: drained, but still served"
    assert "NOT SAFE" in p.stdout


def test_drain_errors(ctl_server):
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.77"})
    assert status == 404 and "192.0.2.77" in r["error"]
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1", "zone": "other.test"})
    assert status == 404
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "nope", "address": "192.0.2.1"})
    assert status == 404
    assert api(ctl_server, "POST", "/api/drain", {"pool": "web"})[0] == 400
    assert api(ctl_server, "POST", "/api/drain", b"{not json")[0] == 400
    assert api(ctl_server, "POST", "/api/drain", {"pool": 1, "address": "192.0.2.1"})[0] == 400
    assert api(ctl_server, "POST", "/api/drain", b"x" * 70000)[0] == 413

    p = ctl(ctl_server, "drain", "web", "192.0.2.77")
    assert p.returncode == 1 and "HTTP 404" in p.stderr and "192.0.2.77" in p.stderr
    p = ctl(ctl_server, "drain", "web")
    assert p.returncode == 2 and "wrong number of arguments" in p.stderr


def test_ipv6_member_is_named_canonically(ctl_server):
    status, _, r = api(ctl_server, "POST", "/api/drain", {"pool": "web", "address": "2001:DB8:0::1"})
    assert status == 200 and r["address"] == "2001:db8::1" and r["still_serving"], "the only IPv6 member"
    assert addresses(ctl_server, "www.ctl.test", "AAAA") == ["2001:db8::1"]


def test_drains_survive_a_restart(zone_dir, tmp_path):
    zones = zone_dir({"ctl.test.json": ZONE})
    state = tmp_path / "state"

    def server():
        return Dnsd(zones=zones, threads=1, extra_args=["--state-dir", str(state)], log_dir=str(tmp_path))

    with server() as d:
        r = api(d, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1"})[2]
        assert r["persisted"]
        saved = json.loads((state / "drains.json").read_text())
        assert saved["version"] == 1
        assert saved["drains"] == [{"zone": "ctl.test.", "pool": "web", "address": "192.0.2.1",
                                    "since_ms": r["drained_since_ms"], "since": r["drained_since"]}]
        assert not [f for f in os.listdir(state) if ".tmp" in f], "no temporary files left behind"

    with server() as d:
        for _ in range(6):  # from the very first answer, before any API call
            assert addresses(d, "www.ctl.test") == ["192.0.2.2"]
        m = member(api(d, "GET", "/api/status")[2], "web", "192.0.2.1")
        assert m["admin"] == "drain" and not m["serving"]
        again = api(d, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.1"})[2]
        assert again["drained_since_ms"] == r["drained_since_ms"], "the drain time survives too"
        assert re.search(r"restored 1 drain", d.log())
        api(d, "POST", "/api/undrain", {"pool": "web", "address": "192.0.2.1"})
        assert json.loads((state / "drains.json").read_text())["drains"] == []

    with server() as d:
        assert "192.0.2.1" in {a for _ in range(4) for a in addresses(d, "www.ctl.test")}


def test_a_corrupt_state_file_stops_start_up(zone_dir, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "drains.json").write_text("{broken")
    d = Dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--state-dir", str(state)], log_dir=str(tmp_path))
    with pytest.raises(Exception):
        d.start()
    assert "drains.json" in d.log()
    assert not d.alive()


# -- a real backend dying and coming back ---------------------------------------------

class Listener:
    """A TCP listener on a loopback address: what a tcp check connects to."""

    def __init__(self, host, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)  # connects complete in the kernel backlog; nothing need accept

    def close(self):
        self.sock.close()


def test_status_explain_and_metrics_follow_a_backend(start_dnsd, zone_dir):
    host, other = "127.0.1.77", "127.0.1.78"
    port = free_port(host)
    backend, steady = Listener(host, port), Listener(other, port)
    z = zone()
    z["pools"]["live"] = {"ttl": 3, "members": [host, other],
                          "check": {"type": "tcp", "port": port, "interval": 0.2, "fast_interval": 0.1,
                                    "timeout": 0.1, "rise": 1, "fall": 2}}
    z["records"]["live"] = {"A": {"pool": "live"}}
    d = start_dnsd(zones=zone_dir({"ctl.test.json": z}), threads=1)
    try:
        def state():
            return member(api(d, "GET", "/api/status")[2], "live", host)

        def reaches(wanted):
            return lambda: (lambda m: m if m["state"] == wanted else None)(state())

        m = state()
        assert m["state"] == "up" and m["serving"] and m["last_result"]["ok"] and m["next_probe_in_ms"] is not None
        assert m["check"] == f"tcp {host}:{port}" and m["probes"] >= 1
        assert {a for _ in range(4) for a in addresses(d, "live.ctl.test")} == {host, other}

        backend.close()
        m = wait_for(reaches("down"), 10, f"{host} down")
        assert not m["serving"] and m["last_result"]["failure"] == "refused" and m["age_s"] < 10
        assert addresses(d, "live.ctl.test") == [other]
        e = api(d, "GET", "/api/explain?name=live.ctl.test")[2]
        assert e["pool"]["rule"] == "healthy-primaries"
        assert {x["address"]: x["why"] for x in e["pool"]["members"]} == {host: "down", other: "up"}
        assert e["failover"]["detection_ms"] == 220 + 110 + 200 and e["failover"]["ttl_s"] == 3
        samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
        assert value(samples, "dnsd_member_up", zone="ctl.test.", pool="live", member=host) == 0
        assert value(samples, "dnsd_member_state", zone="ctl.test.", pool="live", member=host, state="down") == 1
        assert value(samples, "dnsd_member_up", zone="ctl.test.", pool="live", member=other) == 1
        p = ctl(d, "status")
        assert re.search(rf"^ctl\.test\.\s+live\s+{re.escape(host)}\s+primary\s+down\s.*refused.*\bno$", p.stdout,
                         re.M), p.stdout

        backend = Listener(host, port)
        m = wait_for(reaches("up"), 10, f"{host} up again")
        assert m["serving"] and m["state_changes"] >= 3
        assert {a for _ in range(4) for a in addresses(d, "live.ctl.test")} == {host, other}
    finally:
        backend.close()
        steady.close()


# -- explain ----------------------------------------------------------------------------

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
    assert why == {"192.0.2.1": ("primary", "up", True, "up"),
                   "192.0.2.2": ("primary", "up", False, "drained"),
                   "192.0.2.9": ("backup", "up", False, "backup-standby")}, "only the A family"
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
    assert re.search(r"^\s+192\.0\.2\.9\s+backup\s+up\b.*\bno\s+backup-standby$", out, re.M), out
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
    assert value(samples, "dnsd_all_down_total", proto="udp") >= 1, "dead.ctl.test answered by fail-open"
    assert value(samples, "dnsd_pool_all_down", zone="ctl.test.", pool="dead") == 1
    assert value(samples, "dnsd_pool_all_down", zone="ctl.test.", pool="web") == 0

    web1 = dict(zone="ctl.test.", pool="web", member="192.0.2.1")
    assert value(samples, "dnsd_member_up", **web1) == 1
    assert value(samples, "dnsd_member_drained", **web1) == 1
    assert value(samples, "dnsd_member_state", state="up", **web1) == 1
    assert value(samples, "dnsd_member_state", state="down", **web1) == 0
    dead1 = dict(zone="ctl.test.", pool="dead", member="127.0.1.251")
    assert value(samples, "dnsd_member_up", **dead1) == 0

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

def test_unknown_paths_and_methods(ctl_server):
    status, _, r = api(ctl_server, "GET", "/api/nothing")
    assert status == 404 and "error" in r
    status, headers, r = api(ctl_server, "GET", "/api/reload")
    assert status == 405 and headers["Allow"] == "POST"


def test_token_is_required_on_every_endpoint(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--control-token", "s3cret"])
    for method, path, body in [("GET", "/api/status", None), ("POST", "/api/reload", None),
                               ("POST", "/api/drain", {"pool": "web", "address": "192.0.2.1"}),
                               ("POST", "/api/undrain", {"pool": "web", "address": "192.0.2.1"}),
                               ("GET", "/api/explain?name=www.ctl.test", None), ("GET", "/metrics", None),
                               ("GET", "/api/nothing", None)]:
        status, headers, r = api(d, method, path, body)
        assert status == 401, (path, r)
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert api(d, method, path, body, token="wrong")[0] == 401
        assert api(d, method, path, body, token="s3cret")[0] in (200, 404), path
    assert addresses(d, "www.ctl.test") == ["192.0.2.1", "192.0.2.2"], "nothing drained without the token"

    p = ctl(d, "status")
    assert p.returncode == 1 and "401" in p.stderr and "token" in p.stderr
    p = ctl(d, "status", token="s3cret")
    assert p.returncode == 0, p.stderr
    env = dict(os.environ, DNSD_CONTROL_TOKEN="s3cret", DNSD_CONTROL=d.control_address)
    p = subprocess.run([dnsd_bin(), "ctl", "reload"], capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode == 0, p.stderr


def serve_refused(zones, *args):
    port = free_port()
    return subprocess.run([dnsd_bin(), "serve", "--zones", str(zones), "--listen", f"127.0.0.1:{port}", *args],
                          capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("address", ["0.0.0.0:8053", "[::]:8053", "192.0.2.1:8053", "[2001:db8::1]:8053"])
def test_a_non_loopback_control_address_needs_a_token(zone_dir, address):
    # Refused while parsing flags: nothing is bound, so no traffic leaves loopback.
    p = serve_refused(zone_dir({"ctl.test.json": ZONE}), "--control", address)
    assert p.returncode == 2
    assert "not a loopback address" in p.stderr and "--control-token" in p.stderr, p.stderr


@pytest.mark.parametrize("address", ["127.0.0.2", "[::1]"])
def test_loopback_control_addresses_need_no_token(start_dnsd, zone_dir, address):
    host = address.strip("[]")
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}),
                   extra_args=["--control", f"{address}:{free_port(host)}"])
    assert api(d, "GET", "/api/status")[0] == 200


def test_token_file(start_dnsd, zone_dir, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("from-a-file\n")
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--control-token-file", str(token_file)])
    assert api(d, "GET", "/api/status")[0] == 401
    assert api(d, "GET", "/api/status", token="from-a-file")[0] == 200
    p = ctl(d, "--token-file", str(token_file), "status")
    assert p.returncode == 0, p.stderr


def test_control_none_disables_the_api(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--control", "none"])
    assert addresses(d, "www.ctl.test") == ["192.0.2.1", "192.0.2.2"]
    assert "control API" not in d.log()


def test_a_control_port_in_use_is_refused(zone_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        p = serve_refused(zone_dir({"ctl.test.json": ZONE}), "--control", f"127.0.0.1:{port}")
    assert p.returncode == 1
    assert f"127.0.0.1:{port}" in p.stderr and "in use" in p.stderr and "--control none" in p.stderr, p.stderr


def test_ctl_without_a_server_fails_clearly():
    port = free_port()
    p = subprocess.run([dnsd_bin(), "ctl", "--control", f"127.0.0.1:{port}", "status"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1 and f"127.0.0.1:{port}" in p.stderr


def test_ctl_usage():
    p = subprocess.run([dnsd_bin(), "ctl", "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    for word in ("status", "reload", "drain POOL ADDRESS", "undrain POOL ADDRESS", "explain NAME [TYPE]", "--control"):
        assert word in p.stdout
    assert subprocess.run([dnsd_bin(), "ctl"], capture_output=True, timeout=10).returncode == 2
    assert subprocess.run([dnsd_bin(), "ctl", "frobnicate"], capture_output=True, timeout=10).returncode == 2
