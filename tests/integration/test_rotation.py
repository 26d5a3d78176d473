"""Round-robin: every RRset with several records comes back in a different
rotation on successive responses: same set, order rotated (each order is a
cyclic shift of the others), all rotations appear, per RRset."""

import socket

from dnsd_harness import ZONES, make_query, parse, texts


def is_rotation(order, base):
    return len(order) == len(base) and any(order == base[i:] + base[:i] for i in range(len(base)))


def orders(server, name, rdtype, n, tcp=False):
    out = []
    for _ in range(n):
        r = server.query_tcp(name, rdtype) if tcp else server.query(name, rdtype)
        out.append(tuple(texts(r.answer[0])))
    return out


def assert_rotates(seen, size):
    base = list(seen[0])
    assert len(set(base)) == size
    for order in seen:
        assert sorted(order) == sorted(base), "same set every time"
        assert is_rotation(list(order), base), f"{order} is not a rotation of {base}"
    assert len(set(seen)) == size, f"all {size} rotations should appear in {len(seen)} answers: {set(seen)}"


def test_a_rrset_rotates(server):
    assert_rotates(orders(server, "www.example.test", "A", 6), 3)


def test_aaaa_rrset_rotates(server):
    assert_rotates(orders(server, "v6.example.test", "AAAA", 6), 3)


def test_two_record_rrset_rotates(server):
    assert_rotates(orders(server, "example.test", "NS", 4), 2)


def test_rotation_over_tcp(server):
    assert_rotates(orders(server, "www.example.test", "A", 6, tcp=True), 3)


def test_successive_answers_differ(server):
    seen = orders(server, "www.example.test", "A", 3)
    assert len(set(seen)) == 3, "three successive answers, three rotations"


def test_cname_target_rotates_too(server):
    seen = []
    for _ in range(6):
        r = server.query("alias.example.test", "A")
        seen.append(tuple(texts(r.answer[1])))
    assert_rotates(seen, 3)


def test_dig_sees_different_first_addresses(server):
    firsts = set()
    for _ in range(6):
        (a,) = server.dig("+norec", "www.example.test", "A")
        firsts.add(a.data("ANSWER", "A")[0])
    assert firsts == {"192.0.2.10", "192.0.2.11", "192.0.2.12"}


def test_one_client_socket_sees_rotation_with_two_threads(start_dnsd):
    d = start_dnsd(zones=ZONES, threads=2)
    seen = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # one source port: one worker
        s.settimeout(2)
        s.connect((d.host, d.port))
        for i in range(6):
            s.send(make_query("www.example.test", "A", qid=i).to_wire())
            r = parse(s.recv(65535))
            assert r.id == i
            seen.append(tuple(texts(r.answer[0])))
    assert_rotates(seen, 3)


def test_workers_together_spread_the_first_record_evenly(start_dnsd):
    """With --threads 4 every query comes from a new source port, so SO_REUSEPORT
    spreads them over the workers. Each worker rotates its own counters (no
    cache line shared between cores), starting at a different record, so each
    worker's share of first positions is within one of even, and over all
    workers every record leads within one per worker of a third."""
    d = start_dnsd(zones=ZONES, threads=4)
    leads = {"192.0.2.10": 0, "192.0.2.11": 0, "192.0.2.12": 0}
    ports = set()
    for i in range(120):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.connect((d.host, d.port))
            ports.add(s.getsockname()[1])
            s.send(make_query("www.example.test", "A", qid=i).to_wire())
            r = parse(s.recv(65535))
        order = texts(r.answer[0])
        assert sorted(order) == sorted(leads)
        leads[order[0]] += 1
    assert len(ports) > 1
    assert all(abs(n - 40) <= 4 for n in leads.values()), f"first-record counts {leads}"
