"""What the DNSSEC integration tests share (test_dnssec_*.py).

- `keygen(key_dir, zone)`: a zone's first key, made with `dnsd keygen` the way
  an operator does before the first start; returns its DS lines.
- `trust_anchors(ds_lines)`: those lines as unbound trust anchors.
- `parent_zone(child_ds)`: the signed parent test. holding the child's DS.
- `addresses`, `data`, `answer_types`: what an answer holds.
- `unsigned_rrsets(msg)`: every RRset of a response that lacks an RRSIG
  covering it at its owner (the checks on signed answers and truncation).
- `axfr_records`: a whole zone as a set of (owner, ttl, type, rdata), and
  `nsec_types(records, owner)`: the type bitmap of the NSEC at an owner.
"""

from __future__ import annotations

import subprocess

import dns.flags
import dns.message
import dns.rdatatype

from dnsd_harness import dnsd_bin
from xfr_client import xfr

CHILD = "example.test."
PARENT = "test."


def keygen(key_dir, zone: str, algorithm: str = "ecdsap256sha256") -> list[str]:
    """Makes `zone`'s first key in key_dir; returns its DS lines."""
    out = subprocess.run([dnsd_bin(), "keygen", "--key-dir", str(key_dir), "--algorithm", algorithm, zone],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if " DS " in line]


def trust_anchors(ds_lines: list[str]) -> list[str]:
    """`dnsd keygen`'s DS lines as unbound trust-anchor lines ("ZONE DS ...")."""
    return [line.replace(" 3600 IN DS ", " DS ") for line in ds_lines]


def parent_zone(child_ds: list[str], child: str = CHILD) -> dict:
    """The signed parent test.: its own NS, and the child's delegation with the child's DS."""
    label = child[:-len(PARENT) - 1]
    return {
        "origin": PARENT, "ttl": 60,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 30},
        "dnssec": {},
        "records": {
            "@": {"NS": ["ns1"]},
            "ns1": {"A": ["127.0.0.1"]},
            label: {"NS": [f"ns1.{label}"], "DS": [" ".join(line.split()[4:]) for line in child_ds]},
            f"ns1.{label}": {"A": ["127.0.0.1"]},
        },
    }


def addresses(d, name, rdtype="A") -> set:
    """The addresses of `name` dnsd answers with DO=1."""
    r = d.query(name, rdtype, edns=0, ednsflags=dns.flags.DO)
    return {rd.to_text() for rr in r.answer if rr.rdtype == dns.rdatatype.from_text(rdtype) for rd in rr}


def data(r: dns.message.Message, rdtype: str) -> set:
    return {rd.to_text() for rr in r.answer if rr.rdtype == dns.rdatatype.from_text(rdtype) for rd in rr}


def answer_types(r: dns.message.Message) -> set:
    return {(rr.name.to_text(), dns.rdatatype.to_text(rr.rdtype)) for rr in r.answer}


def unsigned_rrsets(msg: dns.message.Message, sections=("answer", "authority", "additional"),
                    unsigned_ok=()) -> list[str]:
    """"SECTION OWNER TYPE" of each RRset without an RRSIG RRset covering it at its owner
    in the same section, and of each RRSIG RRset that covers nothing there. `unsigned_ok`:
    (owner, type) pairs that are rightly unsigned (glue, a referral's NS)."""
    problems = []
    for section in sections:
        rrsets = getattr(msg, section)
        signed = {(r.name, r.covers) for r in rrsets if r.rdtype == dns.rdatatype.RRSIG}
        plain = {(r.name, r.rdtype) for r in rrsets if r.rdtype != dns.rdatatype.RRSIG}
        for name, rdtype in sorted(plain):
            if rdtype == dns.rdatatype.OPT or (name.to_text(), dns.rdatatype.to_text(rdtype)) in unsigned_ok:
                continue
            if (name, rdtype) not in signed:
                problems.append(f"{section} {name} {dns.rdatatype.to_text(rdtype)} has no RRSIG")
        for name, covers in sorted(signed - plain):
            problems.append(f"{section} {name} RRSIG covers {dns.rdatatype.to_text(covers)}, absent")
    return problems


def axfr_records(host: str, port: int, zone: str) -> set:
    """The whole zone (SOA included) as a set of (owner, ttl, type, rdata lowercased)."""
    x = xfr(host, port, zone, "AXFR")
    assert x.kind == "AXFR", x
    return x.zone()


def nsec_types(records: set, owner: str) -> set[str] | None:
    """The types in the bitmap of the NSEC at `owner` in a set from axfr_records(), or None."""
    for o, _ttl, rdtype, rdata in records:
        if o == owner and rdtype == "NSEC":
            return {t.upper() for t in rdata.split()[1:]}
    return None
