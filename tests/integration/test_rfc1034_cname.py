"""RFC 1034 4.3.2 step 3a: CNAMEs are followed inside the zone, with the whole
chain in the answer, loops stopped, and the final rcode set by the last name
of the chain (RFC 6604 3)."""

import struct

import dns.flags
import dns.rcode
import dns.rdatatype

from dnsd_harness import rrsets, section_texts

WWW = ["192.0.2.10", "192.0.2.11", "192.0.2.12"]
Z = ".example.test."


def answer_records(r):
    return section_texts(r.answer)


def test_cname_followed_to_its_target(server):
    r = server.query("alias.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    recs = answer_records(r)
    assert recs[0] == ("alias" + Z, "CNAME", "www" + Z), "the CNAME comes first"
    assert sorted(d for n, t, d in recs[1:] if t == "A" and n == "www" + Z) == WWW
    assert len(recs) == 4


def test_chain_is_followed_in_order(server):
    r = server.query("chain1.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    recs = answer_records(r)
    assert recs[:3] == [("chain1" + Z, "CNAME", "chain2" + Z),
                        ("chain2" + Z, "CNAME", "chain3" + Z),
                        ("chain3" + Z, "CNAME", "www" + Z)]
    assert sorted(d for _, t, d in recs[3:]) == WWW


def _raw_ancount(raw):
    return struct.unpack("!H", raw[6:8])[0]


def test_cname_loop_terminates_with_the_chain(server):
    raw, r = server.query_wire("loop1.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    recs = answer_records(r)
    assert set(recs) == {("loop1" + Z, "CNAME", "loop2" + Z), ("loop2" + Z, "CNAME", "loop1" + Z)}
    assert _raw_ancount(raw) == 2, "each CNAME of the loop appears once"


def test_self_loop_terminates(server):
    raw, r = server.query_wire("selfloop.example.test", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR
    assert answer_records(r) == [("selfloop" + Z, "CNAME", "selfloop" + Z)]
    assert _raw_ancount(raw) == 1


def test_dangling_cname_gives_nxdomain_of_the_target(server):
    r = server.query("dangling.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, "RFC 6604: rcode of the last name in the chain"
    assert r.flags & dns.flags.AA
    assert answer_records(r) == [("dangling" + Z, "CNAME", "nothere" + Z)]
    assert ("example.test.", "SOA") in rrsets(r.authority)


def test_cname_to_nodata_keeps_cname_and_soa(server):
    r = server.query("alias.example.test", "MX")
    assert r.rcode() == dns.rcode.NOERROR
    assert answer_records(r) == [("alias" + Z, "CNAME", "www" + Z)]
    soa = rrsets(r.authority)[("example.test.", "SOA")]
    assert soa.ttl == 60


def test_cname_out_of_zone_is_not_chased(server):
    r = server.query("outside.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    assert answer_records(r) == [("outside" + Z, "CNAME", "www.elsewhere.invalid.")]


def test_cname_to_a_wildcard_name(server):
    r = server.query("towild.example.test", "A")
    assert answer_records(r) == [("towild" + Z, "CNAME", "target.wild" + Z),
                                 ("target.wild" + Z, "A", "192.0.2.99")]


def test_query_for_the_cname_itself_is_not_followed(server):
    r = server.query("alias.example.test", "CNAME")
    assert answer_records(r) == [("alias" + Z, "CNAME", "www" + Z)]


def test_kdig_follows_the_chain(server):
    (a,) = server.kdig("+norec", "chain1.example.test", "A")
    assert a.rcode == "NOERROR" and "aa" in a.flags
    assert [r[3] for r in a.records("ANSWER")] == ["CNAME"] * 3 + ["A"] * 3


def test_drill_sees_the_loop_answered(server):
    (a,) = server.drill("loop1.example.test", "A")
    assert a.rcode == "NOERROR"
    assert sorted(r[0] for r in a.records("ANSWER", "CNAME")) == ["loop1" + Z, "loop2" + Z]
