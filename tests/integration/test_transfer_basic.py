"""dnsd as a primary, asked directly: who may transfer, what a transfer holds,
and how versions and IXFR follow changes.

- The first version is made from the first probe round, as dnsd's first answers.
- A zone without `transfer` refuses AXFR and IXFR; a source outside
  `transfer.allow` (127.0.0.2, for a zone that allows 127.0.0.1/32) is refused.
- AXFR holds the zone as dnsd serves it now: every static RRset, and each pool
  RRset with the members selection would serve (healthy primaries; a backup
  when every primary is down; not a drained member; every primary under
  serve-all with all down; nothing under serve-none with all down), before
  the max_answers cut. dnsd's own answers agree with it, name by name.
- The zone JSON serial is a floor; every change of served content (a drain,
  a zone edit) makes a new version with a higher serial, and IXFR from the
  old serial carries exactly the change (applied to the old zone, it gives the
  new one); from the current serial, the SOA alone.
- dnsd_transfers_total counts each kind.
"""

from __future__ import annotations

import time

from daemon import serial_gte
from dnsd_harness import wait_for
from health_support import backends  # noqa: F401 (a fixture)
from health_support import common_port
from transfer_support import ZONE_SERIAL, answer_set, apply_increments, ask, write_zone, xfr_zone

ALLOW_ALL = {"allow": ["127.0.0.0/8"]}

# Members of pools checked by TCP on a port where nothing listens (down at the
# first probe, before dnsd answers), except the backup, which gets a listener.
DOWN = ["127.0.1.130", "127.0.1.131"]
BACKUP = "127.0.1.132"
WEB = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"]


def content_zone(port: int) -> dict:
    tcp = {"type": "tcp", "port": port, "interval": 1, "fast_interval": 0.25, "timeout": 0.25, "fall": 2}
    return xfr_zone("content.test.", transfer=ALLOW_ALL, pools={
        "web": {"ttl": 20, "max_answers": 2, "members": WEB + ["2001:db8::1"]},
        "drained": {"ttl": 30, "members": ["192.0.2.10", "192.0.2.11", {"address": "192.0.2.12", "state": "drain"}]},
        "backup": {"ttl": 15, "check": tcp, "members": DOWN + [{"address": BACKUP, "backup": True}]},
        "all": {"ttl": 16, "check": tcp, "members": DOWN},
        "none": {"ttl": 17, "check": tcp, "members": DOWN, "when_all_down": "serve-none"},
    }, records={
        "@": {"NS": "ns1", "MX": "10 mail", "TXT": "v=spf1 -all"},
        "mail": {"A": "192.0.2.25"},
        "static": {"A": {"ttl": 40, "data": ["192.0.2.100", "192.0.2.101"]}},
        "alias": {"CNAME": "www"},
        "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web", "ttl": 10}},
        "drained": {"A": {"pool": "drained"}},
        "backup": {"A": {"pool": "backup"}},
        "all": {"A": {"pool": "all"}},
        "none": {"A": {"pool": "none"}},
        "none-txt": {"A": {"pool": "none"}, "TXT": "kept"},
        "sub": {"NS": "ns.sub"},
        "ns.sub": {"A": "192.0.2.53"},
        "*.wild": {"A": "192.0.2.99"},
    })


def expected_records(origin: str) -> set:
    """Every record but the SOA that content_zone's AXFR must hold."""
    def r(owner, ttl, rdtype, data):
        return ((owner + "." if owner else "") + origin, ttl, rdtype, data)
    return {
        r("", 300, "NS", "ns1." + origin), r("", 300, "MX", "10 mail." + origin), r("", 300, "TXT", '"v=spf1 -all"'),
        r("ns1", 300, "A", "127.0.0.1"), r("mail", 300, "A", "192.0.2.25"),
        r("static", 40, "A", "192.0.2.100"), r("static", 40, "A", "192.0.2.101"),
        r("alias", 300, "CNAME", "www." + origin),
        *{r("www", 20, "A", a) for a in WEB}, r("www", 10, "AAAA", "2001:db8::1"),
        r("drained", 30, "A", "192.0.2.10"), r("drained", 30, "A", "192.0.2.11"),
        r("backup", 15, "A", BACKUP),
        r("all", 16, "A", DOWN[0]), r("all", 16, "A", DOWN[1]),
        r("none-txt", 300, "TXT", '"kept"'),
        r("sub", 300, "NS", "ns.sub." + origin), r("ns.sub", 300, "A", "192.0.2.53"),
        r("*.wild", 300, "A", "192.0.2.99"),
    }


def settle(d, origin: str, quiet: float = 0.5, timeout: float = 10.0) -> int:
    """Polls until the served serial has not changed for `quiet` seconds; returns it."""
    last, since = d.serial(origin), time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"{origin}: the serial kept changing for {timeout}s"
        time.sleep(0.02)
        now = d.serial(origin)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_the_first_version_is_made_from_the_first_probe_round(start_primary, zone_dir, backends):
    """dnsd answers only after its first probe round; the version it serves from then
    on (its SOA serial, what AXFR carries) is made from those results too: the first
    answers and the first transfer agree, and no second version follows on its own."""
    port = common_port(DOWN + [BACKUP])
    backends.tcp(BACKUP, port)
    d = start_primary(zone_dir({"content.test.json": content_zone(port)}))
    origin = "content.test."
    first = d.axfr(origin)
    served = answer_set(d.address, "backup." + origin)
    transferred = {r[3] for r in first.zone() if r[0] == "backup." + origin}
    assert served == {BACKUP}
    assert transferred == served, \
        f"the first version carries {sorted(transferred)} where dnsd answers {sorted(served)}" \
        f" (serial {first.serial})\n--- dnsd log ---\n{d.log()}"
    assert settle(d, origin) == first.serial, f"a second version followed\n--- dnsd log ---\n{d.log()}"


def test_without_transfer_or_outside_allow_a_transfer_is_refused(start_primary, zone_dir):
    zones = zone_dir({"closed.test.json": xfr_zone("closed.test."),
                      "acl.test.json": xfr_zone("acl.test.", transfer={"allow": ["127.0.0.1/32"]})})
    d = start_primary(zones)
    assert d.axfr("closed.test.").rcode == "REFUSED"
    assert d.ixfr("closed.test.", ZONE_SERIAL - 1).rcode == "REFUSED"
    assert d.axfr("acl.test.", source="127.0.0.2").rcode == "REFUSED"
    assert d.ixfr("acl.test.", ZONE_SERIAL - 1, source="127.0.0.2").rcode == "REFUSED"
    ok = d.axfr("acl.test.", source="127.0.0.1")
    assert (ok.rcode, ok.kind) == ("NOERROR", "AXFR")
    # A query for the zone's data is answered from anywhere: the ACL is for transfers.
    assert ask(d.address, "acl.test.", "SOA").rcode() == 0


def test_axfr_holds_what_selection_serves_before_the_max_answers_cut(start_primary, zone_dir, backends):
    port = common_port(DOWN + [BACKUP])
    backends.tcp(BACKUP, port)
    zones = zone_dir({"content.test.json": content_zone(port)})
    d = start_primary(zones)
    origin = "content.test."
    # The version made at start-up is test_the_first_version_is_made_from_the_first_probe_round's
    # subject; here, a version made by a zone edit once every member has a verdict.
    edited = content_zone(port)
    edited["records"]["rev"] = {"TXT": "2"}
    write_zone(zones, edited)
    d.reload()
    wait_for(lambda: ("rev." + origin, 300, "TXT", '"2"') in d.axfr(origin).zone(), 10.0, "the edited version")

    a = d.axfr(origin)
    assert (a.rcode, a.kind) == ("NOERROR", "AXFR"), a
    assert serial_gte(a.serial, ZONE_SERIAL), "the zone file's serial is a floor"
    assert a.serial == d.serial(origin), "AXFR's SOA is the served SOA"
    got = {r for r in a.zone() if r[2] != "SOA"}
    want = expected_records(origin) | {("rev." + origin, 300, "TXT", '"2"')}
    assert got == want, f"missing {want - got}, extra {got - want}"

    # dnsd's own answers, name by name: static RRsets as transferred; pools the
    # same members (cut to max_answers); serve-none with all down: NODATA here,
    # while the transferred zone has no record at that name.
    for owner, _ttl, rdtype, _data in want:
        if owner.startswith("*") or owner.endswith("sub." + origin) or rdtype in ("CNAME",):
            continue
        served = answer_set(d.address, owner, rdtype)
        transferred = {r[3] for r in want if r[0] == owner and r[2] == rdtype}
        if owner == "www." + origin and rdtype == "A":
            assert len(served) == 2 and served <= {a.lower() for a in transferred}
        else:
            assert {s.lower() for s in served} == transferred, (owner, rdtype)
    r = ask(d.address, "none." + origin, "A")
    assert r.rcode() == 0 and not r.answer, "dnsd: NODATA for serve-none with all down"
    assert not [x for x in a.zone() if x[0] == "none." + origin], "no record at none. in the transfer"


def test_each_change_is_a_new_version_and_ixfr_carries_exactly_it(start_primary, zone_dir):
    origin = "content.test."
    zone = xfr_zone(origin, transfer=ALLOW_ALL, pools={"web": {"ttl": 20, "members": WEB[:3]}},
                    records={"www": {"A": {"pool": "web"}}, "static": {"A": "192.0.2.100"}})
    zones = zone_dir({"content.test.json": zone})
    d = start_primary(zones)
    before = d.transfers_total()
    v1 = d.axfr(origin)

    # A drain changes what www serves: a new version, and IXFR from v1 has only that.
    d.drain("web", WEB[0], zone=origin)
    s2 = d.wait_serial_above(origin, v1.serial)
    i = d.ixfr(origin, v1.serial)
    assert (i.rcode, i.kind, i.serial) == ("NOERROR", "IXFR", s2), i
    v2 = d.axfr(origin)
    assert v2.serial == s2
    assert apply_increments(v1.zone(), i.increments()) == v2.zone()
    changed = {(r[0], r[2]) for _o, _n, dl, ad in i.changes() for r in dl | ad}
    assert changed == {("www." + origin, "A")}, f"only the www A RRset changed: {i.changes()}"

    # A zone edit is a new version too; IXFR from v1 reaches it across both changes.
    zone["records"]["static"] = {"A": "192.0.2.200"}
    write_zone(zones, zone)
    d.reload()
    s3 = d.wait_serial_above(origin, s2)
    v3 = d.axfr(origin)
    for since in (v1, v2):
        i = d.ixfr(origin, since.serial)
        assert (i.kind, i.serial) == ("IXFR", s3), i
        assert apply_increments(since.zone(), i.increments()) == v3.zone()
    assert ("static." + origin, 300, "A", "192.0.2.200") in v3.zone()

    # Up to date: the SOA alone. A reload that changes nothing keeps the serial.
    up = d.ixfr(origin, s3)
    assert (up.kind, up.serial) == ("SOA", s3)
    d.reload()
    assert d.serial(origin) == s3
    # A serial newer than ours: the SOA alone too (nothing to send).
    assert d.ixfr(origin, (s3 + 10) % 2**32).kind == "SOA"

    after = d.transfers_total()
    assert after.get("axfr", 0) - before.get("axfr", 0) == 3, after
    assert after.get("ixfr", 0) - before.get("ixfr", 0) == 3, after

    # The zone file's serial is a floor: raised past ours, the next version has it.
    zone["soa"]["serial"] = 2030000000
    zone["records"]["static"] = {"A": "192.0.2.201"}
    write_zone(zones, zone)
    d.reload()
    assert d.wait_serial_above(origin, s3) == 2030000000
    d.drain("web", WEB[1], zone=origin)
    assert d.wait_serial_above(origin, 2030000000) == 2030000001


def test_drain_then_undrain_is_two_versions_back_to_the_first_content(start_primary, zone_dir):
    """After a drain and an undrain, the transferred zone holds what it held first,
    under a higher serial: a new version, not the old one again."""
    origin = "content.test."
    zone = xfr_zone(origin, transfer=ALLOW_ALL, pools={"web": {"members": WEB[:2]}},
                    records={"www": {"A": {"pool": "web"}}})
    d = start_primary(zone_dir({"content.test.json": zone}))
    v1 = d.axfr(origin)
    d.drain("web", WEB[1], zone=origin)
    s2 = d.wait_serial_above(origin, v1.serial)
    d.drain("web", WEB[1], zone=origin, undrain=True)
    s3 = d.wait_serial_above(origin, s2)
    v3 = d.axfr(origin)
    assert {r for r in v3.zone() if r[2] != "SOA"} == {r for r in v1.zone() if r[2] != "SOA"}
    assert serial_gte(s3, s2) and s3 != v1.serial
    assert answer_set(d.address, "www." + origin) == set(WEB[:2])


def test_ixfr_reaches_back_as_many_versions_as_the_history_keeps(start_primary, zone_dir):
    """--ixfr-history 3: a requester 3 versions behind gets the increments, one 4
    behind the whole zone (in IXFR form, counted as ixfr-full)."""
    origin = "content.test."
    zone = xfr_zone(origin, transfer=ALLOW_ALL, records={"counter": {"TXT": "0"}})
    zones = zone_dir({"content.test.json": zone})
    d = start_primary(zones, extra_args=["--ixfr-history", "3"])
    serials = [d.serial(origin)]
    for i in range(1, 5):
        zone["records"]["counter"] = {"TXT": str(i)}
        write_zone(zones, zone)
        d.reload()
        serials.append(d.wait_serial_above(origin, serials[-1]))
    newest = d.axfr(origin)
    before = d.transfers_total()
    i = d.ixfr(origin, serials[1])
    assert (i.kind, [(o, n) for o, n, _d, _a in i.changes()]) == \
        ("IXFR", list(zip(serials[1:-1], serials[2:]))), i
    full = d.ixfr(origin, serials[0])
    assert (full.kind, full.serial) == ("AXFR", serials[-1]), full
    assert full.zone() == newest.zone()
    after = d.transfers_total()
    assert (after.get("ixfr", 0) - before.get("ixfr", 0), after.get("ixfr-full", 0) - before.get("ixfr-full", 0)) \
        == (1, 1), after


def test_changes_within_the_coalescing_window_make_one_version(start_primary, zone_dir):
    """Two drains 150 ms apart at most (back to back through the control API) are one
    version: the serial goes up by one, and one increment removes both members."""
    origin = "content.test."
    zone = xfr_zone(origin, transfer=ALLOW_ALL, pools={"web": {"members": WEB[:4]}},
                    records={"www": {"A": {"pool": "web"}}})
    d = start_primary(zone_dir({"content.test.json": zone}))
    s1 = d.serial(origin)
    t0 = time.monotonic()
    d.drain("web", WEB[0], zone=origin)
    d.drain("web", WEB[1], zone=origin)
    between = time.monotonic() - t0
    s2 = d.wait_serial_above(origin, s1)
    assert settle(d, origin, quiet=0.4) == s2
    i = d.ixfr(origin, s1)
    assert [(o, n) for o, n, _d, _a in i.changes()] == [(s1, s2)], \
        f"one version for two drains {between * 1000:.0f} ms apart: {i.changes()}"
    assert i.changes()[0][2] == {("www." + origin, 20, "A", a) for a in WEB[:2]}
    assert s2 == (s1 + 1) % 2**32
