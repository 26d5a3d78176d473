"""The zone file's "dnssec" object in `dnsd check` and `dnsd schema`.

A valid object (empty, or with every key) loads and matches the schema; each
mistake (an unknown algorithm, a refresh over half the validity, a validity
under the one-minute minimum, an unknown key, a non-object, a DNSKEY, RRSIG
or NSEC record in a signed zone) makes `dnsd check` exit 1 with a
`FILE: /json/pointer: message` line at the exact place; the schema rejects
every mistake a schema can express (the refresh/validity rule is the
loader's alone).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess

import jsonschema
import pytest

from dnsd_harness import dnsd_bin, run_dnsd

BASE = {
    "origin": "signed.test.",
    "soa": {"mname": "ns1"},
    "dnssec": {},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}},
}
DNSKEY = "257 3 13 doyYQ5n6aLDmir/2eyd3q+EffDOUSVPAwAhKxSCO6/WeJ2vQ1LIdJVCpDJA0iSy8qbl9Dtak/rlFHYLCV+btzQ=="
RRSIG = ("A 13 3 300 20261214000000 20261129230000 22300 signed.test. "
         "Fv0hZ664SYY25uRWddD7+oBgavnm95GpxcKVP9EgEKxfwvLV3EnX6XBePipbjeDRmKcaX47XZ48kgwQCETsuiw==")


@pytest.fixture(scope="module")
def schema():
    out = subprocess.run([dnsd_bin(), "schema"], check=True, capture_output=True, text=True, timeout=10).stdout
    doc = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def variant(edit) -> dict:
    z = copy.deepcopy(BASE)
    edit(z)
    return z


def check(tmp_path, zone: dict) -> tuple[int, list[tuple[str, str]], str]:
    """(exit code, [(pointer, message)] of the error lines naming the file, stderr) of `dnsd check FILE`."""
    path = tmp_path / "signed.test.json"
    path.write_text(json.dumps(zone))
    p = run_dnsd("check", str(path))
    pattern = re.compile(r"^" + re.escape(str(path)) + r": (/[^ ]*|\(root\)): (.+)$")
    return p.returncode, [m.groups() for m in map(pattern.match, p.stderr.splitlines()) if m], p.stderr


def matches(schema, zone) -> bool:
    try:
        jsonschema.validate(zone, schema, cls=jsonschema.Draft202012Validator)
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("dnssec", [
    {},
    {"algorithm": "ed25519"},
    {"algorithm": "ECDSAP256SHA256", "denial": "nsec", "dnskey_ttl": 300, "signature_validity": 60,
     "signature_refresh": 30, "propagation_delay": 0, "parent_ds_ttl": 3600},
    {"signature_validity": 86400},  # the refresh default comes down to a quarter of it
], ids=["empty", "ed25519", "every-key", "short-validity"])
def test_a_valid_dnssec_object_loads_and_matches_the_schema(schema, tmp_path, dnssec):
    zone = variant(lambda z: z.update({"dnssec": dnssec}))
    code, errors, stderr = check(tmp_path, zone)
    assert code == 0 and not errors, stderr
    assert matches(schema, zone)


def test_the_schema_describes_every_key_the_loader_takes(schema):
    props = schema["properties"]["dnssec"]["properties"]
    assert set(props) == {"algorithm", "denial", "dnskey_ttl", "signature_validity", "signature_refresh",
                          "propagation_delay", "parent_ds_ttl"}
    assert all(p.get("description") for p in props.values())
    assert props["signature_validity"]["minimum"] == 60


BAD = [
    # (id, edit, the exact pointer, words the message must hold, the schema rejects it too)
    ("algorithm", lambda z: z["dnssec"].update({"algorithm": "rsasha1"}), "/dnssec/algorithm", "rsasha1", True),
    ("refresh-over-half", lambda z: z["dnssec"].update({"signature_validity": 3600, "signature_refresh": 1801}),
     "/dnssec/signature_refresh", "half", False),
    ("validity-under-a-minute", lambda z: z["dnssec"].update({"signature_validity": 59}),
     "/dnssec/signature_validity", "60", True),
    ("unknown-key", lambda z: z["dnssec"].update({"algorthm": "ed25519"}), "/dnssec/algorthm", "algorithm", True),
    ("denial", lambda z: z["dnssec"].update({"denial": "nsec3"}), "/dnssec/denial", "nsec3", True),
    ("ttl-type", lambda z: z["dnssec"].update({"dnskey_ttl": "1h"}), "/dnssec/dnskey_ttl", "integer", True),
    ("not-an-object", lambda z: z.update({"dnssec": True}), "/dnssec", "object", True),
    ("array", lambda z: z.update({"dnssec": []}), "/dnssec", "object", True),
    ("dnskey-record", lambda z: z["records"]["@"].update({"DNSKEY": DNSKEY}), "/records/@/DNSKEY", "DNSKEY", True),
    ("rrsig-record", lambda z: z["records"]["ns1"].update({"RRSIG": RRSIG}), "/records/ns1/RRSIG", "signatures", True),
    ("nsec-record", lambda z: z["records"]["ns1"].update({"NSEC": "signed.test. A"}), "/records/ns1/NSEC",
     "denial-of-existence", True),
]


@pytest.mark.parametrize("edit,pointer,words,schema_rejects", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_check_names_the_file_and_pointer_of_each_dnssec_mistake(schema, tmp_path, edit, pointer, words,
                                                                 schema_rejects):
    zone = variant(edit)
    code, errors, stderr = check(tmp_path, zone)
    assert code == 1, stderr
    assert errors, f"no `FILE: /pointer: message` line:\n{stderr}"
    hits = [msg for ptr, msg in errors if ptr == pointer]
    assert hits, f"want an error at {pointer!r}, got {errors}"
    assert any(words.lower() in m.lower() for m in hits), f"{pointer}: {hits} does not mention {words!r}"
    assert matches(schema, zone) is not schema_rejects, f"schema {'accepts' if schema_rejects else 'rejects'} it"


def test_a_dnskey_record_in_an_unsigned_zone_still_loads(schema, tmp_path):
    zone = variant(lambda z: (z.pop("dnssec"), z["records"]["@"].update({"DNSKEY": DNSKEY})))
    code, errors, stderr = check(tmp_path, zone)
    assert code == 0, stderr
    assert matches(schema, zone)


def test_a_dnskey_record_in_a_signed_zone_is_reported_at_its_type(tmp_path):
    _code, errors, _stderr = check(tmp_path, variant(lambda z: z["records"]["@"].update({"DNSKEY": DNSKEY})))
    assert [ptr for ptr, _msg in errors] == ["/records/@/DNSKEY"], errors


@pytest.mark.parametrize("rdtype,rdata", [("RRSIG", RRSIG), ("NSEC", "signed.test. A")])
def test_an_rrsig_or_nsec_record_in_a_signed_zone_is_refused_for_the_right_reason(tmp_path, rdtype, rdata):
    _code, errors, _stderr = check(tmp_path, variant(lambda z: z["records"]["ns1"].update({rdtype: rdata})))
    assert errors and not any("unsigned zones" in msg for _ptr, msg in errors), errors
