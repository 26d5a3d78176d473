"""RFC 8482: a query for ANY gets a minimal answer: one RRset of the node (or
a synthesised HINFO "RFC8482"), never the whole node, with NOERROR and AA.
Names that do not exist still get NXDOMAIN."""

import dns.flags
import dns.rcode

from dnsd_harness import rrsets


def assert_minimal(r, owner):
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    sets = rrsets(r.answer)
    assert len(sets) == 1, f"one RRset, not the whole node: {list(sets)}"
    ((name, rtype),) = sets
    assert name == owner


def test_any_at_a_node_with_one_rrset(server):
    assert_minimal(server.query("www.example.test", "ANY"), "www.example.test.")


def test_any_at_the_apex_is_not_the_whole_node(server):
    # the apex has SOA, NS, MX and TXT
    assert_minimal(server.query("example.test", "ANY"), "example.test.")


def test_any_at_a_node_with_two_types(server):
    assert_minimal(server.query("mail.example.test", "ANY"), "mail.example.test.")


def test_any_through_a_wildcard(server):
    assert_minimal(server.query("x.wild.example.test", "ANY"), "x.wild.example.test.")


def test_any_for_a_missing_name_is_nxdomain(server):
    r = server.query("nope.example.test", "ANY")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert not r.answer


def test_any_outside_zones_is_refused(server):
    assert server.query("www.elsewhere.invalid", "ANY").rcode() == dns.rcode.REFUSED


def test_dig_any(server):
    (a,) = server.dig("+norec", "example.test", "ANY")
    assert a.rcode == "NOERROR" and "aa" in a.flags
    assert len({r[3] for r in a.records("ANSWER")}) == 1


def test_kdig_any_over_tcp_answers(server):
    (a,) = server.kdig("+tcp", "+norec", "mail.example.test", "ANY")
    assert a.rcode == "NOERROR"
    assert a.records("ANSWER")
