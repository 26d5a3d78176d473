"""Every check type against a real server on loopback: tcp (a plain listener),
http (Host, User-Agent, body), https (a self-signed certificate made by the
openssl CLI), dns (a second dnsd), and exec (a command that reads a flag file).
Each one: a live member is served, a failing one leaves, and comes back.
"""

import shutil
import subprocess

import pytest

from health_support import backends  # noqa: F401 (a fixture)
from health_support import addresses, common_port, fast_check, pool_zone, wait_answers, wait_state_line


def test_tcp_check_follows_a_plain_listener(start_dnsd, zone_dir, backends):
    members = ["127.0.1.40", "127.0.1.41"]
    port = common_port(members)
    listeners = [backends.tcp(a, port) for a in members]
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "members": members, "check": fast_check(type="tcp", port=port)}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(members)

    listeners[0].kill()
    wait_answers(d, lambda s: s == {members[1]}, "the closed listener to leave")
    wait_state_line(d, f"(check tcp 127.0.1.40:{port}) up -> down: connect refused in")
    backends.tcp(members[0], port)
    wait_answers(d, lambda s: s == set(members), "the listener to return")
    wait_state_line(d, "member=127.0.1.40 ", "down -> up: connected in")


def test_http_check_sends_host_and_user_agent_and_can_require_a_body(start_dnsd, zone_dir, backends):
    members = ["127.0.1.42", "127.0.1.43"]
    b = backends(members)
    port = b[0].port
    zones = zone_dir({"example.test.json": pool_zone({
        # The backend's 200 body echoes the Host and User-Agent it got.
        "web": {"ttl": 5, "members": members,
                "check": fast_check(port=port, path="/healthz", host="www.example.test",
                                    body="host=www.example.test")},
        "ua": {"ttl": 5, "members": members, "check": fast_check(port=port, body="ua=dnsd")},
        "picky": {"ttl": 5, "members": members, "check": fast_check(port=port, body="no such text")}},
        {"www": {"A": {"pool": "web"}}, "ua": {"A": {"pool": "ua"}}, "picky": {"A": {"pool": "picky"}}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(members), "body contains the Host header sent"
    assert set(addresses(d, "ua.example.test.")) == set(members), "User-Agent starts with dnsd"
    # No member passes: fail open (serve-all) with every primary, and the log says why.
    assert set(addresses(d, "picky.example.test.")) == set(members)
    line = wait_state_line(d, "pool=picky", "member=127.0.1.42 ", "unknown -> down")
    assert "body" in line.lower(), line

    b[1].kill()
    wait_answers(d, lambda s: s == {members[0]}, "the dead backend to leave")


@pytest.fixture
def self_signed(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", "/CN=www.example.test"],
                   check=True, capture_output=True, timeout=30)
    return str(cert), str(key)


def test_https_check_does_not_verify_the_certificate_unless_asked(start_dnsd, zone_dir, backends, self_signed):
    members = ["127.0.1.44", "127.0.1.45"]
    b = backends(members, tls=self_signed)
    port = b[0].port
    # A TLS handshake (and curl's first TLS set-up) can take hundreds of ms on a loaded
    # machine: a 1 s timeout here, so only real failures fail.
    tls_timing = {"interval": 1, "fast_interval": 0.25, "timeout": 1}
    zones = zone_dir({"example.test.json": pool_zone({
        "web": {"ttl": 5, "members": members,
                "check": fast_check(type="https", port=port, host="www.example.test", body="ok", **tls_timing)},
        "verify": {"ttl": 5, "members": members, "when_all_down": "serve-none",
                   "check": fast_check(type="https", port=port, host="www.example.test", tls_verify=True,
                                       **tls_timing)}},
        {"www": {"A": {"pool": "web"}}, "verify": {"A": {"pool": "verify"}}})})
    d = start_dnsd(zones=zones, threads=1)
    # A first handshake slower than the timeout (a sanitizer build, a loaded machine) only delays this.
    wait_answers(d, lambda s: s == set(members), "a self-signed certificate to pass by default")
    assert addresses(d, "verify.example.test.") == [], "tls_verify rejects a self-signed certificate"
    wait_state_line(d, "pool=verify", "member=127.0.1.44 ", "unknown -> down")

    b[0].set_mode("500")
    wait_answers(d, lambda s: s == {members[1]}, "HTTP 500 over TLS to take the member out")
    b[0].set_mode("ok")
    wait_answers(d, lambda s: s == set(members), "the member to return")
    b[1].kill()
    wait_answers(d, lambda s: s == {members[0]}, "the dead TLS backend to leave")


def test_dns_check_queries_the_member_and_wants_noerror(start_dnsd, zone_dir, tmp_path):
    # Each member is a dnsd of its own serving probe.test. on 127.0.1.x:PORT (and on a
    # free 127.0.0.1 port, where the harness waits for it to answer).
    probe_zones = tmp_path / "probe-zones"
    probe_zones.mkdir()
    (probe_zones / "probe.test.json").write_text(
        '{"origin": "probe.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}}}')
    members = ["127.0.1.46", "127.0.1.47"]
    port = common_port(members)
    servers = [start_dnsd(zones=probe_zones, threads=1, extra_args=["--control", "none", "--listen", f"{a}:{port}"])
               for a in members]
    for a in members:
        assert servers[0].query("probe.test.", "SOA", addr=(a, port)).rcode() == 0
    zones = zone_dir({"example.test.json": pool_zone({
        "web": {"ttl": 5, "members": members,
                "check": fast_check(type="dns", port=port, query_name="probe.test", query_type="SOA")},
        "refused": {"ttl": 5, "members": members, "when_all_down": "serve-none",
                    "check": fast_check(type="dns", port=port, query_name="elsewhere.invalid")}},
        {"www": {"A": {"pool": "web"}}, "refused": {"A": {"pool": "refused"}}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(members)
    assert addresses(d, "refused.example.test.") == [], "REFUSED is not NOERROR"
    wait_state_line(d, "pool=refused", "member=127.0.1.46 ", "unknown -> down", "REFUSED")

    servers[0].stop()
    servers[0].proc = None  # stopped (and its clean exit checked) here; the fixture's teardown skips it
    wait_answers(d, lambda s: s == {members[1]}, "the stopped DNS server to leave")


def test_exec_check_runs_a_command_with_the_address(start_dnsd, zone_dir, tmp_path):
    members = ["127.0.1.48", "127.0.1.49"]
    flags = tmp_path / "flags"
    flags.mkdir()
    check = fast_check(type="exec", command=f"test ! -e {flags}/down-{{address}} || {{ echo maintenance; exit 3; }}")
    zones = zone_dir({"example.test.json": pool_zone({"web": {"ttl": 5, "members": members, "check": check}})})
    d = start_dnsd(zones=zones, threads=1)
    assert set(addresses(d)) == set(members)

    (flags / f"down-{members[0]}").touch()
    wait_answers(d, lambda s: s == {members[1]}, "the member whose command exits 3 to leave")
    line = wait_state_line(d, "member=127.0.1.48 ", "up -> down")
    assert "exit 3" in line and "maintenance" in line, line
    (flags / f"down-{members[0]}").unlink()
    wait_answers(d, lambda s: s == set(members), "the member to return")
