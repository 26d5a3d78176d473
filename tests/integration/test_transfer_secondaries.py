"""dnsd as the primary of stock secondaries: Knot DNS 3.2 and NSD 4.6, end to end.

Both secondaries are configured as docs/deployment.md says (secondaries.py),
with the zone's TSIG key on transfers and on NOTIFY, and a SOA refresh of an
hour, so only dnsd's NOTIFY can move them within a test. NSD listens on
127.0.0.2 and asks through an XfrTap (which shows IXFR from AXFR).

- Each secondary answers as dnsd does: static names, pool names (as sets),
  a CNAME to a pool, NXDOMAIN, NODATA, a wildcard, and a delegation with glue;
  also after a drain.
- A backend killed: each secondary stops handing it out within
  CONVERGENCE_BOUND of the kill (detection + coalescing + NOTIFY + IXFR +
  apply), and hands it out again within the bound after it comes back. Both
  changes travel by IXFR (Knot's log, NSD's tap, dnsd_transfers_total), and
  both, which require the key on NOTIFY, log the NOTIFYs they accepted.
"""

from __future__ import annotations

import re
import time

from health_support import backends  # noqa: F401 (a fixture)
from secondary_setup import LIVE, ORIGIN, assert_same_answers, primary_and_secondaries
from transfer_support import answer_set, ask, view, wait_each

# Kill to "secondaries answer without it": detection with fast_check (about
# 0.5 + 0.1 s, see test_health_failover.py) + 0.15 s coalescing + NOTIFY, IXFR
# and the secondary's apply (milliseconds); the rest is slack for a loaded CI.
CONVERGENCE_BOUND = 5.0



def test_secondaries_answer_as_dnsd_does(start_primary, start_secondary, zone_dir, tmp_path, backends):
    d, knot, nsd, _b, _key = primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path,
                                                      backends)
    assert view(ask(d.address, "nothing." + ORIGIN, "A"))["rcode"] == "NXDOMAIN"
    assert view(ask(d.address, "txtonly." + ORIGIN, "A"))["answer"] == frozenset()
    assert not view(ask(d.address, "host.sub." + ORIGIN, "A"))["aa"], "a referral"
    assert_same_answers(d, [knot, nsd])

    # After a drain, a new version; both follow, and still agree with dnsd.
    serial = d.serial(ORIGIN)
    d.drain("web", LIVE[2], zone=ORIGIN)
    new = d.wait_serial_above(ORIGIN, serial)
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, new)
    assert answer_set(knot.address, "www." + ORIGIN) == set(LIVE[:2])
    assert_same_answers(d, [knot, nsd])


def test_a_dead_backend_leaves_every_secondary_within_the_bound(start_primary, start_secondary, zone_dir,
                                                                  tmp_path, backends):
    d, knot, nsd, b, _key = primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path,
                                                     backends)
    before = d.transfers_total()
    knot_xfrs, nsd_xfrs = len(knot.zone_transfers()), len(nsd.transfers())
    servers = {"dnsd": d.address, "knot": knot.address, "nsd": nsd.address}

    b[1].kill()
    t0 = time.monotonic()
    took = wait_each({n: (lambda a=a: LIVE[1] not in answer_set(a, "www." + ORIGIN)) for n, a in servers.items()},
                     timeout=CONVERGENCE_BOUND + 5, since=t0)
    print("backend killed, gone from answers after " + ", ".join(f"{n} {s:.3f}s" for n, s in took.items()))
    for name in ("knot", "nsd"):
        assert took[name] <= CONVERGENCE_BOUND, f"{name} took {took[name]:.2f}s\n{knot.log_text()}"
        assert answer_set(servers[name], "www." + ORIGIN) == {LIVE[0], LIVE[2]}

    b[1].start()
    t0 = time.monotonic()
    took = wait_each({n: (lambda a=a: LIVE[1] in answer_set(a, "www." + ORIGIN)) for n, a in servers.items()},
                     timeout=CONVERGENCE_BOUND + 5, since=t0)
    print("backend back, in answers after " + ", ".join(f"{n} {s:.3f}s" for n, s in took.items()))
    for name in ("knot", "nsd"):
        assert took[name] <= CONVERGENCE_BOUND, f"{name} took {took[name]:.2f}s"
    serial = d.serial(ORIGIN)
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, serial)

    # Every transfer since the first was an IXFR, seen from both sides.
    knot_new = knot.zone_transfers()[knot_xfrs:]
    assert knot_new and {kind for _z, kind, _s in knot_new} == {"IXFR"}, knot_new
    nsd_new = nsd.transfers()[nsd_xfrs:]
    assert nsd_new and {kind for kind, _s in nsd_new} == {"IXFR"}, nsd_new
    after = d.transfers_total()
    assert after.get("ixfr", 0) - before.get("ixfr", 0) >= len(knot_new) + len(nsd_new), after
    assert after.get("axfr", 0) == before.get("axfr", 0) and after.get("ixfr-full", 0) == before.get("ixfr-full", 0)
    # Knot and NSD take NOTIFY only signed with the key (an unsigned one gets
    # NOTAUTH from Knot, REFUSED and "no acl matches" from NSD): each logged
    # accepting dnsd's NOTIFY of the last version.
    assert re.search(rf"\[sec\.test\.\] notify, incoming, remote 127\.0\.0\.1@\d+, serial {serial}\b",
                     knot.log_text()), knot.log_text()
    assert re.search(rf"notify for sec\.test\. from 127\.0\.0\.1 serial {serial}\b", nsd.log_text()), nsd.log_text()
    assert "refused" not in nsd.log_text()
