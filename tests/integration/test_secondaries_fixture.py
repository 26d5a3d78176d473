"""The secondary fixtures (secondaries.py), proven against a Knot DNS primary.

dnsd's transfer plane (NOTIFY, AXFR/IXFR, TSIG, catalog) is tested end to end
against the stock secondaries that docs/deployment.md configures. These tests
show that those secondaries, configured exactly as the guide says, work with a
primary that is known to be right (Knot DNS 3.2), so that a failure in the
end-to-end tests points at dnsd:

- NSD 4.6 and Knot 3.2 both take the zone by AXFR, then follow a change by
  NOTIFY and IXFR, with a TSIG key; the SOA refresh (1 h) cannot be what moved
  them. Both answer with the new data and rotate their answers, and restarted
  while the primary is down, both serve the last version.
- A wrong TSIG key gets no zone, and each side says why.
- Knot interprets a catalog zone: members are added and removed with it.
- The configurations pass the daemons' own checkers, and the ones quoted in
  docs/deployment.md are the ones generated here.
- The transfer client and NOTIFY sink of xfr_client.py read a Knot primary
  right: AXFR, IXFR increments, the SOA alone, TSIG verified and its errors.
"""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

from dnsd_harness import wait_for
from secondaries import KnotSecondary, NsdSecondary, TsigKey, serial_gte
from transfer_support import apply_increments, client_xfr
from xfr_client import NotifySink, signed_query, tsig_error, xfr

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
ZONE = "xfr.test."
CATALOG = "catalog.invalid."
# Propagation takes well under a second here; the rest is slack for loaded CI.
DEADLINE = 8.0


def zone_text(origin: str, serial: int, www: list[str]) -> str:
    """A small zone; refresh 1 h, so only NOTIFY can move a secondary within a test."""
    return (f"$ORIGIN {origin}\n$TTL 60\n"
            f"@ SOA ns1 hostmaster {serial} 3600 600 86400 60\n"
            "@ NS ns1\nns1 A 127.0.0.1\n" + "".join(f"www A {a}\n" for a in www))


def catalog_text(serial: int, members: list[str]) -> str:
    """A catalog zone, RFC 9432 version 2: one PTR per member under zones."""
    return (f"$ORIGIN {CATALOG}\n$TTL 0\n"
            f"@ SOA invalid. invalid. {serial} 3600 600 86400 0\n"
            "@ NS invalid.\nversion TXT \"2\"\n"
            + "".join(f"{m.rstrip('.').replace('.', '-')}.zones PTR {m}\n" for m in members))


def first_records(sec, name: str, n: int = 12) -> set[str]:
    """The first A record of `n` answers: more than one means the server rotates."""
    firsts = set()
    for _ in range(n):
        r = sec.ask(name, "A")
        firsts.add(r.answer[0][0].to_text())
    return firsts


def test_nsd_and_knot_follow_a_primary_by_notify_and_ixfr(start_knot_primary, start_secondary):
    key = TsigKey.generate("xfr-key")
    v1 = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]
    primary = start_knot_primary({ZONE: zone_text(ZONE, 2024010101, v1)}, tsig=key)
    knot = start_secondary("knot", primary.address, [ZONE], tsig=key)
    nsd = start_secondary("nsd", primary.address, [ZONE], tsig=key, host="127.0.0.2", zonefiles_write=1)
    primary.notify_to([knot, nsd])

    for sec in (knot, nsd):
        sec.wait_serial(ZONE, 2024010101, DEADLINE)
        assert sec.query("www." + ZONE, "A") == ("NOERROR", set(v1))
        assert len(first_records(sec, "www." + ZONE)) > 1, f"{sec.name} does not rotate"

    v2 = ["192.0.2.1", "192.0.2.3", "192.0.2.4"]  # 192.0.2.2 went down
    primary.set_zone(ZONE, zone_text(ZONE, 2024010102, v2))
    for sec in (knot, nsd):
        took = sec.wait_serial(ZONE, 2024010102, DEADLINE)
        assert took < DEADLINE  # far below the SOA refresh (3600 s): NOTIFY did it
        assert sec.query("www." + ZONE, "A") == ("NOERROR", set(v2))
        assert sec.transfers() == [("AXFR", 2024010101), ("IXFR", 2024010102)], sec.log_text()

    # Knot logs the transfer kind itself; NSD's kinds come from the tap, which
    # also saw NSD ask for IXFR (not fall back to AXFR) once it had the zone.
    assert knot.zone_transfers() == [(ZONE, "AXFR", 2024010101), (ZONE, "IXFR", 2024010102)]
    assert [e.asked for e in nsd.tap.events] == ["AXFR", "IXFR"]
    assert [z for z, _kind, _serial in nsd.zone_transfers()] == [ZONE, ZONE]
    assert re.search(r"notify for xfr\.test\. from 127\.0\.0\.1 serial 2024010102", nsd.log_text())

    # Restarted while the primary is down, both serve the last version at once:
    # Knot from its journal, NSD from the zone file it writes (zonefiles-write).
    wait_for(lambda: nsd.zone_file(ZONE).exists() and "2024010102" in nsd.zone_file(ZONE).read_text(),
             DEADLINE, "nsd to write its zone file")
    primary.stop()
    for sec in (knot, nsd):
        sec.stop()
        sec.start()
        sec.wait_serial(ZONE, 2024010102, DEADLINE)
        assert sec.query("www." + ZONE, "A") == ("NOERROR", set(v2))


def test_a_wrong_tsig_key_gets_no_zone(start_knot_primary, start_secondary):
    key = TsigKey.generate("xfr-key")
    wrong = TsigKey("xfr-key", "hmac-sha256", TsigKey.generate().secret)
    primary = start_knot_primary({ZONE: zone_text(ZONE, 7, ["192.0.2.1"])}, tsig=key)
    knot = start_secondary("knot", primary.address, [ZONE], tsig=wrong)
    nsd = start_secondary("nsd", primary.address, [ZONE], tsig=wrong)

    wait_for(lambda: re.search(r"\[xfr\.test\.\] refresh, failed", knot.log_text()), DEADLINE,
             "knot to give up on the transfer")
    wait_for(lambda: "bad tsig signature" in nsd.log_text(), DEADLINE, "nsd to reject the transfer")
    assert [(e.asked, e.served) for e in nsd.tap.events][:1] == [("AXFR", "NOTAUTH")]
    for sec in (knot, nsd):
        assert sec.serial(ZONE) is None
        assert sec.transfers() == []


def test_knot_follows_a_catalog_zone(start_knot_primary, start_secondary):
    key = TsigKey.generate("xfr-key")
    zones = {f"{n}.test.": zone_text(f"{n}.test.", s, [f"192.0.2.{s}"]) for n, s in (("a", 1), ("b", 2), ("c", 3))}
    primary = start_knot_primary({**zones, CATALOG: catalog_text(1, ["a.test.", "b.test."])}, tsig=key)
    knot = start_secondary("knot", primary.address, [], tsig=key, catalog=CATALOG)
    primary.notify_to([knot])

    knot.wait_serial(CATALOG, 1, DEADLINE)
    knot.wait_serial("a.test.", 1, DEADLINE)
    knot.wait_serial("b.test.", 2, DEADLINE)
    assert knot.query("www.b.test.", "A") == ("NOERROR", {"192.0.2.2"})
    assert knot.query(CATALOG, "SOA")[0] == "REFUSED"  # Knot serves no catalog to queries

    primary.set_zone(CATALOG, catalog_text(2, ["a.test.", "b.test.", "c.test."]))  # a zone added
    knot.wait_serial("c.test.", 3, DEADLINE)
    primary.set_zone(CATALOG, catalog_text(3, ["a.test.", "c.test."]))  # a zone removed
    wait_for(lambda: knot.query("b.test.", "SOA")[0] == "REFUSED", DEADLINE, "knot to drop b.test.")
    assert knot.zones_served() == {CATALOG, "a.test.", "c.test."}
    assert (CATALOG, "IXFR", 3) in knot.zone_transfers()


def test_the_transfer_client_reads_a_knot_primary(start_knot_primary):
    key = TsigKey.generate("xfr-key")
    other = TsigKey.generate("other-key")
    primary = start_knot_primary({ZONE: zone_text(ZONE, 1, ["192.0.2.1", "192.0.2.2"])}, tsig=key)
    sink = NotifySink(key=key)
    try:
        a = xfr(*primary.address, ZONE, key=key)
        assert (a.rcode, a.kind, a.serial, a.signed) == ("NOERROR", "AXFR", 1, True)
        assert ("www.xfr.test.", 60, "A", "192.0.2.2") in a.zone() and len(a.zone()) == 5  # SOA once
        assert xfr(*primary.address, ZONE).rcode == "NOTAUTH"
        refused = xfr(*primary.address, ZONE, key=other)
        assert (refused.rcode, tsig_error(refused.raw[0])) == ("NOTAUTH", "BADKEY")
        raw, _q = signed_query(*primary.address, "www." + ZONE, "A", other)
        assert (raw[3] & 0xF, tsig_error(raw)) == (9, "BADKEY")

        primary.notify_to([("127.0.0.1", sink.port)])
        primary.set_zone(ZONE, zone_text(ZONE, 2, ["192.0.2.1", "192.0.2.3"]))
        i = xfr(*primary.address, ZONE, "IXFR", serial=1, key=key)
        assert (i.kind, i.serial, i.signed) == ("IXFR", 2, True)
        assert i.changes() == [(1, 2, {("www.xfr.test.", 60, "A", "192.0.2.2")},
                                   {("www.xfr.test.", 60, "A", "192.0.2.3")})]
        assert apply_increments(a.zone(), i.increments()) == xfr(*primary.address, ZONE, key=key).zone()
        for tool in ("dig", "kdig"):
            rc, records, out = client_xfr(tool, primary.address, ZONE, "IXFR=1", key=key)
            assert rc == 0 and records == [i.soa, *i.records, i.soa], out
        assert xfr(*primary.address, ZONE, "IXFR", serial=2, key=key).kind == "SOA"
        assert xfr(*primary.address, ZONE, "IXFR", serial=1, key=key, udp=True).kind == "SOA"  # Knot: TCP only
        notify = sink.wait(1, DEADLINE, serial_at_least=2)[0]
        assert (notify.zone, notify.tsig, notify.answered) == (ZONE, "verified", True)
    finally:
        sink.close()


def test_generated_configs_pass_the_daemons_checks(tmp_path):
    key = TsigKey.generate("xfr-key")
    knot = KnotSecondary(("127.0.0.1", 5300), [ZONE], tmp_path / "knot", tsig=key, catalog=CATALOG)
    nsd = NsdSecondary(("127.0.0.1", 5300), [ZONE], tmp_path / "nsd", tsig=key, xfr_tap=False)
    knot.port = nsd.port = 5399
    check(["knotc", "-c", str(knot.write_config()), "conf-check"])
    check(["nsd-checkconf", str(nsd.write_config())])
    text = nsd.config_text()
    for line in ("xfrd-reload-timeout: 0", "rrl-ratelimit: 0", "round-robin: yes",
                 "request-xfr: 127.0.0.1@5300 xfr-key", "allow-notify: 127.0.0.1 xfr-key"):
        assert line in text
    text = knot.config_text()
    for line in ("answer-rotation: on", "zonefile-sync: -1", "journal-content: all",
                 "block-notify-after-transfer: on", "catalog-role: interpret"):
        assert line in text


def check(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}"


def guide_blocks(first_line_prefix: str) -> list[str]:
    """Fenced code blocks of docs/deployment.md whose first line starts with the prefix."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", GUIDE.read_text(), re.S | re.M)
    return [b for b in blocks if b.startswith(first_line_prefix)]


@pytest.mark.parametrize("daemon", ["nsd", "knot"])
def test_the_guide_quotes_configs_that_pass_the_checks(tmp_path, daemon):
    """Every `# nsd.conf` / `# knot.conf` block of the guide is a valid configuration."""
    blocks = guide_blocks(f"# {daemon}.conf")
    assert blocks, f"docs/deployment.md has no '# {daemon}.conf' block"
    for i, text in enumerate(blocks):
        conf = tmp_path / f"{daemon}-{i}.conf"
        conf.write_text(text)
        check(["nsd-checkconf", str(conf)] if daemon == "nsd" else ["knotc", "-c", str(conf), "conf-check"])


# The example key of docs/deployment.md.
GUIDE_KEY = TsigKey("xfr-key", "hmac-sha256", "45Z1FdPNeqi9888IudtnwwRRmFsLgGnzAr5QW6Xom3c=")


def test_the_guide_quotes_the_fixture_configs(tmp_path):
    """The guide's 'as the tests generate it' blocks are what the fixtures write today."""
    nsd = NsdSecondary(("127.0.0.1", 5300), ["example.test."], tmp_path / "nsd", tsig=GUIDE_KEY, xfr_tap=False)
    knot = KnotSecondary(("127.0.0.1", 5300), ["example.test."], tmp_path / "knot", tsig=GUIDE_KEY,
                         catalog="catalog.invalid.")
    nsd.port, knot.port = 5301, 5302
    for daemon, sec in (("nsd", nsd), ("knot", knot)):
        quoted = guide_blocks(f"# {daemon}.conf as the tests generate it")
        assert len(quoted) == 1, f"docs/deployment.md: one '# {daemon}.conf as the tests generate it' block"
        generated = sec.config_text().replace(str(tmp_path), "/tmp/secondaries")
        assert quoted[0].split("\n", 1)[1] == generated, \
            f"docs/deployment.md quotes an old {daemon} fixture config; the fixture now writes:\n{generated}"


def test_the_guide_has_the_settings_that_bound_propagation():
    guide = GUIDE.read_text()
    for setting in ("xfrd-reload-timeout: 0", "rrl-ratelimit: 0", "round-robin: yes", "zonefile-sync: -1",
                    "answer-rotation: on", "block-notify-after-transfer: on", "catalog-role: interpret"):
        assert setting in guide, setting


def test_serial_arithmetic_wraps():
    assert serial_gte(5, 5) and serial_gte(6, 5) and not serial_gte(5, 6)
    assert serial_gte(0, 2**32 - 1) and serial_gte(10, 2**32 - 10)  # past the wrap is newer
    assert not serial_gte(2**31 + 5, 5)  # exactly half the space away is undefined: not newer
