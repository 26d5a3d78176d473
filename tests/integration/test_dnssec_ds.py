"""`dnsd keygen` and `dnsd ds`: a zone's first key is made once in a private
key directory, its DNSKEY's key tag and SHA-256 DS agree with dnspython's, `ds`
finds the directory through --state-dir, and a missing zone, a world-readable
key file and bad usage give the documented exit codes and messages."""

import json
import os
import stat

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from dnsd_harness import run_dnsd


def record(line):
    """(owner, ttl, type, rdata) of one presentation line `OWNER TTL IN TYPE RDATA`."""
    owner, ttl, klass, rtype, rdata = line.split(None, 4)
    assert klass == "IN", line
    return (dns.name.from_text(owner), int(ttl), rtype,
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), rdata))


def keygen(key_dir, zone, *extra):
    return run_dnsd("keygen", "--key-dir", str(key_dir), *extra, zone)


@pytest.mark.parametrize("algorithm,number", [("ecdsap256sha256", 13), ("ed25519", 15)])
def test_keygen_then_ds_matches_dnspython(tmp_path, algorithm, number):
    key_dir = tmp_path / "state" / "keys"
    p = keygen(key_dir, "Example.TEST", "--algorithm", algorithm)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 2, p.stdout
    owner, ttl, rtype, dnskey = record(lines[0])
    assert (owner, ttl, rtype) == (dns.name.from_text("example.test."), 3600, "DNSKEY")
    assert (dnskey.flags, dnskey.protocol, int(dnskey.algorithm)) == (257, 3, number)
    tag = dns.dnssec.key_id(dnskey)
    assert f"created key {tag} ({algorithm}) for example.test." in p.stderr

    expected = dns.dnssec.make_ds(owner, dnskey, "SHA256")
    _, _, rtype, printed = record(lines[1])
    assert rtype == "DS" and printed == expected
    assert lines[1].split()[4:7] == [str(tag), str(number), "2"]
    assert lines[1].split()[7] == lines[1].split()[7].upper()

    # Private files: a 0700 directory, 0600 key and state files.
    assert stat.S_IMODE(os.stat(key_dir).st_mode) == 0o700
    assert sorted(os.listdir(key_dir)) == sorted(["example.test.keys.json", f"Kexample.test.+{number:03}+{tag:05}.pem"])
    for name in os.listdir(key_dir):
        assert stat.S_IMODE(os.stat(key_dir / name).st_mode) == 0o600, name
    state = json.loads((key_dir / "example.test.keys.json").read_text())
    assert state["zone"] == "example.test."
    assert [k["tag"] for k in state["keys"]] == [tag]
    assert state["keys"][0]["algorithm"] == algorithm

    # `ds` through --state-dir, with another TTL: the same DS.
    d = run_dnsd("ds", "--state-dir", str(tmp_path / "state"), "--ttl", "86400", "example.test.")
    assert d.returncode == 0, d.stderr
    owner, ttl, rtype, printed = record(d.stdout.strip())
    assert (owner, ttl, rtype, printed) == (dns.name.from_text("example.test."), 86400, "DS", expected)

    # A second keygen makes nothing and prints the same key.
    again = keygen(key_dir, "example.test.")
    assert again.returncode == 0, again.stderr
    assert again.stdout == p.stdout
    assert "already has keys" in again.stderr and "nothing created" in again.stderr
    assert len(os.listdir(key_dir)) == 2


def test_keygen_refuses_another_algorithm_for_a_zone_with_keys(tmp_path):
    assert keygen(tmp_path, "example.test.").returncode == 0
    p = keygen(tmp_path, "example.test.", "--algorithm", "ed25519")
    assert p.returncode == 1
    assert "example.test.keys.json: /keys/0/algorithm:" in p.stderr
    assert "an algorithm rollover is not supported" in p.stderr
    assert len(os.listdir(tmp_path)) == 2


def test_ds_for_a_zone_without_keys(tmp_path):
    assert keygen(tmp_path, "example.test.").returncode == 0
    p = run_dnsd("ds", "--key-dir", str(tmp_path), "other.test")
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.strip() == f"dnsd ds: no keys for other.test. in {tmp_path}"
    missing = run_dnsd("ds", "--key-dir", str(tmp_path / "nowhere"), "example.test.")
    assert missing.returncode == 1
    assert "no keys for example.test." in missing.stderr
    assert not (tmp_path / "nowhere").exists()


def test_ds_refuses_a_world_readable_key(tmp_path):
    p = keygen(tmp_path, "example.test.")
    assert p.returncode == 0, p.stderr
    (pem,) = tmp_path.glob("Kexample.test.+013+*.pem")
    pem.chmod(0o644)
    d = run_dnsd("ds", "--key-dir", str(tmp_path), "example.test.")
    assert d.returncode == 1
    assert d.stdout == ""
    assert str(pem) in d.stderr
    assert "example.test.keys.json: /keys/0/file:" in d.stderr
    # keygen does not make a new key over it either.
    k = keygen(tmp_path, "example.test.")
    assert k.returncode == 1 and str(pem) in k.stderr
    assert len(os.listdir(tmp_path)) == 2


def test_ds_with_a_missing_key_file(tmp_path):
    assert keygen(tmp_path, "example.test.").returncode == 0
    (pem,) = tmp_path.glob("Kexample.test.+013+*.pem")
    pem.unlink()
    d = run_dnsd("ds", "--key-dir", str(tmp_path), "example.test.")
    assert d.returncode == 1
    assert str(pem) in d.stderr


@pytest.mark.parametrize("args,message", [
    (["ds", "example.test."], "name the key directory with --key-dir DIR"),
    (["ds", "--key-dir", "k"], "name one zone"),
    (["ds", "--key-dir", "k", "a.test.", "b.test."], "unexpected argument 'b.test.'"),
    (["ds", "--key-dir", "k", "--ttl", "-1", "a.test."], "--ttl '-1'"),
    (["ds", "--key-dir", "k", "--algorithm", "ed25519", "a.test."], "unknown option '--algorithm'"),
    (["ds", "--key-dir", "k", "a/b"], "'a/b' is not a zone name"),
    (["keygen", "--key-dir", "k", "--algorithm", "rsasha256", "a.test."], "--algorithm 'rsasha256'"),
    (["keygen", "--key-dir"], "--key-dir needs a value"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    p = run_dnsd(*[str(tmp_path / a) if a == "k" else a for a in args])
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert message in p.stderr
    assert p.stdout == ""
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["ds", "keygen"])
def test_help(command):
    p = run_dnsd(command, "--help")
    assert p.returncode == 0
    assert "--key-dir DIR" in p.stdout and "--state-dir DIR" in p.stdout
    assert command in run_dnsd("--help").stdout
