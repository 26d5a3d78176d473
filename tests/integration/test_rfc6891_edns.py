"""EDNS(0), RFC 6891: an OPT in the query gets an OPT in the response
(6.1.1), version > 0 gets BADVERS with an OPT (6.1.3), unknown options and
flags are not echoed (6.1.2, 6.1.4), two OPTs are FORMERR (6.1.1), payload
below 512 counts as 512 (6.2.5), and dnsd advertises and honours 1232."""

import dns.edns
import dns.flags
import dns.rcode

from dnsd_harness import TC, flags_of, header, make_query, opt_rr, question, rcode_of


def test_no_opt_without_edns(server):
    r = server.query("www.example.test", "A")
    assert r.edns == -1


def test_opt_echoed_with_version_0_and_payload_1232(server):
    r = server.query("www.example.test", "A", edns=0, payload=4096)
    assert r.edns == 0
    assert r.payload == 1232, "dnsd advertises 1232 (DNS flag day 2020)"
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer[0]) == 3


def test_opt_echoed_on_negative_and_over_tcp(server):
    assert server.query("nope.example.test", "A", edns=0).edns == 0
    r = server.query_tcp("www.example.test", "A", edns=0)
    assert r.edns == 0 and r.payload == 1232


def test_badvers_for_version_1_with_opt(server):
    for version in (1, 255):
        r = server.query("www.example.test", "A", edns=version)
        assert r.rcode() == dns.rcode.BADVERS, dns.rcode.to_text(r.rcode())
        assert r.edns == 0, "the BADVERS response carries our OPT with the version we speak"
        assert not r.answer


def test_unknown_option_not_echoed(server):
    opt = dns.edns.GenericOption(65001, b"hello")
    r = server.query("www.example.test", "A", edns=0, options=[opt])
    assert r.rcode() == dns.rcode.NOERROR
    assert r.edns == 0
    assert [o.otype for o in r.options if o.otype == 65001] == []


def test_unknown_flags_not_echoed(server):
    r = server.query("www.example.test", "A", edns=0, ednsflags=0x0001 | 0x0100 | 0x4000)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.ednsflags & 0x7FFF == 0, f"unknown EDNS flags echoed: {r.ednsflags:#x}"


def test_two_opts_are_formerr(server):
    q = header(qid=0x0F0F, ar=2) + question("www.example.test") + opt_rr() + opt_rr()
    raw = server.udp_raw(q)
    assert raw is not None and raw[:2] == b"\x0f\x0f"
    assert rcode_of(raw) == dns.rcode.FORMERR


def test_small_payload_counts_as_512(server):
    raw, r = server.query_wire(make_query("example.test", "NS", edns=0, payload=100))
    assert len(raw) > 100, "the test needs an answer larger than the advertised 100"
    assert not flags_of(raw) & TC
    assert len(r.answer[0]) == 2


def test_udp_responses_never_exceed_1232(server):
    raw, r = server.query_wire(make_query("huge.example.test", "TXT", edns=0, payload=4096))
    assert len(raw) <= 1232
    assert r.flags & dns.flags.TC, "the 1.6 kB TXT set does not fit in 1232"


def test_edns_payload_allows_answers_over_512(server):
    raw, r = server.query_wire(make_query("biga.example.test", "A", edns=0, payload=1232))
    assert 512 < len(raw) <= 1232
    assert not r.flags & dns.flags.TC
    assert len(r.answer[0]) == 40


def test_dig_edns_pseudosection(server):
    (a,) = server.dig("+norec", "www.example.test", "A")
    assert a.edns_version == 0
    assert a.edns_udp == 1232


def test_dig_edns_version_1_gets_badvers(server):
    (a,) = server.dig("+norec", "+edns=1", "+noednsnegotiation", "www.example.test", "A")
    assert a.rcode == "BADVERS"


def test_kdig_edns_version_1_gets_badvers(server):
    (a,) = server.kdig("+norec", "+edns=1", "www.example.test", "A")
    assert a.rcode == "BADVERS"
    assert a.edns_version == 0
