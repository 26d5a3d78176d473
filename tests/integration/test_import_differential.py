"""`dnsd import`, proven by difference: a BIND-style zone file is converted to
JSON with `dnsd import`, the JSON is served by dnsd and the original file by
Knot DNS, and for every query below both servers must agree on the rcode, the
AA flag and the answer section (as sets of RRs: rotation order differs), and on
the authority section for referrals and negative answers.

The fixture, zones-rfc1035/import.test.zone, uses what real zone files use:
$ORIGIN, $TTL, $INCLUDE (of import.test.sip.inc), relative and absolute names,
a multi-line SOA, comments, owner continuation lines, per-record TTLs, many
record types, wildcards, empty non-terminals, a CNAME chain, and delegations
with and without glue.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import signal
import subprocess

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from dnsd_harness import (QUERY_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT, Dnsd, free_port, make_query, run_dnsd,
                          wait_for)

FIXTURE = pathlib.Path(__file__).resolve().parent / "zones-rfc1035" / "import.test.zone"
ORIGIN = "import.test."

# The one record dnsd's format cannot hold byte for byte: a TXT record of two
# character-strings whose boundary is not at 255 bytes. The importer joins them
# (with a warning); the text is the same, the boundary is not. See test_lossy_txt.
LOSSY_TXT = ("spaced.import.test.", "TXT")


# -- servers ---------------------------------------------------------------------


class Knot:
    """knotd serving one zone file on a free loopback port; stopped by PID."""

    def __init__(self, workdir: pathlib.Path, zone_file: pathlib.Path, origin: str):
        self.workdir = workdir
        self.zone_file = zone_file
        self.origin = origin
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path = workdir / "knotd.log"

    def config(self) -> str:
        run, db = self.workdir / "run", self.workdir / "db"
        run.mkdir(exist_ok=True)
        db.mkdir(exist_ok=True)
        # zonefile-sync -1 and journal-content none: Knot never writes back to the fixture.
        return f"""server:
    rundir: "{run}"
    listen: 127.0.0.1@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{db}"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "{db}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: {self.origin}
    file: "{self.zone_file}"
"""

    def start(self) -> "Knot":
        knotd = shutil.which("knotd") or "/usr/sbin/knotd"
        if not pathlib.Path(knotd).exists():
            pytest.fail("knotd not found: install Debian's knot package (.ci/deps.sh does)", pytrace=False)
        for _ in range(5):  # another process may take the free port before knotd binds it
            self.port = free_port()
            conf = self.workdir / "knot.conf"
            conf.write_text(self.config())
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([knotd, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            try:
                wait_for(self._serves_zone, START_TIMEOUT, "knotd to serve " + self.origin)
                return self
            except TimeoutError:
                if self.proc.poll() is not None and "Address already in use" in self.log():
                    continue
                self.stop()
                raise AssertionError("knotd did not start:\n" + self.log())
        raise AssertionError("knotd could not bind a free port:\n" + self.log())

    def _serves_zone(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"knotd exited with {self.proc.returncode}:\n{self.log()}")
        try:
            r = ask("127.0.0.1", self.port, self.origin, "SOA", timeout=0.2)
        except Exception:
            return False
        return r.rcode() == dns.rcode.NOERROR and bool(r.answer)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # Popen signals its own PID only
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


def ask(host: str, port: int, name: str, rdtype: str, timeout: float = QUERY_TIMEOUT) -> dns.message.Message:
    """One query with EDNS (so nothing here is truncated), RD clear; TCP if truncated anyway."""
    q = make_query(name, rdtype, edns=0, payload=4096)
    r = dns.query.udp(q, host, port=port, timeout=timeout)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, host, port=port, timeout=timeout)
    return r


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The fixture converted by `dnsd import`: (zones dir, JSON object, stderr)."""
    zones = tmp_path_factory.mktemp("imported-zones")
    out = zones / "import.test.json"
    proc = run_dnsd("import", str(FIXTURE), "--output", str(out))
    assert proc.returncode == 0, f"dnsd import failed ({proc.returncode}):\n{proc.stderr}"
    return zones, json.loads(out.read_text()), proc.stderr


@pytest.fixture(scope="module")
def knot(tmp_path_factory):
    k = Knot(tmp_path_factory.mktemp("knot"), FIXTURE, ORIGIN)
    k.start()
    yield k
    k.stop()


@pytest.fixture(scope="module")
def dnsd_imported(imported, tmp_path_factory):
    d = Dnsd(imported[0], threads=1, log_dir=str(tmp_path_factory.mktemp("dnsd-import-log")))
    d.start()
    yield d
    d.stop()


# -- comparison --------------------------------------------------------------------


def rr_set(section) -> set:
    """Every RR of a section as (owner lowercased, type, TTL, data lowercased), OPT excluded."""
    out = set()
    for rrset in section:
        if rrset.rdtype == dns.rdatatype.OPT:
            continue
        for rd in rrset:
            out.add((rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl,
                     rd.to_text().lower()))
    return out


def rrset_keys(section) -> set:
    """The RRsets of a section as (owner lowercased, type)."""
    return {(r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype)) for r in section}


# (name, type, what the query exercises). Every owner of the fixture is asked
# for at least one type it has; the rest probe the lookup rules.
QUERIES = [
    # the apex
    ("import.test.", "SOA", "apex SOA"),
    ("import.test.", "NS", "apex NS, one name server outside the zone"),
    ("import.test.", "MX", "MX with relative, absolute in-zone and out-of-zone targets"),
    ("import.test.", "TXT", "TXT with quotes, semicolons, a backslash, and an empty string"),
    ("import.test.", "CAA", "CAA including a critical flag and an unknown tag"),
    ("import.test.", "A", "apex address"),
    ("import.test.", "AAAA", "apex IPv6 address"),
    ("import.test.", "DNSKEY", "DNSKEY kept as data"),
    ("import.test.", "SRV", "NODATA at the apex"),
    # hosts
    ("ns1.import.test.", "A", "owner continuation line"),
    ("ns1.import.test.", "AAAA", "second type on a continuation line"),
    ("ns2.import.test.", "A", "a TTL of its own"),
    ("mail.import.test.", "A", "mail host"),
    ("mail.import.test.", "TXT", "NODATA"),
    ("mail2.import.test.", "AAAA", "mail host IPv6"),
    ("www.import.test.", "A", "three addresses, TTL 300"),
    ("www.import.test.", "AAAA", "two IPv6 addresses"),
    ("www.import.test.", "SSHFP", "SSHFP with another TTL than the addresses"),
    ("www.import.test.", "MX", "NODATA"),
    ("WWW.Import.TEST.", "A", "mixed-case question"),
    ("mixedcase.import.test.", "A", "owner written in mixed case"),
    # CNAMEs
    ("alias.import.test.", "A", "CNAME chain alias -> alias2 -> www"),
    ("alias.import.test.", "CNAME", "the CNAME itself"),
    ("alias2.import.test.", "AAAA", "one-step CNAME"),
    ("ext.import.test.", "A", "CNAME leaving the zone"),
    # wildcards
    ("anything.wild.import.test.", "A", "wildcard A"),
    ("anything.wild.import.test.", "TXT", "wildcard TXT"),
    ("anything.wild.import.test.", "MX", "wildcard MX"),
    ("two.labels.wild.import.test.", "A", "wildcard covering two labels"),
    ("anything.wild.import.test.", "AAAA", "wildcard NODATA"),
    ("explicit.wild.import.test.", "A", "existing name beats the wildcard"),
    ("explicit.wild.import.test.", "TXT", "existing name: NODATA, no wildcard"),
    ("x.explicit.wild.import.test.", "A", "NXDOMAIN below an existing name"),
    ("nothing-here.import.test.", "TXT", "top-level wildcard"),
    ("nothing-here.import.test.", "A", "top-level wildcard NODATA"),
    ("nope.www.import.test.", "A", "NXDOMAIN"),
    ("nope.mail.import.test.", "AAAA", "NXDOMAIN"),
    # empty non-terminals
    ("ent.import.test.", "A", "empty non-terminal: NODATA"),
    ("a.ent.import.test.", "TXT", "nested empty non-terminal: NODATA"),
    ("host.a.ent.import.test.", "A", "below the empty non-terminal"),
    ("host.b.ent.import.test.", "A", "its sibling"),
    ("_tcp.www.import.test.", "TLSA", "empty non-terminal above TLSA"),
    # other types
    ("_sip._tcp.import.test.", "SRV", "SRV with mixed targets"),
    ("_443._tcp.www.import.test.", "TLSA", "TLSA"),
    ("_e2u.import.test.", "NAPTR", "NAPTR with regexps"),
    ("4.3.2.1.import.test.", "PTR", "PTR"),
    ("info.import.test.", "HINFO", "HINFO with quoted strings"),
    ("svc.import.test.", "HTTPS", "HTTPS with parameters"),
    ("unknown.import.test.", "TYPE65280", "RFC 3597 unknown type"),
    ("long.import.test.", "TXT", "TXT of a 255-byte string and a second string"),
    ("sip1.import.test.", "A", "SRV target"),
    ("sip2.import.test.", "A", "SRV target"),
    # delegations
    ("sub.import.test.", "NS", "referral at the cut"),
    ("host.sub.import.test.", "A", "referral below the cut, glue"),
    ("ns1.sub.import.test.", "A", "glue name: referral"),
    ("ns2.sub.import.test.", "AAAA", "glue name, IPv6: referral"),
    ("sub.import.test.", "DS", "DS answered from the parent side"),
    ("other.import.test.", "NS", "referral without glue"),
    ("deep.below.other.import.test.", "AAAA", "referral from deep below"),
    # outside the zone
    ("example.com.", "A", "not our zone"),
]

def kind_of(r: dns.message.Message) -> str:
    """answer, referral, negative (NXDOMAIN or NODATA) or error."""
    if r.rcode() == dns.rcode.NXDOMAIN:
        return "negative"
    if r.rcode() != dns.rcode.NOERROR:
        return "error"
    if r.answer:
        return "answer"
    if not r.flags & dns.flags.AA and any(x.rdtype == dns.rdatatype.NS for x in r.authority):
        return "referral"
    return "negative"


@pytest.mark.parametrize("name,rdtype,what", QUERIES, ids=[f"{n}{t}" for n, t, _ in QUERIES])
def test_same_answer_as_knot(name, rdtype, what, dnsd_imported, knot):
    ours = ask(dnsd_imported.host, dnsd_imported.port, name, rdtype)
    theirs = ask("127.0.0.1", knot.port, name, rdtype)
    context = f"{what}: {name} {rdtype}\n--- dnsd:\n{ours.to_text()}\n--- knot:\n{theirs.to_text()}"

    assert dns.rcode.to_text(ours.rcode()) == dns.rcode.to_text(theirs.rcode()), "rcode differs; " + context
    assert bool(ours.flags & dns.flags.AA) == bool(theirs.flags & dns.flags.AA), "AA differs; " + context
    assert rr_set(ours.answer) == rr_set(theirs.answer), "answer differs; " + context
    assert theirs.answer or theirs.authority or theirs.rcode() != dns.rcode.NOERROR, "Knot said nothing; " + context

    kind = kind_of(theirs)
    assert kind_of(ours) == kind, "kind of answer differs; " + context
    if kind == "referral":
        assert rr_set(ours.authority) == rr_set(theirs.authority), "referral NS differ; " + context
        glue = {rr for rr in rr_set(theirs.additional) if rr[1] in ("A", "AAAA")}
        ours_glue = {rr for rr in rr_set(ours.additional) if rr[1] in ("A", "AAAA")}
        assert ours_glue == glue, "referral glue differs; " + context
    elif kind == "negative":
        assert rrset_keys(ours.authority) == rrset_keys(theirs.authority), "negative authority differs; " + context
        assert rr_set(ours.authority) == rr_set(theirs.authority), "negative SOA differs; " + context


def test_every_owner_is_queried(imported):
    """The query list covers every owner name of the imported zone."""
    asked = {n.lower() for n, _, _ in QUERIES} | {LOSSY_TXT[0]}
    for owner in imported[1]["records"]:
        name = ORIGIN if owner == "@" else (owner if owner.endswith(".") else f"{owner}.{ORIGIN}")
        if owner.startswith("*"):
            continue  # wildcards are asked through names they cover
        assert name.lower() in asked, f"no query for owner {owner}"


def test_lossy_txt_is_the_only_difference(imported, dnsd_imported, knot):
    """The one record dnsd's format cannot hold exactly: its strings are joined, with a warning."""
    zones, doc, stderr = imported
    assert "import.test.zone:" in stderr and "character-strings" in stderr and "spaced.import.test." in stderr
    warnings = [line for line in stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 1, stderr
    name, rdtype = LOSSY_TXT
    ours = ask(dnsd_imported.host, dnsd_imported.port, name, rdtype)
    theirs = ask("127.0.0.1", knot.port, name, rdtype)
    assert [b"".join(rd.strings) for rrset in ours.answer for rd in rrset] == \
           [b"".join(rd.strings) for rrset in theirs.answer for rd in rrset]
    assert [len(rd.strings) for rrset in theirs.answer for rd in rrset] == [2]


def test_imported_zone_passes_check(imported):
    zones, doc, _ = imported
    proc = run_dnsd("check", str(zones))
    assert proc.returncode == 0, proc.stderr
    assert doc["origin"] == ORIGIN and doc["ttl"] == 3600
    assert doc["soa"] == {"mname": "ns1", "rname": "hostmaster", "serial": 2024052901, "refresh": 7200,
                          "retry": 900, "expire": 1209600, "minimum": 300}
    assert list(doc["records"])[0] == "@", "owners are in canonical order, apex first"


def test_import_is_deterministic(imported, tmp_path):
    out = tmp_path / "again.json"
    proc = run_dnsd("import", str(FIXTURE), "--output", str(out))
    assert proc.returncode == 0
    assert json.loads(out.read_text()) == imported[1]
    stdout = run_dnsd("import", str(FIXTURE))
    assert stdout.returncode == 0 and stdout.stdout == out.read_text()


def test_parse_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN bad.test.\n$TTL 60\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns1\n\n"
                   "ns1 A 192.0.2.300\n")
    proc = run_dnsd("import", str(bad))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{bad}:6: "), proc.stderr


# -- records dnsd cannot serve: a summary by default, a failure with --strict ---------

DROPPING = """$ORIGIN drop.test.
$TTL 60
@ SOA ns1 hostmaster 1 2 3 4 5
  NS ns1
ns1 A 192.0.2.1
old DNAME new.example.
ns1 RRSIG A 13 2 60 20240101000000 20231201000000 12345 drop.test. AAAA
www A 192.0.2.2
"""
SUMMARY = "1 DNAME, 1 RRSIG"


def test_import_ends_with_one_line_naming_what_it_dropped(tmp_path):
    zone = tmp_path / "drop.test.zone"
    zone.write_text(DROPPING)
    out = tmp_path / "drop.test.json"
    proc = run_dnsd("import", str(zone), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[-1] == f"dnsd import: dropped 2 records: {SUMMARY} (see warnings above); --strict fails instead"
    assert any(line.startswith(f"{zone}:6: warning: skipped the DNAME record") for line in lines), proc.stderr
    doc = json.loads(out.read_text())
    assert "old" not in doc["records"] and doc["records"]["www"] == {"A": "192.0.2.2"}
    assert run_dnsd("check", str(out)).returncode == 0


@pytest.mark.parametrize("to_file", [True, False], ids=["output", "stdout"])
def test_import_strict_fails_naming_each_dropped_record_and_writes_nothing(tmp_path, to_file):
    zone = tmp_path / "drop.test.zone"
    zone.write_text(DROPPING)
    out = tmp_path / "drop.test.json"
    proc = run_dnsd("import", "--strict", str(zone), *(["--output", str(out)] if to_file else []))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "" and not out.exists()
    lines = proc.stderr.splitlines()
    assert f"{zone}:6: error: would drop the DNAME record at old.drop.test.: DNAME is not supported by dnsd" in lines
    assert any(line.startswith(f"{zone}:7: error: would drop the RRSIG record at ns1.drop.test.: ")
               for line in lines), proc.stderr
    assert lines[-1] == f"dnsd import: --strict: would drop 2 records: {SUMMARY}; nothing written"


def test_import_strict_passes_a_zone_it_converts_whole(tmp_path):
    zone = tmp_path / "whole.test.zone"
    zone.write_text(DROPPING.replace("old DNAME new.example.\n", "").replace("ns1 RRSIG", "; ns1 RRSIG"))
    out = tmp_path / "whole.test.json"
    proc = run_dnsd("import", "--strict", str(zone), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "dropped" not in proc.stderr and json.loads(out.read_text())["origin"] == "drop.test."
