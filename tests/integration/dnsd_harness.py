"""Runs the real dnsd binary and talks to it the way the world does.

`Dnsd` starts `dnsd serve` on free loopback ports, waits until it answers
(polling with a deadline, never a fixed sleep), and stops it by PID: SIGTERM,
then SIGKILL after a deadline. A clean shutdown (exit 0 on SIGTERM) is part of
the contract and `stop()` asserts it.

Clients:
- dnspython for detailed asserts (`query`, `query_tcp`),
- raw bytes over UDP and TCP for malformed and pipelined traffic,
- the real command-line clients `dig` (BIND), `kdig` (Knot) and `drill`
  (ldns), whose text output `parse_client_output` turns into `ClientAnswer`s.

Everything binds to 127.0.0.0/8 or ::1 only.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

REPO = pathlib.Path(__file__).resolve().parents[2]
ZONES = pathlib.Path(__file__).resolve().parent / "zones"

# Time budgets. Generous for slow CI (sanitizer builds), yet bounded.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
QUERY_TIMEOUT = 2.0
# How long a test waits to conclude "no answer" for a packet that must be dropped.
SILENCE_TIMEOUT = 0.5

# Header flag bits (RFC 1035 4.1.1).
QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080


def dnsd_bin() -> str:
    """The binary under test: $DNSD_BIN, default build/dnsd/dnsd, relative to the repo."""
    path = pathlib.Path(os.environ.get("DNSD_BIN", "build/dnsd/dnsd"))
    return str(path if path.is_absolute() else REPO / path)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.02):
    """Polls `predicate` until it returns something truthy or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on `host` right now (bind port 0, then close)."""
    fam = family_of(host)
    for _ in range(100):
        udp = socket.socket(fam, socket.SOCK_DGRAM)
        tcp = socket.socket(fam, socket.SOCK_STREAM)
        try:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            tcp.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            udp.close()
            tcp.close()
    raise RuntimeError(f"no free UDP+TCP port on {host}")


def listen_arg(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ---------------------------------------------------------------------------
# Building messages


def make_query(name, rdtype="A", *, edns: int | None = None, payload: int = 1232,
               options=(), ednsflags: int = 0, rd: bool = False, qid: int | None = None,
               rdclass="IN") -> dns.message.QueryMessage:
    """A query; without EDNS unless `edns` is a version number. RD clear unless asked."""
    q = dns.message.make_query(name, rdtype, rdclass)
    if edns is not None:
        q.use_edns(edns, ednsflags, payload, options=list(options))
    if not rd:
        q.flags &= ~dns.flags.RD
    if qid is not None:
        q.id = qid
    return q


def header(qid=0x1234, flags=0, qd=1, an=0, ns=0, ar=0) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def wire_name(name: str) -> bytes:
    """Uncompressed wire form of a dotted name, case kept."""
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def question(name: str, rdtype: int = 1, rdclass: int = 1) -> bytes:
    return wire_name(name) + struct.pack("!HH", rdtype, rdclass)


def opt_rr(payload=1232, ext_rcode=0, version=0, flags=0, options=b"") -> bytes:
    """An OPT pseudo-RR (RFC 6891 6.1.2) with raw option bytes."""
    ttl = (ext_rcode << 24) | (version << 16) | flags
    return b"\0" + struct.pack("!HHIH", 41, payload, ttl, len(options)) + options


def parse(raw: bytes) -> dns.message.Message:
    return dns.message.from_wire(raw)


def rcode_of(raw: bytes) -> int:
    """Header rcode (4 bits) straight from the bytes."""
    return struct.unpack("!H", raw[2:4])[0] & 0xF


def flags_of(raw: bytes) -> int:
    return struct.unpack("!H", raw[2:4])[0]


def counts_of(raw: bytes) -> tuple[int, int, int, int]:
    return struct.unpack("!HHHH", raw[4:12])


def rrsets(section) -> dict:
    """{(name lowercased text, type text): rrset} of a message section."""
    return {(r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype)): r for r in section}


def texts(rrset) -> list[str]:
    """Record data of an RRset as text, in wire order."""
    return [rd.to_text() for rd in rrset]


def section_texts(section) -> list[tuple[str, str, str]]:
    """Every record of a section as (owner lowercased, type, data), in wire order."""
    out = []
    for r in section:
        for rd in r:
            out.append((r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype), rd.to_text()))
    return out


# ---------------------------------------------------------------------------
# The server


class StartError(RuntimeError):
    pass


class Dnsd:
    """One `dnsd serve` process on free loopback ports.

    hosts: addresses to listen on; each gets its own free port and a --listen.
    Unless extra_args has its own --control, the control API gets a free port
    on 127.0.0.1 too (`control_address`), so servers never fight over 8053.
    Response rate limiting is off (`--rrl-rate 0`: every test queries from one
    /24, 127.0.0.0/24) unless `rrl=True` keeps the server's defaults or
    extra_args has its own --rrl-rate.
    """

    def __init__(self, zones=ZONES, hosts=("127.0.0.1",), threads: int | None = None,
                 extra_args=(), log_dir: str | None = None, rrl: bool = False):
        self.zones = str(zones)
        self.rrl = rrl
        self.hosts = tuple(hosts)
        self.threads = threads
        self.extra_args = list(extra_args)
        self.log_dir = log_dir or tempfile.mkdtemp(prefix="dnsd-log-")
        self.proc: subprocess.Popen | None = None
        self.addrs: list[tuple[str, int]] = []
        self.control_port: int | None = None
        self.log_path = os.path.join(self.log_dir, "dnsd.log")

    # -- lifecycle --------------------------------------------------------

    @property
    def host(self) -> str:
        return self.addrs[0][0]

    @property
    def port(self) -> int:
        return self.addrs[0][1]

    @property
    def control_address(self) -> str:
        """ADDR:PORT of the control API (the harness's own, or the one in extra_args)."""
        if "--control" in self.extra_args:
            return self.extra_args[self.extra_args.index("--control") + 1]
        return f"127.0.0.1:{self.control_port}"

    def command(self) -> list[str]:
        args = [dnsd_bin(), "serve", "--zones", self.zones]
        for host, port in self.addrs:
            args += ["--listen", listen_arg(host, port)]
        if self.threads is not None:
            args += ["--threads", str(self.threads)]
        if "--control" not in self.extra_args:
            args += ["--control", self.control_address]
        if not self.rrl and "--rrl-rate" not in self.extra_args:
            args += ["--rrl-rate", "0"]
        return args + self.extra_args

    def start(self) -> "Dnsd":
        last_log = ""
        for _ in range(5):  # another process may take our free port before dnsd binds it
            self.addrs = [(h, free_port(h)) for h in self.hosts]
            self.control_port = free_port("127.0.0.1")
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=REPO)
            try:
                self._wait_ready()
                return self
            except StartError:
                last_log = self.log()
                if self.proc.poll() is not None and re.search(r"in use|EADDRINUSE", last_log, re.I):
                    continue
                self._kill()
                raise
        raise StartError(f"dnsd could not bind a free port after retries:\n{last_log}")

    def _wait_ready(self):
        pending = list(self.addrs)
        deadline = time.monotonic() + START_TIMEOUT
        while pending:
            if self.proc.poll() is not None:
                raise StartError(f"dnsd exited with {self.proc.returncode} during start-up:\n{self.log()}")
            if time.monotonic() >= deadline:
                raise StartError(f"dnsd did not answer within {START_TIMEOUT}s on {pending}:\n{self.log()}")
            host, port = pending[0]
            if self._answers_udp(host, port) and self._accepts_tcp(host, port):
                pending.pop(0)
            else:
                time.sleep(0.02)

    @staticmethod
    def _answers_udp(host, port) -> bool:
        q = make_query("ready.invalid.", "A", qid=0x5EAD)
        with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
            s.settimeout(0.1)
            try:
                s.sendto(q.to_wire(), (host, port))
                data = s.recv(65535)
            except OSError:
                return False
        return len(data) >= 12 and data[:2] == b"\x5e\xad"

    @staticmethod
    def _accepts_tcp(host, port) -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            return False

    def log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)  # Popen signals its own PID
            self.proc.wait(STOP_TIMEOUT)

    def stop(self) -> int:
        """SIGTERM, wait, SIGKILL after the deadline; asserts a clean exit 0."""
        if self.proc is None:
            return 0
        if self.proc.poll() is not None:
            rc = self.proc.returncode
            raise AssertionError(f"dnsd had already exited with {rc} before teardown:\n{self.log()}")
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError(f"dnsd ignored SIGTERM for {STOP_TIMEOUT}s (killed):\n{self.log()}")
        assert rc == 0, f"dnsd exited with {rc} on SIGTERM, expected 0:\n{self.log()}"
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:  # keep the original failure; still never leave a process behind
            try:
                self.stop()
            except AssertionError:
                pass

    # -- dnspython --------------------------------------------------------

    def _addr(self, addr):
        return addr or self.addrs[0]

    def query(self, name, rdtype="A", *, addr=None, timeout=QUERY_TIMEOUT, **kw) -> dns.message.Message:
        """One query over UDP (dnspython message in, parsed response out)."""
        q = name if isinstance(name, dns.message.Message) else make_query(name, rdtype, **kw)
        raw = self.udp_raw(q.to_wire(), addr=addr, timeout=timeout)
        assert raw is not None, f"no UDP answer to {q.question}"
        return check_response(q, raw)

    def query_wire(self, name, rdtype="A", *, addr=None, **kw) -> tuple[bytes, dns.message.Message]:
        """Like query(), also returning the raw response bytes."""
        q = name if isinstance(name, dns.message.Message) else make_query(name, rdtype, **kw)
        raw = self.udp_raw(q.to_wire(), addr=addr)
        assert raw is not None, f"no UDP answer to {q.question}"
        return raw, check_response(q, raw)

    def query_tcp(self, name, rdtype="A", *, addr=None, **kw) -> dns.message.Message:
        q = name if isinstance(name, dns.message.Message) else make_query(name, rdtype, **kw)
        with self.tcp_connect(addr) as conn:
            conn.send_message(q.to_wire())
            raw = conn.read_message()
        assert raw is not None, f"no TCP answer to {q.question}"
        return check_response(q, raw)

    # -- raw bytes ----------------------------------------------------------

    def udp_raw(self, data: bytes, *, addr=None, timeout=QUERY_TIMEOUT) -> bytes | None:
        """Sends one datagram; returns the reply, or None if none came within `timeout`."""
        host, port = self._addr(addr)
        with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.connect((host, port))
            s.send(data)
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def tcp_connect(self, addr=None, timeout=QUERY_TIMEOUT) -> "TcpConnection":
        host, port = self._addr(addr)
        return TcpConnection(socket.create_connection((host, port), timeout=timeout))

    # -- real clients -----------------------------------------------------

    def dig(self, *args, addr=None) -> list["ClientAnswer"]:
        host, port = self._addr(addr)
        return run_client(["dig", f"@{host}", "-p", str(port), "+time=2", "+tries=1", *args])

    def kdig(self, *args, addr=None) -> list["ClientAnswer"]:
        host, port = self._addr(addr)
        return run_client(["kdig", f"@{host}", "-p", str(port), "+time=2", "+retry=0", *args])

    def drill(self, *args, addr=None) -> list["ClientAnswer"]:
        """drill [options] name [type]: the ldns client."""
        host, port = self._addr(addr)
        opts = [a for a in args if a.startswith("-")]
        rest = [a for a in args if not a.startswith("-")]
        return run_client(["drill", "-p", str(port), *opts, rest[0], f"@{host}", *rest[1:]])


class TcpConnection:
    """A DNS-over-TCP connection: 2-byte length-prefixed messages (RFC 1035 4.2.2)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send_message(self, wire: bytes):
        self.sock.sendall(struct.pack("!H", len(wire)) + wire)

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def _read_exact(self, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None if not buf else buf
            buf += chunk
        return buf

    def read_message(self) -> bytes | None:
        """The next message, or None when the server closed the connection."""
        prefix = self._read_exact(2)
        if prefix is None or len(prefix) < 2:
            return None
        (length,) = struct.unpack("!H", prefix)
        body = self._read_exact(length)
        assert body is not None and len(body) == length, "connection closed inside a message"
        return body

    def closed_by_peer(self, timeout: float) -> bool:
        """True if the server closes (EOF or reset) within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True


def check_response(q: dns.message.Message, raw: bytes) -> dns.message.Message:
    """Parses a response and checks what every response to `q` must satisfy."""
    assert len(raw) >= 12, f"short response {raw!r}"
    assert raw[:2] == struct.pack("!H", q.id), "response ID differs from the query's"
    assert flags_of(raw) & QR, "QR not set in a response"
    return parse(raw)


# ---------------------------------------------------------------------------
# Real client output (dig, kdig, drill)


@dataclasses.dataclass
class ClientAnswer:
    """One response as printed by dig, kdig or drill."""
    rcode: str = ""
    qid: int = -1
    flags: set = dataclasses.field(default_factory=set)
    counts: dict = dataclasses.field(default_factory=dict)
    sections: dict = dataclasses.field(default_factory=dict)  # name -> [(owner, ttl, class, type, data)]
    edns_version: int | None = None
    edns_udp: int | None = None
    text: str = ""

    def records(self, section="ANSWER", rtype=None):
        return [r for r in self.sections.get(section, []) if rtype is None or r[3] == rtype]

    def data(self, section="ANSWER", rtype=None):
        return [r[4] for r in self.records(section, rtype)]


_HEADER = re.compile(r"->>HEADER<<-\s*opcode:\s*(\w+)[,;]\s*(?:status|rcode):\s*(\w+)[,;]\s*id:\s*(\d+)")
_FLAGS = re.compile(r"^;;\s*[Ff]lags:([^;]*);", re.M)
_COUNT = re.compile(r"(QUERY|ANSWER|AUTHORITY|ADDITIONAL):\s*(\d+)")
_SECTION = re.compile(r"^;;\s*(QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:\s*$")
_EDNS_VERSION = re.compile(r"EDNS:?\s*version:?\s*(\d+)|;;\s*Version:\s*(\d+)", re.I)
_EDNS_UDP = re.compile(r"(?:udp|UDP size):\s*(\d+)")


def parse_client_output(text: str) -> list[ClientAnswer]:
    """Splits dig/kdig/drill text into one ClientAnswer per response printed."""
    answers = []
    chunks = re.split(r"(?=^;;\s*->>HEADER<<-)", text, flags=re.M)
    for chunk in chunks:
        m = _HEADER.search(chunk)
        if not m:
            continue
        a = ClientAnswer(rcode=m.group(2), qid=int(m.group(3)), text=chunk)
        fm = _FLAGS.search(chunk)
        if fm:
            a.flags = set(fm.group(1).split())
            line = chunk[fm.start():chunk.find("\n", fm.start())]
            a.counts = {k: int(v) for k, v in _COUNT.findall(line)}
        vm = _EDNS_VERSION.search(chunk)
        if vm:
            a.edns_version = int(vm.group(1) or vm.group(2))
            um = _EDNS_UDP.search(chunk[vm.start():])
            a.edns_udp = int(um.group(1)) if um else None
        section = None
        for line in chunk.splitlines():
            sm = _SECTION.match(line)
            if sm:
                section = sm.group(1)
                a.sections.setdefault(section, [])
                continue
            if not line.strip() or section is None:
                if not line.strip():
                    section = None
                continue
            if line.startswith(";"):
                if section == "QUESTION":
                    a.sections[section].append(tuple(line.lstrip("; \t").split()))
                continue
            parts = line.split(None, 4)
            if len(parts) == 5 and parts[1].isdigit():
                owner, ttl, klass, rtype, data = parts
                a.sections[section].append((owner, int(ttl), klass, rtype, data.strip()))
        answers.append(a)
    return answers


def run_client(cmd: list[str], timeout: float = 20.0) -> list[ClientAnswer]:
    """Runs a DNS client command line; returns the responses it printed."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    answers = parse_client_output(proc.stdout)
    assert answers, f"{' '.join(cmd)} printed no response (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
    return answers


def run_dnsd(*args, timeout: float = 20.0) -> subprocess.CompletedProcess:
    """Runs a one-shot dnsd command (check, --help, --version)."""
    return subprocess.run([dnsd_bin(), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=REPO)
