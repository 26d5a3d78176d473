"""A signed zone's health changes travel by IXFR, and secondaries serve what validates.

dnsd serves a signed child example.test. (its DS in the signed parent test.,
also served by dnsd) with two health-checked pools: web (three members) and
solo (one member, when_all_down serve-none).

- IXFR of a health change holds only what changed: a dead web member's A
  record, the web A RRset's old and new RRSIG, the SOA's old and new RRSIG;
  when solo goes empty, also solo's A record, its RRSIG, and the NSEC at solo
  with its RRSIG (the A bit leaves the bitmap). The old AXFR with the IXFR
  applied is exactly the new AXFR, and that zone passes ldns-verify-zone and
  dnssec-verify.
- Knot DNS and NSD, plain secondaries (Knot does not sign), get the signed
  zone by AXFR and the change by IXFR; unbound, with the parent at dnsd and
  the child's stub at the secondary, validates the pool name (AD) before and
  after the change.
"""

from __future__ import annotations

import dns.flags
import dns.query
import dns.rcode

from dnsd_harness import free_port, make_query, wait_for
from dnssec_support import CHILD, PARENT, addresses, data, keygen, nsec_types, parent_zone, trust_anchors
from health_support import FAST_CHECK, fast_check
from health_support import backends  # noqa: F401 (a fixture)
from transfer_support import answer_set, apply_increments, xfr_zone
from validating_resolver import start_validating_unbound  # noqa: F401 (a fixture)
from zone_verifiers import assert_axfr_verifies

WEB = ["127.0.1.180", "127.0.1.181", "127.0.1.182"]
SOLO = "127.0.1.183"
DETECTION = FAST_CHECK["interval"] + FAST_CHECK["fall"] * FAST_CHECK["fast_interval"] + 10


def child_zone(port: int, notify=()) -> dict:
    z = xfr_zone(CHILD, transfer={"allow": ["127.0.0.0/8"], "notify": list(notify)},
                 pools={"web": {"ttl": 30, "members": WEB, "check": fast_check(port=port)},
                        "solo": {"ttl": 30, "members": [SOLO], "check": fast_check(port=port),
                                 "when_all_down": "serve-none"}},
                 records={"@": {"NS": "ns1", "MX": "10 mail", "TXT": "apex"},
                          "mail": {"A": "192.0.2.25"},
                          "www": {"A": {"pool": "web"}},
                          "solo": {"A": {"pool": "solo"}, "TXT": "solo has text too"},
                          "alias": {"CNAME": "www"}})
    z["dnssec"] = {}
    return z


def start_signed(start_primary, zone_dir, backends, tmp_path, notify=()):  # noqa: F811
    """(dnsd, backends, parent's DS lines): test. and example.test. signed and served, every member up."""
    b = backends(WEB + [SOLO])
    key_dir = tmp_path / "keys"
    child_ds = keygen(key_dir, CHILD)
    parent_ds = keygen(key_dir, PARENT)
    zones = zone_dir({"test.json": parent_zone(child_ds), "example.test.json": child_zone(b[0].port, notify)})
    d = start_primary(zones, state_dir=tmp_path / "state", extra_args=["--key-dir", str(key_dir)])
    wait_for(lambda: addresses(d, "www." + CHILD) == set(WEB) and addresses(d, "solo." + CHILD) == {SOLO},
             DETECTION, "every member to be up")
    return d, b, parent_ds


def kinds(records: set) -> set:
    """(owner, type) of records, an RRSIG as "RRSIG(covered type)"."""
    return {(o, f"RRSIG({rd.split()[0].upper()})" if t == "RRSIG" else t) for o, _ttl, t, rd in records}


def ixfr_since(d, serial: int):
    """The IXFR from `serial` (asserted incremental), the new AXFR and the new serial."""
    new = d.serial(CHILD)
    x = d.ixfr(CHILD, serial)
    assert x.kind == "IXFR", f"IXFR from {serial} answered as {x.kind}"
    assert x.serial == new, (x.serial, new)
    return x, d.axfr(CHILD).zone(), new


def test_ixfr_of_a_health_change_carries_only_what_changed(start_primary, zone_dir, backends, tmp_path):  # noqa: F811
    d, b, _ = start_signed(start_primary, zone_dir, backends, tmp_path)
    before = d.axfr(CHILD).zone()
    serial = d.serial(CHILD)
    assert nsec_types(before, "solo." + CHILD) >= {"A", "TXT", "RRSIG", "NSEC"}

    # A web member dies: its A record, web's RRSIG and the SOA's RRSIG change.
    b[2].kill()
    wait_for(lambda: addresses(d, "www." + CHILD) == set(WEB[:2]), DETECTION, "the dead member to leave")
    x, after, new = ixfr_since(d, serial)
    applied = apply_increments(before, x.increments())
    assert applied == after, (f"IXFR applied to the old AXFR differs from the new AXFR:\n"
                              f"  missing: {sorted(after - applied)}\n  extra: {sorted(applied - after)}")
    deleted = set().union(*(dl for _o, _n, dl, _a in x.changes()))
    added = set().union(*(ad for _o, _n, _d, ad in x.changes()))
    www, apex = "www." + CHILD, CHILD
    assert {r for r in deleted if r[2] == "A"} == {(www, 30, "A", WEB[2])}, sorted(deleted)
    assert not {r for r in added if r[2] == "A"}, sorted(added)
    assert kinds(deleted) == {(www, "A"), (www, "RRSIG(A)"), (apex, "RRSIG(SOA)")}, sorted(deleted)
    assert kinds(added) == {(www, "RRSIG(A)"), (apex, "RRSIG(SOA)")}, sorted(added)
    assert not deleted & added, "a record deleted and added again in one IXFR"
    assert_new_axfr_verifies(d, new, tmp_path / "after.zone")

    # solo's only member dies: served empty, so the NSEC at solo loses its A bit.
    before, serial = after, new
    b[3].kill()
    wait_for(lambda: not addresses(d, "solo." + CHILD), DETECTION, "solo to be served empty")
    x, after, new = ixfr_since(d, serial)
    assert apply_increments(before, x.increments()) == after
    deleted = set().union(*(dl for _o, _n, dl, _a in x.changes()))
    added = set().union(*(ad for _o, _n, _d, ad in x.changes()))
    solo = "solo." + CHILD
    assert kinds(deleted) == {(solo, "A"), (solo, "RRSIG(A)"), (solo, "NSEC"), (solo, "RRSIG(NSEC)"),
                              (apex, "RRSIG(SOA)")}, sorted(deleted)
    assert kinds(added) == {(solo, "NSEC"), (solo, "RRSIG(NSEC)"), (apex, "RRSIG(SOA)")}, sorted(added)
    assert "A" not in nsec_types(after, solo) and "TXT" in nsec_types(after, solo)
    assert_new_axfr_verifies(d, new, tmp_path / "empty.zone")


def assert_new_axfr_verifies(d, serial: int, path):
    """The AXFR of version `serial` (the one the IXFR led to, compared above as a
    record set; here with its base64 in its own case) passes both verifiers."""
    assert_axfr_verifies(d.host, d.port, CHILD, path)
    assert f" SOA ns1.{CHILD} hostmaster.{CHILD} {serial} " in path.read_text(), "the version moved meanwhile"


def signed_view(address, name: str, rdtype: str) -> set:
    """The answer section (with RRSIGs) of a DO=1 query, as a set of record texts."""
    q = make_query(name, rdtype, edns=0, payload=4096, ednsflags=dns.flags.DO)
    r = dns.query.tcp(q, address[0], port=address[1], timeout=2.0)
    return {(rr.name.to_text().lower(), rr.ttl, rd.to_text()) for rr in r.answer for rd in rr}


def test_knot_and_nsd_secondaries_serve_the_signed_zone_and_it_validates(start_primary, start_secondary, zone_dir,
                                                                        backends, start_validating_unbound,  # noqa: F811
                                                                        tmp_path):
    knot_port, nsd_port = free_port("127.0.0.1"), free_port("127.0.0.2")
    d, b, parent_ds = start_signed(start_primary, zone_dir, backends, tmp_path,
                                   notify=[f"127.0.0.1:{knot_port}", f"127.0.0.2:{nsd_port}"])
    knot = start_secondary("knot", d.address, [CHILD], port=knot_port)
    nsd = start_secondary("nsd", d.address, [CHILD], host="127.0.0.2", port=nsd_port)
    serial = d.serial(CHILD)
    for sec in (knot, nsd):
        sec.wait_serial(CHILD, serial)
    assert [k for _z, k, _s in knot.zone_transfers()] == ["AXFR"], knot.zone_transfers()
    resolvers = {sec.name: start_validating_unbound({PARENT: [f"127.0.0.1@{d.port}"],
                                                     CHILD: [f"{sec.host}@{sec.port}"]}, trust_anchors(parent_ds))
                 for sec in (knot, nsd)}
    # Plain secondaries serve dnsd's keys and signatures, not their own.
    for sec in (knot, nsd):
        for name, rdtype in [(CHILD, "DNSKEY"), (CHILD, "SOA"), ("www." + CHILD, "A")]:
            assert signed_view(sec.address, name, rdtype) == signed_view(d.address, name, rdtype), sec.name
    for name, u in resolvers.items():
        r = u.assert_secure("www." + CHILD, "A")
        assert data(r, "A") == set(WEB), (name, r)
        u.assert_secure("nope." + CHILD, "A", dns.rcode.NXDOMAIN)
        u.assert_secure(CHILD, "MX")

    b[1].kill()
    wait_for(lambda: addresses(d, "www." + CHILD) == {WEB[0], WEB[2]}, DETECTION, "the dead member to leave dnsd")
    new = d.serial(CHILD)
    for sec in (knot, nsd):
        sec.wait_serial(CHILD, new)
        assert answer_set(sec.address, "www." + CHILD) == {WEB[0], WEB[2]}, sec.name
    assert [k for _z, k, _s in knot.zone_transfers()][1:] and \
        {k for _z, k, _s in knot.zone_transfers()[1:]} == {"IXFR"}, knot.zone_transfers()
    assert nsd.transfers()[1:] and {k for k, _s in nsd.transfers()[1:]} == {"IXFR"}, nsd.transfers()
    for name, u in resolvers.items():
        u.flush_zone(CHILD)
        r = u.assert_secure("www." + CHILD, "A")
        assert data(r, "A") == {WEB[0], WEB[2]}, (name, r)
        u.assert_secure(CHILD, "SOA")
