"""dnsd's catalog zone (RFC 9432) and a Knot secondary configured with it alone.

dnsd runs with --catalog catalog.invalid., transfers of it allowed to 127/8
and signed with xfr-key (--catalog-tsig), NOTIFY of it to Knot. Knot's
configuration names no member zone, only the catalog (catalog-role:
interpret): it learns a.test. and b.test. from dnsd's catalog; a zone file
added to dnsd's zones directory (picked up by dnsd's directory watcher, no
reload asked) appears on Knot with its data, and a removed one disappears.

Also: the catalog's own transfer is refused unsigned, and signed it holds
version "2" and one PTR per zone dnsd serves.
"""

from __future__ import annotations

from daemon import TsigKey, write_tsig_keys
from dnsd_harness import free_port, wait_for
from transfer_support import answer_set, write_zone, xfr_zone

CATALOG = "catalog.invalid."
DEADLINE = 10.0


def member(origin: str, address: str, knot_port: int) -> dict:
    return xfr_zone(origin, records={"www": {"A": address}},
                    transfer={"allow": ["127.0.0.0/8"], "notify": [f"127.0.0.1:{knot_port}"], "tsig": "xfr-key"})


def catalog_members(x) -> set[str]:
    """The member zones listed in a catalog transfer (PTR records under zones.)."""
    return {r[3] for r in x.zone() if r[2] == "PTR" and r[0].endswith(".zones." + CATALOG)}


def test_knot_follows_dnsd_catalog_as_zone_files_come_and_go(start_primary, start_secondary, zone_dir, tmp_path):
    key = TsigKey.generate("xfr-key")
    keys = write_tsig_keys(tmp_path / "tsig.keys", [key])
    knot_port = free_port("127.0.0.1")
    zones = zone_dir({"a.test.json": member("a.test.", "192.0.2.1", knot_port),
                      "b.test.json": member("b.test.", "192.0.2.2", knot_port)})
    d = start_primary(zones, tsig_keys=keys, catalog=CATALOG, catalog_allow=["127.0.0.0/8"],
                      catalog_notify=[f"127.0.0.1:{knot_port}"], catalog_tsig="xfr-key")

    assert d.axfr(CATALOG).rcode == "NOTAUTH", "the catalog's transfer needs the key"
    cat = d.axfr(CATALOG, key=key)
    assert (cat.kind, cat.signed) == ("AXFR", True), cat
    assert [r[3] for r in cat.zone() if (r[0], r[2]) == ("version." + CATALOG, "TXT")] == ['"2"']
    assert catalog_members(cat) == {"a.test.", "b.test."}

    knot = start_secondary("knot", d.address, [], tsig=key, catalog=CATALOG, port=knot_port)
    knot.wait_serial(CATALOG, cat.serial, DEADLINE)
    for origin, address in (("a.test.", "192.0.2.1"), ("b.test.", "192.0.2.2")):
        knot.wait_serial(origin, d.serial(origin), DEADLINE)
        assert answer_set(knot.address, "www." + origin) == {address}

    # A zone file added: dnsd serves it, lists it in the catalog, NOTIFYs Knot,
    # which adds the zone and transfers it.
    write_zone(zones, member("c.test.", "192.0.2.3", knot_port))
    wait_for(lambda: d.serial("c.test.") is not None, DEADLINE, "dnsd to load c.test. from its directory")
    knot.wait_serial("c.test.", d.serial("c.test."), DEADLINE)
    assert answer_set(knot.address, "www.c.test.") == {"192.0.2.3"}
    assert catalog_members(d.axfr(CATALOG, key=key)) == {"a.test.", "b.test.", "c.test."}

    # A zone file removed: gone from the catalog, and Knot drops the zone.
    (zones / "b.test.json").unlink()
    wait_for(lambda: knot.query("b.test.", "SOA")[0] == "REFUSED", DEADLINE, "knot to drop b.test.")
    assert knot.zones_served() == {CATALOG, "a.test.", "c.test."}
    assert catalog_members(d.axfr(CATALOG, key=key)) == {"a.test.", "c.test."}
    assert knot.status_serial(CATALOG) == d.axfr(CATALOG, key=key).serial
