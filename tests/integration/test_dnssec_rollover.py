"""A whole CSK rollover, done the way an operator does it, while a validating
resolver keeps answering.

dnsd serves a signed parent (test.) and a signed child (example.test.) with
short rollover timings; unbound holds a trust anchor for test. only, so every
child answer validates through the DS records in the parent's zone file. A
background thread asks unbound every ~100 ms for a static name, a name that
does not exist, a max_answers pool name, a NODATA and the DNSKEY RRset, and records every answer that is
not secure (AD clear, SERVFAIL, a timeout). The operator's steps:
`dnsd ctl keys roll` -> wait until the new key is active -> put the new DS in
the parent's file and reload -> `dnsd ctl keys ds-seen` -> wait until the old
key is removed -> take the old DS out of the parent and reload. At the end the
DNSKEY RRset holds the new key alone, every signature is by it, and the
resolver never saw an answer that was not secure.
"""

import json
import threading
import time

import dns.dnssec
import dns.exception
import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from control_support import api, ctl, parse_prometheus
from dnsd_harness import wait_for
from test_dnssec_validation import keygen
from validating_resolver import start_validating_unbound  # noqa: F401 (a fixture)

CHILD = "example.test."
PARENT = "test."
BIG = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]
# What the resolver is asked throughout, and the rcode each must come with.
WATCHED = [("www.example.test.", "A", dns.rcode.NOERROR), ("nope.example.test.", "A", dns.rcode.NXDOMAIN),
           ("api.example.test.", "A", dns.rcode.NOERROR), ("www.example.test.", "TXT", dns.rcode.NOERROR),
           (CHILD, "DNSKEY", dns.rcode.NOERROR)]
STEP_TIMEOUT = 20


def ds_rdata(lines: list[str]) -> list[str]:
    """'example.test. 2 IN DS 1 13 2 AB..' -> '1 13 2 AB..' (what a zone file's DS list holds)."""
    return [" ".join(line.split()[4:]) for line in lines]


def parent_zone(child_ds: list[str]) -> dict:
    return {
        "origin": PARENT, "ttl": 2,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 2},
        "dnssec": {},
        "records": {
            "@": {"NS": ["ns1"]},
            "ns1": {"A": ["127.0.0.1"]},
            "example": {"NS": ["ns1.example"], "DS": ds_rdata(child_ds)},
            "ns1.example": {"A": ["127.0.0.1"]},
        },
    }


def child_zone() -> dict:
    return {
        "origin": CHILD, "ttl": 2,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 2},
        "dnssec": {"dnskey_ttl": 2, "propagation_delay": 1, "parent_ds_ttl": 2},
        "pools": {"big": {"ttl": 2, "max_answers": 2, "members": BIG, "check": {"type": "none"}}},
        "records": {
            "@": {"NS": ["ns1"]},
            "ns1": {"A": ["127.0.0.1"]},
            "www": {"A": ["192.0.2.80"]},
            "api": {"A": {"pool": "big"}},
        },
    }


class Watcher(threading.Thread):
    """Asks unbound for WATCHED every ~100 ms; keeps every answer that is not secure."""

    def __init__(self, unbound):
        super().__init__(daemon=True)
        self.unbound = unbound
        self.stopping = threading.Event()
        self.answers = 0
        self.rounds = 0
        self.failures: list[str] = []

    def run(self):
        while not self.stopping.is_set():
            for name, rdtype, rcode in WATCHED:
                try:
                    r = self.unbound.query(name, rdtype, timeout=2.0)
                except (dns.exception.Timeout, OSError) as e:
                    self.failures.append(f"{time.strftime('%T')} {name} {rdtype}: no answer ({e!r})")
                    continue
                self.answers += 1
                if r.rcode() != rcode or not r.flags & dns.flags.AD:
                    self.failures.append(f"{time.strftime('%T')} {name} {rdtype}: {dns.rcode.to_text(r.rcode())}, "
                                         f"AD {'set' if r.flags & dns.flags.AD else 'clear'}\n{r}")
            self.rounds += 1
            self.stopping.wait(0.1)

    def wait_rounds(self, n: int, what: str):
        """Waits until the thread has asked everything `n` more times (the cache holds answers for 1 s)."""
        target = self.rounds + n
        wait_for(lambda: self.rounds >= target, STEP_TIMEOUT, f"{n} more rounds of answers {what}")

    def stop(self):
        self.stopping.set()
        self.join(10)


def zone_keys(d) -> dict:
    """The child's entry of GET /api/keys."""
    status, _, body = api(d, "GET", "/api/keys?zone=" + CHILD)
    assert status == 200, body
    (zone,) = body["zones"]
    return zone


def state_of(d, tag: int) -> str:
    return next(k["state"] for k in zone_keys(d)["keys"] if k["tag"] == tag)


def served_ds(d) -> set[int]:
    """Key tags of the DS RRset dnsd serves for the child in the parent."""
    r = d.query(CHILD, "DS", edns=0, ednsflags=dns.flags.DO)
    return {rd.key_tag for rr in r.answer if rr.rdtype == dns.rdatatype.DS for rd in rr}


def signer_tags(d, name: str, rdtype: str) -> set[int]:
    """Key tags of every RRSIG in dnsd's own DO=1 answer (every section)."""
    r = d.query(name, rdtype, edns=0, ednsflags=dns.flags.DO, payload=4096)
    return {rd.key_tag for section in (r.answer, r.authority) for rr in section
            if rr.rdtype == dns.rdatatype.RRSIG for rd in rr}


def dnskey_tags(d) -> set[int]:
    r = d.query(CHILD, "DNSKEY", edns=0, ednsflags=dns.flags.DO, payload=4096)
    return {dns.dnssec.key_id(rd) for rr in r.answer if rr.rdtype == dns.rdatatype.DNSKEY for rd in rr}


def key_states(d) -> dict[int, str]:
    """{tag: state} of the child's keys as /metrics reports them (dnsd_dnssec_key_state)."""
    status, _, text = api(d, "GET", "/metrics", raw=True)
    assert status == 200
    samples, _ = parse_prometheus(text)
    return {int(labels["tag"]): labels["state"]
            for labels, value in ((dict(k), v) for k, v in samples["dnsd_dnssec_key_state"].items())
            if labels["zone"] == CHILD and value == 1}


def set_parent_ds(d, zones, lines: list[str]):
    """The operator edits the parent's zone file and reloads it; waits until dnsd serves that DS RRset."""
    (zones / "test.json").write_text(json.dumps(parent_zone(lines), indent=2))
    out = ctl(d, "reload")
    assert out.returncode == 0, out.stdout + out.stderr
    tags = {int(line.split()[4]) for line in lines}
    wait_for(lambda: served_ds(d) == tags, STEP_TIMEOUT, f"the parent to serve the DS of {sorted(tags)}")


@pytest.fixture
def two_zones(start_dnsd, zone_dir, start_validating_unbound, tmp_path):  # noqa: F811
    """(dnsd, unbound, zones dir): test. and example.test. signed and served, unbound validating from test.'s DS."""
    key_dir = tmp_path / "keys"
    child_ds = keygen(key_dir, CHILD)
    parent_ds = keygen(key_dir, PARENT)
    zones = zone_dir({"test.json": parent_zone(child_ds), "example.test.json": child_zone()})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--key-dir", str(key_dir)])
    u = start_validating_unbound({PARENT: [f"127.0.0.1@{d.port}"], CHILD: [f"127.0.0.1@{d.port}"]},
                                 [line.replace(" 3600 IN DS ", " DS ") for line in parent_ds])
    return d, u, zones


def test_a_csk_rollover_keeps_every_answer_secure(two_zones):
    d, u, zones = two_zones
    for name, rdtype, rcode in WATCHED:
        u.assert_secure(name, rdtype, rcode)
    before = zone_keys(d)
    (old,) = before["keys"]
    old_tag = old["tag"]
    assert old["state"] == "active" and before["zone_key_tag"] == old_tag
    assert len(before["ds"]) == 1 and f" DS {old_tag} 13 2 " in before["ds"][0]
    assert before["ds"][0].startswith(f"{CHILD} 2 IN DS ")  # the zone's parent_ds_ttl

    watcher = Watcher(u)
    watcher.start()
    started = time.monotonic()
    try:
        # 1. Start the rollover: a new key is published beside the old one.
        out = ctl(d, "keys", "roll", CHILD)
        assert out.returncode == 0, out.stdout + out.stderr
        keys = {k["tag"]: k for k in zone_keys(d)["keys"]}
        (new_tag,) = [t for t, k in keys.items() if k["state"] == "published"]
        assert "is published" in out.stdout and str(new_tag) in out.stdout
        # Only one rollover at a time: the server says why, ctl exits 1.
        again = ctl(d, "keys", "roll", CHILD)
        assert again.returncode == 1 and "in progress" in again.stderr, again.stdout + again.stderr
        wait_for(lambda: dnskey_tags(d) == {old_tag, new_tag}, STEP_TIMEOUT, "the new key in the DNSKEY RRset")

        # 2. Once the DNSKEY RRset with it is in every cache, the new key signs the zone.
        wait_for(lambda: state_of(d, new_tag) == "active", STEP_TIMEOUT, f"key {new_tag} to become active")
        assert state_of(d, old_tag) == "retired"
        wait_for(lambda: signer_tags(d, "www.example.test.", "A") == {new_tag}, STEP_TIMEOUT,
                 "the zone's data to be signed by the new key")
        assert signer_tags(d, CHILD, "DNSKEY") == {old_tag, new_tag}
        assert "waiting for the DS of key" in zone_keys(d)["next_event"]
        assert key_states(d) == {old_tag: "retired", new_tag: "active"}
        out = ctl(d, "explain", "www.example.test", "A")
        assert out.returncode == 0 and f"DNSSEC signed: answers to DO=1 queries carry RRSIGs by key {new_tag} " \
            in out.stdout, out.stdout + out.stderr
        out = ctl(d, "explain", CHILD, "DNSKEY")
        assert f"RRSIGs by key {old_tag} and key {new_tag} " in out.stdout, out.stdout

        # 3. The operator gives the parent the new DS (both during the rollover, as `dnsd ctl ds` prints them).
        out = ctl(d, "ds", CHILD)
        assert out.returncode == 0, out.stderr
        both = out.stdout.splitlines()
        assert len(both) == 2 and any(f" DS {new_tag} " in line for line in both), out.stdout
        set_parent_ds(d, zones, both)
        out = ctl(d, "keys", "ds-seen", CHILD, str(new_tag))
        assert out.returncode == 0, out.stdout + out.stderr

        # 4. The old key leaves once the new DS can be in every cache.
        wait_for(lambda: state_of(d, old_tag) == "removed", STEP_TIMEOUT, f"key {old_tag} to be removed")
        wait_for(lambda: dnskey_tags(d) == {new_tag}, STEP_TIMEOUT, "the old key to leave the DNSKEY RRset")
        after = zone_keys(d)
        assert after["next_event"] is None and after["zone_key_tag"] == new_tag
        assert len(after["ds"]) == 1 and f" DS {new_tag} " in after["ds"][0]
        # The chain must hold from scratch too, with both DS at the parent and one key in the zone.
        u.flush_all()
        watcher.wait_rounds(15, "with the old key gone")

        # 5. The operator withdraws the old DS.
        out = ctl(d, "ds", CHILD)
        assert out.returncode == 0 and out.stdout.splitlines() == after["ds"], out.stdout + out.stderr
        set_parent_ds(d, zones, after["ds"])
        u.flush_all()
        watcher.wait_rounds(15, "with the old DS gone")
    finally:
        watcher.stop()
    took = time.monotonic() - started

    u.flush_all()
    for name, rdtype, rcode in WATCHED + [(CHILD, "SOA", dns.rcode.NOERROR), (CHILD, "NS", dns.rcode.NOERROR)]:
        u.assert_secure(name, rdtype, rcode)
    assert dnskey_tags(d) == {new_tag}
    assert key_states(d) == {old_tag: "removed", new_tag: "active"}
    samples, _ = parse_prometheus(api(d, "GET", "/metrics", raw=True)[2])
    assert samples["dnsd_dnssec_signatures_near_expiry"][frozenset({("zone", CHILD)})] == 0
    assert samples["dnsd_dnssec_signature_expiration_timestamp_seconds"][frozenset({("zone", CHILD)})] > time.time()
    assert samples["dnsd_dnssec_zone_signings_total"][frozenset()] >= 3  # two zones, then the new key
    for name, rdtype in [("www.example.test.", "A"), ("api.example.test.", "A"), (CHILD, "DNSKEY"), (CHILD, "SOA"),
                         ("nope.example.test.", "A"), ("www.example.test.", "TXT"), (CHILD, "NS")]:
        assert signer_tags(d, name, rdtype) == {new_tag}, (name, rdtype)
    assert not watcher.failures, f"{len(watcher.failures)} of {watcher.answers} answers were not secure:\n" + \
        "\n".join(watcher.failures[:5])
    assert watcher.answers >= 100, f"only {watcher.answers} answers in {took:.1f}s"
    print(f"rollover took {took:.1f}s; {watcher.answers} validated answers, none insecure")


def test_key_commands_refuse_unknown_zones_and_tags(two_zones):
    d, _, _ = two_zones
    out = ctl(d, "keys", "roll", "nosuch.test.")
    assert out.returncode == 1 and "not a signed zone" in out.stderr, out.stderr
    out = ctl(d, "keys", "ds-seen", CHILD, "1")
    assert out.returncode == 1 and "no key 1" in out.stderr, out.stderr
    out = ctl(d, "keys", "ds-seen", CHILD, "tag")
    assert out.returncode == 2, out.stderr
    status, _, body = api(d, "POST", "/api/keys/roll", {"zone": 7})
    assert status == 400 and "zone" in body["error"]
    status, _, body = api(d, "GET", "/api/keys?zone=nosuch.test.")
    assert status == 404
    out = ctl(d, "keys")
    assert out.returncode == 0 and "zone example.test." in out.stdout and "zone test." in out.stdout, out.stdout
    assert "DS records for the parent" in out.stdout and "active (signs the zone)" in out.stdout, out.stdout
