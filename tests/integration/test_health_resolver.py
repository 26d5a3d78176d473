"""End to end through a real recursive resolver: unbound (Debian's), with a
stub-zone for example.test. pointing at dnsd. After a backend dies, the
resolver's answers lose it within detection (interval + fall x fast_interval)
plus the pool's TTL, which bounds how long unbound may cache the old answer.
"""

import shutil
import signal
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import pytest

from dnsd_harness import free_port, wait_for
from health_support import backends  # noqa: F401 (a fixture)
from health_support import FAST_CHECK, fast_check, pool_zone

TTL = 1  # the pool's TTL: how long unbound may keep handing out a dead member


class Unbound:
    """unbound in the foreground on 127.0.0.1:PORT with a config of our own; stopped by PID."""

    def __init__(self, workdir, dnsd_port: int):
        self.workdir = workdir
        self.port = free_port()
        self.conf = workdir / "unbound.conf"
        self.log = workdir / "unbound.log"
        self.conf.write_text(f"""server:
    interface: 127.0.0.1
    port: {self.port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: "{self.log}"
    verbosity: 1
    chroot: ""
    username: ""
    directory: "{workdir}"
    pidfile: ""
    num-threads: 1
    so-reuseport: no
    outgoing-range: 64
    do-not-query-localhost: no
    module-config: "iterator"
    qname-minimisation: no
    access-control: 127.0.0.0/8 allow
    # .test is a reserved name unbound answers itself unless told not to.
    local-zone: "test." nodefault
    domain-insecure: "example.test."
    prefetch: no
    serve-expired: no
remote-control:
    control-enable: no
stub-zone:
    name: "example.test."
    stub-addr: 127.0.0.1@{dnsd_port}
""")
        self.proc = None

    def start(self) -> "Unbound":
        check = subprocess.run(["unbound-checkconf", str(self.conf)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        self.proc = subprocess.Popen(["unbound", "-d", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: self.proc.poll() is not None or self._answers(), 15, "unbound to answer")
        assert self.proc.poll() is None, f"unbound exited: {self.proc.stderr.read().decode()}{self.logtext()}"
        return self

    def _answers(self) -> bool:
        try:
            self.query("example.test.", "SOA", timeout=0.2)
            return True
        except (dns.exception.Timeout, OSError):
            return False

    def query(self, name, rdtype="A", timeout=2.0) -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)  # RD set: a client asking its resolver
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)

    def addresses(self, name="www.example.test.") -> set:
        return {rd.to_text() for rr in self.query(name).answer for rd in rr if rr.rdtype == 1}

    def logtext(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(10)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()


@pytest.fixture
def unbound(tmp_path):
    if not shutil.which("unbound"):
        pytest.skip("unbound not installed (Debian package unbound)")
    started = []

    def start(dnsd_port):
        started.append(Unbound(tmp_path, dnsd_port).start())
        return started[-1]

    yield start
    for u in started:
        u.stop()


def test_a_resolver_stops_handing_out_a_dead_backend_within_detection_plus_ttl(
        start_dnsd, zone_dir, backends, unbound):
    members = ["127.0.1.60", "127.0.1.61", "127.0.1.62"]
    b = backends(members)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": TTL, "members": members, "check": fast_check(port=b[0].port)}})})
    d = start_dnsd(zones=zones, threads=1)
    u = unbound(d.port)

    resp = u.query("www.example.test.")
    assert {rd.to_text() for rr in resp.answer for rd in rr} == set(members), resp.to_text()
    assert resp.answer[0].ttl <= TTL

    b[2].kill()
    died = time.monotonic()
    detection = FAST_CHECK["interval"] * 1.1 + FAST_CHECK["fall"] * FAST_CHECK["fast_interval"] * 1.1
    bound = detection + TTL
    margin = 5.0  # loaded CI machines; polling returns as soon as it holds
    wait_for(lambda: u.addresses() == set(members[:2]), bound + margin,
             "unbound's answers to lose the dead backend")
    took = time.monotonic() - died
    print(f"unbound lost the dead backend after {took:.2f}s (nominal bound {bound:.2f}s)")
    for _ in range(10):  # and it stays gone
        assert u.addresses() == set(members[:2])

    b[2].start()
    wait_for(lambda: u.addresses() == set(members), bound + margin, "unbound's answers to regain it")
