"""The state directory across restarts and faults.

- Known health states survive kill -9: a backend that was down before is not
  in the first answer after the restart, and that first answer comes at once
  (measured from exec; without health.json, or with a corrupt one, the same
  start waits for the first probe round as before).
- A full disk (a tiny tmpfs) or state files that cannot be replaced (a
  directory where the file or its temporary file goes): answers go on and
  follow health, each failed write is logged naming the file and counted in
  dnsd_state_write_errors_total{file=...} and /api/status, serials are held
  (never served without being on disk), and everything is written once the
  fault is gone.
"""

import json
import os
import pathlib
import subprocess
import threading
import time

import dns.rdatatype
import pytest

from control_support import api, parse_prometheus, value
from dnsd_harness import REPO, Dnsd, check_response, free_port, make_query, wait_for
from health_support import addresses, backends, common_port, pool_zone, wait_answers  # noqa: F401  (fixture)

# A backend in "hang" mode is only found down when its probe times out, so a
# start that waits for the first probe round takes at least TIMEOUT.
TIMEOUT = 2.5
SLOW_CHECK = {"type": "http", "interval": 3, "fast_interval": 0.5, "timeout": TIMEOUT, "rise": 1, "fall": 1}
FAST_TCP = {"type": "tcp", "interval": 0.3, "fast_interval": 0.1, "timeout": 0.2, "rise": 1, "fall": 1}
# The restart must answer well before a probe round could have ended.
RESTART_BOUND = 2.0


def start_timed(d: Dnsd, name="www.example.test."):
    """Starts `d` and polls it from the exec on; (seconds to the first answer, that answer)."""
    d.addrs = [(h, free_port(h)) for h in d.hosts]
    d.control_port = free_port("127.0.0.1")
    q = make_query(name, "A")
    with open(d.log_path, "ab") as log:
        begin = time.monotonic()
        d.proc = subprocess.Popen(d.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=REPO)

    def first():
        assert d.proc.poll() is None, f"dnsd exited during start-up:\n{d.log()}"
        try:
            raw = d.udp_raw(q.to_wire(), timeout=0.02)
        except OSError:  # not bound yet: port unreachable
            return None
        return raw and (time.monotonic() - begin, check_response(q, raw))

    return wait_for(first, 15, "the first answer", interval=0.002)


def a_of(message) -> list[str]:
    return sorted(rd.to_text() for rrset in message.answer for rd in rrset if rrset.rdtype == dns.rdatatype.A)


def known(state: pathlib.Path) -> dict:
    """{check label: state} from health.json, {} while it does not parse."""
    try:
        return {t["check"]: t["state"] for t in json.loads((state / "health.json").read_text())["targets"]}
    except (OSError, ValueError):
        return {}


def soa_serial(d) -> int:
    return d.query("example.test.", "SOA").answer[0][0].serial


def write_errors(d) -> dict:
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    return {f: value(samples, "dnsd_state_write_errors_total", file=f) for f in ("serials", "drains", "health", "status")}


def test_a_restart_after_kill_9_answers_at_once_without_the_backend_that_was_down(backends, zone_dir, tmp_path):
    up, hang = backends(["127.0.1.160", "127.0.1.161"])
    hang.set_mode("hang")
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"members": [up.address, hang.address], "check": dict(SLOW_CHECK, port=up.port)}})})
    state = tmp_path / "state"
    args = ["--state-dir", str(state)]
    hang_label = f"http {hang.address}:{hang.port}"
    for run in ("first", "again", "third"):
        (tmp_path / run).mkdir()

    first = Dnsd(zones=zones, threads=1, extra_args=args, log_dir=str(tmp_path / "first"))
    first.start()
    try:
        assert set(addresses(first)) == {up.address}
        wait_for(lambda: known(state).get(hang_label) == "down", 10, "the hanging backend down in health.json")
        assert known(state)[f"http {up.address}:{up.port}"] == "up"
    finally:
        first.proc.kill()  # kill -9: nothing is written on the way out
        first.proc.wait(10)
        first.proc = None

    again = Dnsd(zones=zones, threads=1, extra_args=args, log_dir=str(tmp_path / "again"))
    try:
        took, answer = start_timed(again)
        print(f"\nrestart after kill -9 with health.json: first answer {took * 1000:.0f} ms after exec")
        assert a_of(answer) == [up.address], f"the backend down before the restart was served:\n{again.log()}"
        assert took < RESTART_BOUND, f"first answer {took:.2f}s after exec:\n{again.log()}"
        assert "2 of 2 targets restored from" in again.log() and "(1 down)" in again.log()
        # The first probe round confirms both: the same answers, no state change logged.
        def probed():
            members = [m for p in api(again, "GET", "/api/status")[2]["pools"] for m in p["members"]]
            return all(m["last_result"] for m in members)

        wait_for(probed, TIMEOUT + 5, "every member's first probe of this run")
        assert set(addresses(again)) == {up.address}
        assert " -> " not in "".join(l for l in again.log().splitlines() if "health:" in l)
    finally:
        again.stop()

    # A corrupt file is logged and ignored: the start waits for the probe round, as without it.
    (state / "health.json").write_text("{broken")
    third = Dnsd(zones=zones, threads=1, extra_args=args, log_dir=str(tmp_path / "third"))
    try:
        took_without, answer = start_timed(third)
        print(f"same restart with a corrupt health.json: first answer {took_without * 1000:.0f} ms after exec")
        assert a_of(answer) == [up.address]
        assert took_without >= TIMEOUT - 0.1, "without known states the first round is waited for"
        assert f"health: {state}/health.json: not JSON; ignoring it" in third.log()
    finally:
        third.stop()


@pytest.fixture
def tiny_state_dir(tmp_path):
    """A 1 MiB tmpfs to fill up, unmounted afterwards (skips where mount is not allowed)."""
    path = tmp_path / "state"
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield path
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


class DiskFull:
    """Keeps the filesystem of `path` full: fills it, then takes back at once any
    page freed meanwhile (tmpfs may free one after a failed write), until stop()."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.running = True
        self._top_up(65536)
        self.thread = threading.Thread(target=self._keep, daemon=True)
        self.thread.start()

    def _top_up(self, chunk: int):
        try:
            with open(self.path / f"filler-{chunk}", "ab", buffering=0) as f:
                while f.write(b"\0" * chunk):
                    pass
        except OSError:
            pass

    def _keep(self):
        while self.running:
            self._top_up(4096)
            time.sleep(0.002)

    def stop(self):
        self.running = False
        self.thread.join(5)
        for f in self.path.glob("filler-*"):
            f.unlink()


def test_a_full_disk_keeps_answers_going_and_every_failed_write_counted(tiny_state_dir, start_dnsd, zone_dir,
                                                                       backends):
    state = tiny_state_dir
    port = common_port(["127.0.1.170", "127.0.1.171"])
    a, b = backends.tcp("127.0.1.170", port), backends.tcp("127.0.1.171", port)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"members": [a.address, b.address], "check": dict(FAST_TCP, port=port)}})})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--state-dir", str(state)])
    wait_answers(d, lambda s: s == {a.address, b.address}, "both members up")
    wait_for(lambda: len(known(state)) == 2, 10, "health.json")
    serial = soa_serial(d)

    full = DiskFull(state)
    try:
        b.kill()
        wait_answers(d, lambda s: s == {a.address}, "the dead member out of the answers, disk full or not")
        wait_for(lambda: (write_errors(d)["health"] or 0) >= 1 and (write_errors(d)["serials"] or 0) >= 1, 10,
                 "failed writes of health.json and serials.json counted")
        assert soa_serial(d) == serial, "no serial is served that serials.json does not hold"
        status, _, r = api(d, "POST", "/api/drain", {"pool": "web", "address": a.address})
        assert status == 200 and r["persisted"] is False, r
        assert (write_errors(d)["drains"] or 0) >= 1
        # The drain changes what a transfer carries: another publish, another failed write, still held.
        wait_for(lambda: write_errors(d)["serials"] >= 2, 10, "the drain's new version to fail to save too")
        assert soa_serial(d) == serial
        assert addresses(d) == [a.address], "drained, yet the last one up: still served"

        log = d.log()
        for name in ("serials", "health", "drains"):
            assert f"state: cannot write {name}: {state}/{name}.json" in log and "No space left on device" in log, log
        assert "serials held until serials.json can be written" in log
        writes = api(d, "GET", "/api/status")[2]["server"]["state_writes"]
        assert writes["serials"]["failing"] and "No space left on device" in writes["serials"]["last_error"]
        assert writes["serials"]["last_error_at"]
    finally:
        full.stop()

    # Space again: every file catches up by itself (retries), and serials move on.
    wait_for(lambda: soa_serial(d) != serial, 15, "the held serial to move on")
    wait_for(lambda: known(state).get(f"tcp {b.address}:{port}") == "down", 15, "health.json to catch up")
    wait_for(lambda: (state / "drains.json").exists() and json.loads((state / "drains.json").read_text())["drains"],
             15, "drains.json to catch up")
    wait_for(lambda: not any(w["failing"] for w in api(d, "GET", "/api/status")[2]["server"]["state_writes"].values()),
             15, "no file failing")
    assert "state: serials written again" in d.log()
    assert "serials.json written: held serials move on" in d.log()


def test_state_files_that_cannot_be_replaced_are_logged_and_counted(start_dnsd, zone_dir, backends, tmp_path):
    state = tmp_path / "state"
    port = common_port(["127.0.1.172", "127.0.1.173"])
    a, b = backends.tcp("127.0.1.172", port), backends.tcp("127.0.1.173", port)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"members": [a.address, b.address], "check": dict(FAST_TCP, port=a.port)}})})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--state-dir", str(state)])
    wait_answers(d, lambda s: s == {a.address, b.address}, "both members up")
    wait_for(lambda: len(known(state)) == 2, 10, "health.json")
    serial = soa_serial(d)

    # As root, permission bits stop nothing: put directories where the files go.
    (state / "health.json").unlink()
    (state / "health.json").mkdir()
    (state / "health.json" / "keep").write_text("")
    (state / "drains.json").unlink(missing_ok=True)
    (state / "drains.json").mkdir()
    blocker = state / f"serials.json.tmp.{d.proc.pid}"  # the temporary file: serials.json stays as it was
    blocker.mkdir()

    b.kill()
    wait_answers(d, lambda s: s == {a.address}, "the dead member out of the answers")
    wait_for(lambda: (write_errors(d)["health"] or 0) >= 1 and (write_errors(d)["serials"] or 0) >= 1, 10,
             "failed writes counted")
    assert api(d, "POST", "/api/drain", {"pool": "web", "address": a.address})[2]["persisted"] is False
    errors = write_errors(d)
    assert errors["drains"] >= 1 and errors["status"] == 0
    assert soa_serial(d) == serial
    log = d.log()
    assert f"state: cannot write health: {state}/health.json: rename: Is a directory" in log, log
    assert f"state: cannot write drains: {state}/drains.json: rename: Is a directory" in log, log
    assert f"state: cannot write serials: {blocker}: File exists; 1 zone held at the serial the file has" in log, log
    assert set(addresses(d)) == {a.address}

    blocker.rmdir()
    wait_for(lambda: soa_serial(d) != serial, 15, "the held serial to move on")
    assert json.loads((state / "serials.json").read_text())["zones"]["example.test."]["serial"] == soa_serial(d)
