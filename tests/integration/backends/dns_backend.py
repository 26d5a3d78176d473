#!/usr/bin/python3
"""A fake DNS server for dns health-check tests: UDP and TCP on one address and port.

    dns_backend.py --bind 127.0.1.60 --port 5300 [--mode-file FILE]
                   [--ready-file FILE] [--log-file FILE]

Every query reads the mode file (if given), a JSON object, so a test changes
behaviour without restarting the server:
    {"rcode": "NOERROR",          rcode of every reply (a name dnspython knows)
     "answer": ["192.0.2.1"],     A/AAAA records for the question's name (A
                                  questions get the IPv4 ones, AAAA the IPv6 ones)
     "truncate_udp": false}       UDP replies carry TC=1 and no records;
                                  TCP replies are complete
Missing keys (or a missing file) mean NOERROR, no answer, no truncation.
A query without EDNS gets a reply without EDNS, as RFC 6891 requires.
`--log-file` gets one JSON line per query received:
    {"transport": "udp"|"tcp", "edns": true|false, "payload": 1232|null,
     "do": false, "name": "probe.test.", "type": "A"}
`--ready-file` is written once both sockets listen. Stop it with SIGTERM or
SIGKILL; it binds only what it is told.
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class Backend:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()

    def mode(self) -> dict:
        if not self.args.mode_file:
            return {}
        try:
            with open(self.args.mode_file) as f:
                text = f.read().strip()
            return json.loads(text) if text else {}
        except FileNotFoundError:
            return {}

    def log(self, query: dns.message.Message, transport: str):
        if not self.args.log_file:
            return
        q = query.question[0] if query.question else None
        line = {"transport": transport, "edns": query.edns >= 0,
                "payload": query.payload if query.edns >= 0 else None,
                "do": bool(query.ednsflags & dns.flags.DO),
                "name": q.name.to_text() if q is not None else None,
                "type": dns.rdatatype.to_text(q.rdtype) if q is not None else None}
        with self.lock, open(self.args.log_file, "a") as f:
            f.write(json.dumps(line) + "\n")

    def answer(self, wire: bytes, transport: str) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 (anything unreadable is ignored, like a real server's FORMERR path)
            return None
        self.log(query, transport)
        mode = self.mode()
        reply = dns.message.make_response(query)  # EDNS only when the query had it
        reply.set_rcode(dns.rcode.from_text(mode.get("rcode", "NOERROR")))
        if mode.get("truncate_udp") and transport == "udp":
            reply.flags |= dns.flags.TC
            return reply.to_wire()
        if query.question:
            q = query.question[0]
            for address in mode.get("answer", []):
                rdtype = "AAAA" if ":" in address else "A"
                if dns.rdatatype.to_text(q.rdtype) == rdtype:
                    reply.answer.append(dns.rrset.from_text(q.name, 5, "IN", rdtype, address))
        return reply.to_wire()

    def serve_udp(self, sock: socket.socket):
        while True:
            data, peer = sock.recvfrom(65535)
            out = self.answer(data, "udp")
            if out is not None:
                sock.sendto(out, peer)

    def serve_tcp_client(self, conn: socket.socket):
        with conn:
            conn.settimeout(5)
            try:
                head = self._read(conn, 2)
                if head is None:
                    return
                data = self._read(conn, struct.unpack("!H", head)[0])
                if data is None:
                    return
                out = self.answer(data, "tcp")
                if out is not None:
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                return

    @staticmethod
    def _read(conn: socket.socket, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def serve_tcp(self, sock: socket.socket):
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=self.serve_tcp_client, args=(conn,), daemon=True).start()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode-file")
    p.add_argument("--ready-file")
    p.add_argument("--log-file")
    args = p.parse_args()
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.bind((args.bind, args.port))
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.bind, args.port))
    tcp.listen(64)
    backend = Backend(args)
    threading.Thread(target=backend.serve_tcp, args=(tcp,), daemon=True).start()
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("ready\n")
        os.replace(args.ready_file + ".tmp", args.ready_file)
    backend.serve_udp(udp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
