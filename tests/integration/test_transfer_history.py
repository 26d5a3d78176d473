"""Versions across restarts, and secondaries that fell behind the IXFR history.

- dnsd restarted with its --state-dir (same port): it serves the serial it
  served before (nothing changed; also with a backend down at the restart,
  which no version after it may carry), the next change gets a higher one and
  reaches Knot and NSD; the serial never went backwards, and serials.json
  holds it.
- Knot and NSD stopped while dnsd makes more versions than its IXFR history
  keeps (100 per zone by default; 3 here, `--ixfr-history 3`): restarted, they
  ask IXFR from a serial dnsd no longer has, get the whole zone in IXFR form (dnsd_transfers_total{type="ixfr-full"};
  Knot logs an AXFR-style IXFR, NSD's tap sees IXFR asked and a whole zone
  served), and converge to what dnsd serves.
"""

from __future__ import annotations

import json
import time

from daemon import serial_gte
from dnsd_harness import wait_for
from health_support import backends  # noqa: F401 (a fixture)
from secondary_setup import LIVE, ORIGIN, assert_same_answers, primary_and_secondaries
from transfer_support import answer_set, write_zone

HISTORY = 3  # versions dnsd keeps per zone for IXFR (--ixfr-history)


def make_versions(d, zones_dir, count: int) -> int:
    """Makes `count` new versions of sec.test. by zone edits (a TXT record that
    counts), each published by a reload; returns the last serial."""
    path = zones_dir / "sec.test.json"
    zone = json.loads(path.read_text())
    serial = d.serial(ORIGIN)
    for i in range(count):
        zone["records"]["counter"] = {"TXT": f"version {i}"}
        write_zone(zones_dir, zone)
        d.reload()
        serial = d.wait_serial_above(ORIGIN, serial)
    return serial


def test_a_restart_with_the_state_dir_goes_on_with_higher_serials(start_primary, start_secondary, zone_dir,
                                                                    tmp_path, backends):
    state = tmp_path / "state"
    d, knot, nsd, _b, _key = primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path,
                                                      backends, state_dir=state)
    d.drain("web", LIVE[0], zone=ORIGIN)  # a runtime drain, kept in the state dir too
    before = d.wait_serial_above(ORIGIN, d.serial(ORIGIN))
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, before)
    stored = json.loads((state / "serials.json").read_text())
    assert str(before) in json.dumps(stored), f"serials.json holds the served serial: {stored}"

    d.restart()
    assert d.port == knot.primary[1], "the same port: the secondaries' primary"
    after = d.serial(ORIGIN)
    assert after == before, f"nothing changed across the restart: serial {before} -> {after}"
    assert answer_set(d.address, "www." + ORIGIN) == set(LIVE[1:]), "the drain survived the restart"

    d.drain("web", LIVE[0], zone=ORIGIN, undrain=True)
    new = d.wait_serial_above(ORIGIN, after)
    assert serial_gte(new, before) and new != before
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, new)
        assert answer_set(sec.address, "www." + ORIGIN) == set(LIVE)
    assert "remote is outdated" not in knot.log_text() and "ignoring old serial" not in nsd.log_text()
    assert_same_answers(d, [knot, nsd])


def test_secondaries_behind_the_history_get_the_whole_zone_and_converge(start_primary, start_secondary,
                                                                         zone_dir, tmp_path, backends):
    # NSD writes its zone file every second here, so that a restart has the old version.
    d, knot, nsd, _b, key = primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path,
                                                     backends, nsd_kw={"zonefiles_write": 1},
                                                     extra_args=["--ixfr-history", str(HISTORY)])
    old = d.serial(ORIGIN)
    wait_for(lambda: nsd.zone_file(ORIGIN).exists() and str(old) in nsd.zone_file(ORIGIN).read_text(),
             10.0, "nsd to write its zone file")
    knot_xfrs, nsd_xfrs = len(knot.zone_transfers()), len(nsd.transfers())
    for sec in (knot, nsd):
        sec.stop()
    newest = make_versions(d, tmp_path / "zones", HISTORY + 2)
    assert d.ixfr(ORIGIN, old, key=key).kind == "AXFR", "dnsd no longer has the increments from the old serial"
    before = d.transfers_total()

    for sec in (knot, nsd):
        sec.start()  # each serves the version it had (Knot's journal, NSD's zone file)
    # A NOTIFY of dnsd (a retry, or the next change's) tells them there is more.
    newest = make_versions(d, tmp_path / "zones", 1)
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, newest)

    knot_new = knot.zone_transfers()[knot_xfrs:]
    assert knot_new and knot_new[0][1] == "AXFR", f"Knot: the whole zone first: {knot_new}"
    assert "receiving AXFR-style IXFR" in knot.log_text(), "Knot asked IXFR and got the whole zone"
    served = [(e.asked, e.served) for e in nsd.tap.events if e.served in ("IXFR", "AXFR")][nsd_xfrs:]
    assert served and served[0] == ("IXFR", "AXFR"), f"NSD asked IXFR and got the whole zone: {served}"
    after = d.transfers_total()
    assert after.get("ixfr-full", 0) - before.get("ixfr-full", 0) >= 2, after
    assert_same_answers(d, [knot, nsd])


def test_a_restart_with_a_dead_backend_keeps_the_serial_and_never_transfers_it(start_primary, start_secondary,
                                                                               zone_dir, tmp_path, backends):
    """A backend that is down when dnsd restarts is in no version dnsd serves or
    transfers after the restart, and nothing changed, so the serial stays: the
    secondaries, which hold that serial, transfer nothing."""
    state = tmp_path / "state"
    d, knot, nsd, b, key = primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path,
                                                   backends, state_dir=state)
    b[2].kill()
    before = d.wait_serial_above(ORIGIN, d.serial(ORIGIN))
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, before)
        assert answer_set(sec.address, "www." + ORIGIN) == set(LIVE[:2])

    d.restart()
    served = answer_set(d.address, "www." + ORIGIN)
    first = d.axfr(ORIGIN, key=key)
    transferred = {r[3] for r in first.zone() if r[0] == "www." + ORIGIN}
    assert served == set(LIVE[:2]), "dnsd answers only after its first probe round"
    if (first.serial, transferred) != (before, served):
        # What that did to the secondaries, for the report: whether they answered with
        # the dead backend, and how they took the new serial (no history survives a restart).
        seen = {}
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            for sec in (knot, nsd):
                if LIVE[2] in answer_set(sec.address, "www." + ORIGIN):
                    seen.setdefault(sec.name, [time.monotonic(), None])[1] = time.monotonic()
            time.sleep(0.01)
        spans = {n: f"{b - a:.2f}s+" for n, (a, b) in seen.items()}
        for sec in (knot, nsd):
            sec.wait_serial(ORIGIN, first.serial)
        raise AssertionError(
            f"after the restart: serial {before} -> {first.serial}, transferred {sorted(transferred)} while"
            f" dnsd answers {sorted(served)}; secondaries answered with the dead backend for: {spans or 'never'}"
            f" (watched 3 s); their last transfers: knot {knot.zone_transfers()[-1:]}, nsd"
            f" {[(e.asked, e.served, e.serial) for e in nsd.tap.events][-1:]}\n--- dnsd log ---\n{d.log()}")
