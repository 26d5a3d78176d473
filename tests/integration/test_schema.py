"""`dnsd schema` prints a JSON Schema that editors can use: it must be a valid
draft 2020-12 schema, accept every zone the loader accepts in the repository's
fixtures and examples, and reject the shape mistakes the loader rejects."""
import glob
import json
import os
import subprocess

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DNSD = os.environ.get("DNSD_BIN", os.path.join(ROOT, "build", "dnsd", "dnsd"))


@pytest.fixture(scope="module")
def schema():
    out = subprocess.run([DNSD, "schema"], check=True, capture_output=True, text=True, timeout=10).stdout
    doc = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def zone_files():
    files = glob.glob(os.path.join(ROOT, "examples", "zones", "*.json"))
    files += glob.glob(os.path.join(ROOT, "tests", "integration", "zones", "*.json"))
    return sorted(files)


def test_there_are_zones_to_check():
    assert len(zone_files()) >= 2


@pytest.mark.parametrize("path", zone_files(), ids=os.path.basename)
def test_every_valid_zone_matches_the_schema(schema, path):
    check = subprocess.run([DNSD, "check", path], capture_output=True, text=True, timeout=10)
    if check.returncode != 0:
        pytest.skip("fixture is deliberately invalid for the loader")
    with open(path) as f:
        jsonschema.validate(json.load(f), schema, cls=jsonschema.Draft202012Validator)


BASE = {
    "origin": "example.test.",
    "soa": {"mname": "ns1"},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}},
}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda z: z.update({"tll": 300}),                                   # misspelt top-level key
        lambda z: z["soa"].update({"serial": -1}),                          # out of range
        lambda z: z["records"]["ns1"].update({"A": {"ttl": 5}}),            # object without data or pool
        lambda z: z["records"]["ns1"].update({"A": {"pool": "p", "data": "x"}}),
        lambda z: z.update({"pools": {"p": {"members": []}}}),              # empty pool
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "ftp"}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "policy": "random"}}}),
        lambda z: z.update({"ttl": 2147483648}),
        lambda z: z.update({"transfer": {"notify": ["192.0.2.53"]}}),        # transfer without allow
        lambda z: z.update({"transfer": {"allow": [], "alow": []}}),
        lambda z: z.update({"transfer": {"allow": "127.0.0.1"}}),
        lambda z: z.update({"transfer": {"allow": [], "notify": ["ns1.example.test"]}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "dns", "transport": "quic"}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "dns", "edns": "no"}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "dns", "expect_rcode": "NOPE"}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "dns", "expect_rcode": []}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"],
                                            "check": {"type": "dns", "expect_rcode": 4096}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"],
                                            "check": {"type": "dns", "query_type": "A", "expect_address": 1}}}}),
        lambda z: z.update({"pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "dns", "expect_answer": 1}}}}),
    ],
    ids=["unknown-key", "serial", "rrset-object", "data-and-pool", "empty-pool", "check-type", "policy", "ttl",
         "transfer-no-allow", "transfer-key", "transfer-allow-string", "transfer-notify-name", "dns-transport",
         "dns-edns", "dns-rcode-name", "dns-rcode-empty", "dns-rcode-number", "dns-address-type", "dns-answer-type"],
)
def test_shape_mistakes_are_rejected_by_schema_and_loader(schema, mutate, tmp_path):
    zone = json.loads(json.dumps(BASE))
    jsonschema.validate(zone, schema)  # the base is valid
    mutate(zone)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(zone, schema, cls=jsonschema.Draft202012Validator)
    path = tmp_path / "zone.json"
    path.write_text(json.dumps(zone))
    check = subprocess.run([DNSD, "check", str(path)], capture_output=True, text=True, timeout=10)
    assert check.returncode == 1, "the loader must reject what the schema rejects"


def test_a_transfer_object_matches_the_schema_and_loads(schema, tmp_path):
    zone = json.loads(json.dumps(BASE))
    zone["transfer"] = {"allow": ["127.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "::1"],
                        "notify": ["192.0.2.53", "198.51.100.7:5300", "2001:db8::1", "[2001:db8::1]:5300"],
                        "tsig": "xfr-key"}
    jsonschema.validate(zone, schema, cls=jsonschema.Draft202012Validator)
    path = tmp_path / "zone.json"
    path.write_text(json.dumps(zone))
    check = subprocess.run([DNSD, "check", str(path)], capture_output=True, text=True, timeout=10)
    assert check.returncode == 0, check.stderr
