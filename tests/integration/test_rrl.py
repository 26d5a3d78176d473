"""Response rate limiting (RRL) with the server's defaults (200 responses/s
per client /24 and response, slip 2), as a reflection flood meets it: a flood
of one query from 127.0.0.1 gets the rate, the rest dropped or slipped (an
empty TC=1 reply), and a real client (dig) that meets a slip retries over TCP
and gets its answer; a client in another /24 (127.0.1.1) and TCP are never
limited by that flood; `--rrl-rate 0` answers everything; /metrics counts
drops and slips.
"""

from __future__ import annotations

import select
import socket
import subprocess
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from control_support import api, parse_prometheus, value
from dnsd_harness import make_query, wait_for

ORIGIN = "rrl.test."
ZONE = {
    "origin": ORIGIN,
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "records": {
        "@": {"NS": "ns1"},
        "ns1": {"A": "192.0.2.53"},
        "www": {"A": ["192.0.2.10", "192.0.2.11"]},
        "big": {"TXT": ["x" * 200, "y" * 200, "z" * 200]},
    },
}
DEFAULT_RATE = 200
OTHER_SLASH24 = "127.0.1.1"  # loopback, but another /24 than 127.0.0.1


def rrl_server(start_dnsd, zone_dir, *extra):
    return start_dnsd(zones=zone_dir({"rrl.test.json": ZONE}), threads=1, rrl=True, extra_args=list(extra))


def metrics(d) -> dict:
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    return samples


class Flood:
    """Sends one query over and over from one UDP socket (127.0.0.1) and sorts
    the replies: full answers, slips (TC=1, no records) and anything else."""

    def __init__(self, d, name=f"big.{ORIGIN}", rdtype="TXT", source="127.0.0.1"):
        self.addr = (d.host, d.port)
        self.query = make_query(name, rdtype, edns=0)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source, 0))
        self.sock.setblocking(False)
        self.sent = 0
        self.answers = 0
        self.slips: list[dns.message.Message] = []
        self.other: list[str] = []

    def close(self):
        self.sock.close()

    def _receive(self, wait: float):
        while select.select([self.sock], [], [], wait)[0]:
            raw = self.sock.recv(65535)
            r = dns.message.from_wire(raw)
            if not r.flags & dns.flags.TC and r.answer:
                self.answers += 1
            elif r.flags & dns.flags.TC and not (r.answer or r.authority or r.additional):
                self.slips.append(r)
            else:
                self.other.append(r.to_text())

    def send(self, n: int):
        wire = self.query.to_wire()
        for _ in range(n):
            self.sock.sendto(wire, self.addr)
            self.sent += 1

    def run(self, count: int, batch: int = 50, last_wait: float = 0.3):
        """Sends `count` queries in all, in batches, reading the replies between
        them (so neither socket overflows), then waits for the last replies
        until `last_wait` passes without one. Returns the seconds it took."""
        start = time.monotonic()
        while self.sent < count:
            self.send(min(batch, count - self.sent))
            self._receive(0.01)
        self._receive(last_wait)
        return time.monotonic() - start

    def wait_answers(self, n: int, timeout: float = 5.0):
        """Reads replies until `n` full answers came in all, or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while self.answers < n and time.monotonic() < deadline:
            self._receive(0.01)


class BackgroundFlood:
    """A Flood that keeps the server's budget for it spent until stopped (30 s at most)."""

    def __init__(self, d):
        self.flood = Flood(d)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + 30
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            # Up to 10,000 queries/s: the rate (200/s) is a small share of it,
            # so another query from this /24 rarely finds a token left.
            self.flood.send(50)
            self.flood._receive(0)
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        # Spent: the flood has had a slip back (only an empty bucket slips).
        deadline = time.monotonic() + 10
        while not self.flood.slips and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.flood.slips, "the flood never met the rate limit"
        return self.flood

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(5)
        self.flood.close()


def test_a_flood_from_one_address_gets_the_rate_and_slips(start_dnsd, zone_dir):
    d = rrl_server(start_dnsd, zone_dir)
    flood = Flood(d)
    try:
        seconds = flood.run(3000)
    finally:
        flood.close()
    assert not flood.other, flood.other[:3]
    # A burst of one second's worth, then the rate: far fewer than were asked.
    assert flood.answers <= DEFAULT_RATE * (1 + seconds) + 10, (flood.answers, seconds)
    assert flood.answers >= DEFAULT_RATE, "the burst of one second's worth is answered"
    if seconds < 4:
        assert flood.answers < flood.sent / 2, (flood.answers, flood.sent, seconds)
    # A slip is the question alone, TC set, no records, same id and rcode.
    assert flood.slips
    for slip in flood.slips[:20]:
        assert slip.id == flood.query.id and slip.rcode() == dns.rcode.NOERROR
        assert [q.to_text() for q in slip.question] == [q.to_text() for q in flood.query.question]
        assert slip.edns < 0, "no OPT: ARCOUNT is 0"
        assert slip.flags & dns.flags.QR and slip.flags & dns.flags.AA

    m = metrics(d)
    dropped = value(m, "dnsd_rrl_dropped_total")
    slipped = value(m, "dnsd_rrl_slipped_total")
    processed = value(m, "dnsd_queries_total", proto="udp", qtype="TXT")
    # Every TXT query the server read was answered, slipped or dropped; every
    # second one over the rate slipped (slip 2).
    assert processed == flood.answers + slipped + dropped, (processed, flood.answers, slipped, dropped)
    assert abs(slipped - dropped) <= 1, (slipped, dropped)
    assert slipped == len(flood.slips), "every slip reached the client (loopback)"
    assert dropped >= (processed - flood.answers) // 2 > 0


def test_dig_meeting_a_slip_retries_over_tcp_and_gets_the_answer(start_dnsd, zone_dir):
    d = rrl_server(start_dnsd, zone_dir)
    went_tcp = False
    with BackgroundFlood(d):
        # Sharing the flood's budget, each UDP try of dig is answered (when it
        # comes in time to take a token that refilled since the flood's last
        # batch), slipped or dropped: dig retries a dropped one and goes to TCP
        # on the first slip. Every run gets the answer; about half go through TCP.
        for _ in range(20):
            p = subprocess.run(["dig", f"@{d.host}", "-p", str(d.port), "-b", "127.0.0.1", "+time=1", "+tries=20",
                                "+edns=0", f"big.{ORIGIN}", "TXT"], capture_output=True, text=True, timeout=60)
            assert "status: NOERROR" in p.stdout and p.stdout.count('"' + "x" * 200 + '"') == 1, p.stdout
            if "Truncated, retrying in TCP mode" in p.stdout:
                assert "(TCP)" in p.stdout, p.stdout
                went_tcp = True
                break
    assert went_tcp, "dig never met a slip in 20 runs"


def test_another_slash24_is_answered_during_the_flood(start_dnsd, zone_dir):
    d = rrl_server(start_dnsd, zone_dir)
    with BackgroundFlood(d) as flood:
        slips_before = len(flood.slips)
        for _ in range(20):
            r = _query_from(d, OTHER_SLASH24, f"big.{ORIGIN}", "TXT")
            assert not r.flags & dns.flags.TC and len(r.answer) == 1, r.to_text()
        wait_for(lambda: len(flood.slips) > slips_before, 5, "the flood to be still limited meanwhile")


def test_a_client_with_a_valid_server_cookie_is_exempt(start_dnsd, zone_dir):
    d = rrl_server(start_dnsd, zone_dir)
    client_cookie = bytes(range(1, 9))

    def with_cookie(cookie: bytes) -> dns.message.Message:
        return make_query(f"big.{ORIGIN}", "TXT", edns=0,
                          options=[dns.edns.GenericOption(dns.edns.COOKIE, cookie)])

    def cookie_of(r: dns.message.Message) -> bytes:
        return next(o.data for o in r.options if o.otype == dns.edns.COOKIE)

    # The server cookie comes over TCP, which RRL never limits.
    server_cookie = cookie_of(dns.query.tcp(with_cookie(client_cookie), d.host, port=d.port, timeout=2))[8:]
    assert len(server_cookie) == 16
    with BackgroundFlood(d) as flood:
        slips_before = len(flood.slips)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))  # the flood's own /24
            s.settimeout(2)
            for _ in range(50):
                q = with_cookie(client_cookie + server_cookie)
                s.sendto(q.to_wire(), (d.host, d.port))
                r = dns.message.from_wire(s.recvfrom(65535)[0])
                assert r.id == q.id and not r.flags & dns.flags.TC and len(r.answer) == 1, r.to_text()
                assert cookie_of(r)[:8] == client_cookie
        wait_for(lambda: len(flood.slips) > slips_before, 5, "the flood to be still limited meanwhile")


def test_tcp_is_never_limited(start_dnsd, zone_dir):
    d = rrl_server(start_dnsd, zone_dir)
    n = DEFAULT_RATE * 3  # three seconds' worth, as fast as one connection goes
    with BackgroundFlood(d), d.tcp_connect() as conn:
        queries = [make_query(f"big.{ORIGIN}", "TXT", qid=i + 1) for i in range(n)]
        for q in queries:
            conn.send_message(q.to_wire())
        answered = 0
        for _ in queries:
            raw = conn.read_message()
            assert raw is not None, f"TCP answer {answered + 1} of {n} missing"
            r = dns.message.from_wire(raw)
            assert not r.flags & dns.flags.TC and len(r.answer) == 1
            answered += 1
    assert answered == n


def test_rrl_rate_0_answers_everything(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"rrl.test.json": ZONE}), threads=1, rrl=True, extra_args=["--rrl-rate", "0"])
    flood = Flood(d)
    try:
        # Lock-step batches: every reply is read before the next batch, so no
        # socket overflows and every query must be answered.
        for _ in range(20):
            flood.send(50)
            flood.wait_answers(flood.sent)
            assert flood.answers == flood.sent, (flood.answers, flood.sent)
    finally:
        flood.close()
    assert flood.sent == 1000 and not flood.slips
    m = metrics(d)
    assert value(m, "dnsd_rrl_dropped_total") == 0
    assert value(m, "dnsd_rrl_slipped_total") == 0


def _query_from(d, source: str, name: str, rdtype: str) -> dns.message.Message:
    q = make_query(name, rdtype, edns=0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(2)
        s.sendto(q.to_wire(), (d.host, d.port))
        raw, _ = s.recvfrom(65535)
    r = dns.message.from_wire(raw)
    assert r.id == q.id
    return r


@pytest.mark.parametrize("flag,text", [("--rrl-rate", "-1"), ("--rrl-rate", "100001"), ("--rrl-slip", "101"),
                                       ("--rrl-slip", "x")])
def test_bad_rrl_flags_are_refused(zone_dir, flag, text):
    from dnsd_harness import dnsd_bin, free_port
    p = subprocess.run([dnsd_bin(), "serve", "--zones", str(zone_dir({"rrl.test.json": ZONE})), "--listen",
                        f"127.0.0.1:{free_port()}", "--control", "none", flag, text],
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and flag in p.stderr, p.stderr
