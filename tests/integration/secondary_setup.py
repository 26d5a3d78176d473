"""The set-up the end-to-end transfer tests share (test_transfer_secondaries.py,
test_transfer_history.py): dnsd serving sec.test. with a health-checked pool
and every kind of name, a Knot and an NSD secondary of it (NSD on 127.0.0.2),
the zone's TSIG key on transfers and NOTIFY, and the questions on which the
secondaries must answer as dnsd does.
"""

from __future__ import annotations

from daemon import TsigKey, write_tsig_keys
from dnsd_harness import free_port
from health_support import fast_check
from transfer_support import answer_set, ask, view, xfr_zone

ORIGIN = "sec.test."
LIVE = ["127.0.1.140", "127.0.1.141", "127.0.1.142"]
QUESTIONS = [
    (ORIGIN, "SOA"), (ORIGIN, "NS"), (ORIGIN, "MX"), (ORIGIN, "TXT"),
    ("ns1." + ORIGIN, "A"), ("static." + ORIGIN, "A"), ("static." + ORIGIN, "AAAA"),
    ("www." + ORIGIN, "A"), ("www." + ORIGIN, "AAAA"), ("alias." + ORIGIN, "A"),
    ("txtonly." + ORIGIN, "A"), ("txtonly." + ORIGIN, "TXT"),
    ("nothing." + ORIGIN, "A"), ("deep.nothing." + ORIGIN, "TXT"),
    ("host.wild." + ORIGIN, "A"), ("sub." + ORIGIN, "NS"), ("host.sub." + ORIGIN, "A"),
    ("a.b." + ORIGIN, "A"), ("b." + ORIGIN, "A"),
]


def sec_zone(live, port: int, notify) -> dict:
    return xfr_zone(ORIGIN, transfer={"allow": ["127.0.0.0/8"], "notify": list(notify), "tsig": "xfr-key"},
                    pools={"web": {"ttl": 5, "members": live, "check": fast_check(port=port)}},
                    records={
                        "@": {"NS": "ns1", "MX": "10 mail.example.", "TXT": "apex"},
                        "static": {"A": {"ttl": 120, "data": ["192.0.2.100", "192.0.2.101"]}},
                        "www": {"A": {"pool": "web"}},
                        "alias": {"CNAME": "www"},
                        "txtonly": {"TXT": "only text"},
                        "*.wild": {"A": "192.0.2.99"},
                        "sub": {"NS": ["ns.sub", "ns2.example."]},
                        "ns.sub": {"A": "192.0.2.53"},
                        "a.b": {"A": "192.0.2.77"},
                    })


def primary_and_secondaries(start_primary, start_secondary, zone_dir, tmp_path, backends, live=LIVE,
                            nsd_kw=None, **primary_kw):
    """dnsd serving sec.test. from `live` backends (and `primary_kw`, e.g. state_dir),
    and a Knot and an NSD secondary (with `nsd_kw`) that hold its current version.
    Returns (dnsd, knot, nsd, backends, key)."""
    key = TsigKey.generate("xfr-key")
    keys = write_tsig_keys(tmp_path / "tsig.keys", [key])
    b = backends(live)
    knot_port, nsd_port = free_port("127.0.0.1"), free_port("127.0.0.2")
    zones = zone_dir({"sec.test.json": sec_zone(live, b[0].port,
                                                [f"127.0.0.1:{knot_port}", f"127.0.0.2:{nsd_port}"])})
    d = start_primary(zones, tsig_keys=keys, **primary_kw)
    assert answer_set(d.address, "www." + ORIGIN) == set(live)
    knot = start_secondary("knot", d.address, [ORIGIN], tsig=key, port=knot_port)
    nsd = start_secondary("nsd", d.address, [ORIGIN], tsig=key, host="127.0.0.2", port=nsd_port, **(nsd_kw or {}))
    serial = d.serial(ORIGIN)
    for sec in (knot, nsd):
        sec.wait_serial(ORIGIN, serial)
    return d, knot, nsd, b, key


def assert_same_answers(d, secondaries):
    for name, rdtype in QUESTIONS:
        want = view(ask(d.address, name, rdtype))
        for sec in secondaries:
            got = view(ask(sec.address, name, rdtype))
            assert got == want, f"{sec.name} differs from dnsd for {name} {rdtype}:\n" \
                                f"  dnsd: {want}\n  {sec.name}: {got}"
