"""Knot DNS signing zones on load: a reference signer to prove the DNSSEC fixtures against.

`KnotSigner` serves zone files and signs them itself (`dnssec-signing: on`)
with one policy: a single combined signing key (CSK) of the given algorithm
and NSEC. It is what dnsd's own signing is compared with: the validating
resolver, the zone verifiers and the tamper proxy are first shown to accept
Knot's signed zones and to reject them when tampered with
(test_dnssec_fixtures.py). It also serves as a signed parent zone holding the
DS of a child that another server signs (`set_zone` after the child's DS is
known). Fixture (import it into a test module): `start_knot_signer(zones)`.
"""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.rrset
import pytest

from daemon import abs_name
from dnsd_harness import START_TIMEOUT, wait_for
from knot_primary import KnotDaemon
from validating_resolver import ds_lines, fetch_dnskeys

# Knot's names for the DNSSEC algorithms dnsd signs with.
KNOT_ALGORITHMS = {"ecdsap256sha256": "ecdsap256sha256", "ed25519": "ed25519",
                   "13": "ecdsap256sha256", "15": "ed25519"}


class KnotSigner(KnotDaemon):
    """knotd signing every zone it serves: CSK (single-type-signing), NSEC, `algorithm`.

    zones: {origin: zone file text}. Transfers (AXFR) are allowed from 127.0.0.0/8.
    `set_zone(origin, text)` rewrites a zone file and waits until Knot serves
    the re-signed zone. Keys live in the work directory's KASP database, so a
    restart keeps them.
    """

    name = "knot-signer"

    def __init__(self, zones: dict, workdir, *, algorithm: str = "ecdsap256sha256",
                 dnskey_ttl: int = 60, host: str = "127.0.0.1"):
        super().__init__(workdir, host)
        self.algorithm = KNOT_ALGORITHMS[str(algorithm).lower()]
        self.dnskey_ttl = dnskey_ttl
        self.zones = {abs_name(z): text for z, text in zones.items()}
        for origin, text in self.zones.items():
            self.zone_file(origin).write_text(text)

    def zone_file(self, origin: str):
        return self.workdir / f"{abs_name(origin).rstrip('.') or 'root'}.zone"

    def config_text(self) -> str:
        zones = "".join(f"  - domain: {z}\n    file: \"{self.zone_file(z)}\"\n" for z in self.zones)
        return self.server_section() + f"""
acl:
  - id: transfer
    address: 127.0.0.0/8
    action: transfer

policy:
  - id: csk
    algorithm: {self.algorithm}
    single-type-signing: on
    nsec3: off
    dnskey-ttl: {self.dnskey_ttl}
    ksk-lifetime: 0
    zsk-lifetime: 0

template:
  - id: default
    storage: "{self.workdir}"
    acl: transfer
    dnssec-signing: on
    dnssec-policy: csk
    zonefile-sync: -1
    # A changed zone file is applied as a difference to the signed zone (Knot's advice
    # for signed zones it transfers: a whole reload would make malformed IXFRs).
    zonefile-load: difference-no-serial
    journal-content: all

zone:
{zones}"""

    def write_config(self):
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        return conf

    def start(self):
        super().start()
        for origin in self.zones:
            wait_for(lambda: self.signed_serial(origin) is not None, START_TIMEOUT,
                     f"knot to load and sign {origin}")
        return self

    def signed_serial(self, zone: str) -> int | None:
        """The SOA serial Knot answers for `zone` once it answers with an RRSIG (signed), else None."""
        q = dns.message.make_query(abs_name(zone), "SOA", want_dnssec=True)
        q.flags &= ~dns.flags.RD
        try:
            r = dns.query.udp(q, self.host, port=self.port, timeout=0.5)
        except Exception:  # not up yet
            return None
        soa = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.SOA]
        sig = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.RRSIG]
        return soa[0][0].serial if soa and sig and (r.flags & dns.flags.AA) else None

    def dnskeys(self, zone: str) -> dns.rrset.RRset:
        """The DNSKEY RRset Knot serves at `zone`'s apex."""
        return fetch_dnskeys(self.host, self.port, zone)

    def ds_lines(self, zone: str) -> list[str]:
        """DS lines ("ZONE DS ...", SHA-256) of `zone`'s signing key: for a parent zone or a trust anchor."""
        return ds_lines(zone, self.dnskeys(zone))

    def set_zone(self, origin: str, text: str):
        """Rewrites a zone file (its serial must grow) and waits until the re-signed zone is served."""
        origin = abs_name(origin)
        before = self.signed_serial(origin)
        self.zones[origin] = text
        self.zone_file(origin).write_text(text)
        self.knotc("-b", "zone-reload", origin)
        wait_for(lambda: (s := self.signed_serial(origin)) is not None and s != before, START_TIMEOUT,
                 f"knot to re-sign {origin}")


@pytest.fixture
def start_knot_signer(tmp_path):
    """start_knot_signer({origin: zone text}, algorithm=...) -> a running KnotSigner; all stopped at the end."""
    started = []

    def start(zones: dict, **kw):
        k = KnotSigner(zones, tmp_path / f"knot-signer-{len(started)}", **kw)
        started.append(k)
        return k.start()

    yield start
    for k in started:
        k.stop()
