"""The DNSSEC fixtures proven against a signer known to be right: Knot DNS.

Knot signs example.test. (CSK, NSEC) and its parent test., which holds
example.test.'s DS. A validating unbound anchored at test. only must find the
chain of trust through the parent and set AD on every kind of answer (static
data, NXDOMAIN, NODATA, an empty non-terminal, a wildcard, a CNAME, DS and
insecure delegations); the AXFR of the zone must pass ldns-verify-zone and
dnssec-verify. And each fixture must be able to fail: answers corrupted by the
tamper proxy, stripped of their signatures or under a wrong DS are bogus, and a
corrupted, incomplete or expired zone file is refused by both verifiers.
dnsd's signing tests use the same fixtures with dnsd in Knot's place.
"""

from __future__ import annotations

import shutil

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from knot_signer import start_knot_signer  # noqa: F401 (a fixture)
from tamper_proxy import flip_rrsig_signatures, passthrough, start_tamper_proxy, strip_rrsigs  # noqa: F401 (a fixture)
from validating_resolver import start_validating_unbound  # noqa: F401 (a fixture)
from zone_verifiers import assert_zone_verifies, axfr_to_file, bind_dnssec_verify, ldns_verify_zone

for tool in ("knotd", "unbound", "ldns-verify-zone", "dnssec-verify"):
    if not shutil.which(tool) and not shutil.which(f"/usr/sbin/{tool}"):
        pytest.skip(f"{tool} not installed (.ci/deps.sh installs it)", allow_module_level=True)

CHILD = "example.test."
PARENT = "test."

CHILD_ZONE = """$ORIGIN example.test.
$TTL 300
@        SOA   ns1 hostmaster 1 3600 600 86400 60
@        NS    ns1
@        MX    10 mail
@        TXT   "v=spf1 -all"
ns1      A     127.0.0.1
mail     A     192.0.2.25
www      A     192.0.2.1
www      AAAA  2001:db8::1
alias    CNAME www
*.wild   TXT   "from the wildcard"
*.wild   A     192.0.2.99
a.ent    A     192.0.2.3
; an insecure delegation with glue (loopback: a resolver may never leave 127.0.0.0/8)
sub      NS    ns.sub
ns.sub   A     127.0.2.53
; a secure delegation: its DS is signed here
secure   NS    ns.elsewhere.test.
secure   DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"""


def parent_zone(serial: int, ds: list[str]) -> str:
    return f"""$ORIGIN test.
$TTL 300
@            SOA ns1 hostmaster {serial} 3600 600 86400 60
@            NS  ns1
ns1          A   127.0.0.1
example      NS  ns1.example
ns1.example  A   127.0.0.1
""" + "".join(line + "\n" for line in ds)


@pytest.fixture(params=["ecdsap256sha256", "ed25519"])
def signed(request, start_knot_signer):
    """Knot signing example.test. and test. (holding example.test.'s DS) with the parametrised algorithm."""
    knot = start_knot_signer({CHILD: CHILD_ZONE, PARENT: parent_zone(1, [])}, algorithm=request.param)
    knot.set_zone(PARENT, parent_zone(2, knot.ds_lines(CHILD)))
    return knot


def answer(r, name, rdtype):
    n, t = dns.name.from_text(name), dns.rdatatype.from_text(rdtype)
    return [rr for rr in r.answer if rr.name == n and rr.rdtype == t]


def test_every_kind_of_answer_validates_through_the_parent(signed, start_validating_unbound):
    addr = f"127.0.0.1@{signed.port}"
    u = start_validating_unbound({PARENT: addr, CHILD: addr}, signed.ds_lines(PARENT))  # no anchor for the child

    assert answer(u.assert_secure("www.example.test.", "A"), "www.example.test.", "A")
    assert answer(u.assert_secure("www.example.test.", "AAAA"), "www.example.test.", "AAAA")
    assert answer(u.assert_secure(CHILD, "MX"), CHILD, "MX")
    assert answer(u.assert_secure(CHILD, "TXT"), CHILD, "TXT")
    # NXDOMAIN and NODATA, proven by NSEC
    r = u.assert_secure("nothing-here.example.test.", "A", "NXDOMAIN")
    assert not r.answer
    r = u.assert_secure("www.example.test.", "TXT")
    assert not r.answer
    r = u.assert_secure("ent.example.test.", "A")  # an empty non-terminal
    assert not r.answer
    # a wildcard answer: the RRSIG's label count (3) is shorter than the name's (4)
    r = u.assert_secure("anything.wild.example.test.", "TXT")
    assert answer(r, "anything.wild.example.test.", "TXT")
    sigs = answer(r, "anything.wild.example.test.", "RRSIG")
    assert sigs and sigs[0][0].labels == 3, r
    r = u.assert_secure("nope.wild.example.test.", "MX")  # wildcard NODATA
    assert not r.answer
    # a CNAME followed inside the zone
    r = u.assert_secure("alias.example.test.", "A")
    assert answer(r, "alias.example.test.", "CNAME") and answer(r, "www.example.test.", "A")
    # the signed DS of a secure delegation; no DS (proven) for the insecure one
    assert answer(u.assert_secure("secure.example.test.", "DS"), "secure.example.test.", "DS")
    r = u.assert_secure("sub.example.test.", "DS")
    assert not r.answer
    # the parent itself
    assert answer(u.assert_secure("example.test.", "DS"), CHILD, "DS")

    u.flush_all()  # and again from a cold cache: the chain is fetched anew
    u.assert_secure("www.example.test.", "A")


def test_the_signed_zone_passes_both_verifiers(signed, tmp_path):
    for zone in (CHILD, PARENT):
        path = tmp_path / f"{zone}zone"
        records = axfr_to_file(signed.host, signed.port, zone, path)
        assert records > 10
        assert_zone_verifies(path, zone, expiry_margin="P1D")


def test_the_verifiers_refuse_a_corrupted_incomplete_or_expired_zone(signed, tmp_path):
    good = tmp_path / "good.zone"
    axfr_to_file(signed.host, signed.port, CHILD, good)
    lines = good.read_text().splitlines(keepends=True)

    # one signature of www's A record with a different byte
    sig = next(i for i, line in enumerate(lines) if line.startswith("www.example.test.") and " RRSIG A " in line)
    tampered = list(lines)
    head, _, last = tampered[sig].rstrip("\n").rpartition(" ")
    last = last[:-6] + ("A" if last[-6] != "A" else "B") + last[-5:]
    tampered[sig] = f"{head} {last}\n"
    bad_sig = tmp_path / "bad-sig.zone"
    bad_sig.write_text("".join(tampered))
    # an NSEC left out: the chain is broken
    no_nsec = tmp_path / "no-nsec.zone"
    no_nsec.write_text("".join(line for line in lines
                               if not (line.startswith("mail.example.test.") and " NSEC " in line)))
    for path in (bad_sig, no_nsec):
        ok, out = ldns_verify_zone(path, CHILD)
        assert not ok, f"ldns-verify-zone accepted {path.name}:\n{out}"
        ok, out = bind_dnssec_verify(path, CHILD)
        assert not ok, f"dnssec-verify accepted {path.name}:\n{out}"
    # Knot's signatures last 14 days: in 30 days they have expired
    ok, out = ldns_verify_zone(good, CHILD, at="+2592000")
    assert not ok and "expired" in out, out
    # and an expiry margin longer than what is left is refused
    ok, out = ldns_verify_zone(good, CHILD, expiry_margin="P30D")
    assert not ok, out
    with pytest.raises(AssertionError, match="does not verify"):
        assert_zone_verifies(bad_sig, CHILD)


def test_signatures_corrupted_on_the_way_are_bogus(signed, start_validating_unbound, start_tamper_proxy):
    addr = f"127.0.0.1@{signed.port}"
    p = start_tamper_proxy(signed.address, flip_rrsig_signatures())
    u = start_validating_unbound({PARENT: addr, CHILD: p.address}, signed.ds_lines(PARENT))

    u.assert_bogus("www.example.test.", "A")
    u.assert_bogus("nothing-here.example.test.", "A")
    assert p.tampered > 0
    u.assert_secure(PARENT, "SOA")  # the parent, not behind the proxy, is still secure
    with pytest.raises(AssertionError, match="expected NOERROR") as e:
        u.assert_secure("www.example.test.", "A")
    assert "unbound log (tail)" in str(e.value)

    # Only the A records' signatures corrupted: the keys validate, the A record does not.
    p.mutate = flip_rrsig_signatures(types=["A"])
    u.flush_all()
    u.assert_bogus("www.example.test.", "A")
    u.assert_secure("www.example.test.", "AAAA")

    # Signatures stripped: a signed zone's answers without RRSIGs are bogus too.
    p.mutate = strip_rrsigs(types=["A"])
    u.flush_all()
    u.assert_bogus("www.example.test.", "A")
    u.assert_secure(CHILD, "MX")


def test_a_wrong_ds_in_the_parent_makes_the_child_bogus(signed, start_validating_unbound):
    addr = f"127.0.0.1@{signed.port}"
    u = start_validating_unbound({PARENT: addr, CHILD: addr}, signed.ds_lines(PARENT))
    u.assert_secure("www.example.test.", "A")

    right = signed.ds_lines(CHILD)[0]
    digest = right.split()[-1]
    wrong = right[:-len(digest)] + ("0" if digest[0] != "0" else "1") + digest[1:]
    signed.set_zone(PARENT, parent_zone(3, [wrong]))
    u.flush_all()
    u.assert_bogus("www.example.test.", "A")

    signed.set_zone(PARENT, parent_zone(4, []))  # no DS at all: an insecure child, no AD
    u.flush_all()
    r = u.query("www.example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.flags & dns.flags.AD, r
    with pytest.raises(AssertionError, match="AD clear"):
        u.assert_secure("www.example.test.", "A")


def test_the_tamper_proxy_changes_one_bit_per_signature_over_udp_and_tcp(signed, start_tamper_proxy):
    p = start_tamper_proxy(signed.address, flip_rrsig_signatures())

    def ask(port, tcp):
        q = dns.message.make_query("www.example.test.", "A", want_dnssec=True)
        q.flags &= ~dns.flags.RD
        return (dns.query.tcp if tcp else dns.query.udp)(q, "127.0.0.1", port=port, timeout=2.0)

    for tcp in (False, True):
        direct = answer(ask(signed.port, tcp), "www.example.test.", "RRSIG")[0][0].signature
        relayed = answer(ask(p.port, tcp), "www.example.test.", "RRSIG")[0][0].signature
        diff = int.from_bytes(direct, "big") ^ int.from_bytes(relayed, "big")
        assert len(direct) == len(relayed) and bin(diff).count("1") == 1, (tcp, direct, relayed)
    assert p.tampered == 2 and p.forwarded == 2
    p.mutate = passthrough
    assert ask(p.port, True).answer == ask(signed.port, True).answer
    assert p.tampered == 2 and p.forwarded == 3
