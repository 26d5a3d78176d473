#!/usr/bin/python3
"""A fake front-end server for health-check tests: HTTP or HTTPS on one address.

    http_backend.py --bind 127.0.1.5 --port 8080 [--mode-file FILE]
                    [--tls-cert CERT --tls-key KEY] [--ready-file FILE] [--log-file FILE]

Every request reads the mode file (if given), so a test changes behaviour
without restarting the server:
    ok    (or empty/missing file) -> 200 "ok <address>"
    500                           -> 500 "failing on purpose"
    NNN                           -> that status code
    hang                          -> accept, read the request, never answer
    delay:SECONDS                 -> read the request, answer 200 SECONDS later
    reset                         -> read the request, close with a TCP reset
    garbage                       -> read the request, send bytes that are not
                                     HTTP, close
Requests are served on threads, so a hung one never blocks the next.
`--ready-file` is written once the socket listens (tests wait for it instead
of sleeping). `--log-file` gets `listen T` once the socket listens and
`connect T` for every connection accepted, T being time.monotonic() (the
system-wide CLOCK_MONOTONIC, so comparable with the test's own clock).
Stop it with SIGTERM or SIGKILL; it binds only what it is told.
"""

import argparse
import http.server
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "dnsd-test-backend"
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        mode = self.server.mode()
        if mode == "hang":
            self.server.hung.wait()  # until the process dies
            return
        if mode.startswith("delay:"):
            self.server.hung.wait(float(mode.split(":", 1)[1]))
            mode = "ok"
        if mode == "reset":  # SO_LINGER 0: close() sends RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if mode == "garbage":
            self.wfile.write(b"\x00\xffnot http at all\r\n\r\n")
            return
        status = 200 if mode in ("", "ok") else int(mode)
        body = (f"ok {self.server.server_address[0]} ua={self.headers.get('User-Agent', '')} "
                f"host={self.headers.get('Host', '')}\n" if status == 200 else "failing on purpose\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet: dnsd probes often
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, mode_file, log_file=None):
        self.mode_file = mode_file
        self.hung = threading.Event()
        self.log = open(log_file, "a", buffering=1) if log_file else None
        super().__init__(address, Handler)
        self.note("listen")

    def note(self, event: str):
        if self.log:
            self.log.write(f"{event} {time.monotonic():.6f}\n")

    def process_request(self, request, client_address):
        self.note("connect")  # on the accepting thread, right after accept()
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # a client gone, or a connection closed on purpose: nothing to report

    def mode(self) -> str:
        if not self.mode_file:
            return ""
        try:
            with open(self.mode_file) as f:
                return f.read().strip()
        except FileNotFoundError:
            return ""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bind", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode-file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--ready-file")
    p.add_argument("--log-file")
    a = p.parse_args()
    server = Server((a.bind, a.port), a.mode_file, a.log_file)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        # Handshake on the handler thread (not in accept), so a slow client never blocks the server.
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    if a.ready_file:
        tmp = a.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(os.getpid()))
        os.replace(tmp, a.ready_file)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
