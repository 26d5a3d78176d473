"""Additional-section processing (RFC 1034 4.3.2 step 6, RFC 2782 for SRV):
addresses of in-zone NS, MX and SRV targets ride along; out-of-zone targets
get none. Additional data that does not fit is left out without setting TC
(RFC 2181 9)."""

import dns.flags
import dns.rcode

from dnsd_harness import TC, flags_of, make_query, section_texts


def addresses(r):
    return {x for x in section_texts(r.additional) if x[1] in ("A", "AAAA")}


def test_apex_ns_brings_nameserver_addresses(server):
    r = server.query("example.test", "NS")
    assert addresses(r) == {("ns1.example.test.", "A", "192.0.2.1"), ("ns1.example.test.", "AAAA", "2001:db8::1"),
                            ("ns2.example.test.", "A", "192.0.2.2"), ("ns2.example.test.", "AAAA", "2001:db8::2")}


def test_mx_brings_in_zone_exchange_addresses_only(server):
    r = server.query("example.test", "MX")
    assert sorted(rd.to_text() for rd in r.answer[0]) == ["10 mail.example.test.", "20 mx.elsewhere.invalid."]
    assert addresses(r) == {("mail.example.test.", "A", "192.0.2.25"), ("mail.example.test.", "AAAA", "2001:db8::25")}


def test_srv_brings_target_addresses(server):
    r = server.query("_sip._udp.example.test", "SRV")
    assert section_texts(r.answer) == [("_sip._udp.example.test.", "SRV", "0 5 5060 sip.example.test.")]
    assert addresses(r) == {("sip.example.test.", "A", "192.0.2.60"), ("sip.example.test.", "AAAA", "2001:db8::60")}


def test_additional_that_fits_with_edns_is_complete(server):
    r = server.query("fatmx.example.test", "MX", edns=0)
    assert not r.flags & dns.flags.TC
    biga = [x for x in addresses(r) if x[0] == "biga.example.test."]
    assert len(biga) == 40


def test_additional_that_does_not_fit_is_dropped_without_tc(server):
    raw, r = server.query_wire(make_query("fatmx.example.test", "MX"))  # no EDNS: 512 bytes
    assert len(raw) <= 512
    assert not flags_of(raw) & TC, "missing additional data is no reason for TC (RFC 2181 9)"
    assert section_texts(r.answer) == [("fatmx.example.test.", "MX", "10 biga.example.test.")]
    biga = [x for x in addresses(r) if x[0] == "biga.example.test."]
    assert len(biga) in (0, 40), "never a partial RRset"


def test_dig_sees_mx_additional(server):
    (a,) = server.dig("+norec", "example.test", "MX")
    assert sorted(a.data("ADDITIONAL", "A")) == ["192.0.2.25"]
    assert sorted(a.data("ADDITIONAL", "AAAA")) == ["2001:db8::25"]
