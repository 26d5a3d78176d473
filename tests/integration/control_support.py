"""What the control API tests share: the zone they serve, clients for the API
and `dnsd ctl`, and a parser for Prometheus text. The ctl_server fixture that
serves ZONE is in conftest.py."""

import copy
import json
import re
import subprocess
import urllib.error
import urllib.request

from dnsd_harness import REPO, dnsd_bin

SERIAL = 2024060101

ZONE = {
    "origin": "ctl.test.",
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": SERIAL, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "pools": {
        "web": {"ttl": 20,
                "members": ["192.0.2.1", "192.0.2.2", {"address": "192.0.2.9", "backup": True}, "2001:db8::1"],
                "check": {"type": "none"}},
        "solo": {"ttl": 30, "members": ["192.0.2.50"]},
        # Probed at a closed port on a loopback address: never up, so the
        # pool is all-down and answers by when_all_down (fail open).
        "dead": {"ttl": 5, "members": ["127.0.1.251", "127.0.1.252"],
                 "check": {"type": "tcp", "port": 9, "interval": 1, "fast_interval": 0.25, "timeout": 0.25,
                           "fall": 2}},
    },
    "records": {
        "@": {"NS": "ns1"},
        "ns1": {"A": "192.0.2.53"},
        "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web"}},
        "www2": {"A": {"pool": "web", "ttl": 120}},
        "alias": {"CNAME": "www"},
        "solo": {"A": {"pool": "solo"}},
        "dead": {"A": {"pool": "dead"}},
        "static": {"A": ["192.0.2.100", "192.0.2.101"]},
    },
}


def zone(**changes):
    z = copy.deepcopy(ZONE)
    z.update(changes)
    return z


# -- clients -------------------------------------------------------------------

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


def api(d, method, path, body=None, token=None, raw=False):
    """(status, headers, parsed JSON or text) of one request to d's control API."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://{d.control_address}{path}", data=data, method=method)
    if data is not None or method not in ("GET", "HEAD", "OPTIONS"):  # the API requires it on state changes
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with _opener.open(req, timeout=10) as r:
            status, headers, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read().decode()
    if raw or not headers.get("Content-Type", "").startswith("application/json"):
        return status, headers, text
    return status, headers, json.loads(text)


def ctl(d, *args, token=None):
    cmd = [dnsd_bin(), "ctl", "--control", d.control_address]
    if token:
        cmd += ["--token", token]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                          cwd=REPO)


def addresses(d, name, rdtype="A"):
    r = d.query(name, rdtype)
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset if rrset.rdtype in (1, 28))


def member(status, pool, address, zone_name="ctl.test."):
    for p in status["pools"]:
        if p["zone"] == zone_name and p["name"] == pool:
            for m in p["members"]:
                if m["address"] == address:
                    return m
    raise AssertionError(f"no member {address} of {pool} in status")


# -- Prometheus text -----------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def parse_prometheus(text):
    """{name: {frozenset(labels): value}} and {name: type}; asserts the text is well formed."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"TYPE given twice for {name}"
            types[name] = kind
            continue
        assert not line.startswith("#"), line
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = _LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample {name} before its # TYPE"
        key = frozenset(labels.items())
        assert key not in samples.setdefault(name, {}), f"duplicate series {line!r}"
        samples[name][key] = float(value)
    assert set(types) <= helps, "every family has HELP"
    return samples, types


def value(samples, name, **labels):
    return samples.get(name, {}).get(frozenset(labels.items()))
