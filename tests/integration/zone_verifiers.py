"""Two independent verifiers of a whole signed zone, fed by an AXFR of the server under test.

- `axfr_to_file(server, port, zone, path)` writes the records of an AXFR
  (dnspython, over TCP) as a presentation zone file, in the order and with the
  TTLs the server sent (the closing SOA left out).
- `ldns_verify_zone(path, zone)`: ldns-verify-zone (ldnsutils). Checks every
  RRSIG against the apex DNSKEYs, that each signature is valid now (inception
  passed, expiration not reached; `expiry_margin` / `valid_for` ask for more)
  and that every name has its NSEC and the chain is closed. Unless given a
  trust anchor, it is anchored at the file's own apex DNSKEYs with the SEP
  bit, so the DNSKEY RRset must be signed by its KSK or CSK (and a default
  /usr/share/dns/root.key is never used).
- `bind_dnssec_verify(path, zone)`: dnssec-verify (bind9-utils). With `-z`,
  which a zone signed with one combined key (CSK) needs: the KSK flag is not
  taken to mean "signs the DNSKEY RRset only", yet for each algorithm a
  non-revoked self-signed DNSKEY must exist and every RRset be signed by a key
  of that algorithm. Without `-x`: the DNSKEY RRset must be signed by every
  active key. It also checks the NSEC chain is complete.
- `assert_zone_verifies(...)` runs both and fails with their outputs.

Each returns (ok, output); none changes the file.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import dns.name
import dns.query
import dns.rdatatype

from dnsd_harness import QUERY_TIMEOUT

VERIFY_TIMEOUT = 120.0  # large zones: both tools check every signature


def _abs(zone: str) -> str:
    return zone if zone.endswith(".") else zone + "."


def axfr_to_file(server: str, port: int, zone: str, path) -> int:
    """AXFR of `zone` from server@port into `path` (absolute names, one record per line); returns the records."""
    path = pathlib.Path(path)
    origin = dns.name.from_text(_abs(zone))
    lines, soas = [], 0
    for message in dns.query.xfr(server, origin, port=port, timeout=QUERY_TIMEOUT, lifetime=VERIFY_TIMEOUT,
                                 relativize=False):
        for rrset in message.answer:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.name == origin:
                soas += 1
                if soas > 1:  # the SOA that closes the transfer
                    continue
            lines.append(rrset.to_text(origin=None, relativize=False))
    if soas < 2:
        raise AssertionError(f"AXFR of {zone} from {server}@{port} did not end with its SOA ({soas} SOA seen)")
    text = "\n".join(lines) + "\n"
    path.write_text(f"$ORIGIN {_abs(zone)}\n" + text)
    return text.count("\n")


def _run(cmd: list[str]) -> tuple[bool, str]:
    if not shutil.which(cmd[0]):
        return False, f"{cmd[0]} not found: .ci/deps.sh installs it"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=VERIFY_TIMEOUT, stdin=subprocess.DEVNULL)
    return r.returncode == 0, f"$ {' '.join(cmd)}  (exit {r.returncode})\n{r.stdout}{r.stderr}"


def ldns_verify_zone(path, zone: str, *, expiry_margin: str | None = None, valid_for: str | None = None,
                     at: str | None = None, trust_anchor_file=None) -> tuple[bool, str]:
    """ldns-verify-zone on a zone file. Periods are ISO 8601 durations ("P1D", "PT1H"):
    expiry_margin (-e): no signature may expire within it; valid_for (-i): every signature has
    been valid at least that long; at (-t): validate as at YYYYMMDDhhmmss or [+|-]seconds from now;
    trust_anchor_file (-k): a DS or DNSKEY the apex DNSKEY set must match (default: the
    file's own apex DNSKEYs with the SEP bit, written next to it as PATH.anchor)."""
    cmd = ["ldns-verify-zone", "-V", "2"]
    if expiry_margin:
        cmd += ["-e", expiry_margin]
    if valid_for:
        cmd += ["-i", valid_for]
    if at:
        cmd += ["-t", at]
    apex = _abs(zone).lower()
    first, sep_keys = None, []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or line.startswith(("$", ";")):
                continue
            first = first or line
            head = [x.upper() for x in fields[1:4]]
            if fields[0].lower() == apex and "DNSKEY" in head:
                flags = int(fields[1 + head.index("DNSKEY") + 1])
                if flags & 0x0001:
                    sep_keys.append(line)
    if first is None or first.split()[0].lower() != apex:
        return False, f"{path}: the first record is not at the apex {apex}: {first}"
    if trust_anchor_file is None:
        if not sep_keys:
            return False, f"{path}: no DNSKEY with the SEP bit at the apex {apex}"
        trust_anchor_file = pathlib.Path(str(path) + ".anchor")
        trust_anchor_file.write_text("".join(sep_keys))
    cmd += ["-k", str(trust_anchor_file)]
    return _run(cmd + [str(path)])


def bind_dnssec_verify(path, zone: str) -> tuple[bool, str]:
    """dnssec-verify -z -o ZONE FILE: complete signatures per algorithm, DNSKEY RRset signed by
    every active key, a self-signed key, a closed NSEC chain (the -z: one key may sign everything)."""
    return _run(["dnssec-verify", "-z", "-o", _abs(zone), str(path)])


def assert_zone_verifies(path, zone: str, **ldns_options):
    """Both verifiers accept the zone file; otherwise fails with both outputs."""
    ldns_ok, ldns_out = ldns_verify_zone(path, zone, **ldns_options)
    bind_ok, bind_out = bind_dnssec_verify(path, zone)
    assert ldns_ok and bind_ok, (f"{zone} in {path} does not verify "
                                 f"(ldns-verify-zone {'ok' if ldns_ok else 'FAILED'}, "
                                 f"dnssec-verify {'ok' if bind_ok else 'FAILED'}):\n{ldns_out}\n{bind_out}")


def assert_axfr_verifies(server: str, port: int, zone: str, path, **ldns_options) -> int:
    """AXFR of `zone` into `path`, then assert_zone_verifies; returns the records transferred."""
    count = axfr_to_file(server, port, zone, path)
    assert_zone_verifies(path, zone, **ldns_options)
    return count
