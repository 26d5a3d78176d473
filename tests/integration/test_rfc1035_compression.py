"""RFC 1035 4.1.4 message compression: repeated names in a response are
pointers to earlier ones, so responses are smaller than their uncompressed
form."""

import struct

from dnsd_harness import make_query


def uncompressed_size(raw, r):
    """Size of the same message with every owner name written out in full."""
    size = 12 + len(r.question[0].name.to_wire()) + 4
    for section in (r.answer, r.authority, r.additional):
        for rrset in section:
            for rd in rrset:
                size += len(rrset.name.to_wire()) + 10 + len(rd.to_digestable())
    if r.edns >= 0:
        size += 11 + sum(len(o.to_wire()) + 4 for o in r.options)
    return size


def first_answer_owner(raw):
    qname_end = raw.index(b"\0", 12) + 1  # our questions have no pointers
    return raw[qname_end + 4:qname_end + 6]


def test_answer_owner_points_at_the_question(server):
    raw, r = server.query_wire(make_query("www.example.test", "A"))
    owner = first_answer_owner(raw)
    assert owner[0] & 0xC0 == 0xC0, "owner name should be a compression pointer"
    assert struct.unpack("!H", owner)[0] & 0x3FFF == 12, "pointing at the question name"


def test_responses_are_smaller_than_uncompressed(server):
    for name, rdtype in [("www.example.test", "A"), ("example.test", "NS"), ("example.test", "MX"),
                         ("chain1.example.test", "A"), ("www.sub.example.test", "A"),
                         ("nope.example.test", "A")]:
        raw, r = server.query_wire(make_query(name, rdtype))
        full = uncompressed_size(raw, r)
        assert len(raw) < full, f"{name} {rdtype}: {len(raw)} bytes, uncompressed {full}"


def test_compressed_response_parses_identically_over_tcp(server):
    udp = server.query("example.test", "NS")
    tcp = server.query_tcp("example.test", "NS")
    assert udp.answer == tcp.answer
