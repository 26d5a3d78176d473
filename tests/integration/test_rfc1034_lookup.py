"""RFC 1034 4.3.2 lookup at an authoritative server: AA on answers, never RA,
REFUSED outside every zone, the most specific zone wins, and the question is
echoed byte for byte (RFC 1035 4.1.1, RFC 4343 case preservation)."""

import dns.flags
import dns.rcode
import pytest

from dnsd_harness import QR, RA, RD, flags_of, make_query, rrsets, texts

WWW = ["192.0.2.10", "192.0.2.11", "192.0.2.12"]


def test_answer_is_authoritative_with_the_whole_rrset(server):
    r = server.query("www.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    rrset = rrsets(r.answer)[("www.example.test.", "A")]
    assert sorted(texts(rrset)) == WWW
    assert rrset.ttl == 5, "the RRset's own TTL"


def test_zone_default_ttl_applies(server):
    r = server.query("ns1.example.test", "AAAA")
    rrset = rrsets(r.answer)[("ns1.example.test.", "AAAA")]
    assert texts(rrset) == ["2001:db8::1"]
    assert rrset.ttl == 300


def test_apex_soa_keeps_its_own_ttl(server):
    r = server.query("example.test", "SOA")
    assert r.flags & dns.flags.AA
    soa = rrsets(r.answer)[("example.test.", "SOA")]
    assert soa.ttl == 300, "positive SOA answers are not clamped to the minimum"
    rd = soa[0]
    assert rd.mname.to_text() == "ns1.example.test."
    assert rd.rname.to_text() == "hostmaster.example.test."
    assert (rd.serial, rd.refresh, rd.retry, rd.expire, rd.minimum) == (2024010201, 3600, 600, 86400, 60)


def test_apex_ns(server):
    r = server.query("example.test", "NS")
    assert r.flags & dns.flags.AA
    assert sorted(texts(rrsets(r.answer)[("example.test.", "NS")])) == ["ns1.example.test.", "ns2.example.test."]


@pytest.mark.parametrize("name", ["www.elsewhere.invalid", "test", "example.test.evil", "xexample.test"])
def test_names_outside_every_zone_are_refused(server, name):
    r = server.query(name, "A")
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.answer and not r.authority
    assert not r.flags & dns.flags.AA, "we are not authoritative for it"


def test_most_specific_zone_answers(server):
    # kid.example.test is delegated by example.test AND served here: the child answers.
    r = server.query("www.kid.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert texts(rrsets(r.answer)[("www.kid.example.test.", "A")]) == ["192.0.2.70"]
    r = server.query("kid.example.test", "SOA")
    assert r.flags & dns.flags.AA
    assert rrsets(r.answer)[("kid.example.test.", "SOA")][0].mname.to_text() == "ns1.example.test."


def test_lookup_is_case_insensitive_and_question_case_is_preserved(server):
    q = make_query("WwW.ExAmPlE.tEsT", "A")
    raw, r = server.query_wire(q)
    qwire = q.to_wire()[12:]
    assert raw[12:12 + len(qwire)] == qwire, "question section must be echoed byte for byte"
    assert sorted(texts(rrsets(r.answer)[("www.example.test.", "A")])) == WWW


@pytest.mark.parametrize("name,rdtype", [("NoPe.Example.TEST", "A"), ("WWW.ELSEWHERE.INVALID", "A"),
                                          ("wWw.SuB.example.test", "A")])
def test_question_case_preserved_on_negative_refused_and_referral(server, name, rdtype):
    q = make_query(name, rdtype)
    raw, _ = server.query_wire(q)
    qwire = q.to_wire()[12:]
    assert raw[12:12 + len(qwire)] == qwire


def test_dig_shows_the_question_case_unchanged(server):
    (a,) = server.dig("+norec", "+noedns", "wWw.eXaMpLe.TeSt", "A")
    assert a.sections["QUESTION"][0][0] == "wWw.eXaMpLe.TeSt."
    assert a.rcode == "NOERROR"
    assert sorted(a.data("ANSWER", "A")) == WWW


ALL_KINDS = [("www.example.test", "A"),        # answer
             ("nope.example.test", "A"),       # NXDOMAIN
             ("www.example.test", "MX"),       # NODATA
             ("www.sub.example.test", "A"),    # referral
             ("www.elsewhere.invalid", "A")]   # REFUSED


@pytest.mark.parametrize("rd", [True, False])
@pytest.mark.parametrize("name,rdtype", ALL_KINDS)
def test_ra_never_set_and_rd_copied(server, name, rdtype, rd):
    q = make_query(name, rdtype, rd=rd)
    raw, _ = server.query_wire(q)
    flags = flags_of(raw)
    assert flags & QR
    assert not flags & RA, "an authoritative-only server never offers recursion"
    assert bool(flags & RD) == rd, "RD is copied from the query (RFC 1035 4.1.1)"


@pytest.mark.parametrize("client", ["dig", "kdig", "drill"])
def test_real_clients_see_an_authoritative_answer(server, client):
    if client == "drill":
        (a,) = server.drill("www.example.test", "A")
    else:
        (a,) = getattr(server, client)("+norec", "www.example.test", "A")
    assert a.rcode == "NOERROR"
    assert "aa" in a.flags and "ra" not in a.flags and "qr" in a.flags
    assert sorted(a.data("ANSWER", "A")) == WWW
    assert {r[1] for r in a.records("ANSWER")} == {5}


def test_drill_gets_refused_outside_zones(server):
    (a,) = server.drill("www.elsewhere.invalid", "A")
    assert a.rcode == "REFUSED"
    assert not a.records("ANSWER")
