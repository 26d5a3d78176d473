#!/usr/bin/python3
"""Known-answer TSIG vectors for test_tsig.cc, made by dnspython.

dnspython signs queries, response streams (two messages), a BADTIME reply, a
NOTIFY and its reply at fixed times; the unit tests check that dnsd accepts
what dnspython signed and that dnsd, signing the same unsigned messages,
produces dnspython's bytes exactly. Equal bytes mean dnspython verifies ours.

  /usr/bin/python3 tests/unit/dnsd/xfr/tsig_vectors.py          # print the header
  /usr/bin/python3 tests/unit/dnsd/xfr/tsig_vectors.py --write  # rewrite tsig_vectors.h
  /usr/bin/python3 tests/unit/dnsd/xfr/tsig_vectors.py --check  # exit 1 if it differs
"""
import base64
import os
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsig_vectors.h")
T = 1700000000  # the time every vector is signed at, unless it says otherwise
SECRET = base64.b64encode(b"dnsd tsig test secret, 32 bytes!").decode()

# (C++ name, key name, algorithm) for the per-algorithm query vectors.
ALGORITHMS = [
    ("sha1", "sha1-key.", dns.tsig.HMAC_SHA1),
    ("sha224", "sha224-key.", dns.tsig.HMAC_SHA224),
    ("sha256", "xfr-key.", dns.tsig.HMAC_SHA256),
    ("sha384", "sha384-key.", dns.tsig.HMAC_SHA384),
    ("sha512", "sha512-key.", dns.tsig.HMAC_SHA512),
]


def at(seconds):
    time.time = lambda: float(seconds)


def key(name, algorithm=dns.tsig.HMAC_SHA256):
    return dns.tsig.Key(name, SECRET, algorithm)


def axfr_query(k, qname="example.com.", edns=True, msg_id=0x1234):
    q = dns.message.make_query(qname, dns.rdatatype.AXFR, use_edns=0 if edns else False,
                               payload=1232 if edns else None)
    q.id = msg_id
    q.flags = 0
    q.use_tsig(k)
    return q


def records(m, lines):
    for text in lines:
        m.answer.append(dns.rrset.from_text(*text))


def vectors():
    out = []
    for cname, kname, algorithm in ALGORITHMS:
        at(T)
        q = axfr_query(key(kname, algorithm))
        out.append((f"kQuery_{cname}", q.to_wire(), f"{kname} {algorithm} AXFR example.com., id 0x1234, EDNS, at T"))

    # A key named like the question: dnspython compresses the TSIG owner name.
    at(T)
    q = axfr_query(key("example.com."), edns=False)
    out.append(("kQueryCompressedOwner", q.to_wire(), "key example.com., no EDNS: the owner name is a compression pointer"))

    # A response stream: two messages, the second MACed with timers only.
    k = key("xfr-key.")
    at(T)
    q_wire = axfr_query(k).to_wire()
    q = dns.message.from_wire(q_wire, keyring=k)
    at(T + 1)
    r1 = dns.message.make_response(q)
    r1.flags |= dns.flags.AA
    records(r1, [("example.com.", 3600, "IN", "SOA", "ns.example.com. admin.example.com. 7 3600 900 604800 60"),
                 ("example.com.", 3600, "IN", "NS", "ns.example.com.")])
    r1_wire = r1.to_wire(multi=True)
    at(T + 2)
    r2 = dns.message.make_response(q)
    r2.flags |= dns.flags.AA
    records(r2, [("www.example.com.", 300, "IN", "A", "192.0.2.1"),
                 ("example.com.", 3600, "IN", "SOA", "ns.example.com. admin.example.com. 7 3600 900 604800 60")])
    r2_wire = r2.to_wire(multi=True, tsig_ctx=r1.tsig_ctx)
    # dnspython, as the client, verifies the stream it made.
    at(T + 2)
    first = dns.message.from_wire(r1_wire, keyring=k, request_mac=q.mac, multi=True)
    dns.message.from_wire(r2_wire, keyring=k, request_mac=q.mac, multi=True, tsig_ctx=first.tsig_ctx)
    out.append(("kStreamQuery", q_wire, "the request of the stream: xfr-key., at T"))
    out.append(("kStream1", r1_wire, "first response message, at T + 1"))
    out.append(("kStream2", r2_wire, "second response message, timers only, at T + 2"))

    # BADTIME: a request signed 1000 s ago, answered at T with the client's
    # Time Signed, its fudge, and our time in Other Data.
    at(T - 1000)
    old_wire = axfr_query(k, msg_id=0x0BAD).to_wire()
    old = dns.message.from_wire(old_wire, keyring=k)
    bad = dns.message.make_response(old)
    bad.set_rcode(dns.rcode.NOTAUTH)
    bad.use_tsig(k, fudge=300, tsig_error=dns.rcode.BADTIME, other_data=T.to_bytes(6, "big"))
    bad.request_mac = old.mac
    out.append(("kOldQuery", old_wire, "xfr-key., id 0x0BAD, signed at T - 1000"))
    out.append(("kBadTimeReply", bad.to_wire(), "its BADTIME reply: Time Signed T - 1000, Other Data T"))

    # NOTIFY as dnsd sends it (no EDNS), and the secondary's signed reply.
    at(T)
    n = dns.message.make_query("example.com.", dns.rdatatype.SOA)
    n.id = 0x4321
    n.set_opcode(dns.opcode.NOTIFY)
    n.flags = dns.flags.AA | (n.flags & 0x7800)
    n.use_tsig(k)
    n_wire = n.to_wire()
    received = dns.message.from_wire(n_wire, keyring=k)
    at(T + 1)
    reply = dns.message.make_response(received)
    out.append(("kNotify", n_wire, "NOTIFY example.com. SOA, id 0x4321, AA, xfr-key., at T"))
    out.append(("kNotifyReply", reply.to_wire(), "the secondary's reply, at T + 1"))
    return out


def render():
    lines = [
        "// Generated by tsig_vectors.py (dnspython); do not edit.",
        "// Keys: every one has the secret below; T is the signing time.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <vector>",
        "",
        "namespace tsig_vectors {",
        "",
        f"inline constexpr uint64_t T = {T};",
        f'inline constexpr const char* kSecret = "{SECRET}";',
    ]
    for name, wire, what in vectors():
        lines.append("")
        lines.append(f"// {what}")
        lines.append(f"inline const std::vector<uint8_t> {name} = {{")
        for i in range(0, len(wire), 16):
            lines.append("    " + ", ".join(f"0x{b:02x}" for b in wire[i:i + 16]) + ",")
        lines.append("};")
    lines += ["", "}  // namespace tsig_vectors", ""]
    return "\n".join(lines)


def main():
    text = render()
    if "--write" in sys.argv:
        with open(HEADER, "w") as f:
            f.write(text)
    elif "--check" in sys.argv:
        with open(HEADER) as f:
            if f.read() != text:
                print(f"{HEADER} differs from what dnspython makes now", file=sys.stderr)
                return 1
        print("tsig_vectors.h matches dnspython")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
