"""dnsd's transfers through the stock clients: `dig` (BIND 9.18) and `kdig` (Knot 3.2).

- `dig AXFR` / `kdig AXFR` print the zone dnsd serves (the same records as
  the transfer client of xfr_client.py reads).
- `dig IXFR=N` / `kdig IXFR=N` after a drain print the increment: new SOA,
  old SOA, the drained member, new SOA, new SOA.
- IXFR over UDP (`+notcp`): a small increment comes whole in one datagram; one
  that does not fit comes as the current SOA alone (RFC 1995 4: the client then
  asks over TCP).
- `-b 127.0.0.2` for a zone that allows only 127.0.0.1/32: refused, and both
  clients say so.
"""

from __future__ import annotations

from transfer_support import client_xfr, write_zone, xfr_zone

ORIGIN = "clients.test."
WEB = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
# A TXT RRset whose replacement makes an increment larger than a 1232-byte datagram.
BIG = ["a" * 200 + str(i) for i in range(8)]


def zone(big_suffix: str = "") -> dict:
    return xfr_zone(ORIGIN, transfer={"allow": ["127.0.0.1/32"]},
                    pools={"web": {"ttl": 20, "members": WEB}},
                    records={"www": {"A": {"pool": "web"}}, "big": {"TXT": [b + big_suffix for b in BIG]}})


def test_dig_and_kdig_axfr_and_ixfr_over_tcp(start_primary, zone_dir):
    d = start_primary(zone_dir({"clients.test.json": zone()}))
    v1 = d.axfr(ORIGIN)
    for tool in ("dig", "kdig"):
        rc, records, out = client_xfr(tool, d.address, ORIGIN, "AXFR")
        assert rc == 0, out
        assert records[0] == records[-1] == v1.soa, out
        assert set(records[1:-1]) == set(v1.records) and len(records) == len(v1.records) + 2, out

    d.drain("web", WEB[0], zone=ORIGIN)
    s2 = d.wait_serial_above(ORIGIN, v1.serial)
    i = d.ixfr(ORIGIN, v1.serial)
    assert i.changes() == [(v1.serial, s2, {("www." + ORIGIN, 20, "A", WEB[0])}, set())], i
    for tool in ("dig", "kdig"):
        rc, records, out = client_xfr(tool, d.address, ORIGIN, f"IXFR={v1.serial}")
        assert rc == 0, out
        assert records == [i.soa, *i.records, i.soa], out
        assert [r[3].split()[2] for r in records if r[2] == "SOA"] == [str(s) for s in (s2, v1.serial, s2, s2)]


def test_ixfr_over_udp_whole_when_it_fits_else_the_soa_alone(start_primary, zone_dir):
    zones = zone_dir({"clients.test.json": zone()})
    d = start_primary(zones)
    s1 = d.serial(ORIGIN)
    d.drain("web", WEB[1], zone=ORIGIN)
    s2 = d.wait_serial_above(ORIGIN, s1)
    tcp = d.ixfr(ORIGIN, s1)
    udp = d.ixfr(ORIGIN, s1, udp=True)
    assert (udp.kind, udp.serial, udp.records) == ("IXFR", s2, tcp.records), udp
    for tool in ("dig", "kdig"):
        rc, records, out = client_xfr(tool, d.address, ORIGIN, "+notcp", f"IXFR={s1}")
        assert rc == 0 and records == [tcp.soa, *tcp.records, tcp.soa], out
        assert "(UDP)" in out, out

    # Replace the big TXT RRset: about 3.4 KB of deletions and additions.
    write_zone(zones, zone("-v2"))
    d.reload()
    s3 = d.wait_serial_above(ORIGIN, s2)
    tcp = d.ixfr(ORIGIN, s2)
    assert tcp.kind == "IXFR" and tcp.nbytes > 1232, tcp
    udp = d.ixfr(ORIGIN, s2, udp=True)
    assert (udp.kind, udp.serial, len(udp.raw)) == ("SOA", s3, 1), udp
    for tool in ("dig", "kdig"):  # both send EDNS with a 1232-byte buffer
        rc, records, out = client_xfr(tool, d.address, ORIGIN, "+notcp", f"IXFR={s2}")
        assert rc == 0 and records == [udp.soa], out


def test_a_client_outside_allow_is_refused(start_primary, zone_dir):
    d = start_primary(zone_dir({"clients.test.json": zone()}))
    rc, records, out = client_xfr("dig", d.address, ORIGIN, "AXFR", source="127.0.0.2")
    assert not records and "Transfer failed" in out, out
    rc, records, out = client_xfr("kdig", d.address, ORIGIN, "AXFR", source="127.0.0.2")
    assert rc != 0 and not records and "REFUSED" in out, out
    rc, records, out = client_xfr("kdig", d.address, ORIGIN, f"IXFR={d.serial(ORIGIN)}", source="127.0.0.2")
    assert rc != 0 and not records and "REFUSED" in out, out
    rc, records, out = client_xfr("dig", d.address, ORIGIN, "AXFR", source="127.0.0.1")
    assert rc == 0 and records, out
