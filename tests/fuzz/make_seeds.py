#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<name>/).

Each seed is a meaningful input named for what it exercises: DNS messages
made with dnspython for query, transfer, notify_reply and dns_check; zone
JSON, zone files and control API inputs as text. TSIG seeds are signed with
the fixture's key at the fixture's clock (fuzz_fixture.h: kKeySecret, kNowMs),
so the harness verifies them. Deterministic: running it again rewrites the
same bytes. Seeds the fuzzer found (tests/fuzz/run --merge) live next to
these under their SHA-1 names; this script leaves them alone.

    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import os
import struct
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

# fuzz_fixture.h
NOW_S = 1_700_000_000
FIRST_SERIAL = 1_700_000_000
CURRENT_SERIAL = 1_700_000_002
KEY_NAME = "fuzz-key."
KEY_SECRET = "ZnV6ei1rZXktc2VjcmV0LWZ1enota2V5LXNlY3JldCE="

time.time = lambda: float(NOW_S)  # dnspython signs at time.time(): sign at the fixture's clock

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
KEYRING = dns.tsigkeyring.from_text({KEY_NAME: ("hmac-sha256", KEY_SECRET)})
OTHER_KEYRING = dns.tsigkeyring.from_text({"other-key.": ("hmac-sha256", KEY_SECRET)})


def write(harness, name, data):
    directory = os.path.join(CORPUS, harness)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def query(name, rdtype="A", *, qid=0x4242, edns=None, payload=1232, do=False, options=None, rd=False,
          opcode=None, rdclass="IN", tsig=None, tsig_keyring=None, ixfr_serial=None, authority=None):
    if edns is None:  # dnspython adds EDNS whenever a payload is given
        m = dns.message.make_query(name, rdtype, rdclass, use_edns=False)
    else:
        m = dns.message.make_query(name, rdtype, rdclass, use_edns=edns, payload=payload,
                                   want_dnssec=do, options=options)
    m.id = qid
    if not rd:
        m.flags &= ~dns.flags.RD
    if opcode is not None:
        m.set_opcode(opcode)
    if ixfr_serial is not None:
        soa = dns.rrset.from_text(name, 0, "IN", "SOA",
                                  f"ns1.{name} hostmaster.{name} {ixfr_serial} 3600 600 86400 60")
        m.authority.append(soa)
    for rrset in authority or []:
        m.authority.append(rrset)
    if tsig:
        m.use_tsig(tsig_keyring or KEYRING, keyname=tsig, algorithm="hmac-sha256")
    return m.to_wire()


def header(qid=0x4242, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def qname(text):
    return dns.name.from_text(text).to_wire()


def query_seeds():
    h = "query"
    e = "example.test."
    for name, rdtype, tag in [
        ("www", "A", "pool-a"), ("www", "AAAA", "pool-aaaa"), ("www", "TXT", "pool-owner-txt"),
        ("static", "A", "rotating-a"), ("dead", "A", "pool-serve-none"), ("fallback", "A", "pool-serve-all"),
        ("fallback", "AAAA", "pool-serve-all-aaaa"), ("weighted", "A", "pool-weighted"),
        ("@", "SOA", "apex-soa"), ("@", "NS", "apex-ns-additional"), ("@", "MX", "mx-additional"),
        ("@", "TXT", "apex-txt"), ("@", "CAA", "caa"), ("@", "ANY", "any"), ("_sip._udp", "SRV", "srv-additional"),
        ("sip", "NAPTR", "naptr"), ("big", "TXT", "big-txt"), ("medium", "TXT", "medium-txt"), ("alias", "A", "cname-chain"),
        ("alias", "CNAME", "cname-itself"), ("out", "A", "cname-out-of-zone"), ("loop1", "A", "cname-loop"),
        ("anything.wild", "A", "wildcard-a"), ("anything.wild", "TXT", "wildcard-txt"),
        ("anything.wild", "MX", "wildcard-nodata"), ("x.wildc", "A", "wildcard-cname"),
        ("exists.wild", "A", "wildcard-blocked-nodata"), ("deep.a.b", "TXT", "deep"), ("a.b", "A", "empty-non-terminal"),
        ("www.sub", "A", "referral-glue"), ("sub", "NS", "referral-at-cut"), ("sub", "DS", "ds-at-cut"),
        ("ns.sub", "A", "glue-below-cut"), ("nope", "A", "nxdomain"), ("ns1", "AAAA", "aaaa"),
        ("legacy", "TYPE65280", "unknown-type"), ("ns1", "A", "a"),
    ]:
        owner = e if name == "@" else f"{name}.{e}"
        write(h, f"udp-{tag}", query(owner, rdtype))
    write(h, "child-zone-apex-a", query("child.example.test.", "A"))
    write(h, "child-zone-cname-apex", query("www.child.example.test.", "A"))
    write(h, "signed-zone-a", query("www.signed.test.", "A"))
    write(h, "closed-zone-a", query("www.closed.test.", "A"))
    write(h, "refused-other-zone", query("www.other.test.", "A"))
    write(h, "case-preserved", query("WwW.ExAmPlE.TeSt.", "A"))
    write(h, "rd-set", query("www.example.test.", "A", rd=True))
    m = dns.message.make_query("www.example.test.", "A")
    m.id = 0x4242
    m.flags |= dns.flags.CD
    write(h, "cd-set", m.to_wire())
    # EDNS
    write(h, "edns-1232", query("big.example.test.", "TXT", edns=0, payload=1232))
    write(h, "edns-512", query("big.example.test.", "TXT", edns=0, payload=512))
    write(h, "edns-4096-do", query("www.example.test.", "A", edns=0, payload=4096, do=True))
    write(h, "edns-under-512", query("big.example.test.", "TXT", edns=0, payload=100))
    write(h, "edns-version-1", query("www.example.test.", "A", edns=1))
    write(h, "edns-cookie", query("www.example.test.", "A", edns=0, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(8)))]))
    write(h, "edns-server-cookie", query("www.example.test.", "A", edns=0, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(8)) + bytes(range(100, 116)))]))
    write(h, "edns-nsid", query("www.example.test.", "A", edns=0, options=[dns.edns.GenericOption(dns.edns.NSID, b"")]))
    write(h, "edns-padding-unknown", query("www.example.test.", "A", edns=0, options=[
        dns.edns.GenericOption(12, bytes(16)), dns.edns.GenericOption(65001, b"xy")]))
    base = query("www.example.test.", "A", edns=0)
    opt = base[len(query("www.example.test.", "A")):]
    write(h, "two-opt", header(ar=2) + qname("www.example.test.") + b"\x00\x01\x00\x01" + opt + opt)
    write(h, "opt-nonroot-owner", header(ar=1) + qname("www.example.test.") + b"\x00\x01\x00\x01" +
          qname("x.") + opt[1:])
    write(h, "opt-in-answer", header(an=1) + qname("www.example.test.") + b"\x00\x01\x00\x01" + opt)
    # Malformed and unusual headers
    plain = query("www.example.test.", "A")
    write(h, "short-header", plain[:11])
    write(h, "header-only", header(qd=0))
    write(h, "qr-set", header(flags=0x8000) + plain[12:])
    write(h, "two-questions", header(qd=2) + plain[12:] + plain[12:])
    write(h, "question-cut", plain[:20])
    write(h, "trailing-garbage", plain + b"\x00garbage")
    write(h, "compressed-qname", header() + b"\x03www\xc0\x0c\x00\x01\x00\x01")
    write(h, "pointer-loop-qname", header() + b"\xc0\x0c\x00\x01\x00\x01")
    write(h, "label-too-long", header() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01")
    write(h, "name-255", query(".".join(["a" * 63] * 3 + ["b" * 61]) + ".", "A"))
    write(h, "opcode-notify", query("example.test.", "SOA", opcode=dns.opcode.NOTIFY))
    write(h, "opcode-update", query("example.test.", "SOA", opcode=dns.opcode.UPDATE))
    write(h, "opcode-status", query("example.test.", "SOA", opcode=dns.opcode.STATUS))
    write(h, "class-ch", query("version.bind.", "TXT", rdclass="CH"))
    write(h, "class-any", query("www.example.test.", "A", rdclass="ANY"))
    for t in ["OPT", "TSIG", "TKEY", "MAILA", "MAILB", "AXFR", "IXFR"]:
        write(h, f"qtype-{t.lower()}", query("example.test.", t))
    write(h, "tsig-signed-handoff", query("www.example.test.", "A", tsig=KEY_NAME))
    write(h, "rrsig-query", query("www.example.test.", "RRSIG"))


def transfer_seeds():
    h = "transfer"
    write(h, "axfr", query("example.test.", "AXFR"))
    write(h, "axfr-edns", query("example.test.", "AXFR", edns=0))
    write(h, "axfr-signed", query("example.test.", "AXFR", tsig=KEY_NAME))
    write(h, "axfr-signed-zone-unsigned", query("signed.test.", "AXFR"))
    write(h, "axfr-signed-zone-signed", query("signed.test.", "AXFR", tsig=KEY_NAME))
    write(h, "axfr-closed-zone", query("closed.test.", "AXFR"))
    write(h, "axfr-child-zone", query("child.example.test.", "AXFR"))
    write(h, "axfr-not-apex", query("www.example.test.", "AXFR"))
    write(h, "axfr-other-zone", query("other.test.", "AXFR"))
    for serial, tag in [(5, "old"), (FIRST_SERIAL, "first"), (FIRST_SERIAL + 1, "middle"),
                        (CURRENT_SERIAL, "current"), (CURRENT_SERIAL + 100, "newer"), (0xFFFFFFFF, "max")]:
        write(h, f"ixfr-{tag}", query("example.test.", "IXFR", ixfr_serial=serial))
    write(h, "ixfr-first-signed", query("example.test.", "IXFR", ixfr_serial=FIRST_SERIAL, tsig=KEY_NAME))
    write(h, "ixfr-first-edns", query("example.test.", "IXFR", ixfr_serial=FIRST_SERIAL, edns=0))
    write(h, "ixfr-signed-zone", query("signed.test.", "IXFR", ixfr_serial=5, tsig=KEY_NAME))
    write(h, "ixfr-no-soa", query("example.test.", "IXFR"))
    write(h, "ixfr-two-soas", query("example.test.", "IXFR", ixfr_serial=FIRST_SERIAL, authority=[
        dns.rrset.from_text("example.test.", 0, "IN", "SOA", "ns1.example.test. h.example.test. 1 1 1 1 1")]))
    write(h, "notify", query("example.test.", "SOA", opcode=dns.opcode.NOTIFY))
    write(h, "notify-signed", query("example.test.", "SOA", opcode=dns.opcode.NOTIFY, tsig=KEY_NAME))
    write(h, "signed-soa", query("example.test.", "SOA", tsig=KEY_NAME))
    write(h, "signed-pool-a", query("www.example.test.", "A", tsig=KEY_NAME))
    write(h, "signed-big-txt-udp", query("big.example.test.", "TXT", tsig=KEY_NAME))
    write(h, "signed-medium-txt-udp", query("medium.example.test.", "TXT", tsig=KEY_NAME))  # ~460 bytes unsigned
    write(h, "signed-big-txt-edns-512", query("big.example.test.", "TXT", edns=0, payload=512, tsig=KEY_NAME))
    write(h, "signed-nxdomain", query("nope.example.test.", "A", tsig=KEY_NAME))
    write(h, "signed-unknown-key", query("example.test.", "SOA", tsig="other-key.", tsig_keyring=OTHER_KEYRING))
    signed = bytearray(query("example.test.", "SOA", tsig=KEY_NAME))
    signed[-30] ^= 0xFF  # inside the MAC
    write(h, "signed-bad-mac", bytes(signed))
    saved = time.time
    time.time = lambda: float(NOW_S - 3600)
    write(h, "signed-stale-time", query("example.test.", "SOA", tsig=KEY_NAME))
    time.time = saved
    tsig_rr = query("example.test.", "SOA", tsig=KEY_NAME)[len(query("example.test.", "SOA")):]
    write(h, "tsig-not-last", header(ar=2) + qname("example.test.") + b"\x00\x06\x00\x01" + tsig_rr +
          query("example.test.", "SOA", edns=0)[len(query("example.test.", "SOA")):])
    write(h, "unsigned-query", query("www.example.test.", "A"))
    write(h, "qr-set", header(flags=0x8000) + query("example.test.", "AXFR")[12:])


def notify_reply_seeds():
    h = "notify_reply"
    for zone, tag in [("example.test.", "ok"), ("EXAMPLE.Test.", "upper-case"), (".", "root")]:
        m = dns.message.make_query(zone, "SOA")
        m.set_opcode(dns.opcode.NOTIFY)
        m.flags = dns.flags.QR | dns.flags.AA | (dns.opcode.NOTIFY << 11)
        m.id = 0x1234
        write(h, tag, m.to_wire())
    ok = dns.message.make_query("example.test.", "SOA")
    ok.id = 0x1234
    ok.flags = dns.flags.QR | (dns.opcode.NOTIFY << 11)
    ok.set_rcode(dns.rcode.NOTAUTH)
    write(h, "notauth", ok.to_wire())
    ok.use_tsig(KEYRING, keyname=KEY_NAME, algorithm="hmac-sha256")
    write(h, "signed", ok.to_wire())
    m = dns.message.make_query("example.test.", "SOA")
    m.id = 0x1234
    wire = m.to_wire()
    write(h, "not-a-response", wire)
    write(h, "opcode-query", bytes([wire[0], wire[1], 0x80, 0]) + wire[4:])
    body = wire[12:]
    notify_flags = bytes([0x80 | (4 << 3), 0])
    write(h, "no-question", wire[:2] + notify_flags + b"\x00\x00" * 4)
    write(h, "two-questions", wire[:2] + notify_flags + b"\x00\x02\x00\x00\x00\x00\x00\x00" + body + body)
    write(h, "compressed-name", wire[:2] + notify_flags + b"\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x06\x00\x01")
    write(h, "type-a", wire[:2] + notify_flags + wire[4:12] + qname("example.test.") + b"\x00\x01\x00\x01")
    write(h, "class-ch", wire[:2] + notify_flags + wire[4:12] + qname("example.test.") + b"\x00\x06\x00\x03")
    write(h, "cut-type", wire[:2] + notify_flags + wire[4:12] + qname("example.test.") + b"\x00")
    write(h, "short", wire[:11])


def dns_check_seeds():
    h = "dns_check"
    for rcode, tag in [(dns.rcode.NOERROR, "noerror"), (dns.rcode.REFUSED, "refused"),
                       (dns.rcode.SERVFAIL, "servfail"), (dns.rcode.NXDOMAIN, "nxdomain")]:
        q = dns.message.make_query("health.example.test.", "A")
        q.id = 0x2222
        r = dns.message.make_response(q)
        r.set_rcode(rcode)
        if rcode == dns.rcode.NOERROR:
            r.answer.append(dns.rrset.from_text("health.example.test.", 5, "IN", "A", "192.0.2.1"))
        write(h, f"reply-{tag}", r.to_wire())
    q = dns.message.make_query("health.example.test.", "A")
    q.id = 0x2222
    write(h, "a-query-not-reply", q.to_wire())
    write(h, "short", q.to_wire()[:11])
    r = dns.message.make_response(q)
    r.use_edns(0)
    r.set_rcode(dns.rcode.BADVERS)
    write(h, "reply-badvers-edns", r.to_wire())
    # Replies that end in a flags byte choosing the harness's expectations
    # (1: no EDNS, 2: expect_answer, 4: AAAA, 8: expect_address, 16: NOERROR
    # or NXDOMAIN, 32: SERVFAIL or BADVERS); the byte trails the message.
    def reply(rdtype="A", rcode=dns.rcode.NOERROR, answers=(), edns=True, tc=False, flags=0):
        q = dns.message.make_query("health.example.test.", rdtype, use_edns=0 if edns else False)
        q.id = 0x2222
        r = dns.message.make_response(q)
        r.set_rcode(rcode)
        for rtype, text in answers:
            r.answer.append(dns.rrset.from_text("health.example.test.", 5, "IN", rtype, text))
        if tc:
            r.flags |= dns.flags.TC
        return r.to_wire() + bytes([flags])
    write(h, "expect-address-match", reply(answers=[("A", "192.0.2.2"), ("A", "192.0.2.1")], flags=8))
    write(h, "expect-address-miss", reply(answers=[("A", "192.0.2.2")], flags=8))
    write(h, "expect-address-aaaa", reply("AAAA", answers=[("AAAA", "2001:db8::1")], flags=4 | 8))
    write(h, "expect-answer-empty", reply(flags=2))
    write(h, "expect-answer-cname-only", reply(answers=[("CNAME", "www.example.test.")], flags=2))
    write(h, "expect-answer-a", reply(answers=[("A", "192.0.2.1")], flags=2 | 8))
    write(h, "truncated", reply(tc=True, flags=0))
    write(h, "nxdomain-accepted", reply(rcode=dns.rcode.NXDOMAIN, flags=16))
    write(h, "servfail-accepted", reply(rcode=dns.rcode.SERVFAIL, flags=32))
    write(h, "badvers-accepted", reply(rcode=dns.rcode.BADVERS, flags=32))
    write(h, "formerr-no-opt", reply(rcode=dns.rcode.FORMERR, edns=False, flags=0))
    # Inputs that are check query names as well (the harness reads them both ways).
    for name in ["www.example.test", "www.example.test.", ".", "", "a..b", "\\046.example", "x" * 70 + ".test",
                 "\\255\\000.test.", ".".join(["abc"] * 90)]:
        write(h, "name-" + (name.replace("\\", "_").replace(".", "_")[:20] or "empty"), name)


def zone_json_seeds():
    h = "zone_json"
    with open(os.path.join(HERE, "..", "..", "examples", "zones", "example.test.json")) as f:
        write(h, "example-zone", f.read())
    write(h, "minimal", '{"origin": "min.test.", "soa": {"mname": "ns1", "rname": "h"}, "records": {"@": {"NS": "ns1"}}}')
    write(h, "transfer-tsig", '{"origin": "t.test.", "soa": {"mname": "ns1", "rname": "h", "serial": 7},'
          ' "transfer": {"allow": ["127.0.0.0/8", "::1"], "notify": ["192.0.2.53", "[2001:db8::1]:5300"],'
          ' "tsig": "fuzz-key"}, "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}}}')
    write(h, "pool-checks", '{"origin": "p.test.", "soa": {"mname": "ns1", "rname": "h"}, "pools": {'
          '"web": {"members": ["192.0.2.1", {"address": "192.0.2.2", "weight": 3, "check_address": "10.0.0.2"},'
          ' {"address": "2001:db8::9", "backup": true}, {"address": "192.0.2.4", "state": "drain"}],'
          ' "check": {"type": "http", "port": 80, "path": "/healthz", "host": "www.p.test", "interval": 2,'
          ' "fast_interval": 0.5, "timeout": 1, "rise": 2, "fall": 3}, "policy": "weighted", "max_answers": 2,'
          ' "when_all_down": "serve-none", "ttl": 5},'
          ' "dns": {"members": ["192.0.2.8"], "check": {"type": "dns", "query_name": "p.test", "query_type": "SOA"}},'
          ' "cmd": {"members": ["192.0.2.9"], "check": {"type": "exec", "command": "true {address}", "timeout": 1}}},'
          ' "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}, "www": {"A": {"pool": "web", "ttl": 10},'
          ' "AAAA": {"pool": "web"}}, "d": {"A": {"pool": "dns"}}, "c": {"A": {"pool": "cmd"}}}}')
    write(h, "every-rdata", '{"origin": "r.test.", "ttl": 60, "soa": {"mname": "ns1", "rname": "h"}, "records": {'
          '"@": {"NS": ["ns1", "ns2.other."], "MX": "10 mail", "TXT": ["a", "b c"], "CAA": "0 issue \\"ca.test\\"",'
          ' "HTTPS": "1 . alpn=h2,h3", "SSHFP": "4 2 4609c563106713ca9b4269edf380764fa639767c7968a0df5a7be577245b4df8"},'
          ' "ns1": {"A": "192.0.2.1", "AAAA": "2001:db8::1"}, "mail": {"A": "192.0.2.2"},'
          ' "_sip._tcp": {"SRV": "0 5 5060 mail"}, "_443._tcp": {"TLSA": "3 1 1 aabbcc"},'
          ' "svc": {"SVCB": "1 mail port=8443"}, "ptr": {"PTR": "@"}, "alias": {"CNAME": "mail"},'
          ' "n": {"NAPTR": "100 10 \\"S\\" \\"SIP+D2U\\" \\"\\" _sip._tcp"}, "*.w": {"A": "192.0.2.3"},'
          ' "sub": {"NS": "ns.sub", "DS": "31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782"},'
          ' "ns.sub": {"A": "192.0.2.4"}, "x": {"TYPE65280": "\\\\# 2 abcd", "TTL": null}}}')
    write(h, "error-not-json", '{"origin": "x.test.", ')
    write(h, "error-types", '{"origin": 5, "soa": [], "records": {"@": {"A": {"pool": "nope"}}}}')
    write(h, "error-unknown-key", '{"origin": "x.test.", "soa": {"mname": "ns1", "rname": "h", "serail": 1}, "records": {}}')
    write(h, "error-cname-and-data", '{"origin": "x.test.", "soa": {"mname": "ns1", "rname": "h"},'
          ' "records": {"@": {"NS": "ns1"}, "a": {"CNAME": "b", "A": "192.0.2.1"}, "b": {"A": "300.1.1.1"}}}')
    write(h, "error-pool-family", '{"origin": "x.test.", "soa": {"mname": "ns1", "rname": "h"},'
          ' "pools": {"p": {"members": ["2001:db8::1", "2001:db8::1"]}}, "records": {"@": {"NS": "ns1"}, "a": {"A": {"pool": "p"}}}}')
    write(h, "error-outside-origin", '{"origin": "x.test.", "soa": {"mname": "ns1", "rname": "h"},'
          ' "records": {"@": {"NS": "ns1"}, "y.other.": {"A": "192.0.2.1"}}}')
    write(h, "catalog-like", '{"origin": "catalog.invalid.", "soa": {"mname": "invalid.", "rname": "invalid."},'
          ' "records": {"@": {"NS": "invalid.", "TXT": "version=2"}, "version": {"TXT": "2"},'
          ' "a.zones": {"PTR": "example.test."}}}')
    write(h, "deep-nesting", "[" * 200 + "]" * 200)
    write(h, "utf8-escapes", '{"origin": "\\u00e9.test.", "soa": {"mname": "ns1", "rname": "h\\ud83d\\ude00"}}')


def zone_import_seeds():
    h = "zone_import"
    write(h, "bind-style", """$ORIGIN example.test.
$TTL 300
@   IN SOA ns1 hostmaster ( 2024010201 3600 600 86400 60 )
    IN NS  ns1
    IN NS  ns2.elsewhere.test.
    IN MX  10 mail
ns1 IN A   192.0.2.53
    IN AAAA 2001:db8::53
mail 60 IN A 192.0.2.25
www IN A 192.0.2.10
www IN A 192.0.2.11
alias IN CNAME www
*.wild IN TXT "wild card" "two strings"
_sip._udp IN SRV 10 60 5060 sip
sip IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
sub IN NS ns.sub
sub IN DS 31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782
ns.sub IN A 192.0.2.54
@ IN CAA 0 issue "letsencrypt.org"
@ IN HTTPS 1 . alpn=h2,h3
legacy IN TYPE65280 \\# 4 deadbeef
""")
    write(h, "no-origin-relative", "@ 300 IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n")
    write(h, "absolute-names", "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5\n"
          "example.test. 300 IN NS ns1.example.test.\nns1.example.test. 300 IN A 192.0.2.1\n")
    write(h, "skipped-records", "$ORIGIN example.test.\n@ 300 IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\n"
          "@ IN RRSIG SOA 13 2 300 20250101000000 20240101000000 1 example.test. AAAA\n"
          "@ IN DNSKEY 257 3 13 AAAA\nx CH TXT chaos\nns1 IN A 192.0.2.1\nns1 IN A 192.0.2.1\n"
          "ttl1 10 IN A 192.0.2.1\nttl1 20 IN A 192.0.2.2\n")
    write(h, "errors", "$ORIGIN example.test.\n@ 300 IN SOA ns1 h 1 2 3 4 5\n@ IN SOA ns2 h 2 2 3 4 5\n"
          "a IN CNAME b\na IN A 192.0.2.1\nbad IN A 300.0.0.1\n$GENERATE 1-10 h$ A 192.0.2.$\n")
    write(h, "include-missing", "$ORIGIN example.test.\n@ 300 IN SOA ns1 h 1 2 3 4 5\n$INCLUDE missing.db sub\n")
    write(h, "ttl-directives", "$TTL 1h\n$ORIGIN example.test.\n@ IN SOA ns1 h 1 2h 3m 4w 5d\n@ NS ns1\n"
          "$TTL 0\nns1 A 192.0.2.1\n$ORIGIN sub.example.test.\nwww A 192.0.2.2\n")
    write(h, "parentheses-comments", "$ORIGIN example.test.\n@ 300 IN SOA ns1 h ( ; comment\n 1 ; serial\n 2 3 4 5 )\n"
          "@ IN NS ns1 ; trailing\nns1 IN A 192.0.2.1\nt IN TXT \"semi;colon\" \"quote\\\"d\"\n")
    write(h, "out-of-zone", "$ORIGIN example.test.\n@ 300 IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nother.test. IN A 192.0.2.1\n")
    write(h, "empty", "")
    write(h, "garbage", "\x00\xff$ORIGIN\n(((\n")


def control_body_seeds():
    h = "control_body"
    write(h, "drain", '{"pool": "web", "address": "192.0.2.1"}')
    write(h, "drain-zone", '{"pool": "web", "address": "2001:DB8:0::1", "zone": "Example.Test"}')
    write(h, "drain-null-zone", '{"pool": "web", "address": "192.0.2.1", "zone": null}')
    write(h, "drain-every-pool", '{"address": "2001:DB8::1"}')
    write(h, "drain-every-pool-null", '{"pool": null, "address": "192.0.2.1"}')
    write(h, "drain-zone-without-pool", '{"address": "192.0.2.1", "zone": "example.test"}')
    write(h, "empty-body", "")
    write(h, "empty-object", "{}")
    write(h, "not-object", "[1, 2]")
    write(h, "not-json", "pool=web&address=192.0.2.1")
    write(h, "wrong-type", '{"pool": 5, "address": ["192.0.2.1"]}')
    write(h, "invalid-utf8", b'{"pool": "w\xffb", "address": "192.0.2.1"}')
    write(h, "unicode-escape", '{"pool": "\\u00e9", "address": "\\ud83d\\ude00"}')
    write(h, "explain-a", "www.example.test")
    write(h, "explain-typed", "AAAA www.example.test.")
    write(h, "explain-type-number", "65280 legacy.example.test")
    write(h, "explain-cname", "A alias.example.test")
    write(h, "explain-wildcard", "TXT x.wild.example.test")
    write(h, "explain-referral", "A www.sub.example.test")
    write(h, "explain-pool-down", "A dead.example.test")
    write(h, "explain-bad-type", "BOGUS www.example.test")
    write(h, "explain-bad-name", "A a..b")
    write(h, "explain-escapes", "TYPE1 \\046\\255.example.test")


def query_signed_seeds():
    """DO=1 queries for each kind of signed answer (fuzz_query_signed.cc's zone)."""
    h = "query_signed"
    e = "example.test."
    for name, rdtype, tag in [
        ("www", "A", "pool-window"), ("www", "AAAA", "pool-aaaa"), ("weighted", "A", "pool-weighted"),
        ("dead", "A", "pool-empty-nodata"), ("dead", "NSEC", "nsec-of-emptied-pool"), ("www", "TXT", "txt"),
        ("@", "SOA", "apex-soa"), ("@", "NS", "apex-ns"), ("@", "MX", "mx-additional"), ("@", "DNSKEY", "dnskey"),
        ("@", "NSEC", "apex-nsec"), ("@", "RRSIG", "apex-rrsig"), ("@", "ANY", "any"),
        ("alias", "A", "cname-chain"), ("gone", "A", "cname-to-nxdomain"), ("out", "A", "cname-out-of-zone"),
        ("anything.wild", "A", "wildcard"), ("anything.wild", "MX", "wildcard-nodata"),
        ("a.b.anything.wild", "TXT", "wildcard-deeper"), ("x.wildc", "A", "wildcard-cname"),
        ("exists.wild", "A", "wildcard-blocked-nodata"), ("deep.a.b", "TXT", "deep"),
        ("a.b", "A", "empty-non-terminal"), ("nope", "A", "nxdomain"), ("zzz", "A", "nxdomain-after-last"),
        ("nope.deep.a.b", "A", "nxdomain-below-name"), ("www.sub", "A", "referral-secure"),
        ("sub", "DS", "ds-at-cut"), ("ns.sub", "A", "glue-below-cut"), ("www.insecure", "A", "referral-insecure"),
        ("insecure", "DS", "ds-nodata-insecure"), ("_sip._udp", "SRV", "srv-additional"),
        ("ns1", "AAAA", "aaaa"), ("mail", "MX", "nodata"), ("big", "TXT", "big-txt"), ("medium", "TXT", "medium-txt"),
    ]:
        owner = e if name == "@" else f"{name}.{e}"
        write(h, f"do-{tag}", query(owner, rdtype, edns=0, payload=1232, do=True))
    for payload in (512, 700):
        for name, rdtype, tag in [("nope", "A", "nxdomain"), ("big", "TXT", "big-txt"), ("www", "A", "pool"),
                                  ("www.sub", "A", "referral"), ("medium", "TXT", "medium-txt")]:
            write(h, f"do-{payload}-{tag}", query(f"{name}.{e}", rdtype, edns=0, payload=payload, do=True))
    write(h, "no-do-pool", query("www.example.test.", "A", edns=0))
    write(h, "no-do-nxdomain", query("nope.example.test.", "A", edns=0))
    write(h, "no-edns-dnskey", query("example.test.", "DNSKEY"))
    write(h, "do-case", query("WwW.ExAmPlE.TeSt.", "A", edns=0, do=True))


def main():
    query_seeds()
    transfer_seeds()
    notify_reply_seeds()
    dns_check_seeds()
    zone_json_seeds()
    zone_import_seeds()
    control_body_seeds()
    query_signed_seeds()
    for name in sorted(os.listdir(CORPUS)):
        print(f"{name}: {len(os.listdir(os.path.join(CORPUS, name)))} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
