"""Truncation (RFC 1035 4.2.1, RFC 2181 9, RFC 6891 7): an answer that does
not fit the UDP size (512 without EDNS, else min(requested, 1232)) gets TC and
is cut at whole RRsets, never in the middle of one; a retry over TCP gets it
all."""

import dns.flags
import dns.rcode

from dnsd_harness import TC, counts_of, flags_of, make_query, parse, section_texts


def test_over_512_without_edns_sets_tc_and_drops_the_rrset(server):
    for name, rdtype in [("bigtxt.example.test", "TXT"), ("biga.example.test", "A")]:
        raw = server.udp_raw(make_query(name, rdtype, qid=77).to_wire())
        assert raw is not None
        assert len(raw) <= 512
        assert flags_of(raw) & TC, f"{name} {rdtype} needs more than 512 bytes"
        assert counts_of(raw)[1] == 0, "an RRset that does not fit is left out whole"


def test_same_answers_fit_with_edns(server):
    r = server.query("bigtxt.example.test", "TXT", edns=0)
    assert not r.flags & dns.flags.TC
    assert sorted(len(rd.strings[0]) for rd in r.answer[0]) == [200, 200, 200]
    r = server.query("biga.example.test", "A", edns=0)
    assert not r.flags & dns.flags.TC and len(r.answer[0]) == 40


def test_cut_after_the_cname_not_inside_the_target_rrset(server):
    """tcchain CNAME bigtxt, whose TXT RRset (3 x 200 bytes) cannot fit in 512:
    the CNAME fits and stays, the TXT RRset is left out whole (RFC 2181 9: never
    part of an RRset), and TC tells the resolver to retry over TCP (RFC 1035 4.2.1)."""
    raw = server.udp_raw(make_query("tcchain.example.test", "TXT", qid=78).to_wire())
    assert flags_of(raw) & TC
    assert len(raw) <= 512
    r = parse(raw)
    recs = section_texts(r.answer)
    assert [x[:2] for x in recs] == [("tcchain.example.test.", "CNAME")], recs
    assert recs[0][2] == "bigtxt.example.test."
    assert counts_of(raw)[1] == 1, "the header counts the CNAME only"


def test_too_big_even_for_edns_sets_tc_and_tcp_gets_everything(server):
    r = server.query("huge.example.test", "TXT", edns=0)
    assert r.flags & dns.flags.TC
    assert not r.answer
    t = server.query_tcp("huge.example.test", "TXT", edns=0)
    assert not t.flags & dns.flags.TC
    assert sorted(rd.strings[0][:1].decode() for rd in t.answer[0]) == list("uvwxyz")
    t = server.query_tcp("huge.example.test", "TXT")  # no EDNS: TCP has no 512 limit
    assert not t.flags & dns.flags.TC and len(t.answer[0]) == 6


def test_dig_retries_over_tcp_and_gets_everything(server):
    answers = server.dig("+norec", "+noedns", "bigtxt.example.test", "TXT")
    final = answers[-1]
    assert "tc" not in final.flags
    assert len(final.records("ANSWER", "TXT")) == 3


def test_kdig_sees_tc_without_edns(server):
    (a,) = server.kdig("+norec", "+notcp", "+noedns", "+ignore", "biga.example.test", "A")
    assert "tc" in a.flags
    assert not a.records("ANSWER")


def test_drill_tcp_gets_the_huge_answer(server):
    (a,) = server.drill("-t", "huge.example.test", "TXT")
    assert a.rcode == "NOERROR"
    assert len(a.records("ANSWER", "TXT")) == 6
