"""Health across the server's life: a dead member is never in the very first
answer after start-up, and health state survives a zone reload (SIGHUP)
without going back to unknown; a member a reload adds is probed before it can
be served.
"""

import json
import signal
import socket
import subprocess
import time
import urllib.request

import dns.message

from dnsd_harness import Dnsd, free_port, make_query, wait_for
from health_support import backends  # noqa: F401 (a fixture)
from health_support import addresses, common_port, fast_check, pool_zone, state_lines, wait_state_line


def test_a_member_dead_at_start_up_is_never_in_the_first_answer(zone_dir, backends, tmp_path):
    live, refused, hung = "127.0.1.50", "127.0.1.51", "127.0.1.52"
    port = common_port([live, refused, hung])
    b_live, b_hung = backends([live, hung], port=port)
    b_hung.set_mode("hang")  # accepts, never answers: only the timeout decides it
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "members": [live, refused, hung], "check": fast_check(port=port)}})})

    # Start dnsd by hand and ask for www from the first moment, instead of waiting for readiness.
    d = Dnsd(zones=zones, threads=1, log_dir=str(tmp_path))
    d.addrs = [("127.0.0.1", free_port())]
    d.control_port = free_port()
    q = make_query("www.example.test.", "A")
    with open(d.log_path, "ab") as log:
        d.proc = subprocess.Popen(d.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        answers = []
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.005)
            deadline = time.monotonic() + 15
            while len(answers) < 20:
                assert time.monotonic() < deadline and d.alive(), f"no answer from dnsd:\n{d.log()}"
                try:
                    s.sendto(q.to_wire(), d.addrs[0])
                    raw = s.recv(65535)
                except OSError:  # timeout, or ICMP port unreachable before dnsd binds
                    continue
                msg = dns.message.from_wire(raw)
                answers.append(sorted(rd.to_text() for rr in msg.answer for rd in rr))
        assert answers[0] == [live], f"the very first answer: {answers[0]}\n{d.log()}"
        assert all(a == [live] for a in answers), answers
        wait_state_line(d, f"member={hung} ", "unknown -> down: timeout after 300 ms")
        wait_state_line(d, f"member={refused} ", "unknown -> down: connect refused")
    finally:
        d.stop()


def _members(d, count: int):
    """{address: member} from GET /api/status once it lists `count` members, none unknown; else None."""
    try:
        with urllib.request.urlopen(f"http://{d.control_address}/api/status", timeout=5) as r:
            status = json.load(r)
    except (OSError, ValueError):
        return None
    members = {m["address"]: m for p in status["pools"] for m in p["members"]}
    if len(members) != count or any(m["state"] == "unknown" for m in members.values()):
        return None
    return members


def test_health_state_survives_a_reload_and_new_members_are_probed_before_they_are_served(
        start_dnsd, zone_dir, backends):
    live, dead, added = "127.0.1.53", "127.0.1.54", "127.0.1.55"
    port = common_port([live, dead, added])
    backends([live], port=port)
    zone = pool_zone({"web": {"ttl": 5, "members": [live, dead], "check": fast_check(port=port)}})
    zones = zone_dir({"example.test.json": zone})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--no-watch"])
    assert addresses(d) == [live]
    before = wait_for(lambda: _members(d, 2), 10, "/api/status with both members decided")
    assert before[live]["state"] == "up" and before[dead]["state"] == "down", before

    # Reload a changed zone: new serial, a new name, and a new member that is dead.
    zone["soa"]["serial"] = 2
    zone["records"]["new"] = {"A": "192.0.2.1"}
    zone["pools"]["web"]["members"].append(added)
    zone_dir({"example.test.json": zone})
    d.proc.send_signal(signal.SIGHUP)

    def reloaded():
        got = addresses(d)
        assert got == [live], f"during the reload www answered {got}\n{d.log()}"
        return d.query("new.example.test.", "A").answer

    wait_for(reloaded, 10, "the reloaded zone to be served")
    for _ in range(20):  # and after it: still only the live member, the new dead one never
        assert addresses(d) == [live]
    wait_state_line(d, f"member={added} ", "unknown -> down")

    lines = state_lines(d)
    for member, first in ((live, "unknown -> up"), (dead, "unknown -> down")):
        mine = [l for l in lines if f"member={member} " in l]
        assert len(mine) == 1 and first in mine[0], f"{member} changed state across the reload:\n" + "\n".join(lines)
    def probed_again():
        t = _members(d, 3)
        return t if t and all(t[m]["probes"] > before[m]["probes"] for m in (live, dead)) else None

    after = wait_for(probed_again, 10, "/api/status with the added member decided and the others probed again")
    for member in (live, dead):
        # Wall-clock times converted from the monotonic clock at each request: +-a few ms.
        assert abs(after[member]["since_ms"] - before[member]["since_ms"]) <= 5, (before[member], after[member])
        assert after[member]["state"] == before[member]["state"]
        assert after[member]["state_changes"] == 1, after[member]


def test_status_file_follows_the_members(zone_dir, backends, start_dnsd, tmp_path):
    """--status-file: the prober's JSON is written at start and replaced after a state change."""
    up, dead = "127.0.1.56", "127.0.1.57"
    port = common_port([up, dead])
    (b_up, b_dead) = backends([up, dead], port=port)
    zones = zone_dir({"example.test.json": pool_zone({"web": {
        "ttl": 5, "members": [up, dead], "check": fast_check(port=port)}})})
    status_file = tmp_path / "state" / "health.json"
    status_file.parent.mkdir()
    d = start_dnsd(zones=zones, threads=1, extra_args=["--status-file", str(status_file)])

    def states():
        try:
            doc = json.loads(status_file.read_text())
        except (OSError, ValueError):
            return None  # not written yet (a rename makes a half-written file impossible)
        assert doc["version"] == 1
        return {t["address"]: (t["state"], t["refs"][0]["pool"], t["last_result"] and t["last_result"]["ok"])
                for t in doc["targets"]}

    # Written when the prober starts (members still unknown), then after each change.
    first = wait_for(lambda: (lambda s: s if s and len(s) == 2 and all(v[0] != "unknown" for v in s.values())
                              else None)(states()), 10, "status file with both members probed")
    assert first == {up: ("up", "web", True), dead: ("up", "web", True)}, first
    b_dead.kill()
    after = wait_for(lambda: (lambda s: s if s and s[dead][0] == "down" else None)(states()), 10, "dead member down")
    assert after[up] == ("up", "web", True) and after[dead] == ("down", "web", False), after
    assert addresses(d) == [up]
    # Written beside, then renamed: at rest nothing else is in the directory.
    wait_for(lambda: [p.name for p in status_file.parent.iterdir()] == ["health.json"], 5, "only health.json")
