"""RFC 2308 negative answers: NXDOMAIN and NODATA carry the zone's SOA in the
authority section with TTL = min(SOA TTL, SOA MINIMUM) (RFC 2308 3 and 5).
Empty non-terminals exist (RFC 8020): they are NODATA, never NXDOMAIN."""

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from dnsd_harness import rrsets

# example.test: SOA TTL 300, MINIMUM 60 -> 60.  lowttl.test: SOA TTL 30, MINIMUM 600 -> 30.
NXDOMAIN = [("nope.example.test", "A", "example.test."),
            ("deep.nope.example.test", "AAAA", "example.test."),
            ("below.www.example.test", "A", "example.test."),    # below an existing leaf
            ("c.b.ent.example.test", "A", "example.test."),      # below an empty non-terminal
            ("nope.kid.example.test", "A", "kid.example.test."),
            ("nope.lowttl.test", "A", "lowttl.test.")]
NODATA = [("www.example.test", "MX", "example.test."),
          ("www.example.test", "AAAA", "example.test."),
          ("www.example.test", 65280, "example.test."),            # a type nobody has
          ("example.test", "A", "example.test."),                  # the apex
          ("ns1.lowttl.test", "MX", "lowttl.test.")]
ENT = [("b.ent.example.test", "A"), ("ent.example.test", "A"), ("ent.example.test", "TXT"),
       ("ent.wild.example.test", "A")]
NEGATIVE_TTL = {"example.test.": 60, "kid.example.test.": 60, "lowttl.test.": 30}


def assert_negative(r, rcode, zone):
    assert r.rcode() == rcode, dns.rcode.to_text(r.rcode())
    assert r.flags & dns.flags.AA, "negative answers from the zone are authoritative"
    assert not r.answer
    soa = rrsets(r.authority).get((zone, "SOA"))
    assert soa is not None, f"no SOA of {zone} in authority: {r.authority}"
    assert len(soa) == 1
    assert soa.ttl == NEGATIVE_TTL[zone], "TTL must be min(SOA TTL, SOA MINIMUM)"
    assert [x for x in r.authority if x.rdtype != dns.rdatatype.SOA] == [], "only the SOA belongs there"


@pytest.mark.parametrize("name,rdtype,zone", NXDOMAIN)
def test_nxdomain_carries_soa_with_negative_ttl(server, name, rdtype, zone):
    assert_negative(server.query(name, rdtype), dns.rcode.NXDOMAIN, zone)


@pytest.mark.parametrize("name,rdtype,zone", NODATA)
def test_nodata_carries_soa_with_negative_ttl(server, name, rdtype, zone):
    assert_negative(server.query(name, rdtype), dns.rcode.NOERROR, zone)


@pytest.mark.parametrize("name,rdtype", ENT)
def test_empty_non_terminal_is_nodata(server, name, rdtype):
    assert_negative(server.query(name, rdtype), dns.rcode.NOERROR, "example.test.")


def test_negative_answers_over_tcp_too(server):
    assert_negative(server.query_tcp("nope.example.test", "A"), dns.rcode.NXDOMAIN, "example.test.")
    assert_negative(server.query_tcp("b.ent.example.test", "A"), dns.rcode.NOERROR, "example.test.")


def test_dig_sees_nxdomain_with_soa(server):
    (a,) = server.dig("+norec", "nope.example.test", "A")
    assert a.rcode == "NXDOMAIN"
    assert "aa" in a.flags
    (soa,) = a.records("AUTHORITY", "SOA")
    assert soa[0] == "example.test." and soa[1] == 60


def test_kdig_sees_ent_as_nodata(server):
    (a,) = server.kdig("+norec", "b.ent.example.test", "A")
    assert a.rcode == "NOERROR"
    assert not a.records("ANSWER")
    (soa,) = a.records("AUTHORITY", "SOA")
    assert soa[1] == 60


def test_drill_sees_low_soa_ttl(server):
    (a,) = server.drill("nope.lowttl.test", "A")
    assert a.rcode == "NXDOMAIN"
    (soa,) = a.records("AUTHORITY", "SOA")
    assert soa[1] == 30
