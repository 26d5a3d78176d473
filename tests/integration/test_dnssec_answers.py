"""What signing changes in answers, and what it must not change.

- DO=0 answers of a signed zone are byte for byte those of the same zone
  unsigned: two dnsd processes (each with its own --state-dir, so both serve
  the file's serial), one with "dnssec": {}, get the same queries with the
  same IDs, with and without EDNS; every response is identical. With DO=1,
  every answer-section RRset of the signed zone is followed by its RRSIG, and
  the unsigned zone's answers carry none.
- Truncation keeps whole RRsets with their signatures: a DO=1 answer over
  1232 bytes gets TC over UDP, and whatever it holds is whole RRsets, each
  with the RRSIG covering it; TCP gets everything, signed. An NXDOMAIN whose
  proofs do not fit a 512-byte EDNS size gets TC, not an answer without them.
- A pool served empty (when_all_down serve-none, its member dead) is a NODATA
  that unbound validates (AD); the NSEC at the name lacks the A bit, the AXFR
  verifies, and the A bit is back when the member returns. (Drained members
  that are up still answer as a last resort, so a drain alone never empties
  a pool: that answer validates too.)
"""

from __future__ import annotations

import json

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from control_support import api
from dnsd_harness import TC, flags_of, make_query, parse, wait_for
from dnssec_support import CHILD, PARENT, addresses, data, keygen, parent_zone, trust_anchors, unsigned_rrsets
from health_support import FAST_CHECK, fast_check
from health_support import backends  # noqa: F401 (a fixture)
from validating_resolver import start_validating_unbound  # noqa: F401 (a fixture)
from zone_verifiers import assert_axfr_verifies

SAME = "same.test."
SAME_ZONE = {
    "origin": SAME, "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 2024010101, "minimum": 60},
    "pools": {"web": {"ttl": 20, "members": ["198.51.100.1", "198.51.100.2", "198.51.100.3"],
                      "check": {"type": "none"}},
              "big": {"ttl": 20, "max_answers": 2, "check": {"type": "none"},
                      "members": ["198.51.100.11", "198.51.100.12", "198.51.100.13", "198.51.100.14"]}},
    "records": {
        "@": {"NS": ["ns1", "ns2.elsewhere.example."], "MX": ["10 mail", "20 mail2"], "TXT": "v=spf1 -all"},
        "ns1": {"A": "192.0.2.1", "AAAA": "2001:db8::1"},
        "mail": {"A": "192.0.2.25", "AAAA": "2001:db8::25"},
        "mail2": {"A": "192.0.2.26"},
        "text": {"TXT": ["first string", "second string"]},
        "*.wild": {"A": "192.0.2.99", "TXT": "wild"},
        "c1": {"CNAME": "c2"},
        "c2": {"CNAME": "mail"},
        "out": {"CNAME": "www.elsewhere.example."},
        "a.b.ent": {"A": "192.0.2.7"},
        "sub": {"NS": ["ns.sub", "ns2.sub"]},
        "ns.sub": {"A": "192.0.2.53"},
        "ns2.sub": {"A": "192.0.2.54", "AAAA": "2001:db8::54"},
        "www": {"A": {"pool": "web"}, "TXT": "pool and text"},
        "api": {"A": {"pool": "big"}},
        "walias": {"CNAME": "www"},
    },
}
QUESTIONS = [
    (SAME, "SOA"), (SAME, "NS"), (SAME, "MX"), (SAME, "TXT"), (SAME, "A"),
    ("mail." + SAME, "A"), ("mail." + SAME, "AAAA"), ("text." + SAME, "TXT"),
    ("nothing." + SAME, "A"), ("deep.nothing." + SAME, "MX"),          # NXDOMAIN
    ("mail2." + SAME, "AAAA"), ("b.ent." + SAME, "A"),                 # NODATA, also at an empty non-terminal
    ("host.wild." + SAME, "A"), ("host.wild." + SAME, "TXT"), ("host.wild." + SAME, "MX"),  # wildcard
    ("c1." + SAME, "A"), ("c1." + SAME, "AAAA"), ("c1." + SAME, "CNAME"), ("out." + SAME, "A"),  # CNAME chains
    ("sub." + SAME, "A"), ("host.sub." + SAME, "AAAA"), ("sub." + SAME, "NS"),  # referrals with glue
    ("www." + SAME, "A"), ("www." + SAME, "A"), ("www." + SAME, "AAAA"), ("walias." + SAME, "A"),  # pools
    ("api." + SAME, "A"), ("api." + SAME, "A"), ("api." + SAME, "A"),
    (SAME, "ANY"), ("mail." + SAME, "ANY"), ("www." + SAME, "ANY"),
    ("mail." + SAME, "DNSKEY"), ("nothing." + SAME, "NSEC"),
]


def start_same(start_dnsd, tmp_path, signed: bool):
    name = "signed" if signed else "unsigned"
    zones = tmp_path / f"zones-{name}"
    zones.mkdir()
    zone = json.loads(json.dumps(SAME_ZONE))
    if signed:
        zone["dnssec"] = {}
    (zones / "same.test.json").write_text(json.dumps(zone))
    state = tmp_path / f"state-{name}"
    args = ["--state-dir", str(state)]
    if signed:
        keygen(state / "keys", SAME)
    return start_dnsd(zones=zones, threads=1, extra_args=args)


def udp_raw(d, q: dns.message.Message) -> bytes:
    raw = d.udp_raw(q.to_wire())
    assert raw is not None, f"no answer to {q.question[0]}"
    return raw


def tcp_raw(d, q: dns.message.Message) -> bytes:
    with d.tcp_connect() as conn:
        conn.send_message(q.to_wire())
        raw = conn.read_message()
    assert raw is not None, f"no TCP answer to {q.question[0]}"
    return raw


def test_do0_answers_are_byte_for_byte_those_of_the_unsigned_zone(start_dnsd, tmp_path):
    signed = start_same(start_dnsd, tmp_path, True)
    plain = start_same(start_dnsd, tmp_path, False)
    assert signed.query(SAME, "SOA").answer == plain.query(SAME, "SOA").answer, "both serve the file's serial"
    assert signed.query(SAME, "DNSKEY", edns=0, ednsflags=dns.flags.DO).answer, "the signed zone is signed"
    qid = 0x2000
    for edns in (None, 0):
        for name, rdtype in QUESTIONS:
            qid += 1
            q = make_query(name, rdtype, edns=edns, qid=qid)
            a, b = udp_raw(signed, q), udp_raw(plain, q)
            assert a == b, (f"{name} {rdtype} (EDNS {edns}, DO=0) differs:\n--- signed:\n{parse(a)}\n"
                            f"--- unsigned:\n{parse(b)}")
            # Over TCP as well.
            ta, tb = tcp_raw(signed, q), tcp_raw(plain, q)
            assert ta == tb, f"{name} {rdtype} over TCP:\n{parse(ta)}\n{parse(tb)}"


def test_do1_answer_rrsets_carry_their_rrsig_only_when_signed(start_dnsd, tmp_path):
    signed = start_same(start_dnsd, tmp_path, True)
    plain = start_same(start_dnsd, tmp_path, False)
    for name, rdtype in QUESTIONS:
        q = make_query(name, rdtype, edns=0, payload=4096, ednsflags=dns.flags.DO)
        s, p = signed.query_tcp(q), plain.query_tcp(q)
        assert not any(r.rdtype == dns.rdatatype.RRSIG for sec in (p.answer, p.authority, p.additional)
                       for r in sec), f"the unsigned zone signed {name} {rdtype}:\n{p}"
        assert s.rcode() == p.rcode(), (name, rdtype, s, p)
        problems = unsigned_rrsets(s, ("answer",))
        assert not problems, f"{name} {rdtype}: {problems}\n{s}"
        # Each RRSIG follows the RRset it covers.
        plain_sets = [r for r in s.answer if r.rdtype != dns.rdatatype.RRSIG]
        for i, rrset in enumerate(s.answer):
            if rrset.rdtype != dns.rdatatype.RRSIG:
                nxt = s.answer[i + 1] if i + 1 < len(s.answer) else None
                assert nxt is not None and nxt.rdtype == dns.rdatatype.RRSIG and nxt.covers == rrset.rdtype \
                    and nxt.name == rrset.name, f"{name} {rdtype}: {rrset.name} {rrset.rdtype} not followed " \
                                                f"by its RRSIG:\n{s}"
        if s.flags & dns.flags.AA:  # not a referral: the denial is signed too
            assert not unsigned_rrsets(s, ("authority",)), f"{name} {rdtype}: {unsigned_rrsets(s)}\n{s}"
        else:  # a referral: the NS is the child's (unsigned); the NSEC proving no DS is signed
            cut = {(r.name.to_text(), "NS") for r in s.authority if r.rdtype == dns.rdatatype.NS}
            assert cut and any(r.rdtype == dns.rdatatype.NSEC for r in s.authority), s
            assert not unsigned_rrsets(s, ("authority",), unsigned_ok=cut), s
        # The same data as the unsigned zone, pools as sets (both rotate).
        if not name.startswith(("api.", "www.")) and rdtype != "ANY":
            assert {(r.name, r.rdtype, frozenset(r)) for r in plain_sets} == \
                {(r.name, r.rdtype, frozenset(r)) for r in p.answer}, f"{name} {rdtype}:\n{s}\n{p}"


# ---------------------------------------------------------------------------
# Truncation

# A long origin: every RRSIG's signer name and every NSEC's next name is
# written out uncompressed (RFC 4034), so an NXDOMAIN's proofs outgrow 512 bytes.
LONG = "signed-answers-that-outgrow-a-small-udp-payload-and-need-tcp.test."
MEMBERS = [f"198.51.100.{i}" for i in range(1, 65)]
LONG_ZONE = {
    "origin": LONG, "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 2024010101, "minimum": 60},
    "dnssec": {},
    "pools": {"many": {"ttl": 20, "max_answers": 64, "members": MEMBERS, "check": {"type": "none"}}},
    "records": {
        "@": {"NS": "ns1", "MX": "10 mail"},
        "ns1": {"A": "192.0.2.1"},
        "mail": {"A": "192.0.2.25"},
        "big": {"TXT": [f"record {i:02d} of a TXT RRset too big for one UDP answer" for i in range(40)]},
        "chain": {"CNAME": "big"},
        "many": {"A": {"pool": "many"}},
        "m": {"A": "192.0.2.2"},
        "z": {"A": "192.0.2.3"},
    },
}


@pytest.fixture
def long_zone(start_dnsd, zone_dir, tmp_path):
    key_dir = tmp_path / "keys"
    keygen(key_dir, LONG)
    return start_dnsd(zones=zone_dir({"long.json": LONG_ZONE}), threads=1, extra_args=["--key-dir", str(key_dir)])


def whole_and_signed(udp: dns.message.Message, full: dns.message.Message) -> list[str]:
    """What is wrong with a truncated answer: an RRset that is not whole (compared with
    the TCP answer's), or one without the RRSIG that covers it."""
    problems = unsigned_rrsets(udp)
    for section in ("answer", "authority", "additional"):
        want = {(r.name, r.rdtype, r.covers): r for r in getattr(full, section)}
        for r in getattr(udp, section):
            if r.rdtype == dns.rdatatype.OPT:
                continue
            w = want.get((r.name, r.rdtype, r.covers))
            if w is None or set(w) != set(r):
                problems.append(f"{section} {r.name} {dns.rdatatype.to_text(r.rdtype)}: {len(r)} records, "
                                f"TCP has {len(w) if w is not None else 0}")
    return problems


@pytest.mark.parametrize("name,rdtype,count", [("big", "TXT", 40), ("chain", "TXT", 40), ("many", "A", 64)])
def test_truncation_keeps_whole_rrsets_with_their_signatures(long_zone, name, rdtype, count):
    d = long_zone
    q = make_query(name + "." + LONG, rdtype, edns=0, payload=1232, ednsflags=dns.flags.DO)
    raw = d.udp_raw(q.to_wire())
    assert raw is not None and len(raw) <= 1232
    full = d.query_tcp(q)
    assert not full.flags & dns.flags.TC
    answer = [r for r in full.answer if r.rdtype == dns.rdatatype.from_text(rdtype)]
    assert answer and len(answer[0]) == count, full
    assert not unsigned_rrsets(full), f"{unsigned_rrsets(full)}\n{full}"
    assert len(full.to_wire()) > 1232, "the signed answer must outgrow the UDP size for this test"
    assert flags_of(raw) & TC, f"{name} {rdtype}: {len(full.to_wire())} bytes yet no TC"
    udp = parse(raw)
    assert not whole_and_signed(udp, full), f"{whole_and_signed(udp, full)}\n{udp}"


def test_an_nxdomain_whose_proofs_do_not_fit_gets_tc_not_an_answer_without_them(long_zone):
    d = long_zone
    name = "nope-a-name-that-does-not-exist." + LONG
    raw_full = tcp_raw(d, make_query(name, "A", edns=0, payload=4096, ednsflags=dns.flags.DO))
    full = parse(raw_full)
    assert full.rcode() == dns.rcode.NXDOMAIN
    assert [r for r in full.authority if r.rdtype == dns.rdatatype.NSEC] and not unsigned_rrsets(full), full
    size = len(raw_full)
    assert 512 < size < 1232, f"the proofs take {size} bytes: between 512 and 1232 for this test"
    for payload in (512, 300, size - 1):  # below 512 counts as 512 (RFC 6891 6.2.5)
        raw = d.udp_raw(make_query(name, "A", edns=0, payload=payload, ednsflags=dns.flags.DO).to_wire())
        assert raw is not None and len(raw) <= max(payload, 512)
        assert flags_of(raw) & TC, f"EDNS {payload}: an NXDOMAIN of {size} bytes sent without TC:\n{parse(raw)}"
        udp = parse(raw)
        assert not whole_and_signed(udp, full), f"{whole_and_signed(udp, full)}\n{udp}"
    # An EDNS size that holds it is honoured: the whole proof, no TC, as over TCP.
    for payload in (size, 1232):
        raw = d.udp_raw(make_query(name, "A", edns=0, payload=payload, ednsflags=dns.flags.DO).to_wire())
        assert not flags_of(raw) & TC and raw[2:] == raw_full[2:], f"EDNS {payload}:\n{parse(raw)}"


# ---------------------------------------------------------------------------
# A pool served empty

SOLO = "127.0.1.185"


def empty_pool_zone(port: int) -> dict:
    return {
        "origin": CHILD, "ttl": 60,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 30},
        "dnssec": {},
        "transfer": {"allow": ["127.0.0.0/8"]},
        "pools": {"solo": {"ttl": 1, "members": [SOLO], "check": fast_check(port=port),
                           "when_all_down": "serve-none"}},
        "records": {
            "@": {"NS": ["ns1"]},
            "ns1": {"A": ["127.0.0.1"]},
            "solo": {"A": {"pool": "solo"}, "TXT": "solo"},
            "after": {"A": "192.0.2.1"},
        },
    }


def nsec_at(d, name: str) -> set[str]:
    """The types of the NSEC dnsd gives at `name` in a DO=1 NODATA for A there."""
    r = d.query(name, "A", edns=0, payload=4096, ednsflags=dns.flags.DO)
    for rrset in r.authority:
        if rrset.rdtype == dns.rdatatype.NSEC and rrset.name.to_text() == name:
            return set(rrset[0].to_text().split()[1:])
    raise AssertionError(f"no NSEC at {name} in:\n{r}")


def test_a_pool_served_empty_is_a_validated_nodata(start_dnsd, zone_dir, backends, start_validating_unbound,  # noqa: F811
                                                   tmp_path):
    solo = backends([SOLO])[0]
    key_dir = tmp_path / "keys"
    child_ds = keygen(key_dir, CHILD)
    parent_ds = keygen(key_dir, PARENT)
    zones = zone_dir({"test.json": parent_zone(child_ds), "example.test.json": empty_pool_zone(solo.port)})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--key-dir", str(key_dir)])
    name = "solo." + CHILD
    detection = FAST_CHECK["interval"] + FAST_CHECK["fall"] * FAST_CHECK["fast_interval"] + 10
    wait_for(lambda: addresses(d, name) == {SOLO}, detection, "solo to be up")
    u = start_validating_unbound({PARENT: [f"127.0.0.1@{d.port}"], CHILD: [f"127.0.0.1@{d.port}"]},
                                 trust_anchors(parent_ds))
    assert data(u.assert_secure(name, "A"), "A") == {SOLO}

    # Its only member drained but up: still served (as a last resort), still signed.
    status, _h, out = api(d, "POST", "/api/drain", {"zone": CHILD, "pool": "solo", "address": SOLO})
    assert status == 200, out
    u.flush_zone(CHILD)
    assert data(u.assert_secure(name, "A"), "A") == {SOLO}
    assert "A" in nsec_line_types_live(d, name)
    status, _h, out = api(d, "POST", "/api/undrain", {"zone": CHILD, "pool": "solo", "address": SOLO})
    assert status == 200, out

    solo.kill()
    wait_for(lambda: not addresses(d, name), detection, "solo to be served empty")
    r = d.query(name, "A", edns=0, payload=4096, ednsflags=dns.flags.DO)
    assert r.rcode() == dns.rcode.NOERROR and not r.answer, r
    assert "A" not in nsec_at(d, name) and {"TXT", "NSEC", "RRSIG"} <= nsec_at(d, name)
    u.flush_zone(CHILD)
    r = u.assert_secure(name, "A")
    assert not r.answer, r
    assert data(u.assert_secure(name, "TXT"), "TXT") == {'"solo"'}
    assert_axfr_verifies(d.host, d.port, CHILD, tmp_path / "empty.zone")
    assert "A" not in nsec_line_types(tmp_path / "empty.zone", name)

    solo.start()
    wait_for(lambda: addresses(d, name) == {SOLO}, detection, "solo to be back")
    assert "A" in nsec_line_types_live(d, name)
    u.flush_zone(CHILD)
    assert data(u.assert_secure(name, "A"), "A") == {SOLO}
    assert_axfr_verifies(d.host, d.port, CHILD, tmp_path / "back.zone")
    assert "A" in nsec_line_types(tmp_path / "back.zone", name)


def nsec_line_types(path, owner: str) -> set[str]:
    """The bitmap of the NSEC at `owner` in a zone file written by axfr_to_file."""
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) > 5 and f[0].lower() == owner and f[3] == "NSEC":
            return set(f[5:])
    raise AssertionError(f"no NSEC at {owner} in {path}")


def nsec_line_types_live(d, owner: str) -> set[str]:
    """The bitmap of the NSEC at `owner` that dnsd answers to a DO=1 NSEC query."""
    r = d.query(owner, "NSEC", edns=0, payload=4096, ednsflags=dns.flags.DO)
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.NSEC:
            return set(rrset[0].to_text().split()[1:])
    raise AssertionError(f"no NSEC answer at {owner}:\n{r}")
