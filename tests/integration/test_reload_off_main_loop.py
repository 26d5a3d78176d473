"""A long reload runs on its own thread: while a large zone is being parsed,
the old zones keep answering, the control API answers, and SIGTERM stops
the server at once (the reload is cancelled, nothing half-loaded is published)."""
import json
import signal
import subprocess
import time
import urllib.request

import dns.rcode
import pytest

from dnsd_harness import STOP_TIMEOUT

SMALL = {"origin": "small.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1},
         "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": "192.0.2.1"}}}

# Big enough that parsing takes well over a second in every build (debug,
# sanitizers, a loaded 2-core CI machine): about 1.5 s in a release build.
BIG_NAMES = 120_000


def big_zone() -> str:
    records = {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}}
    for i in range(BIG_NAMES):
        records[f"h{i}"] = {"A": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                            "TXT": f"host number {i}"}
    return json.dumps({"origin": "big.test.", "ttl": 300, "soa": {"mname": "ns1", "serial": 1},
                       "records": records})


def get_status(control: str, timeout: float) -> tuple[float, dict]:
    began = time.monotonic()
    with urllib.request.urlopen(f"http://{control}/api/status", timeout=timeout) as r:
        body = json.loads(r.read())
    return time.monotonic() - began, body


@pytest.mark.parametrize("trigger", ["sighup", "watcher"])
def test_status_queries_and_sigterm_stay_prompt_during_a_large_reload(start_dnsd, tmp_path, trigger):
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "small.test.json").write_text(json.dumps(SMALL))
    d = start_dnsd(zones=zones, extra_args=["--no-watch"] if trigger == "sighup" else [])
    _, before = get_status(d.control_address, 5)
    reloads_before = before["last_reload"]["at_ms"] if before.get("last_reload") else 0

    text = big_zone()
    if trigger == "sighup":
        (zones / "big.test.json").write_text(text)
        d.proc.send_signal(signal.SIGHUP)
        marker = "received SIGHUP"
    else:
        tmp = zones / ".big.tmp"
        tmp.write_text(text)
        tmp.rename(zones / "big.test.json")  # one event, as editors save
        marker = "zone files changed"
        deadline = time.monotonic() + 10
        while marker not in d.log():
            assert time.monotonic() < deadline, d.log()
            time.sleep(0.01)

    # While the reload parses: the control API and the old zones answer at once.
    took, during = get_status(d.control_address, 5)
    assert took < 0.5, f"/api/status took {took:.2f} s during a reload"
    assert (during.get("last_reload") or {}).get("at_ms", 0) == reloads_before, "the reload already finished"
    began = time.monotonic()
    r = d.query("www.small.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and time.monotonic() - began < 0.5
    assert d.query("h1.big.test", "A").rcode() == dns.rcode.REFUSED  # not published yet

    # SIGTERM now: the reload is cancelled and the process exits promptly and cleanly.
    began = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(STOP_TIMEOUT)
    took = time.monotonic() - began
    log = d.log()
    d.proc = None  # stopped here; the fixture has nothing left to stop
    assert rc == 0, log
    print(f"SIGTERM during the reload: exited in {took:.3f} s")
    assert took < 1.0, f"SIGTERM took {took:.2f} s during a reload:\n{log}"
    assert "reloaded" not in log.split(marker, 1)[1], log


def test_a_reload_after_a_large_one_is_coalesced_and_served(start_dnsd, tmp_path):
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "small.test.json").write_text(json.dumps(SMALL))
    d = start_dnsd(zones=zones, extra_args=["--no-watch"])
    (zones / "big.test.json").write_text(big_zone())
    for _ in range(5):  # a burst of requests while the first reload runs
        d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while d.query("h7.big.test", "A").rcode() != dns.rcode.NOERROR:
        assert time.monotonic() < deadline, d.log()
        time.sleep(0.05)
    # Wait for the reload thread to go idle, then count: the five requests made
    # during the first reload became at most one more reload.
    deadline = time.monotonic() + 60
    while True:
        log = d.log()
        count = log.count("reloaded ")
        time.sleep(0.5)
        if d.log().count("reloaded ") == count:
            break
        assert time.monotonic() < deadline, log
    assert 1 <= count <= 2, log
