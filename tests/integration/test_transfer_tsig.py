"""TSIG (RFC 8945) on dnsd's transfers, queries and NOTIFYs.

A zone with `"tsig": "xfr-key"` in its transfer object:
- an unsigned AXFR/IXFR gets NOTAUTH; one signed with a key dnsd does not
  know gets NOTAUTH with TSIG error BADKEY; with the right name but a wrong
  secret, NOTAUTH with BADSIG; signed with another key dnsd knows, NOTAUTH;
- signed with xfr-key it works, and every message of the answer verifies.
Any signed query (not only transfers), in any zone: an unknown key gets
NOTAUTH/BADKEY; a known key gets the answer, signed with that key.
NOTIFY: sent to the zone's `notify` targets on every new version, signed with
the zone's key, and retried with growing gaps until answered.
"""

from __future__ import annotations

import dns.message
import dns.rcode
import pytest

from daemon import TsigKey, write_tsig_keys
from transfer_support import xfr_zone
from xfr_client import NotifySink, signed_query, tsig_error, xfr

ORIGIN = "tsig.test."
WEB = ["192.0.2.1", "192.0.2.2"]


def tsig_primary(start_primary, zone_dir, tmp_path, notify=(), keys=None):
    """dnsd with tsig.test. (key xfr-key, pool web) and open.test. (no key); --tsig-keys
    holds xfr-key and other-key. Returns (dnsd, xfr-key, other-key)."""
    key, other = keys or (TsigKey.generate("xfr-key"), TsigKey.generate("other-key"))
    keyfile = write_tsig_keys(tmp_path / "tsig.keys", [key, other])
    zones = zone_dir({
        "tsig.test.json": xfr_zone(ORIGIN, pools={"web": {"members": WEB}}, records={"www": {"A": {"pool": "web"}}},
                                   transfer={"allow": ["127.0.0.0/8"], "notify": list(notify), "tsig": "xfr-key"}),
        "open.test.json": xfr_zone("open.test.", records={"www": {"A": "192.0.2.9"}},
                                   transfer={"allow": ["127.0.0.0/8"]}),
    })
    return start_primary(zones, tsig_keys=keyfile), key, other


def test_a_zone_with_a_key_transfers_only_to_requests_signed_with_it(start_primary, zone_dir, tmp_path):
    d, key, other = tsig_primary(start_primary, zone_dir, tmp_path)
    serial = d.serial(ORIGIN)
    stranger = TsigKey.generate("stranger-key")
    bad_secret = TsigKey("xfr-key", key.algorithm, TsigKey.generate().secret)

    for rdtype in ("AXFR", "IXFR"):
        def ask(k):
            return xfr(*d.address, ORIGIN, rdtype, serial=serial - 1, key=k)
        assert ask(None).rcode == "NOTAUTH", f"unsigned {rdtype}"
        r = ask(stranger)
        assert (r.rcode, tsig_error(r.raw[0])) == ("NOTAUTH", "BADKEY"), f"{rdtype} with an unknown key"
        r = ask(bad_secret)
        assert (r.rcode, tsig_error(r.raw[0])) == ("NOTAUTH", "BADSIG"), f"{rdtype} with a wrong secret"
        assert ask(other).rcode == "NOTAUTH", f"{rdtype} signed with a key that is not the zone's"

    a = d.axfr(ORIGIN, key=key)
    assert (a.rcode, a.kind, a.signed) == ("NOERROR", "AXFR", True), a
    assert {r[3] for r in a.zone() if r[0] == "www." + ORIGIN} == set(WEB)
    d.drain("web", WEB[0], zone=ORIGIN)
    s2 = d.wait_serial_above(ORIGIN, serial)
    i = d.ixfr(ORIGIN, serial, key=key)
    assert (i.kind, i.serial, i.signed) == ("IXFR", s2, True), i
    # A zone without a key still transfers unsigned; signed with a known key, the answer is signed.
    assert d.axfr("open.test.").kind == "AXFR"
    signed = d.axfr("open.test.", key=other)
    assert (signed.kind, signed.signed) == ("AXFR", True)


def test_any_signed_query_is_answered_signed_or_refused_with_badkey(start_primary, zone_dir, tmp_path):
    d, key, other = tsig_primary(start_primary, zone_dir, tmp_path)
    stranger = TsigKey.generate("stranger-key")
    for tcp in (False, True):
        for name in ("www." + ORIGIN, "www.open.test."):
            raw, _q = signed_query(*d.address, name, "A", stranger, tcp=tcp)
            assert (raw[3] & 0xF, tsig_error(raw)) == (dns.rcode.NOTAUTH, "BADKEY"), (name, tcp)
            for k in (key, other):
                raw, q = signed_query(*d.address, name, "A", k, tcp=tcp)
                r = dns.message.from_wire(raw, keyring=q.keyring, request_mac=q.mac)  # raises unless it verifies
                assert r.had_tsig and r.rcode() == dns.rcode.NOERROR, (name, k.name, tcp)
                assert {rd.to_text() for rrset in r.answer for rd in rrset} <= set(WEB) | {"192.0.2.9"}
                assert r.answer, (name, k.name, tcp)


def test_notify_is_signed_with_the_zone_key_and_retried_until_answered(start_primary, zone_dir, tmp_path):
    key = TsigKey.generate("xfr-key")
    # Each serial's first two NOTIFYs go unanswered, the third is answered.
    sink = NotifySink(key=key, silent=2)
    try:
        d, key, _other = tsig_primary(start_primary, zone_dir, tmp_path, notify=[sink.target],
                               keys=(key, TsigKey.generate("other-key")))
        s1 = d.serial(ORIGIN)
        d.drain("web", WEB[1], zone=ORIGIN)
        s2 = d.wait_serial_above(ORIGIN, s1)
        got = [n for n in sink.wait(3, timeout=20.0, serial_at_least=s2) if n.serial == s2]
        assert len(got) == 3, got
        for n in got:
            assert (n.zone, n.tsig) == (ORIGIN, "verified"), n
        gaps = [b.at - a.at for a, b in zip(got, got[1:])]
        print(f"NOTIFY retries after {', '.join(f'{g:.2f}s' for g in gaps)}")
        assert gaps[1] > gaps[0], f"retries come at growing intervals: {gaps}"
        assert [n.answered for n in got] == [False, False, True]
        # Once answered, no more of that serial: watch for longer than the next
        # retry would have taken (the gaps double).
        window = min(2.2 * gaps[-1], 6.0)
        with pytest.raises(TimeoutError):
            sink.wait(4, timeout=window, serial_at_least=s2)
        assert [n for n in sink.received() if n.serial == s2] == got
    finally:
        sink.close()
