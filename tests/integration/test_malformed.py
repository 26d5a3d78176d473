"""Malformed and unusual messages over UDP (RFC 1035 4.1, RFC 6895 2,
RFC 6891 6.1.1): responses are never answered and anything too short to carry
a header is dropped (the only silence: there is no ID to answer, or answering
could start a loop); every other malformed query with a header gets FORMERR
with no records; QDCOUNT != 1 is FORMERR, an unknown opcode is NOTIMP with RD
and CD clear. The server survives all of it."""

import random
import socket
import struct

import dns.rcode
import pytest

from dnsd_harness import SILENCE_TIMEOUT, QR, RD, counts_of, flags_of, header, opt_rr, question, rcode_of, wire_name

CD = 0x0010  # checking disabled (RFC 4035 3.2.2), in the second flags byte

GOOD_Q = question("www.example.test")


@pytest.fixture
def survivor(server):
    """The shared server, checked to still answer properly after the test's abuse."""
    yield server
    assert server.alive(), "dnsd died"
    r = server.query("www.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer[0]) == 3


def assert_silent(server, packet):
    assert server.udp_raw(packet, timeout=SILENCE_TIMEOUT) is None, "this packet must be dropped"


def assert_rcode(server, packet, rcode, qid=0x1234):
    raw = server.udp_raw(packet)
    assert raw is not None, "expected a response"
    assert raw[:2] == struct.pack("!H", qid)
    assert flags_of(raw) & QR
    assert rcode_of(raw) == rcode, f"rcode {dns.rcode.to_text(rcode_of(raw))}, want {dns.rcode.to_text(rcode)}"
    return raw


def assert_formerr(server, packet, qid=0x1234):
    """A malformed query that has a header is answered FORMERR, with no records
    (RFC 1035 4.1.1): the client learns at once instead of retrying."""
    raw = assert_rcode(server, packet, dns.rcode.FORMERR, qid)
    assert counts_of(raw)[1:] == (0, 0, 0), "no records in a FORMERR for a malformed query"


@pytest.mark.parametrize("packet", [b"", b"\x12", b"\x12\x34\x00", header()[:11]], ids=["0", "1", "3", "11"])
def test_shorter_than_a_header_is_dropped(survivor, packet):
    assert_silent(survivor, packet)


@pytest.mark.parametrize("rcode_bits", [0, 3])
def test_responses_are_never_answered(survivor, rcode_bits):
    assert_silent(survivor, header(flags=QR | 0x0400 | rcode_bits) + GOOD_Q)


def test_header_only_response_is_never_answered(survivor):
    assert_silent(survivor, header(flags=QR, qd=0))


def test_qdcount_0_is_formerr(survivor):
    assert_rcode(survivor, header(qd=0), dns.rcode.FORMERR)


def test_qdcount_2_is_formerr(survivor):
    raw = assert_rcode(survivor, header(qd=2) + GOOD_Q + question("ns1.example.test"), dns.rcode.FORMERR)
    assert struct.unpack("!H", raw[6:8])[0] == 0


def test_qdcount_2_with_only_one_question_is_formerr(survivor):
    assert_rcode(survivor, header(qd=2) + GOOD_Q, dns.rcode.FORMERR)


@pytest.mark.parametrize("opcode", [1, 2, 3, 6, 15])
def test_unknown_opcode_is_notimp(survivor, opcode):
    raw = assert_rcode(survivor, header(flags=opcode << 11) + GOOD_Q, dns.rcode.NOTIMP)
    assert (flags_of(raw) >> 11) & 0xF == opcode, "opcode is copied into the response"
    assert struct.unpack("!H", raw[6:8])[0] == 0


@pytest.mark.parametrize("opcode", [1, 2, 4, 5, 15])
def test_unknown_opcode_notimp_clears_rd_and_cd(survivor, opcode):
    """RD and CD are defined for QUERY only (ISC's opcodeflg check): a NOTIMP
    answer to another opcode does not copy them, while QUERY still does."""
    raw = assert_rcode(survivor, header(flags=opcode << 11 | RD | CD) + GOOD_Q, dns.rcode.NOTIMP)
    assert flags_of(raw) == QR | opcode << 11 | dns.rcode.NOTIMP, f"flags {flags_of(raw):#06x}"
    raw = assert_rcode(survivor, header(flags=RD | CD) + GOOD_Q, dns.rcode.NOERROR)
    assert flags_of(raw) & RD and flags_of(raw) & CD, "QUERY copies RD and CD"


@pytest.mark.parametrize("cut", [1, 5, len(wire_name("www.example.test")), len(GOOD_Q) - 1])
def test_truncated_question(survivor, cut):
    assert_formerr(survivor, header() + GOOD_Q[:cut])


@pytest.mark.parametrize("name_bytes", [
    b"\x40" + b"a" * 10 + b"\x00",               # label type 0x40 (extended, obsolete)
    b"\x80\x01\x00",                             # label type 0x80 (reserved)
    b"\xc0\x0c",                                 # pointer to itself: a loop
    b"\x03www\xc0\x20",                          # pointer forward, past the name
    b"\x03www\x3fab",                            # label length past the end of the packet
], ids=["ext-label", "reserved-label", "pointer-loop", "pointer-forward", "label-past-end"])
def test_bad_labels(survivor, name_bytes):
    assert_formerr(survivor, header() + name_bytes + struct.pack("!HH", 1, 1))


def test_longest_legal_label_is_parsed(survivor):
    # a 63-byte label is legal; the name is merely not ours
    name = b"\x3f" + b"a" * 63 + b"\x04test\x00"
    assert_rcode(survivor, header() + name + struct.pack("!HH", 1, 1), dns.rcode.REFUSED)


def test_name_longer_than_255_bytes(survivor):
    name = (b"\x3f" + b"a" * 63) * 4 + b"\x00"   # 257 bytes
    assert_formerr(survivor, header() + name + struct.pack("!HH", 1, 1))


def test_trailing_garbage_after_the_question(survivor):
    assert_formerr(survivor, header() + GOOD_Q + b"\xde\xad\xbe\xef")


def test_arcount_claims_a_record_that_is_missing(survivor):
    assert_formerr(survivor, header(ar=1) + GOOD_Q)


def test_truncated_opt(survivor):
    assert_formerr(survivor, header(ar=1) + GOOD_Q + opt_rr()[:7])


def test_two_opts_are_formerr(survivor):
    assert_rcode(survivor, header(ar=2) + GOOD_Q + opt_rr() + opt_rr(), dns.rcode.FORMERR)


def test_random_garbage_never_gets_a_real_answer(survivor):
    """300 random packets (fixed seed); any reply must be a reply to a query and not an answer."""
    rng = random.Random(20240102)
    sent = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((survivor.host, survivor.port))
        for i in range(300):
            packet = struct.pack("!H", i) + bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
            sent[i] = packet
            s.send(packet)
        s.settimeout(0.3)
        replies = []
        try:
            while True:
                replies.append(s.recv(65535))
        except socket.timeout:
            pass
    for raw in replies:
        qid = struct.unpack("!H", raw[:2])[0]
        packet = sent[qid]
        assert len(packet) >= 12, "a packet shorter than a header was answered"
        assert not flags_of(packet) & QR, "a response was answered"
        assert flags_of(raw) & QR
        assert rcode_of(raw) != dns.rcode.NOERROR or struct.unpack("!H", raw[6:8])[0] == 0
