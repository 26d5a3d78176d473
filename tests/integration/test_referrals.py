"""Delegations (RFC 1034 4.3.2 step 3b, RFC 9471 glue): a query at or below a
zone cut gets a referral: AA clear, the cut's NS in authority, glue for in-zone
NS targets in additional. DS lives on the parent side of the cut and is
answered authoritatively there (RFC 4035 3.1.4.1), even when the child zone is
served by the same server."""

import dns.flags
import dns.rcode
import pytest

from dnsd_harness import rrsets, section_texts, texts

SUB_NS = ["ns.elsewhere.invalid.", "ns.sub.example.test."]
SUB_GLUE = {("ns.sub.example.test.", "A", "192.0.2.53"), ("ns.sub.example.test.", "AAAA", "2001:db8::53")}
DS = "12345 13 2 " + "3ab1" * 16


def assert_referral(r, cut, ns, glue):
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.flags & dns.flags.AA, "a referral is not authoritative"
    assert not r.answer
    auth = rrsets(r.authority)
    assert set(auth) == {(cut, "NS")}, f"only the cut's NS in authority, got {list(auth)}"
    assert sorted(texts(auth[(cut, "NS")])) == ns
    additional = {x for x in section_texts(r.additional) if x[1] in ("A", "AAAA")}
    assert additional == glue


@pytest.mark.parametrize("name,rdtype", [("www.sub.example.test", "A"),
                                         ("deep.below.sub.example.test", "TXT"),
                                         ("sub.example.test", "A"),
                                         ("sub.example.test", "NS"),
                                         ("ns.sub.example.test", "A"),      # glue is not authoritative data
                                         ("www.sub.example.test", "DS")])   # DS below the cut: the child's
def test_queries_at_or_below_a_cut_get_a_referral(server, name, rdtype):
    assert_referral(server.query(name, rdtype), "sub.example.test.", SUB_NS, SUB_GLUE)


def test_referral_over_tcp(server):
    assert_referral(server.query_tcp("www.sub.example.test", "A"), "sub.example.test.", SUB_NS, SUB_GLUE)


def test_referral_adds_in_zone_addresses_of_non_glue_ns(server):
    r = server.query("x.sub2.example.test", "A")
    ns1 = {("ns1.example.test.", "A", "192.0.2.1"), ("ns1.example.test.", "AAAA", "2001:db8::1")}
    assert_referral(r, "sub2.example.test.", ["ns1.example.test."], ns1)


def test_ds_at_the_cut_is_answered_by_the_parent(server):
    r = server.query("sub.example.test", "DS")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA, "DS is the parent's authoritative data"
    assert section_texts(r.answer) == [("sub.example.test.", "DS", DS)]


def test_ds_is_answered_by_the_parent_even_when_the_child_is_served_too(server):
    # kid.example.test is both delegated by example.test and served as a zone.
    r = server.query("kid.example.test", "DS")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert section_texts(r.answer) == [("kid.example.test.", "DS", DS)]


def test_dig_sees_a_referral(server):
    (a,) = server.dig("+norec", "www.sub.example.test", "A")
    assert a.rcode == "NOERROR"
    assert "aa" not in a.flags
    assert not a.records("ANSWER")
    assert sorted(a.data("AUTHORITY", "NS")) == SUB_NS
    assert sorted(a.data("ADDITIONAL", "A")) == ["192.0.2.53"]


def test_kdig_sees_ds_with_aa(server):
    (a,) = server.kdig("+norec", "sub.example.test", "DS")
    assert a.rcode == "NOERROR"
    assert "aa" in a.flags
    assert len(a.records("ANSWER", "DS")) == 1


def test_drill_sees_a_referral(server):
    (a,) = server.drill("host.sub.example.test", "AAAA")
    assert "aa" not in a.flags
    assert sorted(a.data("AUTHORITY", "NS")) == SUB_NS
