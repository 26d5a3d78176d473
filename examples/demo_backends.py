#!/usr/bin/python3
"""Three tiny web servers for the dnsd demo, on 127.0.1.1-3 port 8080.

examples/zones/example.test.json serves www.example.test from the pool "web"
of these three, checked with GET /healthz every second. Stop one and watch it
leave dnsd's answers; start it again and watch it come back.

    examples/demo_backends.py start [N]    start all three (or backend N) in the background
    examples/demo_backends.py stop [N]     stop all three (or backend N), by the PID in its file
    examples/demo_backends.py status       which are running

Each backend's PID is in /tmp/dnsd-demo/backend-N.pid (DNSD_DEMO_DIR changes
the directory), so `kill $(cat /tmp/dnsd-demo/backend-2.pid)` works too.
`stop` returns once the backend is gone and its port free.
DNSD_DEMO_BACKEND_PORT changes the port (the zone's check must name it too).
Everything binds to 127.0.1.x only.
"""

import http.server
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

ADDRESSES = {1: "127.0.1.1", 2: "127.0.1.2", 3: "127.0.1.3"}
PORT = int(os.environ.get("DNSD_DEMO_BACKEND_PORT", "8080"))
STOP_TIMEOUT = 5.0  # seconds a backend gets to exit after SIGTERM, before SIGKILL
DIR = pathlib.Path(os.environ.get("DNSD_DEMO_DIR", "/tmp/dnsd-demo"))


def pid_file(n: int) -> pathlib.Path:
    return DIR / f"backend-{n}.pid"


def running_pid(n: int):
    """The PID in backend N's file if that process is alive, else None."""
    try:
        pid = int(pid_file(n).read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


class Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = f"backend {self.server.server_address[0]} ok\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # dnsd probes every second: stay quiet
        pass


def serve(n: int):
    """Runs backend N in the foreground (what `start` launches)."""
    server = http.server.ThreadingHTTPServer((ADDRESSES[n], PORT), Healthz)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


def start(n: int) -> bool:
    if running_pid(n):
        print(f"backend {n} ({ADDRESSES[n]}:{PORT}) is already running, pid {running_pid(n)}")
        return True
    DIR.mkdir(parents=True, exist_ok=True)
    log = open(DIR / f"backend-{n}.log", "ab")
    # A session of its own: Ctrl-C in the demo's terminal does not hit it; `stop` does.
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", str(n)], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log, start_new_session=True)
    pid_file(n).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # wait until it listens (or dies)
        if proc.poll() is not None:
            print(f"backend {n} failed to start on {ADDRESSES[n]}:{PORT}; see {DIR}/backend-{n}.log", file=sys.stderr)
            return False
        try:
            socket.create_connection((ADDRESSES[n], PORT), timeout=0.2).close()
            print(f"backend {n} up: http://{ADDRESSES[n]}:{PORT}/healthz (pid {proc.pid})")
            return True
        except OSError:
            time.sleep(0.05)
    print(f"backend {n} did not listen within 5 s", file=sys.stderr)
    return False


def gone(pid: int) -> bool:
    """Whether `pid` has exited. A backend is not our child, so it may linger as
    a zombie until its new parent reaps it: that counts as gone (its port is free)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not gone(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def stop(n: int):
    pid = running_pid(n)
    if pid:
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(pid, STOP_TIMEOUT):
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid, STOP_TIMEOUT)
        print(f"backend {n} ({ADDRESSES[n]}) stopped (pid {pid})")
    pid_file(n).unlink(missing_ok=True)


def main(argv) -> int:
    if len(argv) < 2 or argv[1] not in ("start", "stop", "status", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    which = [int(argv[2])] if len(argv) > 2 else list(ADDRESSES)
    if any(n not in ADDRESSES for n in which):
        print("backend number must be 1, 2 or 3", file=sys.stderr)
        return 2
    if argv[1] == "serve":
        serve(which[0])
    elif argv[1] == "start":
        return 0 if all([start(n) for n in which]) else 1
    elif argv[1] == "stop":
        for n in which:
            stop(n)
    else:
        for n in which:
            pid = running_pid(n)
            print(f"backend {n} {ADDRESSES[n]}:{PORT}: " + (f"running, pid {pid}" if pid else "stopped"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
