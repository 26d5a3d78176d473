"""`dnsd serve --user NAME`: started as root, dnsd binds every socket (here a
low DNS port and a low control port too), then runs as NAME for good, and
still does everything: answers, probes (an exec check proves its commands run
as NAME), reloads an edited zone, persists a drain and writes its state files
and the status file. A user who cannot do its work stops start-up with a
clear line; an unknown user is a usage error (exit 2).

Needs root (skipped otherwise). Uses the system's `nobody`; its zones live in
a directory every user can read, since pytest's tmp_path is root's alone.
"""

import json
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile

import pytest

from control_support import api
from dnsd_harness import REPO, Dnsd, dnsd_bin, free_port, wait_for
from health_support import backends, pool_zone  # noqa: F401  (fixture)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs dnsd started as root")

USER = "nobody"
LOW_HOST = "127.0.2.53"


def nobody():
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pytest.skip(f"no user {USER!r} on this system")


@pytest.fixture
def shared_dir():
    """A directory every user can traverse (mode 0755), removed afterwards."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="dnsd-priv-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def low_port(host: str, avoid=()) -> int:
    """A port below 1024 free for UDP and TCP on `host`: only root can bind it."""
    for port in [53, 853] + list(range(700, 1000)):
        if port in avoid:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket(socket.AF_INET) as t:
            try:
                u.bind((host, port))
                t.bind((host, port))
                return port
            except OSError:
                continue
    pytest.skip(f"no free port below 1024 on {host}")


def proc_ids(pid: int) -> dict:
    """The Uid, Gid and Groups lines of /proc/PID/status, split."""
    out = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Uid", "Gid", "Groups", "CapEff"):
            out[key] = rest.split()
    return out


def serve(zones, *args, timeout=15):
    """Runs `dnsd serve` expecting it to exit by itself; (returncode, output)."""
    p = subprocess.run([dnsd_bin(), "serve", "--zones", str(zones), "--listen", f"127.0.0.1:{free_port()}",
                        "--control", "none",
                        *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=REPO)
    return p.returncode, p.stdout + p.stderr


def who_zone(backend_port: int) -> dict:
    uid, gid = nobody().pw_uid, nobody().pw_gid
    return pool_zone(
        {"web": {"members": ["127.0.2.11"],
                 "check": {"type": "tcp", "port": backend_port, "interval": 0.5, "fast_interval": 0.1,
                           "timeout": 0.3, "rise": 1, "fall": 1}},
         # Up only when the prober's commands run as the user and its group.
         "who": {"members": ["127.0.2.10"], "when_all_down": "serve-none",
                 "check": {"type": "exec", "command": f'test "$(id -u)" = {uid} && test "$(id -g)" = {gid}',
                           "interval": 0.5, "fast_interval": 0.1, "timeout": 0.4}}},
        {"www": {"A": {"pool": "web"}}, "who": {"A": {"pool": "who"}}})


def a_records(d, name, addr=None):
    r = d.query(name, "A", addr=addr)
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset if rrset.rdtype == 1)


@needs_root
def test_serves_as_the_user_after_binding_low_ports_as_root(shared_dir, backends, tmp_path):
    user = nobody()
    zones = shared_dir / "zones"
    zones.mkdir(mode=0o755)
    backend = backends.tcp("127.0.2.11")
    zone = who_zone(backend.port)
    (zones / "example.test.json").write_text(json.dumps(zone))
    state = shared_dir / "state"  # dnsd makes it, for the user
    status_file = state / "status.json"
    dns_port = low_port(LOW_HOST)
    control_port = low_port(LOW_HOST, avoid={dns_port})
    d = Dnsd(zones=zones, threads=2, log_dir=str(tmp_path),
             extra_args=["--listen", f"{LOW_HOST}:{dns_port}", "--control", f"{LOW_HOST}:{control_port}",
                         "--state-dir", str(state), "--status-file", str(status_file), "--user", USER])
    with d:
        # Every id of the process (real, effective, saved, filesystem) is the user's, and no capability is left.
        ids = proc_ids(d.proc.pid)
        assert ids["Uid"] == [str(user.pw_uid)] * 4, ids
        assert ids["Gid"] == [str(user.pw_gid)] * 4, ids
        assert "0" not in ids["Groups"], ids
        assert int(ids["CapEff"][0], 16) == 0, ids
        for task in pathlib.Path(f"/proc/{d.proc.pid}/task").iterdir():  # every thread, too
            assert proc_ids(int(task.name))["Uid"] == [str(user.pw_uid)] * 4
        assert f"running as {USER} (uid {user.pw_uid}, gid {user.pw_gid}" in d.log()

        # Answers on the port only root could bind, and on the usual one.
        low = (LOW_HOST, dns_port)
        wait_for(lambda: a_records(d, "www.example.test.", low) == ["127.0.2.11"], 10, "an answer on the low port")
        assert a_records(d, "www.example.test.") == ["127.0.2.11"]
        # The exec check passed: the prober's commands run as the user.
        wait_for(lambda: a_records(d, "who.example.test.") == ["127.0.2.10"], 10,
                 f"the exec check to find itself running as {USER}")

        # The state directory was made for the user, and the files in it are the user's.
        assert state.stat().st_uid == user.pw_uid and state.stat().st_gid == user.pw_gid
        wait_for(lambda: (state / "health.json").exists(), 10, "health.json")
        wait_for(lambda: status_file.exists(), 10, "the status file")
        assert json.loads(status_file.read_text())["version"] == 1
        for name in ("serials.json", "health.json", "status.json"):
            assert (state / name).stat().st_uid == user.pw_uid, name

        # A zone edit is read again, as the user.
        zone["records"]["edited"] = {"TXT": "read as nobody"}
        (zones / "example.test.json").write_text(json.dumps(zone))
        wait_for(lambda: d.query("edited.example.test.", "TXT").answer, 10, "the edited zone to be served")

        # A drain is persisted, by the user, through the low control port.
        status, _, r = api(d, "POST", "/api/drain", {"pool": "web", "address": "127.0.2.11"})
        assert status == 200 and r["persisted"], r
        drains = state / "drains.json"
        assert drains.stat().st_uid == user.pw_uid
        assert json.loads(drains.read_text())["drains"][0]["address"] == "127.0.2.11"

        # Health changes reach health.json, written by the user.
        backend.kill()
        wait_for(lambda: any(t["state"] == "down" for t in json.loads((state / "health.json").read_text())["targets"]),
                 10, "the dead backend in health.json")
        assert "cannot write" not in d.log(), d.log()


def test_an_unknown_user_is_a_usage_error(zone_dir):
    rc, out = serve(zone_dir({"a.test.json": pool_zone({}, {})}), "--user", "no-such-user-dnsd")
    assert rc == 2, out
    assert "--user no-such-user-dnsd: no such user" in out


@needs_root
def test_a_user_who_cannot_write_the_state_dir_stops_start_up(shared_dir):
    zones = shared_dir / "zones"
    zones.mkdir(mode=0o755)
    (zones / "a.test.json").write_text(json.dumps(pool_zone({}, {})))
    state = shared_dir / "state"
    state.mkdir(mode=0o755)  # root's: the user may not write in it
    rc, out = serve(zones, "--state-dir", str(state), "--user", USER)
    assert rc == 1, out
    assert f"--state-dir: user {USER} cannot write in {state}: Permission denied" in out


@needs_root
def test_a_user_who_cannot_read_the_zones_stops_start_up(shared_dir):
    zones = shared_dir / "zones"
    zones.mkdir(mode=0o755)
    secret = zones / "a.test.json"
    secret.write_text(json.dumps(pool_zone({}, {})))
    secret.chmod(0o600)  # root's alone: reloads as the user would fail
    rc, out = serve(zones, "--user", USER)
    assert rc == 1, out
    assert f"--zones: user {USER} cannot read {secret}: Permission denied" in out
