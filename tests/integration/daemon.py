"""A DNS daemon as a child process on a free loopback port, and what secondaries share.

`Daemon` is the base of the stock secondaries and the Knot primary of the
transfer tests (secondaries.py, knot_primary.py): it starts the daemon in the
foreground in its own work directory, polls until it answers UDP and TCP (never
a fixed sleep), and stops it by PID (SIGTERM, then SIGKILL after a deadline,
helper processes included). It also holds TSIG keys (`TsigKey`, in dnsd's
--tsig-keys form) and RFC 1982 serial comparison.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring

from dnsd_harness import QUERY_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT, free_port, make_query, wait_for

# How long wait_serial() waits by default: propagation takes milliseconds when it
# works; the rest is slack for loaded CI machines.
SERIAL_DEADLINE = 10.0


# ---------------------------------------------------------------------------
# TSIG keys and serials


@dataclasses.dataclass(frozen=True)
class TsigKey:
    """A TSIG key as dnsd's --tsig-keys file and `dig -y` write it: ALG:NAME:BASE64."""
    name: str
    algorithm: str = "hmac-sha256"
    secret: str = ""

    @classmethod
    def generate(cls, name: str = "xfr-key", algorithm: str = "hmac-sha256") -> "TsigKey":
        return cls(name, algorithm, base64.b64encode(os.urandom(32)).decode())

    @classmethod
    def parse(cls, line: str) -> "TsigKey":
        algorithm, name, secret = line.strip().split(":", 2)
        return cls(name, algorithm, secret)

    def line(self) -> str:
        """One line of a dnsd --tsig-keys file, also the argument of `dig -y` / `kdig -y`."""
        return f"{self.algorithm}:{self.name}:{self.secret}"

    def keyring(self) -> dict:
        """For dnspython: message.use_tsig(key.keyring(), keyname=key.name, algorithm=key.algorithm)."""
        return dns.tsigkeyring.from_text({self.name: (self.algorithm, self.secret)})


def write_tsig_keys(path, keys) -> pathlib.Path:
    """Writes a dnsd --tsig-keys file: one `ALG:NAME:BASE64` line per key, mode 0600
    (dnsd refuses a key file that others can read)."""
    path = pathlib.Path(path)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("".join(k.line() + "\n" for k in keys))
    return path


def serial_gte(a: int, b: int) -> bool:
    """a >= b in RFC 1982 serial number arithmetic (32 bits)."""
    return a == b or 0 < ((a - b) % 2**32) < 2**31


def abs_name(zone: str) -> str:
    """The zone name with its final dot."""
    return zone if zone.endswith(".") else zone + "."


# ---------------------------------------------------------------------------
# A daemon in the foreground


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (start time), None if gone or a zombie: tells a PID from its reuse."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else fields[19]


def _descendants(pid: int) -> dict[int, str]:
    """{pid: start time} of every live descendant of `pid`."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        for task in pathlib.Path(f"/proc/{p}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for c in map(int, children):
                started = _start_time(c)
                if started and c not in out:
                    out[c] = started
                    todo.append(c)
    return out


def _wait_gone(pids: dict[int, str], timeout: float):
    """Waits until these processes have exited; SIGKILLs (by PID) any left at the deadline."""
    def alive():
        return [p for p, t in pids.items() if _start_time(p) == t]
    try:
        wait_for(lambda: not alive(), timeout, f"helper processes {sorted(pids)} to exit")
    except TimeoutError:
        for p in alive():
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


class DaemonError(RuntimeError):
    pass


class Daemon:
    """A DNS daemon started as a child on a free loopback port and stopped by PID.

    Subclasses write their configuration (`write_config`), name their command
    (`command`) and their binary (`binary`). Output (stdout and stderr) goes to
    `output.log` in the work directory; `log_text()` also includes any log file
    the daemon writes itself (`extra_logs`).
    """

    binary = ""
    name = "daemon"

    def __init__(self, workdir, host: str = "127.0.0.1"):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.output_path = self.workdir / "output.log"
        self.extra_logs: list[pathlib.Path] = []

    # -- what subclasses provide ------------------------------------------

    def write_config(self) -> pathlib.Path:
        raise NotImplementedError

    def command(self, conf: pathlib.Path) -> list[str]:
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def _binary_path(self) -> str:
        path = shutil.which(self.binary) or f"/usr/sbin/{self.binary}"
        if not os.access(path, os.X_OK):
            raise DaemonError(f"{self.binary} not found: install Debian's package (.ci/deps.sh does)")
        return path

    def start(self) -> "Daemon":
        """Starts the daemon and waits until it answers.

        A port set before (`daemon.port = N`, or the one of the previous run
        of a restart) is kept, so NOTIFY targets and other configurations that
        name it stay right; a daemon that cannot bind it fails. Otherwise a
        free port is taken, and another one if that was taken meanwhile."""
        self._binary_path()
        fixed = self.port != 0
        for _ in range(1 if fixed else 5):  # another process may take a free port before the daemon binds it
            if not fixed:
                self.port = free_port(self.host)
            conf = self.write_config()
            seen = self._log_sizes()
            with open(self.output_path, "ab") as out:
                self.proc = subprocess.Popen(self.command(conf), stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.workdir)
            try:
                wait_for(self._ready, START_TIMEOUT, f"{self.name} to answer on {self.host}@{self.port}")
                return self
            except DaemonError:
                if not fixed and re.search(r"in use|EADDRINUSE", self._log_text_since(seen), re.I):
                    continue
                raise
            except TimeoutError:
                self.stop()
                raise DaemonError(f"{self.name} did not answer within {START_TIMEOUT}s:\n{self.log_text()}")
        raise DaemonError(f"{self.name} could not bind a free port after retries:\n{self.log_text()}")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise DaemonError(f"{self.name} exited with {self.proc.returncode} during start-up:\n{self.log_text()}")
        return self._answers_udp() and self._accepts_tcp()

    def _answers_udp(self) -> bool:
        q = make_query("ready.invalid.", "SOA")
        try:
            dns.query.udp(q, self.host, port=self.port, timeout=0.1)
            return True
        except Exception:  # timeout, refused: not yet
            return False

    def _accepts_tcp(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int | None:
        """SIGTERM to our child's PID, SIGKILL after STOP_TIMEOUT. Returns the exit code.

        NSD forks (server, xfrd): their PIDs are noted before the SIGTERM, and
        stop() returns only once they are gone too (SIGKILL by PID after the deadline)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            helpers = _descendants(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)  # Popen signals its own PID only
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
            _wait_gone(helpers, STOP_TIMEOUT)
        self._cleanup()
        return self.proc.returncode

    def _cleanup(self):
        pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _log_files(self) -> list[pathlib.Path]:
        return [self.output_path, *self.extra_logs]

    def _log_sizes(self) -> dict:
        return {p: (p.stat().st_size if p.exists() else 0) for p in self._log_files()}

    def _log_text_since(self, sizes: dict) -> str:
        out = []
        for p in self._log_files():
            try:
                with open(p, "rb") as f:
                    f.seek(sizes.get(p, 0))
                    out.append(f.read().decode(errors="replace"))
            except OSError:
                pass
        return "".join(out)

    def log_text(self) -> str:
        """Everything the daemon printed, then its own log files."""
        parts = []
        for path in self._log_files():
            try:
                parts.append(path.read_text(errors="replace"))
            except OSError:
                pass
        return "".join(parts)

    # -- queries -------------------------------------------------------------

    def ask(self, name: str, rdtype: str = "A", *, timeout: float = QUERY_TIMEOUT) -> dns.message.Message:
        """One query (EDNS, RD clear); over TCP if the UDP answer is truncated."""
        q = make_query(name, rdtype, edns=0, payload=4096)
        r = dns.query.udp(q, self.host, port=self.port, timeout=timeout)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, self.host, port=self.port, timeout=timeout)
        return r

    def query(self, name: str, rdtype: str = "A") -> tuple[str, set[str]]:
        """(rcode text, the answer RRset of `name`/`rdtype` as a set of rdata texts)."""
        r = self.ask(name, rdtype)
        qname = dns.name.from_text(name)
        qtype = dns.rdatatype.from_text(rdtype)
        rdata = {rd.to_text() for rrset in r.answer if rrset.name == qname and rrset.rdtype == qtype
                 for rd in rrset}
        return dns.rcode.to_text(r.rcode()), rdata

    def serial(self, zone: str) -> int | None:
        """The SOA serial this server answers for `zone`, or None (no answer, no zone yet)."""
        try:
            r = self.ask(abs_name(zone), "SOA", timeout=0.5)
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA):
            return None
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.name == dns.name.from_text(abs_name(zone)):
                return rrset[0].serial
        return None

    def wait_serial(self, zone: str, at_least: int, deadline_s: float = SERIAL_DEADLINE) -> float:
        """Polls until `zone`'s serial is >= at_least (RFC 1982); returns the seconds it took."""
        t0 = time.monotonic()

        def reached():
            if not self.alive():
                raise DaemonError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()}")
            s = self.serial(zone)
            return s is not None and serial_gte(s, at_least)

        try:
            wait_for(reached, deadline_s, f"{self.name}: {zone} serial >= {at_least}", interval=0.01)
        except TimeoutError as e:
            raise TimeoutError(f"{e} (serial now {self.serial(zone)}); log:\n{self.log_text()}") from None
        return time.monotonic() - t0

