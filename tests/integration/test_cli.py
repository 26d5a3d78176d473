"""The command line: --version and --help, `dnsd check` exit codes and its
`FILE: /json/pointer: message` error lines, and `dnsd serve` flags: IPv6
listen, repeated --listen, --threads, SIGTERM/SIGINT shutdown."""

import copy
import re
import signal
import socket

import dns.rcode
import pytest

from dnsd_harness import ZONES, STOP_TIMEOUT, make_query, parse, run_dnsd, texts, wait_for

GOOD = {
    "origin": "cli.test.",
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "records": {"@": {"NS": ["ns1", "ns2"], "MX": "10 mail"},
                "ns1": {"A": "192.0.2.1"}, "ns2": {"A": "192.0.2.2"}, "mail": {"A": "192.0.2.3"},
                "www": {"A": ["192.0.2.10", "192.0.2.11"]}},
}


def variant(edit):
    z = copy.deepcopy(GOOD)
    edit(z)
    return z


def error_lines(output, path):
    """(pointer, message) of each `PATH: /pointer: message` line; the whole document's pointer is `(root)`."""
    pattern = re.compile(r"^" + re.escape(str(path)) + r": (/[^ ]*|\(root\)): (.+)$")
    return [m.groups() for m in map(pattern.match, output.splitlines()) if m]


# -- version and help ---------------------------------------------------------

def test_version():
    p = run_dnsd("--version")
    assert p.returncode == 0
    assert re.fullmatch(r"dnsd \d+\.\d+\.\d+\S*\n", p.stdout), p.stdout


@pytest.mark.parametrize("args,words", [(["--help"], ["serve", "check"]),
                                        (["serve", "--help"], ["--zones", "--listen", "--threads",
                                                               "--tcp-idle-timeout", "--tcp-max-connections"]),
                                        (["check", "--help"], ["DIR", "FILE"])])
def test_help(args, words):
    p = run_dnsd(*args)
    assert p.returncode == 0, p.stderr
    for w in words:
        assert w in p.stdout


@pytest.mark.parametrize("args", [["frobnicate"], ["serve", "--bogus"], ["serve"], ["check"], ["check", "--bogus"],
                                  ["serve", "--zones", str(ZONES), "--threads", "0"],
                                  ["serve", "--zones", str(ZONES), "--listen", "nonsense"]])
def test_bad_usage_fails_with_a_message(args):
    p = run_dnsd(*args, timeout=10)
    assert p.returncode not in (0, None)
    assert p.stderr.strip(), "say what is wrong"


# -- dnsd check ---------------------------------------------------------------

def test_check_accepts_the_fixture_zones():
    p = run_dnsd("check", str(ZONES))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok: 3 zones"


def test_check_accepts_one_good_file(zone_dir):
    d = zone_dir({"cli.test.json": GOOD})
    p = run_dnsd("check", str(d / "cli.test.json"))
    assert p.returncode == 0, p.stderr


BAD = [
    # (name, zone JSON or text, pointer prefix the error must carry)
    ("bad-json", '{"origin": "cli.test.", ', "(root)"),
    ("unknown-top-key", variant(lambda z: z.update(colour="blue")), "/colour"),
    ("unknown-rrset-key", variant(lambda z: z["records"]["www"].update(A={"ttl": 5, "data": "192.0.2.1", "x": 1})),
     "/records/www/A"),
    ("bad-address", variant(lambda z: z["records"]["www"].update(A=["192.0.2.10", "192.0.2.300"])),
     "/records/www/A"),
    ("bad-aaaa", variant(lambda z: z["records"]["www"].update(AAAA="2001:db8::zz")), "/records/www/AAAA"),
    ("outside-origin", variant(lambda z: z["records"].update({"www.other.test.": {"A": "192.0.2.1"}})),
     "/records/www.other.test."),
    ("cname-and-other-data", variant(lambda z: z["records"]["www"].update(CNAME="mail")), "/records/www"),
    ("missing-soa", variant(lambda z: z.pop("soa")), "(root)"),
    ("missing-apex-ns", variant(lambda z: z["records"]["@"].pop("NS")), ""),
    ("ttl-too-big", variant(lambda z: z.update(ttl=2 ** 31)), "/ttl"),
    ("ttl-negative", variant(lambda z: z["records"]["www"].update(A={"ttl": -1, "data": "192.0.2.1"})),
     "/records/www/A"),
    ("duplicate-record", variant(lambda z: z["records"]["www"].update(A=["192.0.2.10", "192.0.2.10"])),
     "/records/www/A"),
    ("bad-mx", variant(lambda z: z["records"]["@"].update(MX="mail")), "/records/@/MX"),
    ("unknown-type", variant(lambda z: z["records"]["www"].update(NOTATYPE="x")), "/records/www"),
    ("transfer-host-bits", variant(lambda z: z.update(transfer={"allow": ["127.0.0.1", "192.0.2.1/24"]})),
     "/transfer/allow/1"),
    ("transfer-notify-port", variant(lambda z: z.update(transfer={"allow": [], "notify": ["192.0.2.53:0"]})),
     "/transfer/notify/0"),
    ("transfer-unknown-key", variant(lambda z: z.update(transfer={"allow": [], "alow": []})), "/transfer/alow"),
]


@pytest.mark.parametrize("name,zone,pointer", BAD, ids=[b[0] for b in BAD])
def test_check_reports_file_pointer_message(zone_dir, name, zone, pointer):
    d = zone_dir({f"{name}.json": zone})
    path = d / f"{name}.json"
    p = run_dnsd("check", str(path))
    assert p.returncode == 1, f"exit {p.returncode}\n{p.stdout}{p.stderr}"
    lines = error_lines(p.stderr, path)
    assert lines, f"no `{path}: /pointer: message` line in:\n{p.stderr}"
    assert any(ptr.startswith(pointer) and msg.strip() for ptr, msg in lines), \
        f"want pointer under {pointer!r}:\n{p.stderr}"


def test_check_shows_the_whole_document_pointer_as_root(zone_dir):
    d = zone_dir({"bad.test.json": variant(lambda z: z.pop("soa"))})
    path = d / "bad.test.json"
    p = run_dnsd("check", str(path))
    assert p.returncode == 1
    assert f'{path}: (root): missing required key "soa"' in p.stderr.splitlines(), p.stderr
    assert f"{path}: : " not in p.stderr, "an empty pointer reads as a missing field"


QUOTED_TXT = ('/records/@/TXT: warning: TXT string starts and ends with a double quote; dnsd takes JSON strings '
              'literally, so the quotes are served as part of the text. Write "v=spf1 -all" without them')


def test_check_warns_about_a_quoted_txt_string_and_still_passes(zone_dir):
    d = zone_dir({"cli.test.json": variant(lambda z: z["records"]["@"].update(TXT='"v=spf1 -all"'))})
    path = d / "cli.test.json"
    p = run_dnsd("check", str(path))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok: 1 zone"
    assert p.stderr.splitlines() == [f"{path}: {QUOTED_TXT}"]
    quiet = run_dnsd("check", "--quiet", str(d))
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == p.stderr


def test_check_does_not_warn_about_plain_txt(zone_dir):
    d = zone_dir({"cli.test.json": variant(lambda z: z["records"]["@"].update(TXT=['v=spf1 -all', 'say "hi"']))})
    p = run_dnsd("check", str(d))
    assert p.returncode == 0 and p.stderr == "", p.stderr


def test_serve_logs_the_quoted_txt_warning_and_serves_the_quotes(start_dnsd, zone_dir):
    zones = zone_dir({"cli.test.json": variant(lambda z: z["records"]["@"].update(TXT='"v=spf1 -all"'))})
    d = start_dnsd(zones=zones)
    r = d.query("cli.test", "TXT")
    assert [b"".join(rd.strings) for rd in r.answer[0]] == [b'"v=spf1 -all"']
    line = f"{zones / 'cli.test.json'}: {QUOTED_TXT.replace('warning: ', '')}"
    wait_for(lambda: any(l.endswith(line) and " warn: " in l for l in d.log().splitlines()), STOP_TIMEOUT,
             "the warning in the log")


def test_check_accepts_a_transfer_object(zone_dir):
    zone = variant(lambda z: z.update(transfer={"allow": ["127.0.0.0/8", "::1"], "notify": ["[2001:db8::1]:5300"],
                                                "tsig": "xfr-key"}))
    d = zone_dir({"xfr.json": zone})
    p = run_dnsd("check", str(d / "xfr.json"))
    assert p.returncode == 0, p.stderr


def test_check_names_the_bad_transfer_prefix_exactly(zone_dir):
    d = zone_dir({"xfr.json": variant(lambda z: z.update(transfer={"allow": ["127.0.0.1", "192.0.2.1/24"]}))})
    p = run_dnsd("check", str(d / "xfr.json"))
    assert p.returncode == 1
    lines = error_lines(p.stderr, d / "xfr.json")
    assert [ptr for ptr, _ in lines] == ["/transfer/allow/1"], p.stderr
    assert "host bits" in lines[0][1] and "192.0.2.0/24" in lines[0][1], p.stderr


def test_check_reports_every_error(zone_dir):
    def two_errors(z):
        z["records"]["www"]["A"] = "192.0.2.300"
        z["records"]["mail"]["A"] = "not-an-address"
    d = zone_dir({"two.json": variant(two_errors)})
    p = run_dnsd("check", str(d / "two.json"))
    assert p.returncode == 1
    pointers = [ptr for ptr, _ in error_lines(p.stderr, d / "two.json")]
    assert any(x.startswith("/records/www/A") for x in pointers), p.stderr
    assert any(x.startswith("/records/mail/A") for x in pointers), p.stderr


def test_check_directory_names_only_the_bad_file(zone_dir):
    bad = variant(lambda z: (z.update(origin="bad.test."), z["records"]["www"].update(A="300.1.1.1")))
    d = zone_dir({"good.json": GOOD, "bad.json": bad, "notes.txt": "not a zone"})
    p = run_dnsd("check", str(d))
    assert p.returncode == 1
    assert error_lines(p.stderr, d / "bad.json")
    assert "good.json" not in p.stderr
    assert "notes.txt" not in p.stderr, "only *.json files are zones"


def test_check_missing_path_fails(tmp_path):
    missing = tmp_path / "nope.json"
    p = run_dnsd("check", str(missing))
    assert p.returncode == 1
    assert error_lines(p.stderr, missing)


# -- dnsd serve ---------------------------------------------------------------

def test_serve_only_json_files_are_zones(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"cli.test.json": GOOD, "README": "not json at all {"}))
    r = d.query("www.cli.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sorted(texts(r.answer[0])) == ["192.0.2.10", "192.0.2.11"]


def test_serve_on_ipv6_loopback(start_dnsd):
    d = start_dnsd(zones=ZONES, hosts=("::1",))
    assert d.addrs[0][0] == "::1"
    assert d.query("ns1.example.test", "A").answer
    assert d.query_tcp("ns1.example.test", "AAAA").answer
    (a,) = d.dig("+norec", "www.example.test", "A")
    assert a.rcode == "NOERROR" and len(a.data("ANSWER", "A")) == 3


def test_serve_on_several_listen_addresses(start_dnsd):
    d = start_dnsd(zones=ZONES, hosts=("127.0.0.1", "::1", "127.0.0.2", "127.0.0.1"))
    assert len(d.addrs) == 4
    for addr in d.addrs:
        assert d.query("ns1.example.test", "A", addr=addr).answer, addr
        assert d.query_tcp("ns1.example.test", "A", addr=addr).answer, addr
    (a,) = d.kdig("+norec", "mail.example.test", "A", addr=d.addrs[2])
    assert a.data("ANSWER", "A") == ["192.0.2.25"]


def test_serve_with_two_threads(start_dnsd):
    d = start_dnsd(zones=ZONES, threads=2)
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
    try:
        for i, s in enumerate(sockets):  # 16 source ports spread over both workers
            s.settimeout(2)
            s.connect((d.host, d.port))
            s.send(make_query("www.example.test", "A", qid=i).to_wire())
        for i, s in enumerate(sockets):
            r = parse(s.recv(65535))
            assert r.id == i and len(r.answer[0]) == 3
    finally:
        for s in sockets:
            s.close()
    assert d.query_tcp("chain1.example.test", "A").answer


def test_sigint_also_stops_cleanly(start_dnsd):
    d = start_dnsd(zones=ZONES)
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(STOP_TIMEOUT) == 0
    d.proc = None  # already stopped; nothing for teardown to do

