"""RFC 4592 wildcards: `*.wild` answers for names that do not exist below
wild.example.test, with the query name as owner; it never matches a name that
exists (even an empty non-terminal, 2.2.2), NODATA comes from the wildcard
node (3.3.1), and a wildcard CNAME is followed (4.4)."""

import dns.flags
import dns.rcode
import pytest

from dnsd_harness import make_query, rrsets, section_texts

Z = ".example.test."


def assert_nodata(r):
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert not r.answer
    assert rrsets(r.authority)[("example.test.", "SOA")].ttl == 60


@pytest.mark.parametrize("label", ["anything", "a.b", "x.y.z", "target", "-", "*"])
def test_wildcard_synthesises_with_the_query_name_as_owner(server, label):
    name = f"{label}.wild.example.test"
    r = server.query(name, "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    assert section_texts(r.answer) == [(name + ".", "A", "192.0.2.99")]
    assert r.answer[0].ttl == 300


def test_wildcard_answers_each_type_it_has(server):
    r = server.query("other.wild.example.test", "TXT")
    assert section_texts(r.answer) == [("other.wild" + Z, "TXT", '"from the wildcard"')]


def test_nodata_from_the_wildcard(server):
    assert_nodata(server.query("anything.wild.example.test", "MX"))


def test_wildcard_does_not_match_a_name_that_exists(server):
    assert_nodata(server.query("exists.wild.example.test", "A"))
    r = server.query("exists.wild.example.test", "AAAA")
    assert section_texts(r.answer) == [("exists.wild" + Z, "AAAA", "2001:db8::99")]


def test_below_an_existing_name_the_wildcard_does_not_apply(server):
    # closest encloser is exists.wild, which has no `*` child: NXDOMAIN
    r = server.query("x.exists.wild.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert not r.answer


def test_empty_non_terminal_blocks_the_wildcard(server):
    # leaf.ent.wild exists, so ent.wild is an empty non-terminal:
    assert_nodata(server.query("ent.wild.example.test", "A"))
    r = server.query("x.ent.wild.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, "closest encloser ent.wild has no wildcard"
    assert not r.answer


def test_wildcard_cname_is_followed(server):
    r = server.query("foo.cw.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    recs = section_texts(r.answer)
    assert recs[0] == ("foo.cw" + Z, "CNAME", "www" + Z)
    assert sorted(d for n, t, d in recs[1:] if t == "A") == ["192.0.2.10", "192.0.2.11", "192.0.2.12"]


def test_wildcard_cname_asked_for_cname(server):
    r = server.query("bar.cw.example.test", "CNAME")
    assert section_texts(r.answer) == [("bar.cw" + Z, "CNAME", "www" + Z)]


def test_wildcard_owner_keeps_question_case(server):
    q = make_query("MiXeD.Wild.example.test", "A")
    raw, r = server.query_wire(q)
    assert r.answer[0].name.to_text() == "MiXeD.Wild.example.test."


def test_names_above_the_wildcard_are_nxdomain(server):
    r = server.query("nothing.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN


def test_dig_sees_synthesised_answer(server):
    (a,) = server.dig("+norec", "some.host.wild.example.test", "A")
    assert a.rcode == "NOERROR" and "aa" in a.flags
    assert a.records("ANSWER") == [("some.host.wild.example.test.", 300, "IN", "A", "192.0.2.99")]


def test_drill_sees_wildcard_nodata(server):
    (a,) = server.drill("some.wild.example.test", "MX")
    assert a.rcode == "NOERROR"
    assert not a.records("ANSWER")
    assert a.records("AUTHORITY", "SOA")
