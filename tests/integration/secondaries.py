"""Stock secondaries (Knot DNS, NSD) of a primary under test, as child processes.

dnsd is becoming a primary (NOTIFY, AXFR/IXFR, TSIG, a catalog zone). These
classes run the real secondaries it must feed, the way docs/deployment.md tells
an operator to configure them, so an end-to-end test only says which primary
and which zones:

    sec = KnotSecondary(("127.0.0.1", dnsd.port), ["xfr.test."], workdir, tsig=key).start()
    sec.wait_serial("xfr.test.", 2024010203, deadline_s=5)
    rcode, rdata = sec.query("www.xfr.test.", "A")   # ("NOERROR", {"192.0.2.1", ...})
    sec.transfers()                                  # [("AXFR", 2024010201), ("IXFR", 2024010203)]
    sec.stop()

Each daemon gets its own temporary directory (config, state, log), free ports
on 127.0.0.1 or another 127/8 address, runs in the foreground (`knotd -c`,
`nsd -d -c`) with nothing under /etc, /var or /run, and is stopped by PID:
SIGTERM, then SIGKILL after a deadline. Start-up polls until the daemon answers
UDP and TCP; nothing here sleeps a fixed time to synchronise.

`KnotPrimary` is a Knot DNS primary serving zone files from its directory, with
IXFR from its journal (`zonefile-load: difference`), so the secondaries can be
proven before dnsd's own transfer support exists.

What bounds propagation (primary change -> secondary answers it):
- NSD applies a transfer only `xfrd-reload-timeout` seconds after the previous
  reload (default 1 s); here 0. NSD's response rate limiting (Debian default
  200 qps per /24) is off (`rrl-ratelimit: 0`), or a polling test gets dropped.
- Knot applies a transfer at once; `zonefile-sync: -1` keeps it from writing
  the zone file after each one (the zone lives in the journal, `journal-content:
  all`, so it survives a restart), `journal-db-mode: asynchronous` skips fsync.
  Knot 3.2 plans a NOTIFY to its own secondaries 1 s after every transfer, and
  a change that arrives meanwhile waits for it (measured: up to ~0.95 s more in
  a burst); a leaf secondary sets `block-notify-after-transfer: on`.
- Both rotate answers only when told: NSD `round-robin: yes`, Knot
  `answer-rotation: on`.

Which transfers happened (`transfers()`): Knot logs each one with its kind;
NSD 4.6 logs only "received update to serial N", never IXFR or AXFR, so an
NsdSecondary by default asks through an `XfrTap`, a relay in the test process
that records what was asked and what was served. Knot does not answer queries
for a catalog zone it interprets (REFUSED); its serial comes from `knotc`.
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
import struct
import subprocess
import tempfile
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring

from dnsd_harness import QUERY_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT, family_of, free_port, make_query, wait_for

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
    """Writes a dnsd --tsig-keys file: one `ALG:NAME:BASE64` line per key."""
    path = pathlib.Path(path)
    path.write_text("".join(k.line() + "\n" for k in keys))
    return path


def serial_gte(a: int, b: int) -> bool:
    """a >= b in RFC 1982 serial number arithmetic (32 bits)."""
    return a == b or 0 < ((a - b) % 2**32) < 2**31


def _abs_name(zone: str) -> str:
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
        self._binary_path()
        for _ in range(5):  # another process may take the free port before the daemon binds it
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
                if re.search(r"in use|EADDRINUSE", self._log_text_since(seen), re.I):
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
            r = self.ask(_abs_name(zone), "SOA", timeout=0.5)
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA):
            return None
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.name == dns.name.from_text(_abs_name(zone)):
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


# ---------------------------------------------------------------------------
# A transfer tap: what a secondary asked and what the primary served


def _skip_name(wire: bytes, off: int) -> int:
    """Offset just past the (possibly compressed) name at `off`."""
    while True:
        length = wire[off]
        if length == 0:
            return off + 1
        if length & 0xC0 == 0xC0:
            return off + 2
        off += 1 + length


def _first_rrs(wire: bytes, limit: int = 2) -> tuple[int, int, list[tuple[int, int | None]]]:
    """(qtype, rcode, [(rrtype, SOA serial or None)] of the first `limit` answer RRs) of a message."""
    qd, an = struct.unpack("!HH", wire[4:8])
    rcode = wire[3] & 0xF
    off, qtype = 12, 0
    for _ in range(qd):
        off = _skip_name(wire, off)
        qtype = struct.unpack("!H", wire[off:off + 2])[0]
        off += 4
    rrs = []
    for _ in range(min(an, limit)):
        off = _skip_name(wire, off)
        rrtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
        off += 10
        serial = None
        if rrtype == dns.rdatatype.SOA:
            p = _skip_name(wire, _skip_name(wire, off))
            serial = struct.unpack("!I", wire[p:p + 4])[0]
        rrs.append((rrtype, serial))
        off += rdlen
    return qtype, rcode, rrs


@dataclasses.dataclass
class TapEvent:
    """One transfer seen by an XfrTap.

    asked: 'IXFR' or 'AXFR' (the query type); served: 'IXFR' (incremental:
    old SOA follows the new one), 'AXFR' (a whole zone, also an AXFR-style
    answer to an IXFR query), 'UPTODATE' (one SOA: nothing newer), or the
    rcode ('NOTIMP', 'REFUSED', 'NOTAUTH', ...); serial: the primary's serial.
    """
    asked: str
    served: str = ""
    serial: int | None = None


class XfrTap:
    """A relay between a secondary and its primary that records transfers.

    NSD 4.6 logs that it received a zone, never whether by IXFR or AXFR; this
    relay sees both sides. It listens on UDP and TCP on a free port of `host`,
    forwards every message unchanged (TSIG passes untouched) to `upstream`,
    and sends from `host`, so the primary sees the secondary's own address.
    Threads only (no process); close() stops them.
    """

    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1"):
        self.upstream = upstream
        self.host = host
        self.events: list[TapEvent] = []
        self._lock = threading.Lock()
        self._closed = False
        self._socks: list[socket.socket] = []
        for _ in range(100):
            self.port = free_port(host)
            self._tcp = socket.socket(family_of(host), socket.SOCK_STREAM)
            self._udp = socket.socket(family_of(host), socket.SOCK_DGRAM)
            try:
                self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._tcp.bind((host, self.port))
                self._udp.bind((host, self.port))
                break
            except OSError:  # taken meanwhile: another port
                self._tcp.close()
                self._udp.close()
        else:
            raise DaemonError(f"no free UDP+TCP port on {host} for the transfer tap")
        self._tcp.listen(16)
        self._socks += [self._tcp, self._udp]
        for target in (self._accept_loop, self._udp_loop):
            threading.Thread(target=target, daemon=True).start()

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def closed(self) -> bool:
        return self._closed

    def transfers(self) -> list[tuple[str, int]]:
        """[(served kind, serial)] of the transfers that carried data (IXFR or AXFR)."""
        with self._lock:
            return [(e.served, e.serial) for e in self.events if e.served in ("IXFR", "AXFR")]

    def close(self):
        self._closed = True
        for s in list(self._socks):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _upstream_socket(self, kind) -> socket.socket:
        s = socket.socket(family_of(self.upstream[0]), kind)
        s.bind((self.host, 0))
        self._socks.append(s)
        return s

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self._tcp.accept()
            except OSError:
                return
            self._socks.append(client)
            threading.Thread(target=self._relay_tcp, args=(client,), daemon=True).start()

    def _relay_tcp(self, client: socket.socket):
        try:
            server = self._upstream_socket(socket.SOCK_STREAM)
            server.settimeout(STOP_TIMEOUT)
            server.connect(self.upstream)
        except OSError:
            client.close()
            return
        pending: dict[int, TapEvent] = {}  # message ID -> the transfer it asked for
        seen: dict[int, list] = {}         # message ID -> first answer RRs so far
        threading.Thread(target=self._pump, args=(client, server, pending, seen, True), daemon=True).start()
        self._pump(server, client, pending, seen, False)

    def _pump(self, src, dst, pending, seen, from_client):
        try:
            while True:
                prefix = _recv_exact(src, 2)
                if prefix is None:
                    break
                body = _recv_exact(src, struct.unpack("!H", prefix)[0])
                if body is None:
                    break
                # Observe before forwarding: the answer must not overtake its query.
                self._observe(body, pending, seen, from_client)
                dst.sendall(prefix + body)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            if not from_client:
                self._finish(pending, seen)

    def _observe(self, body, pending, seen, from_client):
        try:
            qid = struct.unpack("!H", body[:2])[0]
            qtype, rcode, rrs = _first_rrs(body)
        except (struct.error, IndexError):
            return
        if from_client:
            if qtype in (dns.rdatatype.IXFR, dns.rdatatype.AXFR):
                event = TapEvent(dns.rdatatype.to_text(qtype))
                pending[qid] = event
                seen[qid] = []
                with self._lock:
                    self.events.append(event)
            return
        event = pending.get(qid)
        if event is None or event.served:
            return
        if rcode != 0:
            event.served = dns.rcode.to_text(rcode)
            return
        got = seen[qid]
        got.extend(rrs[:2 - len(got)])
        if len(got) >= 2:
            self._classify(event, got)

    @staticmethod
    def _classify(event, got):
        if not got or got[0][0] != dns.rdatatype.SOA:
            event.served = "FORMERR"
            return
        event.serial = got[0][1]
        if len(got) == 1:
            event.served = "UPTODATE"
        elif got[1][0] == dns.rdatatype.SOA and event.asked == "IXFR":
            event.served = "IXFR"
        else:
            event.served = "AXFR"

    def _finish(self, pending, seen):
        """At the end of a connection: a response that held one SOA was 'up to date'."""
        for qid, event in pending.items():
            if not event.served:
                self._classify(event, seen.get(qid, []))

    def _udp_loop(self):
        while not self._closed:
            try:
                data, client = self._udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self._relay_udp, args=(data, client), daemon=True).start()

    def _relay_udp(self, data, client):
        try:
            with socket.socket(family_of(self.upstream[0]), socket.SOCK_DGRAM) as s:
                s.bind((self.host, 0))
                s.settimeout(QUERY_TIMEOUT)
                s.sendto(data, self.upstream)
                reply = s.recv(65535)
            self._udp.sendto(reply, client)
        except OSError:
            pass


def _recv_exact(sock, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


# ---------------------------------------------------------------------------
# Secondaries


class Secondary(Daemon):
    """A secondary of `primary` (host, port) for `zones`, optionally with a TSIG key.

    notify_from: the addresses or prefixes allowed to send NOTIFY (default: the
    primary's address; a NOTIFY comes from the primary's host, any port).
    xfr_tap: put an XfrTap between this secondary and the primary, so that
    `transfers()` knows IXFR from AXFR for a daemon that does not log it (NSD).
    The secondary then asks the tap; NOTIFY still comes straight from the primary.
    """

    def __init__(self, primary: tuple[str, int], zones, workdir, *, tsig: TsigKey | None = None,
                 host: str = "127.0.0.1", notify_from=None, xfr_tap: bool = False):
        super().__init__(workdir, host)
        self.primary = (primary[0], int(primary[1]))
        self.zones = [_abs_name(z) for z in zones]
        self.tsig = tsig
        self.notify_from = list(notify_from or [primary[0]])
        self.xfr_tap = xfr_tap
        self.tap: XfrTap | None = None

    @property
    def transfer_source(self) -> tuple[str, int]:
        """Where this secondary asks for SOA and transfers: the primary, or the tap."""
        return self.tap.address if self.tap else self.primary

    def start(self):
        if self.xfr_tap and (self.tap is None or self.tap.closed):
            old = self.tap
            self.tap = XfrTap(self.primary, host=self.host)
            if old:  # a restart: one history of transfers across runs
                self.tap.events = old.events
        try:
            return super().start()
        except Exception:
            self._close_tap()
            raise

    def stop(self):
        try:
            return super().stop()
        finally:
            self._close_tap()

    def _close_tap(self):
        """Stops the relay; its record of transfers stays readable."""
        if self.tap:
            self.tap.close()

    def transfers(self) -> list[tuple[str, int]]:
        """Incoming transfers that carried data, in order: [('IXFR'|'AXFR', new serial)].

        From the tap when there is one, else from the daemon's log."""
        if self.tap:
            return self.tap.transfers()
        return [(kind, serial) for _zone, kind, serial in self.zone_transfers()]

    def zone_transfers(self) -> list[tuple[str, str, int]]:
        """From the log: [(zone, 'IXFR'|'AXFR'|'?', new serial)]; '?' where the log does not say."""
        raise NotImplementedError


def _free_unix_dir(preferred: pathlib.Path, socket_name: str) -> tuple[pathlib.Path, bool]:
    """A directory for a unix socket: `preferred` unless the path would pass sun_path's 108 bytes."""
    if len(str(preferred / socket_name)) < 100:
        preferred.mkdir(parents=True, exist_ok=True)
        return preferred, False
    return pathlib.Path(tempfile.mkdtemp(prefix="knot-run-")), True


class _KnotBase(Daemon):
    binary = "knotd"

    def __init__(self, workdir, host="127.0.0.1"):
        super().__init__(workdir, host)
        self.rundir, self._own_rundir = _free_unix_dir(self.workdir / "run", "knot.sock")
        self.storage = self.workdir / "db"
        self.storage.mkdir(exist_ok=True)

    @property
    def control_socket(self) -> pathlib.Path:
        return self.rundir / "knot.sock"

    def command(self, conf):
        return [self._binary_path(), "-c", str(conf)]

    def server_section(self, extra: str = "") -> str:
        # One worker of each kind: small, and Knot has nothing to pin to spare CPUs.
        return f"""server:
    rundir: "{self.rundir}"
    listen: {self.host}@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    answer-rotation: on
{extra}
log:
  - target: stderr
    any: info

database:
    storage: "{self.storage}"
    journal-db-mode: asynchronous
"""

    def knotc(self, *args, timeout: float = 10.0) -> subprocess.CompletedProcess:
        """Runs `knotc -s SOCKET ARGS...` against this daemon; raises on failure."""
        knotc = shutil.which("knotc") or "/usr/sbin/knotc"
        r = subprocess.run([knotc, "-s", str(self.control_socket), *args], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise DaemonError(f"knotc {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r

    def _cleanup(self):
        if self._own_rundir:
            shutil.rmtree(self.rundir, ignore_errors=True)


def knot_key_section(tsig: TsigKey | None) -> str:
    if tsig is None:
        return ""
    return f"""
key:
  - id: {tsig.name}
    algorithm: {tsig.algorithm}
    secret: {tsig.secret}
"""


class KnotSecondary(Secondary, _KnotBase):
    """knotd as a secondary; with `catalog`, that zone is a catalog (RFC 9432) it interprets.

    Member zones of the catalog get the same template as the listed zones: the
    same primary, the same TSIG key, the same NOTIFY ACL.
    """

    name = "knot-secondary"

    def __init__(self, primary, zones, workdir, *, tsig=None, host="127.0.0.1", notify_from=None,
                 catalog: str | None = None, xfr_tap: bool = False):
        super().__init__(primary, zones, workdir, tsig=tsig, host=host, notify_from=notify_from,
                         xfr_tap=xfr_tap)
        self.catalog = _abs_name(catalog) if catalog else None

    def config_text(self) -> str:
        key_line = f"\n    key: {self.tsig.name}" if self.tsig else ""
        zones = "".join(f"  - domain: {z}\n    template: secondary\n" for z in self.zones)
        if self.catalog:
            zones += (f"  - domain: {self.catalog}\n    template: secondary\n"
                      f"    catalog-role: interpret\n    catalog-template: secondary\n")
        return self.server_section() + knot_key_section(self.tsig) + f"""
remote:
  - id: primary
    address: {self.transfer_source[0]}@{self.transfer_source[1]}{key_line}
    # A leaf secondary notifies nobody. Without this, Knot 3.2 plans a NOTIFY
    # event 1 s after each transfer, and a change that comes within that second
    # waits for it: up to 1 s more propagation in a burst of changes.
    block-notify-after-transfer: on

acl:
  - id: notify-from-primary
    address: [{", ".join(self.notify_from)}]{key_line}
    action: notify

template:
  - id: secondary
    storage: "{self.storage}"
    master: primary
    acl: notify-from-primary
    # The zone lives in the journal, never in a zone file: nothing is written
    # after each transfer, and a restart serves the last version at once.
    zonefile-sync: -1
    zonefile-load: none
    journal-content: all

zone:
{zones}"""

    def write_config(self):
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        return conf

    def serial(self, zone: str) -> int | None:
        """As Daemon.serial; for the catalog, which Knot does not answer queries for
        (REFUSED), the serial `knotc zone-status` reports."""
        if self.catalog and _abs_name(zone) == self.catalog:
            return self.status_serial(zone)
        return super().serial(zone)

    def status_serial(self, zone: str) -> int | None:
        try:
            out = self.knotc("zone-status", _abs_name(zone)).stdout
        except (DaemonError, subprocess.TimeoutExpired):
            return None
        m = re.search(r"serial: (\d+)", out)
        return int(m.group(1)) if m else None

    def zones_served(self) -> set[str]:
        """The zones this knotd has configured now (catalog members included)."""
        out = self.knotc("zone-status").stdout
        return set(re.findall(r"^\[([^\]]+)\]", out, re.M))

    # Knot 3.2, one line per transfer that changed the zone, e.g.
    #   info: [xfr.test.] AXFR, incoming, remote 127.0.0.1@40411 TSIG 'xfr-key', finished, 0.00 seconds, ...
    #   info: [xfr.test.] refresh, remote 127.0.0.1@40411 TSIG 'xfr-key', zone updated, 0.00 seconds, serial 1 -> 2
    # The transfer line says AXFR or IXFR (an IXFR the primary answered with a
    # whole zone says "IXFR ... receiving AXFR-style IXFR" and counts as AXFR).
    _XFR = re.compile(r"\[(?P<zone>[^\]]+)\] (?P<kind>AXFR|IXFR), incoming, (?P<rest>.*)$", re.M)
    _UPDATED = re.compile(r"\[(?P<zone>[^\]]+)\] refresh, .*zone updated.*serial (?:\S+ -> )?(?P<serial>\d+)",
                          re.M)

    def zone_transfers(self):
        text = self.log_text()
        kinds: dict[str, str] = {}  # zone -> kind of the last transfer seen
        out = []
        for line in text.splitlines():
            m = self._XFR.search(line)
            if m:
                kind = m.group("kind")
                if "AXFR-style" in m.group("rest"):
                    kind = "AXFR"
                if kind == "IXFR" and kinds.get(m.group("zone")) == "AXFR":
                    continue  # the "finished" line of an AXFR-style IXFR
                kinds[m.group("zone")] = kind
                continue
            m = self._UPDATED.search(line)
            if m:
                out.append((m.group("zone"), kinds.pop(m.group("zone"), "?"), int(m.group("serial"))))
        return out


class NsdSecondary(Secondary):
    """nsd -d as a secondary. NSD 4.6 does not consume catalog zones."""

    binary = "nsd"
    name = "nsd-secondary"

    def __init__(self, primary, zones, workdir, *, tsig=None, host="127.0.0.1", notify_from=None,
                 xfr_tap: bool = True, zonefiles_write: int = 60):
        super().__init__(primary, zones, workdir, tsig=tsig, host=host, notify_from=notify_from,
                         xfr_tap=xfr_tap)
        self.zonefiles_write = zonefiles_write
        self.logfile = self.workdir / "nsd.log"
        self.extra_logs = [self.logfile]

    def command(self, conf):
        return [self._binary_path(), "-d", "-c", str(conf)]

    def zone_file(self, zone: str) -> pathlib.Path:
        """Where NSD writes its copy of `zone` (every zonefiles_write seconds)."""
        return self.workdir / f"{_abs_name(zone).rstrip('.')}.zone"

    def config_text(self) -> str:
        d = self.workdir
        key = self.tsig.name if self.tsig else "NOKEY"
        key_section = ""
        if self.tsig:
            key_section = f"""
key:
    name: {self.tsig.name}
    algorithm: {self.tsig.algorithm}
    secret: "{self.tsig.secret}"
"""
        notify = "".join(f"    allow-notify: {a} {key}\n" for a in self.notify_from)
        # Names without the final dot: zonefile "%s.zone" is then "xfr.test.zone".
        zones = "".join(f"\nzone:\n    name: {z.rstrip('.')}\n    include-pattern: from-primary\n"
                        for z in self.zones)
        return f"""server:
    ip-address: {self.host}@{self.port}
    do-ip6: no
    server-count: 1
    reuseport: no
    # Nothing under /etc, /var or /run; no privilege drop, no chroot.
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    # Write transferred zones to their zonefile every N seconds (after database:,
    # or database's default wins); NSD writes none at exit, and a restart reads them.
    zonefiles-write: {self.zonefiles_write}
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    logfile: "{self.logfile}"
    # 1 logs each transfer and notify; 2 adds refusals (a NOTIFY from an address not allowed).
    verbosity: 2
    # Serve a transfer as soon as it is received (default: at most one reload a second).
    xfrd-reload-timeout: 0
    # Rotate answers; no response rate limiting (default 200 qps per client /24).
    round-robin: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0

remote-control:
    control-enable: no
{key_section}
pattern:
    name: from-primary
    zonefile: "%s.zone"
{notify}    request-xfr: {self.transfer_source[0]}@{self.transfer_source[1]} {key}
{zones}"""

    def write_config(self):
        conf = self.workdir / "nsd.conf"
        conf.write_text(self.config_text())
        return conf

    # NSD 4.6 at verbosity >= 1, one line per transfer that changed the zone, e.g.
    #   xfrd: zone xfr.test committed "received update to serial 2 at 2026-... from 127.0.0.1@5300 TSIG verified with key xfr-key"
    # and, before it, whether the transfer was IXFR or AXFR:
    #   ... (see _KIND below)
    _COMMITTED = re.compile(r"zone (?P<zone>\S+) committed \"received update to serial (?P<serial>\d+)")
    _KIND = re.compile(r"zone (?P<zone>\S+) .*(?P<kind>IXFR|AXFR)")

    def zone_transfers(self):
        out = []
        kinds: dict[str, str] = {}
        for line in self.log_text().splitlines():
            m = self._COMMITTED.search(line)
            if m:
                zone = _abs_name(m.group("zone"))
                out.append((zone, kinds.pop(zone, "?"), int(m.group("serial"))))
                continue
            m = self._KIND.search(line)
            if m:
                kinds[_abs_name(m.group("zone"))] = m.group("kind")
        return out


# ---------------------------------------------------------------------------
# A Knot primary, to prove the secondaries without dnsd


class KnotPrimary(_KnotBase):
    """knotd serving zone files from its directory as a primary, with IXFR from its journal.

    zones: {origin: zone file text}. `set_zone(origin, text)` rewrites the file
    and reloads it (Knot computes the difference and keeps it in the journal,
    so secondaries that ask IXFR get IXFR). `notify_to(secondaries)` adds NOTIFY
    targets (a config reload). Transfers are allowed from 127.0.0.0/8, with the
    TSIG key when one is given.
    """

    name = "knot-primary"

    def __init__(self, zones: dict, workdir, *, tsig: TsigKey | None = None, host="127.0.0.1"):
        super().__init__(workdir, host)
        self.zones = {_abs_name(z): text for z, text in zones.items()}
        self.tsig = tsig
        self.notify_targets: list[tuple[str, int]] = []
        for origin, text in self.zones.items():
            self.zone_file(origin).write_text(text)

    def zone_file(self, origin: str) -> pathlib.Path:
        return self.workdir / f"{_abs_name(origin).rstrip('.') or 'root'}.zone"

    def config_text(self) -> str:
        key_line = f"\n    key: {self.tsig.name}" if self.tsig else ""
        remotes = "".join(f"  - id: secondary{i}\n    address: {h}@{p}{key_line}\n"
                          for i, (h, p) in enumerate(self.notify_targets))
        notify = f"    notify: [{', '.join(f'secondary{i}' for i in range(len(self.notify_targets)))}]\n" \
            if self.notify_targets else ""
        zones = "".join(f"  - domain: {z}\n    file: \"{self.zone_file(z)}\"\n" for z in self.zones)
        return self.server_section() + knot_key_section(self.tsig) + \
            (f"\nremote:\n{remotes}" if remotes else "") + f"""
acl:
  - id: transfer
    address: 127.0.0.0/8{key_line}
    action: transfer

template:
  - id: default
    storage: "{self.storage}"
    acl: transfer
{notify}    # Reloading a changed file stores the difference in the journal: IXFR.
    zonefile-load: difference
    journal-content: changes
    zonefile-sync: -1

zone:
{zones}"""

    def write_config(self):
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        return conf

    def start(self):
        super().start()
        for origin in self.zones:
            wait_for(lambda: self.serial(origin) is not None, START_TIMEOUT, f"knot primary to load {origin}")
        return self

    def notify_to(self, secondaries):
        """Adds NOTIFY targets (Daemons or (host, port)) and reloads the configuration."""
        for s in secondaries:
            self.notify_targets.append(s.address if isinstance(s, Daemon) else (s[0], int(s[1])))
        self.write_config()
        self.knotc("reload")

    def set_zone(self, origin: str, text: str):
        """Rewrites a zone file and has Knot load it (blocking until loaded); NOTIFY follows."""
        origin = _abs_name(origin)
        self.zones[origin] = text
        self.zone_file(origin).write_text(text)
        self.knotc("-b", "zone-reload", origin)
