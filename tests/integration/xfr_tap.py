"""A transfer tap: a relay between a secondary and its primary that records transfers.

NSD 4.6 logs that it received a zone, never whether by IXFR or AXFR; an
`XfrTap` between NSD and the primary sees both sides and says which
(`TapEvent`). Also usable by any test that needs to know what a secondary asked.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading

import dns.rcode
import dns.rdatatype

from daemon import DaemonError
from dnsd_harness import QUERY_TIMEOUT, STOP_TIMEOUT, family_of, free_port



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
    answer to an IXFR query), 'UPTODATE' (one SOA: nothing newer; over UDP
    also an increment that did not fit, which the secondary then asks over
    TCP), or the rcode ('NOTIMP', 'REFUSED', 'NOTAUTH', ...); serial: the
    primary's serial; transport: 'tcp' or 'udp' (an IXFR over UDP, as NSD
    asks with `request-xfr: UDP ...`, or any client).
    """
    asked: str
    served: str = ""
    serial: int | None = None
    transport: str = "tcp"


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

    def _observe(self, body, pending, seen, from_client, transport="tcp"):
        try:
            qid = struct.unpack("!H", body[:2])[0]
            qtype, rcode, rrs = _first_rrs(body)
        except (struct.error, IndexError):
            return
        if from_client:
            if qtype in (dns.rdatatype.IXFR, dns.rdatatype.AXFR):
                event = TapEvent(dns.rdatatype.to_text(qtype), transport=transport)
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
        pending, seen = {}, {}
        self._observe(data, pending, seen, True, "udp")
        try:
            with socket.socket(family_of(self.upstream[0]), socket.SOCK_DGRAM) as s:
                s.bind((self.host, 0))
                s.settimeout(QUERY_TIMEOUT)
                s.sendto(data, self.upstream)
                reply = s.recv(65535)
            # Observe before forwarding: the secondary's next step must find it recorded.
            self._observe(reply, pending, seen, False, "udp")
            self._finish(pending, seen)
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

