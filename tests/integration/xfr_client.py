"""A zone-transfer client and a NOTIFY receiver, for testing a primary byte by byte.

- `xfr(...)` asks AXFR or IXFR over TCP (or IXFR over UDP), signed with a TSIG
  key or not, from a chosen source address, and returns an `Xfr`: every raw
  message, the rcode, what kind of answer it was (a whole zone, an increment,
  the SOA alone), the records, and whether every signature verified
  (dnspython checks the TSIG of each message, RFC 8945 5.3.1).
- `tsig_error(raw)` reads the TSIG error of a response that dnspython cannot
  verify (BADKEY, BADSIG come back unsigned).
- `NotifySink` is a NOTIFY target on a UDP port of its own: it records each
  NOTIFY (when, serial, whether its TSIG verified with the given key) and
  answers it, or stays silent for the first N, to see the sender retry.

Nothing here sleeps to synchronise; every wait polls with a deadline.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig

from dnsd_harness import QUERY_TIMEOUT, family_of, free_port, wait_for
from daemon import TsigKey

XFR_TIMEOUT = 20.0


def _record(rrset, rd) -> tuple[str, int, str, str]:
    return (rrset.name.to_text().lower(), rrset.ttl, dns.rdatatype.to_text(rrset.rdtype), rd.to_text().lower())


@dataclasses.dataclass
class Xfr:
    """One transfer's answer.

    kind: 'AXFR' (the whole zone: SOA, records, SOA; also an IXFR answered
    with the whole zone), 'IXFR' (increments: SOA new, then per version SOA
    old, deleted, SOA newer, added; then SOA new), 'SOA' (the SOA alone: up to
    date, or an IXFR over UDP that did not fit), or the rcode text when not
    NOERROR. records: for AXFR the zone without the closing SOA; for IXFR
    the records between the first and last SOA, in order; the first SOA is `soa`.
    """
    rcode: str
    kind: str = ""
    serial: int | None = None
    soa: tuple | None = None  # the first record (the primary's SOA)
    records: list = dataclasses.field(default_factory=list)
    raw: list = dataclasses.field(default_factory=list, repr=False)
    messages: list = dataclasses.field(default_factory=list, repr=False)
    signed: bool = False  # the first and last message carried a TSIG, and every TSIG verified

    @property
    def nbytes(self) -> int:
        """Bytes of every DNS message of the answer (without TCP length prefixes)."""
        return sum(len(r) for r in self.raw)

    def zone(self) -> set:
        """The zone of an AXFR-kind answer, SOA included, as a set of (owner, ttl, type, rdata)."""
        assert self.kind == "AXFR", f"not a whole zone: {self.kind}"
        return set(self.records) | {self.soa}

    def increments(self) -> list[tuple[int, int, set, set]]:
        """[(old serial, new serial, deleted, added)] of an IXFR-kind answer; the
        deleted records include the old SOA, the added ones the new SOA (RFC 1995)."""
        assert self.kind == "IXFR", f"not an incremental answer: {self.kind}"
        out, cur, part = [], None, None
        for rec in self.records:
            if rec[2] == "SOA":
                serial = int(rec[3].split()[2])
                if part in (None, "add"):
                    cur = [serial, None, set(), set()]
                    out.append(cur)
                    part = "del"
                else:
                    cur[1] = serial
                    part = "add"
            (cur[2] if part == "del" else cur[3]).add(rec)
        return [tuple(x) for x in out]

    def changes(self) -> list[tuple[int, int, set, set]]:
        """increments() without the SOA records."""
        return [(old, new, {r for r in d if r[2] != "SOA"}, {r for r in a if r[2] != "SOA"})
                for old, new, d, a in self.increments()]


def _query(zone: str, rdtype: str, serial: int | None, key: TsigKey | None) -> dns.message.Message:
    q = dns.message.make_query(zone, rdtype)
    q.flags &= ~dns.flags.RD
    if rdtype == "IXFR":
        soa = dns.rrset.from_text(zone, 0, "IN", "SOA", f". . {serial} 0 0 0 0")
        q.authority.append(soa)
    if key:
        q.use_tsig(key.keyring(), keyname=key.name, algorithm=key.algorithm)
    return q


def _parse(raw: bytes, q, ctx):
    """(message, tsig context) of one answer message, as dnspython's own xfr() parses
    it (RFC 8945 5.3.1: messages between signed ones may be unsigned); a TSIG
    that does not verify raises."""
    m = dns.message.from_wire(raw, keyring=q.keyring, request_mac=q.mac, xfr=True,
                              origin=None, tsig_ctx=ctx, multi=True, one_rr_per_rrset=True)
    return m, m.tsig_ctx


def xfr(host: str, port: int, zone: str, rdtype: str = "AXFR", *, serial: int | None = None,
        key: TsigKey | None = None, udp: bool = False, source: str | None = None,
        timeout: float = XFR_TIMEOUT) -> Xfr:
    """Asks `rdtype` (AXFR or IXFR from `serial`) for `zone` and reads the whole answer."""
    zone = zone if zone.endswith(".") else zone + "."
    q = _query(zone, rdtype, serial, key)
    wire = q.to_wire()
    sock = socket.socket(family_of(host), socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
        if udp:
            sock.send(wire)
            reader = _udp_reader(sock)
        else:
            sock.sendall(struct.pack("!H", len(wire)) + wire)
            reader = _tcp_reader(sock)
        return _read_answer(q, reader)
    finally:
        sock.close()


def _udp_reader(sock):
    yield sock.recv(65535)


def _tcp_reader(sock):
    while True:
        prefix = _recv_exact(sock, 2)
        if prefix is None:
            return
        body = _recv_exact(sock, struct.unpack("!H", prefix)[0])
        if body is None:
            raise EOFError("connection closed inside a message")
        yield body


def _recv_exact(sock, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _read_answer(q, reader) -> Xfr:
    out = Xfr(rcode="")
    ctx, soas, state = None, 0, "start"
    first_serial = None
    for raw in reader:
        out.raw.append(raw)
        rcode = struct.unpack("!H", raw[2:4])[0] & 0xF
        if rcode != 0:
            out.rcode = out.kind = dns.rcode.to_text(rcode)
            return out
        m, ctx = _parse(raw, q, ctx)
        out.messages.append(m)
        for rrset in m.answer:
            for rd in rrset:
                rec = _record(rrset, rd)
                if state == "start":
                    assert rec[2] == "SOA", f"a transfer must start with the SOA, not {rec}"
                    first_serial, out.soa = rd.serial, rec
                    state = "second"
                    continue
                if state == "second":
                    state = "ixfr" if rec[2] == "SOA" and q.question[0].rdtype == dns.rdatatype.IXFR \
                        else "axfr"
                if rec[2] == "SOA":
                    soas += 1
                    # AXFR: the second SOA ends it. IXFR: a SOA of the new serial
                    # where a version's deletions would start (an odd count) ends it.
                    if state == "axfr" or (rd.serial == first_serial and soas % 2 == 1):
                        return _done(out, state.upper(), first_serial)
                out.records.append(rec)
        if state == "second" and q.question[0].rdtype == dns.rdatatype.IXFR:
            # A first message holding the SOA alone: up to date, or a UDP answer
            # that did not fit (a TCP stream is not read further).
            return _done(out, "SOA", first_serial)
    if state == "second":
        return _done(out, "SOA", first_serial)
    if not out.raw:
        raise EOFError("no answer: the server closed the connection")
    raise EOFError(f"the answer ended before the closing SOA ({len(out.raw)} messages)")


def _done(out: Xfr, kind: str, serial: int) -> Xfr:
    out.rcode, out.kind, out.serial = "NOERROR", kind, serial
    out.signed = bool(out.messages) and out.messages[0].had_tsig and out.messages[-1].had_tsig
    return out


def tsig_error(raw: bytes) -> str | None:
    """The error of the TSIG record of a response (e.g. 'BADKEY'), 'NOERROR' when the
    TSIG says none, None when the message has no TSIG. No key is needed."""
    class _Stop(Exception):
        pass

    seen = {}

    def keyring(_msg, name):
        seen["name"] = name
        return dns.tsig.Key(name, b"\0" * 32, "hmac-sha256")

    try:
        dns.message.from_wire(raw, keyring=keyring)
    except dns.tsig.PeerBadKey:
        return "BADKEY"
    except dns.tsig.PeerBadSignature:
        return "BADSIG"
    except dns.tsig.PeerBadTime:
        return "BADTIME"
    except dns.tsig.PeerBadTruncation:
        return "BADTRUNC"
    except (dns.tsig.BadSignature, dns.tsig.BadAlgorithm):
        return "NOERROR"  # a TSIG without an error, signed with a key we did not give
    except dns.message.UnknownTSIGKey:
        return None
    return "NOERROR" if "name" in seen else None


def signed_query(host: str, port: int, name: str, rdtype: str, key: TsigKey, *, tcp: bool = False,
                 source: str | None = None) -> tuple[bytes, dns.message.Message]:
    """An ordinary query signed with `key`: (raw response, the query)."""
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~dns.flags.RD
    q.use_tsig(key.keyring(), keyname=key.name, algorithm=key.algorithm)
    wire = q.to_wire()
    with socket.socket(family_of(host), socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as s:
        s.settimeout(QUERY_TIMEOUT)
        if source:
            s.bind((source, 0))
        s.connect((host, port))
        if tcp:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            raw = _recv_exact(s, struct.unpack("!H", _recv_exact(s, 2))[0])
        else:
            s.send(wire)
            raw = s.recv(65535)
    return raw, q


# ---------------------------------------------------------------------------
# A NOTIFY target


@dataclasses.dataclass
class Notify:
    at: float            # time.monotonic() of arrival
    source: tuple
    transport: str       # 'udp' or 'tcp'
    zone: str
    serial: int | None   # from the SOA in the answer section, if any
    tsig: str            # 'verified', 'unsigned', or why it did not verify
    qid: int
    answered: bool


class NotifySink:
    """A NOTIFY target on one port of `host`, UDP and TCP: records every NOTIFY and
    answers all but the first `silent` of each (zone, serial) (NOERROR, AA, signed
    with `key` when the NOTIFY was and verified). Threads only; close() stops them."""

    def __init__(self, host: str = "127.0.0.1", key: TsigKey | None = None, silent: int = 0):
        self.host, self.key, self.silent = host, key, silent
        self.notifies: list[Notify] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(100):
            self.port = free_port(host)
            self.udp = socket.socket(family_of(host), socket.SOCK_DGRAM)
            self.tcp = socket.socket(family_of(host), socket.SOCK_STREAM)
            try:
                self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.udp.bind((host, self.port))
                self.tcp.bind((host, self.port))
                break
            except OSError:  # taken meanwhile: another port
                self.udp.close()
                self.tcp.close()
        else:
            raise RuntimeError(f"no free UDP+TCP port on {host} for a NOTIFY sink")
        self.tcp.listen(8)
        for s in (self.udp, self.tcp):
            s.settimeout(0.1)
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._udp_loop, self._tcp_loop)]
        for th in self._threads:
            th.start()

    @property
    def target(self) -> str:
        """ADDR:PORT, as a zone's transfer.notify names it."""
        return f"{self.host}:{self.port}"

    def _udp_loop(self):
        while not self._closed:
            try:
                raw, src = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self._handle(raw, src, "udp", time.monotonic())
            if reply:
                self.udp.sendto(reply, src)

    def _tcp_loop(self):
        while not self._closed:
            try:
                conn, src = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(2.0)
            try:
                with conn:
                    while True:
                        prefix = _recv_exact(conn, 2)
                        if prefix is None:
                            break
                        raw = _recv_exact(conn, struct.unpack("!H", prefix)[0])
                        reply = self._handle(raw, src, "tcp", time.monotonic())
                        if reply:
                            conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass

    def _handle(self, raw, src, transport, at) -> bytes | None:
        tsig = "unsigned"
        try:
            m = dns.message.from_wire(raw, keyring=self.key.keyring() if self.key else None)
            if m.had_tsig:
                tsig = "verified"
        except dns.exception.DNSException as e:
            tsig = "unknown key" if isinstance(e, dns.message.UnknownTSIGKey) else type(e).__name__
            # The question and serial, read without the additional section (and its TSIG).
            m = dns.message.from_wire(raw[:10] + b"\0\0" + raw[12:], ignore_trailing=True)
        serial = next((rd.serial for rrset in m.answer if rrset.rdtype == dns.rdatatype.SOA for rd in rrset), None)
        zone = m.question[0].name.to_text().lower() if m.question else ""
        with self._lock:
            before = [n for n in self.notifies if (n.zone, n.serial) == (zone, serial)]
            answer = len(before) >= self.silent and m.opcode() == dns.opcode.NOTIFY
            self.notifies.append(Notify(at, src, transport, zone, serial, tsig, m.id, answer))
        if not answer:
            return None
        r = dns.message.make_response(m)
        r.flags |= dns.flags.AA
        if self.key and tsig == "verified":
            r.use_tsig(self.key.keyring(), keyname=self.key.name, algorithm=self.key.algorithm)
        return r.to_wire()

    def received(self) -> list[Notify]:
        with self._lock:
            return list(self.notifies)

    def wait(self, count: int, timeout: float = 10.0, serial_at_least: int | None = None) -> list[Notify]:
        """Waits until `count` NOTIFYs (with a serial >= serial_at_least, if given) arrived."""
        def enough():
            got = [n for n in self.received() if serial_at_least is None or
                   (n.serial is not None and n.serial >= serial_at_least)]
            return got if len(got) >= count else None
        return wait_for(enough, timeout, f"{count} NOTIFY at {self.target}", interval=0.01)

    def close(self):
        self._closed = True
        for th in self._threads:
            th.join(2)
        self.udp.close()
        self.tcp.close()
