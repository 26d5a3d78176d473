"""Signed answers through a real validating resolver.

dnsd serves a signed parent zone (test.) and a signed child (example.test.)
whose DS sits in the parent; unbound holds a trust anchor for test. only, so
every answer from example.test. validates through the chain the parent's DS
starts. The keys are made beforehand with `dnsd keygen`, the way an operator
gets a DS for the parent before the first start.

Proof asked for: AD on static A, MX and TXT, NXDOMAIN, NODATA (also at an
empty non-terminal), wildcard answers and wildcard NODATA, a CNAME into a
pool, a max_answers pool, DNSKEY and DS; AD kept for a pool name across a
backend's death and return; SERVFAIL when a signature is tampered with; and
the zone's AXFR accepted by ldns-verify-zone and BIND's dnssec-verify before
and after a health change.
"""

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from dnsd_harness import wait_for
from dnssec_support import addresses, answer_types, data, keygen, parent_zone
from health_support import backends  # noqa: F401 (a fixture)
from health_support import FAST_CHECK, fast_check
from tamper_proxy import flip_rrsig_signatures, start_tamper_proxy  # noqa: F401 (a fixture)
from validating_resolver import start_validating_unbound  # noqa: F401 (a fixture)
from zone_verifiers import assert_axfr_verifies

CHILD = "example.test."
PARENT = "test."
WEB = ["127.0.1.70", "127.0.1.71", "127.0.1.72"]
BIG = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]


def child_zone(web_port: int, algorithm: str = "ecdsap256sha256") -> dict:
    return {
        "origin": CHILD, "ttl": 60,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 30},
        "dnssec": {"algorithm": algorithm},
        "transfer": {"allow": ["127.0.0.0/8"]},
        "pools": {
            "web": {"ttl": 1, "members": WEB, "check": fast_check(port=web_port)},
            "big": {"ttl": 1, "max_answers": 2, "members": BIG, "check": {"type": "none"}},
        },
        "records": {
            "@": {"NS": ["ns1"], "MX": ["10 mail"], "TXT": ["v=spf1 -all"]},
            "ns1": {"A": ["127.0.0.1"]},
            "mail": {"A": ["192.0.2.25"], "AAAA": ["2001:db8::25"]},
            "www": {"A": {"pool": "web"}},
            "api": {"A": {"pool": "big"}},
            "alias": {"CNAME": "www"},
            "*.wild": {"A": ["192.0.2.99"], "TXT": ["wild"]},
            "a.b.ent": {"A": ["192.0.2.7"]},
            "secure": {"NS": ["ns.secure"],
                       "DS": ["12345 13 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD"]},
            "ns.secure": {"A": ["127.0.0.1"]},
            "insecure": {"NS": ["ns.insecure"]},
            "ns.insecure": {"A": ["127.0.0.1"]},
        },
    }


@pytest.fixture
def signed(start_dnsd, zone_dir, backends, start_validating_unbound, tmp_path):  # noqa: F811
    """start(algorithm=...) -> (dnsd, unbound, web backends): the two zones signed and served, unbound validating."""

    def start(algorithm="ecdsap256sha256"):
        web = backends(WEB)
        key_dir = tmp_path / "keys"
        child_ds = keygen(key_dir, CHILD, algorithm)
        parent_ds = keygen(key_dir, PARENT)
        zones = zone_dir({"test.json": parent_zone(child_ds), "example.test.json": child_zone(web[0].port, algorithm)})
        d = start_dnsd(zones=zones, threads=1, extra_args=["--key-dir", str(key_dir)])
        wait_for(lambda: len(addresses(d, "www.example.test.")) == len(WEB), 10, "every web member to be up")
        u = start_validating_unbound({PARENT: [f"127.0.0.1@{d.port}"], CHILD: [f"127.0.0.1@{d.port}"]},
                                     [line.replace(" 3600 IN DS ", " DS ") for line in parent_ds])
        return d, u, web

    return start


@pytest.mark.parametrize("algorithm", ["ecdsap256sha256", "ed25519"])
def test_a_validating_resolver_accepts_every_kind_of_answer(signed, algorithm):
    d, u, _ = signed(algorithm)
    for name, rdtype in [("www.example.test.", "A"), ("example.test.", "MX"), ("example.test.", "TXT"),
                         ("mail.example.test.", "AAAA"), ("example.test.", "DNSKEY"), ("example.test.", "SOA"),
                         ("example.test.", "NS")]:
        r = u.assert_secure(name, rdtype)
        assert r.answer, r.to_text()
    # NXDOMAIN, NODATA, and NODATA at an empty non-terminal.
    u.assert_secure("nope.example.test.", "A", dns.rcode.NXDOMAIN)
    assert not u.assert_secure("www.example.test.", "TXT").answer
    assert not u.assert_secure("b.ent.example.test.", "A").answer
    # Wildcard: an answer synthesized for a name that does not exist, and wildcard NODATA.
    r = u.assert_secure("anything.wild.example.test.", "A")
    assert data(r, "A") == {"192.0.2.99"}
    assert not u.assert_secure("anything.wild.example.test.", "MX").answer
    # A CNAME into a pool.
    r = u.assert_secure("alias.example.test.", "A")
    assert ("alias.example.test.", "CNAME") in answer_types(r)
    assert data(r, "A") == set(WEB)
    # A max_answers pool: every rotation start is a window signed on its own.
    seen = set()
    for _ in range(2 * len(BIG)):
        u.flush_zone("api.example.test.")
        r = u.assert_secure("api.example.test.", "A")
        got = frozenset(data(r, "A"))
        assert len(got) == 2 and got <= set(BIG), r.to_text()
        seen.add(got)
    assert len(seen) > 1, f"the answers never rotated: {seen}"
    # Delegations: the DS of a secure child, and the proof that an insecure one has none.
    assert u.assert_secure("secure.example.test.", "DS").answer
    assert not u.assert_secure("insecure.example.test.", "DS").answer
    # The parent's side of the chain: example.test.'s DS itself.
    assert u.assert_secure("example.test.", "DS").answer


def test_a_pool_name_stays_secure_when_a_backend_dies_and_returns(signed):
    d, u, web = signed()

    def served() -> set:
        u.flush_zone("www.example.test.")
        r = u.assert_secure("www.example.test.", "A")
        return data(r, "A")

    assert served() == set(WEB)
    web[2].kill()
    detection = FAST_CHECK["interval"] + FAST_CHECK["fall"] * FAST_CHECK["fast_interval"]
    wait_for(lambda: served() == set(WEB[:2]), detection + 10, "the validated answer to lose the dead backend")
    web[2].start()
    wait_for(lambda: served() == set(WEB), detection + 10, "the validated answer to regain it")
    assert "dnssec" not in d.log().lower() or "error" not in d.log().lower(), d.log()


def test_a_tampered_signature_is_bogus_at_the_resolver(start_dnsd, zone_dir, backends, start_validating_unbound,  # noqa: F811
                                                       start_tamper_proxy, tmp_path):
    web = backends(WEB)
    key_dir = tmp_path / "keys"
    child_ds = keygen(key_dir, CHILD)
    parent_ds = keygen(key_dir, PARENT)
    zones = zone_dir({"test.json": parent_zone(child_ds), "example.test.json": child_zone(web[0].port)})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--key-dir", str(key_dir)])
    proxy = start_tamper_proxy((d.host, d.port), flip_rrsig_signatures(types={dns.rdatatype.A}))
    u = start_validating_unbound({PARENT: [f"127.0.0.1@{d.port}"], CHILD: [proxy.address]},
                                 [line.replace(" 3600 IN DS ", " DS ") for line in parent_ds])
    u.assert_bogus("mail.example.test.", "A")
    u.assert_secure("example.test.", "MX")  # only A signatures are broken: the rest still validates
    assert proxy.tampered > 0


def test_the_signed_zone_transfers_and_verifies_before_and_after_a_health_change(signed, tmp_path):
    d, _, web = signed()
    n = assert_axfr_verifies(d.host, d.port, CHILD, tmp_path / "before.zone")
    assert n > 0
    before = (tmp_path / "before.zone").read_text()
    assert " RRSIG " in before and " NSEC " in before and " DNSKEY " in before
    web[0].kill()
    wait_for(lambda: addresses(d, "www.example.test.") == set(WEB[1:]), 10, "the dead backend to leave the answers")
    assert_axfr_verifies(d.host, d.port, CHILD, tmp_path / "after.zone")
    after = (tmp_path / "after.zone").read_text()
    assert WEB[0] not in after and WEB[1] in after
