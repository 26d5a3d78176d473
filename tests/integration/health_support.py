"""Real backends and pool zones for the health integration tests (test_health_*.py).

- `HttpBackend`: tests/integration/backends/http_backend.py in its own process
  on one loopback address (HTTP or HTTPS); `kill()` is SIGKILL, so the port
  refuses connections at once, as when a server crashes; `start()` again brings
  it back on the same port; `set_mode("500"|"hang"|"ok"|...)` changes its answers
  (every mode is listed in backends/http_backend.py).
- `TcpListener`: a plain TCP listener (accepts and closes) on a thread.
- `DnsBackend`: tests/integration/backends/dns_backend.py (UDP and TCP on one
  address and port) in its own process; `set_mode({...})` changes its replies
  (rcode, answer addresses, UDP truncation), `queries()` is what it received.
- `pool_zone(...)`: a zone dict with pools, for the `zone_dir` fixture.
- `addresses(...)`: the A records of one answer, in order; `wait_answers`
  polls dnsd with a deadline until a predicate holds and returns how long it took.

Every test takes its own addresses from 127.0.1.10-127.0.1.199 (distinct per
test, written out in each test) and free ports, so nothing collides with
other tests or with servers other people run on this machine.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import dns.rdatatype
import pytest

from dnsd_harness import free_port, make_query, wait_for

BACKEND_SCRIPT = pathlib.Path(__file__).resolve().parent / "backends" / "http_backend.py"
DNS_BACKEND_SCRIPT = pathlib.Path(__file__).resolve().parent / "backends" / "dns_backend.py"
PYTHON = "/usr/bin/python3"

# Fast check timings for tests: detection of a refused member takes at most
# about interval + (fall - 1) x fast_interval = 0.5 + 0.1 s, plus jitter.
FAST_CHECK = {"interval": 0.5, "fast_interval": 0.1, "timeout": 0.3, "rise": 2, "fall": 2}
# Deadline for a state change to show in answers: the timing above plus a wide
# margin for loaded CI machines and sanitizer builds. Polling returns as soon
# as it holds, so a generous deadline costs nothing when things work.
CHANGE_DEADLINE = 6.0


def fast_check(**overrides) -> dict:
    check = {"type": "http"}
    check.update(FAST_CHECK)
    check.update(overrides)
    return check


class HttpBackend:
    """One http_backend.py process; stopped by PID (SIGKILL) in kill()/close().

    log_file: where the backend appends `listen T` and `connect T` lines (T on
    time.monotonic()'s clock), kept across restarts; see events()."""

    def __init__(self, address: str, workdir: pathlib.Path, port: int | None = None,
                 tls: tuple[str, str] | None = None, log_file: pathlib.Path | None = None):
        self.address = address
        self.port = port or free_port(address)
        self.tls = tls
        self.workdir = pathlib.Path(workdir)
        self.mode_file = self.workdir / f"backend-{address}-{self.port}.mode"
        self.ready_file = self.workdir / f"backend-{address}-{self.port}.ready"
        self.log_file = log_file
        self.proc: subprocess.Popen | None = None

    def start(self) -> "HttpBackend":
        assert self.proc is None or self.proc.poll() is not None, "backend already running"
        self.ready_file.unlink(missing_ok=True)
        cmd = [PYTHON, str(BACKEND_SCRIPT), "--bind", self.address, "--port", str(self.port),
               "--mode-file", str(self.mode_file), "--ready-file", str(self.ready_file)]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        if self.log_file:
            cmd += ["--log-file", str(self.log_file)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        try:
            wait_for(lambda: self.ready_file.exists() or self.proc.poll() is not None, 10.0,
                     f"backend {self.address}:{self.port} to listen")
        except TimeoutError:
            self.kill()
            raise
        if self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace")
            raise RuntimeError(f"backend {self.address}:{self.port} exited: {err}")
        return self

    def kill(self):
        """SIGKILL by PID: the listening socket closes and connects are refused at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()

    def events(self, kind: str) -> list[float]:
        """The times of every `kind` ("listen" or "connect") line in log_file, in order."""
        if not self.log_file or not self.log_file.exists():
            return []
        out = []
        for line in self.log_file.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == kind:
                out.append(float(parts[1]))
        return out

    def set_mode(self, mode: str):
        tmp = self.mode_file.with_suffix(".tmp")
        tmp.write_text(mode)
        os.replace(tmp, self.mode_file)

    close = kill


class TcpListener:
    """A plain TCP listener on address:port that accepts and closes, on a thread."""

    def __init__(self, address: str, port: int | None = None):
        self.address = address
        self.port = port or free_port(address)
        self.sock: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> "TcpListener":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.address, self.port))
        s.listen(64)
        s.settimeout(0.05)
        self.sock = s
        self.thread = threading.Thread(target=self._serve, args=(s,), daemon=True)
        self.thread.start()
        return self

    def _serve(self, s: socket.socket):
        while self.sock is s:
            try:
                conn, _ = s.accept()
                conn.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def kill(self):
        s, self.sock = self.sock, None
        if s is not None:
            s.close()
        if self.thread is not None:
            self.thread.join(5)

    close = kill


class DnsBackend:
    """One dns_backend.py process on address:port (UDP and TCP); stopped by PID (SIGKILL) in close()."""

    def __init__(self, address: str, workdir: pathlib.Path, port: int | None = None, mode: dict | None = None):
        self.address = address
        self.port = port or free_port(address)
        self.workdir = pathlib.Path(workdir)
        stem = f"dns-backend-{address}-{self.port}"
        self.mode_file = self.workdir / f"{stem}.mode"
        self.ready_file = self.workdir / f"{stem}.ready"
        self.log_file = self.workdir / f"{stem}.log"
        self.proc: subprocess.Popen | None = None
        self.set_mode(mode or {})

    def start(self) -> "DnsBackend":
        self.ready_file.unlink(missing_ok=True)
        cmd = [PYTHON, str(DNS_BACKEND_SCRIPT), "--bind", self.address, "--port", str(self.port),
               "--mode-file", str(self.mode_file), "--ready-file", str(self.ready_file),
               "--log-file", str(self.log_file)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        try:
            wait_for(lambda: self.ready_file.exists() or self.proc.poll() is not None, 10.0,
                     f"dns backend {self.address}:{self.port} to listen")
        except TimeoutError:
            self.close()
            raise
        if self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace")
            raise RuntimeError(f"dns backend {self.address}:{self.port} exited: {err}")
        return self

    def set_mode(self, mode: dict):
        tmp = self.mode_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(mode))
        os.replace(tmp, self.mode_file)

    def queries(self) -> list[dict]:
        """Every query received so far: {"transport", "edns", "payload", "do", "name", "type"}."""
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines() if line.endswith("}")]

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()


def common_port(addresses) -> int:
    """A TCP port free on every one of `addresses` right now (a pool's check has one port)."""
    for _ in range(100):
        port = free_port(addresses[0])
        ok = True
        for a in addresses[1:]:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((a, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise RuntimeError(f"no port free on all of {addresses}")


@pytest.fixture
def backends(tmp_path):
    """backends(addresses, tls=None, port=None) -> running HttpBackends on one port; all killed at teardown.
    Also `backends.tcp(address, port=None)` -> a running TcpListener, and
    `backends.dns(address, mode=None, port=None)` -> a running DnsBackend. Import it into a test module."""
    started = []

    def make(addresses, tls=None, port=None):
        port = port or common_port(addresses)
        for a in addresses:
            started.append(HttpBackend(a, tmp_path, port=port, tls=tls))
            started[-1].start()
        return started[-len(addresses):]

    def tcp(address, port=None):
        started.append(TcpListener(address, port).start())
        return started[-1]

    def dns(address, mode=None, port=None):
        started.append(DnsBackend(address, tmp_path, port=port, mode=mode).start())
        return started[-1]

    make.tcp = tcp
    make.dns = dns
    yield make
    for b in started:
        b.close()


def pool_zone(pools: dict, records: dict | None = None, origin: str = "example.test.") -> dict:
    """A complete zone with `pools`; `records` default to www -> pool "web"."""
    recs = {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}}
    recs.update(records if records is not None else {"www": {"A": {"pool": "web"}}})
    return {"origin": origin, "ttl": 300,
            "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 30},
            "pools": pools, "records": recs}


def response(d, name="www.example.test.", rdtype="A"):
    """One UDP response from dnsd `d`."""
    return d.query(make_query(name, rdtype))


def addresses(d, name="www.example.test.", rdtype="A") -> list[str]:
    """The addresses in one answer, in answer order."""
    out = []
    for rrset in response(d, name, rdtype).answer:
        if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            out += [rd.to_text() for rd in rrset]
    return out


def wait_answers(d, predicate, what: str, timeout: float = CHANGE_DEADLINE, name="www.example.test.",
                 interval: float = 0.02) -> float:
    """Polls dnsd until predicate(set of addresses) holds; returns the seconds it took.

    A predicate that holds must keep holding: the next 5 answers are checked too,
    so a rotation that merely happens to leave a member out does not pass."""
    begin = time.monotonic()
    last = []

    def holds():
        last[:] = addresses(d, name)
        return predicate(set(last))

    try:
        wait_for(holds, timeout, what, interval=interval)
    except TimeoutError as e:
        raise AssertionError(f"{e}; last answer {last}\n--- dnsd log ---\n{d.log()}") from None
    took = time.monotonic() - begin
    for _ in range(5):
        got = addresses(d, name)
        assert predicate(set(got)), f"{what}: held once, then answer {got}\n--- dnsd log ---\n{d.log()}"
    return took


def state_lines(d) -> list[str]:
    """dnsd's state-change log lines."""
    return [line for line in d.log().splitlines() if "health:" in line and " -> " in line]


def wait_state_line(d, *parts: str, timeout: float = CHANGE_DEADLINE) -> str:
    """The first state-change line containing every one of `parts`, polling the log
    until it appears (a line is written just after the state flips, so it may
    trail the answer that already shows the change)."""
    def find():
        return next((l for l in state_lines(d) if all(p in l for p in parts)), None)

    try:
        return wait_for(find, timeout, f"a state-change line with {parts}")
    except TimeoutError as e:
        raise AssertionError(f"{e}\n--- dnsd log ---\n{d.log()}") from None
