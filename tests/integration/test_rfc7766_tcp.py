"""DNS over TCP, RFC 7766: two-byte length prefix (RFC 1035 4.2.2), several
queries per connection, pipelined queries all answered (6.2.1.1), a message
split across segments reassembled (8), idle connections closed (6.2.3), and a
cap on concurrent connections (6.2.2)."""

import time

import dns.rcode

from dnsd_harness import ZONES, make_query, parse, wait_for

WWW = ["192.0.2.10", "192.0.2.11", "192.0.2.12"]


def test_query_over_tcp(server):
    r = server.query_tcp("www.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sorted(rd.to_text() for rd in r.answer[0]) == WWW


def test_several_queries_in_turn_on_one_connection(server):
    with server.tcp_connect() as conn:
        for i, (name, expect) in enumerate([("ns1.example.test", "192.0.2.1"), ("ns2.example.test", "192.0.2.2"),
                                            ("mail.example.test", "192.0.2.25")]):
            conn.send_message(make_query(name, "A", qid=100 + i).to_wire())
            r = parse(conn.read_message())
            assert r.id == 100 + i
            assert [rd.to_text() for rd in r.answer[0]] == [expect]


def test_pipelined_queries_in_one_write_are_all_answered(server):
    queries = {201: ("ns1.example.test", "192.0.2.1"), 202: ("nope.example.test", None),
               203: ("mail.example.test", "192.0.2.25")}
    blob = b""
    for qid, (name, _) in queries.items():
        wire = make_query(name, "A", qid=qid).to_wire()
        blob += len(wire).to_bytes(2, "big") + wire
    with server.tcp_connect() as conn:
        conn.send_raw(blob)  # one write: three length-prefixed queries
        seen = {}
        for _ in queries:
            r = parse(conn.read_message())
            seen[r.id] = r
    assert set(seen) == set(queries), "every pipelined query answered, matched by ID (any order)"
    for qid, (name, addr) in queries.items():
        r = seen[qid]
        assert r.question[0].name.to_text() == name + "."
        if addr is None:
            assert r.rcode() == dns.rcode.NXDOMAIN
        else:
            assert [rd.to_text() for rd in r.answer[0]] == [addr]


def _split_send(server, cut):
    wire = make_query("ns2.example.test", "A", qid=301).to_wire()
    framed = len(wire).to_bytes(2, "big") + wire
    with server.tcp_connect() as conn:
        conn.send_raw(framed[:cut])
        # Give the server time to read the first part on its own: it must wait for the
        # rest rather than answer or close. (Not synchronisation: no answer is expected yet.)
        assert not conn.closed_by_peer(0.2)
        conn.sock.settimeout(2)
        conn.send_raw(framed[cut:])
        r = parse(conn.read_message())
    assert r.id == 301 and [rd.to_text() for rd in r.answer[0]] == ["192.0.2.2"]


def test_query_split_inside_the_length_prefix(server):
    _split_send(server, 1)


def test_query_split_inside_the_message(server):
    _split_send(server, 2 + 7)


def test_large_answer_over_tcp_is_complete(server):
    r = server.query_tcp("huge.example.test", "TXT", edns=0)
    assert not r.flags & 0x0200
    assert len(r.answer[0]) == 6


def test_kdig_keeps_one_connection_for_several_queries(server):
    answers = server.kdig("+tcp", "+keepopen", "+norec", "ns1.example.test", "A",
                          "ns2.example.test", "A", "mail.example.test", "A")
    assert [a.rcode for a in answers] == ["NOERROR"] * 3
    assert [a.data("ANSWER", "A") for a in answers] == [["192.0.2.1"], ["192.0.2.2"], ["192.0.2.25"]]


def test_dig_over_tcp(server):
    (a,) = server.dig("+tcp", "+norec", "chain1.example.test", "A")
    assert a.rcode == "NOERROR" and "aa" in a.flags
    assert sorted(a.data("ANSWER", "A")) == WWW


def test_idle_connection_is_closed(start_dnsd):
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-idle-timeout", "1"])
    with d.tcp_connect() as silent, d.tcp_connect() as used:
        used.send_message(make_query("ns1.example.test", "A", qid=9).to_wire())
        assert parse(used.read_message()).id == 9
        assert silent.closed_by_peer(6.0), "a connection that never sent anything is closed"
        assert used.closed_by_peer(6.0), "a connection idle after its answer is closed"
    # and the server still serves new connections
    assert d.query_tcp("ns1.example.test", "A").answer


def test_idle_timeout_is_not_hit_by_an_active_connection(start_dnsd):
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-idle-timeout", "2"])
    with d.tcp_connect() as conn:
        deadline = time.monotonic() + 3.0  # longer than the idle timeout, with a query every 0.5 s
        i = 0
        while time.monotonic() < deadline:
            conn.send_message(make_query("ns1.example.test", "A", qid=i).to_wire())
            assert parse(conn.read_message()).id == i
            i += 1
            assert not conn.closed_by_peer(0.5)
            conn.sock.settimeout(2)


def _served(conn, qid) -> bool:
    """Sends a query; True if answered, False on close or silence."""
    try:
        conn.sock.settimeout(1.0)
        conn.send_message(make_query("ns1.example.test", "A", qid=qid).to_wire())
        raw = conn.read_message()
        return raw is not None and parse(raw).id == qid
    except (OSError, AssertionError):
        return False


def test_connection_cap(start_dnsd):
    cap = 3
    d = start_dnsd(zones=ZONES, extra_args=["--tcp-max-connections", str(cap), "--tcp-idle-timeout", "30"])
    conns = []
    try:
        first_round = []
        for i in range(cap + 3):
            c = d.tcp_connect()
            conns.append(c)
            first_round.append(_served(c, 1000 + i))
        assert any(first_round), "connections under the cap are served"
        # Now every connection is open on our side; the server may hold at most `cap` of them.
        live = sum(_served(c, 2000 + i) for i, c in enumerate(conns))
        assert 1 <= live <= cap, f"{live} connections served at once, cap is {cap}"
    finally:
        for c in conns:
            c.close()
    # Once they are gone, a new connection is served again.
    def fresh_connection_served():
        with d.tcp_connect() as c:
            return _served(c, 3000)

    wait_for(fresh_connection_served, 5.0, "a new connection served after the others closed")
