"""dnstap query logging against real tools: `dnsd serve --dnstap file:PATH`
read back with BIND's `dnstap-read`, `--dnstap unix:PATH` through the
fstrm_capture collector, and no collector at all (dnsd still answers; the
dropped counter in /metrics goes up). Queries go over UDP and TCP with
NOERROR, NXDOMAIN and REFUSED answers; every process is stopped by PID."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import dns.message
import dns.query
import dns.rcode
import pytest

from control_support import api, parse_prometheus, value
from dnsd_harness import QUERY_TIMEOUT, Dnsd, wait_for

pytestmark = pytest.mark.skipif(not (shutil.which("dnstap-read") and shutil.which("fstrm_capture")),
                                reason="needs dnstap-read (bind9-dnsutils) and fstrm_capture (fstrm-bin)")


def mixed_queries(tag):
    """(qname, protocol, expected rcode) sent to the server: each name unique to this run."""
    out = []
    for proto in ("UDP", "TCP"):
        out.append(("www.example.test.", proto, "NOERROR"))  # once per protocol
        out.append((f"nx-{tag}-{proto.lower()}.example.test.", proto, "NXDOMAIN"))
        out.append((f"{tag}-{proto.lower()}.elsewhere.invalid.", proto, "REFUSED"))
    return out


def send(d, qname, proto):
    q = dns.message.make_query(qname, "A")
    if proto == "UDP":
        r = dns.query.udp(q, d.host, port=d.port, timeout=QUERY_TIMEOUT)
    else:
        r = dns.query.tcp(q, d.host, port=d.port, timeout=QUERY_TIMEOUT)
    return dns.rcode.to_text(r.rcode())


def read_dnstap(path):
    """Every message of a dnstap file, as dicts, through `dnstap-read -y`."""
    out = subprocess.run(["dnstap-read", "-y", path], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    messages = []
    for doc in out.stdout.split("\n---"):
        kind = re.search(r"^  type: (\w+)", doc, re.M)  # the message's, under "message:"
        if not kind:
            continue
        proto = re.search(r"socket_protocol: (\w+)", doc)
        status = re.search(r"status: (\w+)", doc)
        qname = re.search(r"QUESTION SECTION:\s*\n\s*;(\S+)\s", doc)
        identity = re.search(r"^identity: (.*)$", doc, re.M)
        version = re.search(r"^version: (.*)$", doc, re.M)
        messages.append({
            "type": kind.group(1),
            "protocol": proto.group(1) if proto else None,
            "rcode": status.group(1) if status else None,
            "qname": qname.group(1).lower() if qname else None,
            "identity": identity.group(1).strip() if identity else None,
            "version": version.group(1).strip() if version else None,
        })
    return messages


def check_log(messages, sent):
    """Exactly one AUTH_QUERY and one AUTH_RESPONSE per query sent, with its name, protocol and rcode."""
    for qname, proto, rcode in sent:
        mine = [m for m in messages if m["qname"] == qname.lower() and m["protocol"] == proto]
        queries = [m for m in mine if m["type"] == "AUTH_QUERY"]
        responses = [m for m in mine if m["type"] == "AUTH_RESPONSE"]
        assert len(queries) == 1, (qname, proto, mine)
        assert len(responses) == 1, (qname, proto, mine)
        assert responses[0]["rcode"] == rcode, (qname, proto, responses[0])


def test_file_sink_logs_every_query_and_response():
    tmp = tempfile.mkdtemp(prefix="dnsd-dnstap-")
    path = os.path.join(tmp, "dnsd.tap")
    tag = uuid.uuid4().hex[:8]
    sent = mixed_queries(tag)
    with Dnsd(extra_args=["--dnstap", f"file:{path}", "--nsid", "tap-test"]) as d:
        for qname, proto, rcode in sent:
            assert send(d, qname, proto) == rcode
    # dnsd exited 0 on SIGTERM (the harness asserts it): the file is complete.
    messages = read_dnstap(path)
    check_log(messages, sent)
    assert all(m["identity"] == "tap-test" for m in messages)
    assert all(m["version"] and m["version"].startswith("dnsd ") for m in messages)
    shutil.rmtree(tmp)


def test_unix_sink_through_fstrm_capture():
    tmp = tempfile.mkdtemp(prefix="dnsd-dnstap-")
    sock, path = os.path.join(tmp, "tap.sock"), os.path.join(tmp, "captured.tap")
    capture = subprocess.Popen(["fstrm_capture", "-t", "protobuf:dnstap.Dnstap", "-u", sock, "-w", path],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(sock), 10, "fstrm_capture's socket")
        tag = uuid.uuid4().hex[:8]
        sent = mixed_queries(tag)
        with Dnsd(extra_args=["--dnstap", f"unix:{sock}"]) as d:
            for qname, proto, rcode in sent:
                assert send(d, qname, proto) == rcode

            def written():
                samples, _ = parse_prometheus(api(d, "GET", "/metrics", raw=True)[2])
                return (value(samples, "dnsd_dnstap_messages_total", result="written") or 0) >= 2 * len(sent)

            wait_for(written, 10, "dnstap messages written to the collector")
    finally:
        capture.send_signal(signal.SIGTERM)  # fstrm_capture closes its file cleanly on SIGTERM
        try:
            capture.wait(10)
        except subprocess.TimeoutExpired:
            capture.kill()
            capture.wait(10)
    check_log(read_dnstap(path), sent)
    shutil.rmtree(tmp)


def test_no_collector_still_answers_and_counts_drops():
    tmp = tempfile.mkdtemp(prefix="dnsd-dnstap-")
    sock = os.path.join(tmp, "nobody-listens.sock")
    tag = uuid.uuid4().hex[:8]
    with Dnsd(extra_args=["--dnstap", f"unix:{sock}"]) as d:
        def dropped():
            samples, _ = parse_prometheus(api(d, "GET", "/metrics", raw=True)[2])
            assert value(samples, "dnsd_dnstap_connected") == 0
            assert value(samples, "dnsd_dnstap_messages_total", result="written") == 0
            return value(samples, "dnsd_dnstap_messages_total", result="dropped") or 0

        before = dropped()
        sent = mixed_queries(tag) * 5
        for qname, proto, rcode in sent:
            assert send(d, qname, proto) == rcode
        wait_for(lambda: dropped() >= before + 2 * len(sent), 10, "dropped dnstap messages counted")
    shutil.rmtree(tmp)
