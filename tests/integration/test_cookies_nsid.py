"""DNS cookies (RFC 7873, server cookies per RFC 9018) and NSID (RFC 5001),
against dig, kdig, dnspython and Knot's mod-cookies.

- a client cookie gets a server cookie; sending it back is valid (the same
  cookie comes back, /metrics counts it valid);
- a cookie made for 127.0.0.1 presented from 127.0.0.2 is invalid: BADCOOKIE
  with a fresh cookie over UDP, a normal answer over TCP (5.2.3, 5.2.4);
- COOKIE options of impossible lengths are FORMERR (5.2.2);
- with --state-dir cookies survive a restart; without it they do not;
- --cookie-secret shares cookies between servers, Knot's included (RFC 9018);
- dig +nsid and kdig +nsid show --nsid, and nothing without it.
"""

import os
import re
import stat

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

from control_support import api, parse_prometheus, value
from dnsd_harness import QUERY_TIMEOUT, make_query, run_dnsd, wait_for
from knot_primary import KnotDaemon

COOKIE = 10
CLIENT_COOKIE = bytes.fromhex("2464c4abcf10c957")
SECRET = "e5e973e5a6b2a43f48e7dc849e37bfcf"  # RFC 9018 appendix A's
_DIG_COOKIE = re.compile(r"COOKIE:\s*([0-9a-fA-F]{16})\s*([0-9a-fA-F]*)")


def cookie_query(name, cookie: bytes, rdtype="A"):
    return make_query(name, rdtype, edns=0, options=[dns.edns.GenericOption(COOKIE, cookie)])


def ask(d, cookie: bytes, *, source="127.0.0.1", tcp=False, name="www.example.test"):
    """Asks d with a COOKIE option from `source`; returns (rcode, answer count, cookie option data or None)."""
    q = cookie_query(name, cookie)
    if tcp:
        r = dns.query.tcp(q, d.host, port=d.port, source=source, timeout=QUERY_TIMEOUT)
    else:
        r = dns.query.udp(q, d.host, port=d.port, source=source, timeout=QUERY_TIMEOUT)
    return r.rcode(), sum(len(rrset) for rrset in r.answer), option_data(r, COOKIE)


def option_data(r, code):
    """The data of the response's first option `code`, or None."""
    for o in r.options:
        if o.otype == code:
            return o.to_wire()
    return None


def server_cookie_of(d, source="127.0.0.1"):
    rcode, answers, cookie = ask(d, CLIENT_COOKIE, source=source)
    assert rcode == dns.rcode.NOERROR and answers == 3
    assert cookie is not None and len(cookie) == 24 and cookie[:8] == CLIENT_COOKIE
    assert cookie[8] == 1, "an RFC 9018 version 1 server cookie"
    return cookie


def cookie_counts(d):
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    return {s: value(samples, "dnsd_cookies_total", status=s) for s in ("none", "client_only", "valid", "invalid")}


def dig_cookie(answer):
    m = _DIG_COOKIE.search(answer.text)
    assert m, f"no COOKIE in:\n{answer.text}"
    return m.group(1).lower(), m.group(2).lower()


def test_dig_gets_a_server_cookie_and_it_is_valid_when_sent_back(start_dnsd):
    d = start_dnsd(threads=2)
    (a,) = d.dig("+cookie", "www.example.test", "A")
    assert a.rcode == "NOERROR" and len(a.data()) == 3
    client, server = dig_cookie(a)
    assert len(server) == 32 and server.startswith("01000000"), "version 1, reserved zero (RFC 9018)"
    assert "(good)" in a.text, "dig checks that its client cookie came back"
    before = cookie_counts(d)
    (b,) = d.dig(f"+cookie={client}{server}", "www.example.test", "A")
    assert b.rcode == "NOERROR" and len(b.data()) == 3
    assert dig_cookie(b) == (client, server), "a fresh valid cookie is handed back as it is"
    wait_for(lambda: cookie_counts(d)["valid"] == before["valid"] + 1, 5, "the valid cookie counted")
    assert cookie_counts(d)["invalid"] == before["invalid"]


def test_kdig_gets_a_server_cookie_and_it_is_valid_when_sent_back(start_dnsd):
    d = start_dnsd()
    (a,) = d.kdig("+cookie", "www.example.test", "A")
    assert a.rcode == "NOERROR" and len(a.data()) == 3
    client, server = dig_cookie(a)
    assert len(server) == 32
    before = cookie_counts(d)
    (b,) = d.kdig(f"+cookie={client}{server}", "www.example.test", "A")
    assert b.rcode == "NOERROR" and len(b.data()) == 3
    assert dig_cookie(b) == (client, server)
    wait_for(lambda: cookie_counts(d)["valid"] == before["valid"] + 1, 5, "the valid cookie counted")


def test_a_cookie_from_another_address_is_badcookie_over_udp_and_answered_over_tcp(start_dnsd):
    d = start_dnsd()
    cookie = server_cookie_of(d, source="127.0.0.1")
    assert ask(d, cookie, source="127.0.0.1") == (dns.rcode.NOERROR, 3, cookie)

    rcode, answers, fresh = ask(d, cookie, source="127.0.0.2")
    assert rcode == dns.rcode.BADCOOKIE and answers == 0
    assert fresh is not None and fresh[:8] == CLIENT_COOKIE and fresh != cookie
    # The fresh cookie is 127.0.0.2's own: valid from there.
    assert ask(d, fresh, source="127.0.0.2") == (dns.rcode.NOERROR, 3, fresh)
    # Over TCP the handshake proved the address: a normal answer, and a cookie for it.
    rcode, answers, over_tcp = ask(d, cookie, source="127.0.0.2", tcp=True)
    assert rcode == dns.rcode.NOERROR and answers == 3
    assert over_tcp is not None and over_tcp[:8] == CLIENT_COOKIE and over_tcp != cookie
    # dig shows the same, without retrying.
    (a,) = d.dig("-b", "127.0.0.2", f"+cookie={cookie.hex()}", "+nobadcookie", "www.example.test", "A")
    assert a.rcode == "BADCOOKIE" and not a.data()

    # Three invalid cookies (UDP, TCP, dig), two of them answered BADCOOKIE.
    wait_for(lambda: cookie_counts(d)["invalid"] == 3, 5, "three invalid cookies counted")
    samples, _ = parse_prometheus(api(d, "GET", "/metrics")[2])
    assert value(samples, "dnsd_responses_total", proto="udp", rcode="BADCOOKIE") == 2


def test_ipv6_clients_get_cookies_bound_to_their_address(start_dnsd):
    d = start_dnsd(hosts=("::1", "127.0.0.1"))
    v6, v4 = d.addrs
    (a,) = d.dig("-6", "+cookie", "www.example.test", "A", addr=v6)
    client, server = dig_cookie(a)
    (b,) = d.dig("-6", f"+cookie={client}{server}", "www.example.test", "A", addr=v6)
    assert b.rcode == "NOERROR" and dig_cookie(b) == (client, server)
    # The same cookie from 127.0.0.1 is not its own.
    (c,) = d.dig(f"+cookie={client}{server}", "+nobadcookie", "www.example.test", "A", addr=v4)
    assert c.rcode == "BADCOOKIE"


def test_cookie_options_of_impossible_lengths_are_formerr(start_dnsd):
    d = start_dnsd()
    for length in (0, 7, 9, 15, 41):
        q = cookie_query("www.example.test", bytes(range(1, length + 1)))
        r = dns.query.udp(q, d.host, port=d.port, timeout=QUERY_TIMEOUT)
        assert r.rcode() == dns.rcode.FORMERR, (length, dns.rcode.to_text(r.rcode()))
        assert r.edns == 0 and not r.answer
        assert option_data(r, COOKIE) is None
    for length in (8, 16, 40):  # a client cookie, the shortest and the longest server cookie
        rcode, _, _ = ask(d, bytes(range(1, length + 1)))
        assert rcode in (dns.rcode.NOERROR, dns.rcode.BADCOOKIE), length


def test_a_server_cookie_can_be_asked_for_without_a_question(start_dnsd):
    """RFC 7873 5.4: QDCOUNT 0 with a COOKIE option."""
    d = start_dnsd()
    cookie = server_cookie_of(d)
    for sent, expected in ((CLIENT_COOKIE, dns.rcode.NOERROR), (cookie, dns.rcode.NOERROR),
                           (cookie[:-1] + bytes([cookie[-1] ^ 1]), dns.rcode.BADCOOKIE)):
        q = cookie_query("www.example.test", sent)
        q.question = []
        r = dns.query.udp(q, d.host, port=d.port, timeout=QUERY_TIMEOUT)
        assert r.rcode() == expected and not r.question
        fresh = option_data(r, COOKIE)
        assert fresh is not None and len(fresh) == 24 and fresh[:8] == CLIENT_COOKIE


def test_cookies_survive_a_restart_with_state_dir(start_dnsd, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    d = start_dnsd(extra_args=["--state-dir", str(state)])
    cookie = server_cookie_of(d)
    d.stop()
    master = state / "cookie-master.key"
    assert stat.S_IMODE(os.stat(master).st_mode) == 0o600
    d.start()  # the same flags, a new process
    assert ask(d, cookie) == (dns.rcode.NOERROR, 3, cookie)
    # Without a state dir every start has its own secret: the old cookie is not ours.
    third = start_dnsd()
    assert ask(third, cookie)[0] == dns.rcode.BADCOOKIE


def test_cookie_secret_shares_cookies_between_servers(start_dnsd, tmp_path):
    secret = tmp_path / "cookie.secret"
    secret.write_text(f"# RFC 9018 appendix A\n{SECRET}\n")
    secret.chmod(0o600)
    a = start_dnsd(extra_args=["--cookie-secret", str(secret)])
    b = start_dnsd(extra_args=["--cookie-secret", str(secret)])
    cookie = server_cookie_of(a)
    assert ask(b, cookie) == (dns.rcode.NOERROR, 3, cookie)
    # After a roll-over (new secret first, the old one second) the old cookies still count.
    rolled = tmp_path / "rolled.secret"
    rolled.write_text(f"445536bcd2513298075a5d379663c962\n{SECRET}\n")
    rolled.chmod(0o600)
    c = start_dnsd(extra_args=["--cookie-secret", str(rolled)])
    rcode, answers, renewed = ask(c, cookie)
    assert rcode == dns.rcode.NOERROR and answers == 3 and renewed != cookie, "valid, and renewed with the new secret"


def test_a_readable_cookie_secret_file_is_refused(tmp_path):
    secret = tmp_path / "cookie.secret"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o644)
    p = run_dnsd("serve", "--zones", str(tmp_path), "--listen", "127.0.0.1:1", "--control", "none",
                 "--cookie-secret", str(secret))
    assert p.returncode == 1
    assert "chmod 600" in p.stdout + p.stderr
    assert SECRET not in p.stdout + p.stderr


class KnotCookies(KnotDaemon):
    """knotd with mod-cookies and a fixed secret, serving example.test."""

    name = "knot-cookies"

    def write_config(self):
        zone = self.workdir / "example.test.zone"
        zone.write_text("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
                        "@ NS ns1\nns1 A 192.0.2.53\nwww 5 A 192.0.2.10\n")
        conf = self.workdir / "knot.conf"
        conf.write_text(self.server_section() + f"""
mod-cookies:
  - id: shared
    secret: 0x{SECRET}

template:
  - id: default
    storage: "{self.storage}"
    global-module: mod-cookies/shared

zone:
  - domain: example.test.
    file: "{zone}"
""")
        return conf


def test_cookies_interoperate_with_knot_sharing_the_secret(start_dnsd, tmp_path):
    """RFC 9018's point: an anycast set of different servers sharing one secret."""
    secret = tmp_path / "cookie.secret"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    d = start_dnsd(extra_args=["--cookie-secret", str(secret)])
    knot = KnotCookies(tmp_path / "knot")
    knot.start()
    try:
        q = cookie_query("www.example.test", CLIENT_COOKIE)
        r = dns.query.udp(q, knot.host, port=knot.port, timeout=QUERY_TIMEOUT)
        from_knot = option_data(r, COOKIE)
        assert from_knot is not None and len(from_knot) == 24 and from_knot[8] == 1
        assert ask(d, from_knot) == (dns.rcode.NOERROR, 3, from_knot), "Knot's cookie is valid at dnsd"
        from_dnsd = server_cookie_of(d)
        r = dns.query.udp(cookie_query("www.example.test", from_dnsd), knot.host, port=knot.port,
                          timeout=QUERY_TIMEOUT)
        assert r.rcode() == dns.rcode.NOERROR, "dnsd's cookie is valid at Knot"
        assert r.answer
        # And a cookie neither made is BADCOOKIE at both.
        forged = from_dnsd[:-1] + bytes([from_dnsd[-1] ^ 1])
        assert ask(d, forged)[0] == dns.rcode.BADCOOKIE
    finally:
        knot.stop()


def test_nsid_with_dig_and_kdig(start_dnsd):
    d = start_dnsd(extra_args=["--nsid", "dnsd-test-1"])
    (a,) = d.dig("+nsid", "www.example.test", "A")
    assert a.rcode == "NOERROR"
    assert re.search(r"NSID:.*\"dnsd-test-1\"", a.text), a.text
    (k,) = d.kdig("+nsid", "www.example.test", "A")
    assert re.search(r"NSID:.*dnsd-test-1", k.text), k.text
    (plain,) = d.dig("www.example.test", "A")
    assert "NSID" not in plain.text, "only queries that ask get it"


def test_nsid_in_hex(start_dnsd):
    d = start_dnsd(extra_args=["--nsid", "0x6e73312e6c6f6e"])
    q = make_query("www.example.test", "A", edns=0, options=[dns.edns.GenericOption(3, b"")])
    r = dns.query.udp(q, d.host, port=d.port, timeout=QUERY_TIMEOUT)
    assert option_data(r, 3) == b"ns1.lon"


def test_no_nsid_without_the_flag(server):
    (a,) = server.dig("+nsid", "www.example.test", "A")
    assert a.rcode == "NOERROR" and "NSID" not in a.text
    (k,) = server.kdig("+nsid", "www.example.test", "A")
    assert "NSID" not in k.text


@pytest.mark.parametrize("nsid", ["", "0x", "0x123", "0xzz", "x" * 129])
def test_bad_nsid_is_a_usage_error(nsid, tmp_path):
    p = run_dnsd("serve", "--zones", str(tmp_path), "--nsid", nsid)
    assert p.returncode == 2 and "--nsid" in p.stderr, p.stderr
