"""A DNS proxy that corrupts answers on their way back: proof that validation can fail.

`TamperProxy` listens on a free 127.0.0.1 port (UDP and TCP), forwards each
query unchanged to an upstream server and passes every answer through
`mutate`, a function of a dns.message.Message that returns the message to send
(changed in place or new), or None to drop the answer. Point a validating
resolver's stub at the proxy instead of the server and the signed answers it
relays become bogus.

Ready-made mutations:
- `flip_rrsig_signatures(types=None)`: flips one bit in the signature of each
  RRSIG (covering `types` only, when given) in every section;
- `strip_rrsigs(types=None)`: removes those RRSIGs;
- `passthrough`: changes nothing.
`mutate` may be replaced while the proxy runs. `tampered` counts the answers a
mutation changed, so a test can show that the corruption did reach the resolver.

Runs in threads of the test process (no child process); `stop()` closes the
sockets and joins the threads with a deadline. Fixture (import it into a
test module): `start_tamper_proxy(upstream, mutate)`. It relays one answer per
query: no zone transfers through it.
"""

from __future__ import annotations

import select
import socket
import struct
import threading

import dns.exception
import dns.message
import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.RRSIG
import dns.rrset
import pytest

from dnsd_harness import STOP_TIMEOUT, free_port

UPSTREAM_TIMEOUT = 2.0


def passthrough(message: dns.message.Message) -> dns.message.Message:
    return message


def _sections(message):
    return (message.answer, message.authority, message.additional)


def _covers(rrset, types) -> bool:
    return rrset.rdtype == dns.rdatatype.RRSIG and (
        types is None or rrset.covers in {dns.rdatatype.RdataType.make(t) for t in types})


def flip_rrsig_signatures(types=None):
    """A mutation flipping one bit in the middle of every RRSIG's signature (covering `types`, if given)."""
    def mutate(message):
        changed = False
        for section in _sections(message):
            for i, rrset in enumerate(section):
                if not _covers(rrset, types):
                    continue
                new = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype, rrset.covers)
                for rd in rrset:
                    sig = bytearray(rd.signature)
                    sig[len(sig) // 2] ^= 0x01
                    new.add(rd.replace(signature=bytes(sig)), rrset.ttl)
                section[i] = new
                changed = True
        return message, changed
    mutate.reports_changes = True
    return mutate


def strip_rrsigs(types=None):
    """A mutation removing every RRSIG (covering `types`, if given) from every section."""
    def mutate(message):
        changed = False
        for section in _sections(message):
            keep = [rrset for rrset in section if not _covers(rrset, types)]
            changed |= len(keep) != len(section)
            section[:] = keep
        return message, changed
    mutate.reports_changes = True
    return mutate


class TamperProxy:
    """UDP and TCP on 127.0.0.1:port to `upstream` (host, port), answers passed through `mutate`.

    start() and stop() from the test's thread; the proxy's own threads only
    forward. `mutate` may be swapped at any time (an attribute read per answer).
    """

    def __init__(self, upstream: tuple[str, int], mutate=None, host: str = "127.0.0.1"):
        self.upstream = (upstream[0], int(upstream[1]))
        self.mutate = mutate or flip_rrsig_signatures()
        self.host = host
        self.port = 0
        self.tampered = 0
        self.forwarded = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None

    @property
    def address(self) -> str:
        """The stub-addr form, HOST@PORT."""
        return f"{self.host}@{self.port}"

    def start(self) -> "TamperProxy":
        for _ in range(5):
            port = free_port(self.host)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                udp.bind((self.host, port))
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((self.host, port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            self._udp, self._tcp, self.port = udp, tcp, port
            break
        else:
            raise RuntimeError(f"tamper proxy: no free port on {self.host}")
        for target in (self._serve_udp, self._serve_tcp):
            t = threading.Thread(target=target, daemon=True, name=f"tamper-proxy-{target.__name__}")
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(STOP_TIMEOUT)
        for s in (self._udp, self._tcp):
            if s is not None:
                s.close()
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"tamper proxy threads still running after {STOP_TIMEOUT}s: {alive}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- forwarding ---------------------------------------------------------

    def _rewrite(self, wire: bytes, max_size: int) -> bytes | None:
        """The upstream answer after `mutate`; the bytes unchanged when nothing was changed."""
        with self._lock:
            self.forwarded += 1
        mutate = self.mutate
        if mutate is passthrough:
            return wire
        try:
            message = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return wire  # not ours to judge: relay what the server said
        result = mutate(message)
        if getattr(mutate, "reports_changes", False):
            result, changed = result
        else:
            changed = result is not None
        if result is None:
            return None
        if not changed:
            return wire
        with self._lock:
            self.tampered += 1
        return result.to_wire(max_size=max_size)

    def _serve_udp(self):
        while not self._stop.is_set():
            ready, _, _ = select.select([self._udp], [], [], 0.05)
            if not ready:
                continue
            try:
                query, client = self._udp.recvfrom(65535)
            except OSError:
                continue
            threading.Thread(target=self._answer_udp, args=(query, client), daemon=True).start()

    def _answer_udp(self, query: bytes, client):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(UPSTREAM_TIMEOUT)
            try:
                up.sendto(query, self.upstream)
                answer, _ = up.recvfrom(65535)
            except OSError:
                return  # the upstream is silent: so is the proxy
        out = self._rewrite(answer, 65535)
        if out is not None and not self._stop.is_set():
            try:
                self._udp.sendto(out, client)
            except OSError:
                pass

    def _serve_tcp(self):
        while not self._stop.is_set():
            ready, _, _ = select.select([self._tcp], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _ = self._tcp.accept()
            except OSError:
                continue
            t = threading.Thread(target=self._answer_tcp, args=(conn,), daemon=True)
            t.start()

    def _recv_exact(self, sock, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            if self._stop.is_set():
                return None
            try:
                chunk = sock.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                return None
            buf += chunk
        return buf

    def _answer_tcp(self, conn: socket.socket):
        conn.settimeout(0.1)
        with conn:
            while not self._stop.is_set():
                head = self._recv_exact(conn, 2)
                if head is None:
                    return
                query = self._recv_exact(conn, struct.unpack("!H", head)[0])
                if query is None:
                    return
                try:
                    with socket.create_connection(self.upstream, timeout=UPSTREAM_TIMEOUT) as up:
                        up.sendall(head + query)
                        up.settimeout(UPSTREAM_TIMEOUT)
                        length = self._recv_exact(up, 2)
                        answer = self._recv_exact(up, struct.unpack("!H", length)[0]) if length else None
                except OSError:
                    return
                if answer is None:
                    return
                out = self._rewrite(answer, 65535)
                if out is None:
                    return
                try:
                    conn.sendall(struct.pack("!H", len(out)) + out)
                except OSError:
                    return


@pytest.fixture
def start_tamper_proxy():
    """start_tamper_proxy((host, port), mutate=None) -> a running TamperProxy; all stopped at the end."""
    started = []

    def start(upstream, mutate=None):
        p = TamperProxy(upstream, mutate)
        started.append(p)
        return p.start()

    yield start
    for p in started:
        p.stop()
