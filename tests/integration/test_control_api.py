"""The control API (dnsd/CONTROL_API.md) and `dnsd ctl`, against a running
`dnsd serve`: status, reload, drains (also across a restart), a backend's
state followed through status and /metrics, and the token and address rules.
Explain and the full /metrics exposition are in test_control_explain.py.

Pools use check type "none" (always up) where a test needs settled states, so
nothing here depends on probe timing; "tcp" pools against closed ports on
127.0.1.x give members that are not up (all-down) without any network."""

import json
import os
import re
import socket
import subprocess
import time

import pytest

from control_support import SERIAL, ZONE, addresses, api, ctl, member, parse_prometheus, value, zone
from dnsd_harness import Dnsd, dnsd_bin, free_port, wait_for

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
    assert m["state"] == "unchecked" and not m["checked"], "check none: nothing says it is up"
    assert m["admin"] == "auto" and m["serving"] and not m["backup"] and m["weight"] == 1
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
    assert re.search(r"^ZONE\s+SERIAL\s+VERSIONS\s+LOADED\s+FILE\s+STATE$", p.stdout, re.M), p.stdout
    assert re.search(rf"^ctl\.test\.\s+{SERIAL}\s+.*ago\s+\S*ctl\.test\.json\s+ok$", p.stdout, re.M), p.stdout
    assert re.search(r"^ZONE\s+POOL\s+MEMBER\s+ROLE\s+STATE\s+FOR\s+LAST\s+NEXT\s+ADMIN\s+SERVING$", p.stdout, re.M)
    assert re.search(r"^ctl\.test\.\s+web\s+192\.0\.2\.1\s+primary\s+unchecked\s+\S+\s+-\s+-\s+auto\s+yes$", p.stdout,
                     re.M), p.stdout
    assert re.search(r"^ctl\.test\.\s+web\s+192\.0\.2\.9\s+backup\s+unchecked\b.*\bno$", p.stdout, re.M), p.stdout
    assert "unchecked members (check type none): never probed, served as if up" in p.stdout, p.stdout

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
    assert r["members"] == [{"zone": "ctl.test.", "pool": "web", "address": "192.0.2.1", "state": "unchecked",
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
    assert m["admin"] == "drain" and m["drained"] and not m["serving"] and m["state"] == "unchecked"

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
    p = ctl(ctl_server, "drain")
    assert p.returncode == 2 and "wrong number of arguments" in p.stderr
    p = ctl(ctl_server, "drain", "web")  # drain ADDRESS: 'web' is no address
    assert p.returncode == 2 and "'web' is not an IP address" in p.stderr


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
        # The health state writer may be between its write and its rename right now.
        assert not [f for f in os.listdir(state) if f.startswith("drains.json.tmp")], "the drain left no temporary file"
    assert not [f for f in os.listdir(state) if ".tmp" in f], "no temporary files left behind once stopped"

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
                               ("GET", "/api/events", None), ("GET", "/api/history", None),
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
