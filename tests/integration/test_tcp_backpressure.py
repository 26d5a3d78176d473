"""DNS over TCP under abuse: clients that pipeline tens of thousands of queries
and never read the answers do not grow dnsd's memory (answers are made only
while a connection's output queue is under its cap, and a read buffer grown
for a long message shrinks back), while other clients are still answered over
UDP and TCP; the connection cap holds with several workers; and after
--tcp-max-queries a connection is closed gracefully, every answer delivered
(RFC 7766 6.2.4)."""

import re
import socket
import struct
import threading
import time
import urllib.request

import dns.rcode

from dnsd_harness import ZONES, TcpConnection, make_query, parse, wait_for

PIPELINERS = 8            # connections that never read
QUERIES_EACH = 50_000     # queries each pipelines (huge.example.test TXT: ~1.6 KB per answer)
# dnsd's VmRSS may grow by at most this much with all PIPELINERS stuck. Measured
# (debugoptimized build, 4 runs): +2.9 to +3.0 MB, about 370 KB per connection
# (its output queue at the 256 KB cap plus one answer, in two buffers). dnsd
# before the cap was checked per answer, and before read buffers shrank, grew
# by +28 to +29 MB here: each 64 KB read made ~1,800 answers (3 MB).
RSS_GROWTH_BOUND_KIB = 10 * 1024


def under_sanitizer(pid: int) -> bool:
    """AddressSanitizer keeps freed memory resident (its quarantine) and
    ThreadSanitizer shadows every allocation several times over: no RSS bound
    that holds for a real build holds there."""
    with open(f"/proc/{pid}/maps") as f:
        maps = f.read()
    return "libasan" in maps or "libtsan" in maps


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def tcp_txt_answers(d) -> int:
    """dnsd_queries_total for TCP TXT questions, from /metrics."""
    with urllib.request.urlopen(f"http://{d.control_address}/metrics", timeout=2) as r:
        text = r.read().decode()
    m = re.search(r'^dnsd_queries_total\{proto="tcp",qtype="TXT"\} (\S+)$', text, re.M)
    return int(float(m.group(1))) if m else 0


def framed(wire: bytes) -> bytes:
    return struct.pack("!H", len(wire)) + wire


class Pipeliner:
    """A client that sends one long message (so a read buffer grows to 64 KB),
    then QUERIES_EACH queries, and never reads. Sends from its own thread: the
    send blocks once dnsd stops reading and the socket buffers are full."""

    def __init__(self, d):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up soon
        self.sock.connect((d.host, d.port))
        long_message = make_query("huge.example.test", "TXT", qid=0).to_wire().ljust(65000, b"\0")
        one = make_query("huge.example.test", "TXT", edns=0, payload=4096, qid=1).to_wire()
        self.data = framed(long_message) + framed(one) * QUERIES_EACH
        self.error = None
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self):
        try:
            self.sock.sendall(self.data)
        except OSError as e:  # closed by close() while blocked
            self.error = e

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def wait_until_stuck(d, timeout=30.0):
    """Polls /metrics until dnsd has stopped answering TCP TXT queries (every
    pipeliner's queue is full): the count stays the same over 3 polls."""
    history = []

    def steady():
        history.append(tcp_txt_answers(d))
        return len(history) >= 4 and history[-1] == history[-4] and history[-1] > 0

    wait_for(steady, timeout, "dnsd to stop answering the pipeliners", interval=0.25)
    return history[-1]


def test_pipelining_clients_that_never_read_do_not_grow_memory(start_dnsd):
    d = start_dnsd(zones=ZONES, threads=1, extra_args=["--tcp-idle-timeout", "120"])
    for _ in range(20):  # warm up: allocator arenas, the UDP path, a TCP connection
        assert d.query("www.example.test", "A").rcode() == dns.rcode.NOERROR
    assert d.query_tcp("huge.example.test", "TXT", edns=0, payload=4096).answer
    baseline = vm_rss_kib(d.proc.pid)

    pipeliners = [Pipeliner(d) for _ in range(PIPELINERS)]
    try:
        answered = wait_until_stuck(d)
        # Most queries were never answered: they wait, unread, in the kernel.
        assert answered < PIPELINERS * QUERIES_EACH / 4, answered

        peak = baseline
        served_udp = served_tcp = 0
        for i in range(30):  # meanwhile, others are served over UDP and TCP
            r = d.query("ns1.example.test", "A")
            served_udp += r.rcode() == dns.rcode.NOERROR and [x.to_text() for x in r.answer[0]] == ["192.0.2.1"]
            if i % 5 == 0:
                r = d.query_tcp("mail.example.test", "A")
                served_tcp += [x.to_text() for x in r.answer[0]] == ["192.0.2.25"]
            peak = max(peak, vm_rss_kib(d.proc.pid))
        assert served_udp == 30
        assert served_tcp == 6
        assert tcp_txt_answers(d) == answered, "the stuck connections got no further"
        growth = peak - baseline
        print(f"\nVmRSS baseline {baseline} KiB, peak {peak} KiB with {PIPELINERS} connections x "
              f"{QUERIES_EACH} pipelined queries never read: +{growth} KiB; {answered} answers made")
        if not under_sanitizer(d.proc.pid):
            assert growth < RSS_GROWTH_BOUND_KIB, f"VmRSS grew by {growth} KiB"
    finally:
        for p in pipeliners:
            p.close()

    # Once they are gone the server goes on as before.
    assert d.query_tcp("ns2.example.test", "A").answer[0][0].to_text() == "192.0.2.2"


def _served(conn, qid) -> bool:
    try:
        conn.settimeout(2.0)
        conn.sendall(framed(make_query("ns1.example.test", "A", qid=qid).to_wire()))
        head = conn.recv(2)
        if len(head) < 2:
            return False
        (length,) = struct.unpack("!H", head)
        body = b""
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                return False
            body += chunk
        return parse(body).id == qid
    except OSError:
        return False


def test_connection_cap_holds_with_two_workers(start_dnsd):
    cap = 4
    d = start_dnsd(zones=ZONES, threads=2,
                   extra_args=["--tcp-max-connections", str(cap), "--tcp-idle-timeout", "30"])
    for round_ in range(3):
        # Connections made all at once from several threads, so both workers
        # accept at the same moments (at the cap each evicts an idle one of
        # its own or refuses); then each asks a query, twice: the second time
        # only the connections dnsd kept open are answered.
        conns = []
        lock = threading.Lock()
        barrier = threading.Barrier(6)

        def connect_some():
            barrier.wait()
            for _ in range(4):
                s = socket.create_connection((d.host, d.port), timeout=2)
                with lock:
                    conns.append(s)

        threads = [threading.Thread(target=connect_some) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        try:
            assert len(conns) == 24
            sum(_served(c, 100 * round_ + i) for i, c in enumerate(conns))
            live = sum(_served(c, 100 * round_ + 50 + i) for i, c in enumerate(conns))
            assert 1 <= live <= cap, f"round {round_}: {live} connections served at once, cap is {cap}"
        finally:
            for c in conns:
                c.close()

        def fresh_served():
            with socket.create_connection((d.host, d.port), timeout=2) as c:
                return _served(c, 999)

        wait_for(fresh_served, 10.0, "a new connection served after the others closed")


def test_query_limit_closes_gracefully_after_the_answers(start_dnsd):
    limit = 5
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-max-queries", str(limit)])
    with d.tcp_connect() as conn:
        # 8 pipelined queries of large answers in one write: 5 are answered, then FIN.
        conn.send_raw(b"".join(framed(make_query("huge.example.test", "TXT", edns=0, payload=4096,
                                                 qid=i).to_wire()) for i in range(8)))
        conn.sock.settimeout(5)
        ids = []
        while (raw := conn.read_message()) is not None:
            ids.append(parse(raw).id)
        assert ids == list(range(limit)), "answers up to the limit, in order, then an orderly close"
    # Queries one at a time, too: the connection ends after the 5th answer.
    with d.tcp_connect() as conn:
        for i in range(limit):
            conn.send_message(make_query("ns1.example.test", "A", qid=i).to_wire())
            assert parse(conn.read_message()).id == i
        assert conn.closed_by_peer(5.0)


def test_query_limit_close_keeps_the_answers_the_kernel_still_holds(start_dnsd):
    """The client has sent more than the limit and not read yet: dnsd must not
    close with those queries unread (the kernel would reset the connection and
    drop the answers still in its send buffer) but send FIN after them."""
    limit = 200  # ~320 KB of answers
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-max-queries", str(limit)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # room for every answer
    sock.connect((d.host, d.port))
    try:
        one = framed(make_query("huge.example.test", "TXT", edns=0, payload=4096, qid=7).to_wire())
        sock.sendall(one * (limit + 2000))
        # dnsd answers up to the limit, then shuts down its side, unread queries waiting.
        wait_for(lambda: tcp_txt_answers(d) >= limit, 10.0, "dnsd to answer up to the limit")
        assert tcp_txt_answers(d) == limit
        conn = TcpConnection(sock)
        sock.settimeout(5)
        count = 0
        while conn.read_message() is not None:  # a reset would raise here
            count += 1
        assert count == limit
    finally:
        sock.close()


def test_query_limit_zero_is_unlimited(start_dnsd):
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-max-queries", "0"])
    with d.tcp_connect() as conn:
        count = 12_000
        data = b"".join(framed(make_query("ns1.example.test", "A", qid=i % 65536).to_wire()) for i in range(count))
        sender = threading.Thread(target=conn.send_raw, args=(data,), daemon=True)  # while we read
        conn.sock.settimeout(5)
        sender.start()
        for i in range(count):
            raw = conn.read_message()
            assert raw is not None, f"closed after {i} answers"
            assert parse(raw).id == i % 65536
        sender.join(5)
