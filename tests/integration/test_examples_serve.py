"""examples/serve, the quick-start demo, run as a user would but on free ports
and in a temporary demo directory: it answers dig, its hints name that
directory, and SIGTERM, SIGINT or SIGHUP to the script stops dnsd and the three
demo backends (checked by PID) and frees their ports before it exits."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from dnsd_harness import REPO, START_TIMEOUT, STOP_TIMEOUT, dnsd_bin, free_port, wait_for

SCRIPT = REPO / "examples" / "serve"
BACKENDS = ("127.0.1.1", "127.0.1.2", "127.0.1.3")


def listener_free(host: str, port: int, kind: int) -> bool:
    """Whether a server could bind `port` now (SO_REUSEADDR, as servers do: only a listener blocks it)."""
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        if kind == socket.SOCK_STREAM:
            s.listen(1)
        return True
    except OSError:
        return False
    finally:
        s.close()


def backend_port() -> int:
    """A TCP port free on all three backend addresses."""
    for _ in range(50):
        port = free_port(BACKENDS[0])
        if all(listener_free(h, port, socket.SOCK_STREAM) for h in BACKENDS):
            return port
    raise RuntimeError("no port free on all of " + ", ".join(BACKENDS))


def gone(pid: int) -> bool:
    """Whether `pid` has exited; a zombie awaiting its reaper counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def read_pid(path: pathlib.Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def dig_addresses(port: int) -> list[str]:
    p = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "www.example.test", "A", "+short", "+time=1",
                        "+tries=1"], capture_output=True, text=True, timeout=10)
    return p.stdout.split() if p.returncode == 0 else []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_serve_script_stops_everything_it_started(tmp_path, signum):
    demo_dir = tmp_path / "demo"
    dns_port, control_port, web_port = free_port(), free_port(), backend_port()
    env = dict(os.environ, DNSD_BIN=dnsd_bin(), DNSD_DEMO_DIR=str(demo_dir), DNSD_DEMO_PORT=str(dns_port),
               DNSD_DEMO_CONTROL=f"127.0.0.1:{control_port}", DNSD_DEMO_BACKEND_PORT=str(web_port))
    output = tmp_path / "serve.out"
    with open(output, "wb") as out:
        script = subprocess.Popen([str(SCRIPT)], env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT)
    pids: dict[str, int] = {}
    try:
        # Answers come from the pool of the three backends once their checks pass.
        answers = wait_for(lambda: set(dig_addresses(dns_port)) & set(BACKENDS) or script.poll() is not None,
                           START_TIMEOUT, "an answer from examples/serve")
        assert script.poll() is None, output.read_text()
        assert answers
        for name in ["dnsd"] + [f"backend-{n}" for n in (1, 2, 3)]:
            pid = read_pid(demo_dir / f"{name}.pid")
            assert pid and not gone(pid), f"{name}.pid in {demo_dir}:\n{output.read_text()}"
            pids[name] = pid

        text = output.read_text()
        assert f"kill $(cat {demo_dir}/backend-2.pid)" in text, text
        assert f"DNSD_DEMO_DIR={demo_dir} " in text and "/tmp/dnsd-demo" not in text, text
        assert f"-p {dns_port} www.example.test" in text and f"http://127.0.0.1:{control_port}/" in text, text

        script.send_signal(signum)
        status = script.wait(STOP_TIMEOUT)
        assert status == 128 + signum, f"exit {status}\n{output.read_text()}"
        # The script waited for them: everything is already gone, and the ports are free.
        assert [name for name, pid in pids.items() if not gone(pid)] == [], output.read_text()
        assert listener_free("127.0.0.1", dns_port, socket.SOCK_DGRAM)
        assert listener_free("127.0.0.1", dns_port, socket.SOCK_STREAM)
        assert listener_free("127.0.0.1", control_port, socket.SOCK_STREAM)
        assert all(listener_free(h, web_port, socket.SOCK_STREAM) for h in BACKENDS)
        assert not (demo_dir / "dnsd.pid").exists()
    finally:
        for pid in [script.pid, *pids.values()]:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        script.wait(STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(not gone(pid) for pid in pids.values()) and time.monotonic() < deadline:
            time.sleep(0.02)
