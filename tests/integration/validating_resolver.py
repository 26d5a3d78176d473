"""A validating resolver in front of the servers under test: unbound (Debian's).

`ValidatingUnbound` runs unbound in the foreground on a free 127.0.0.1 port
with the validator on, only the trust anchors it is given, and a stub zone per
served zone (stub-addr HOST@PORT). No `domain-insecure`: every answer below an
anchor must validate. Give it the anchor of a parent zone only and stubs for
parent and child, and it finds the child's DS in the parent (the chain of
trust a key rollover must keep). Caching is kept short and can be flushed
(`flush_zone`, `flush_all`) through unbound-control on a unix socket, so that
tests see a server's changes.

`assert_secure` asks for AD; `assert_bogus` expects SERVFAIL. Both fail with
the answer and the tail of unbound's log, where val-log-level 2 names the
reason a validation failed.

Helpers: `ds_lines(zone, dnskeys)` turns a DNSKEY RRset into DS trust anchor
lines, `fetch_dnskeys(host, port, zone)` asks a server for its apex DNSKEYs.
Fixture (import it into a test module): `start_validating_unbound(stubs, anchors)`.
"""

from __future__ import annotations

import pathlib
import shutil
import signal
import subprocess
import tempfile

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from dnsd_harness import QUERY_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT, free_port, wait_for

# unbound answers these reserved names itself (RFC 6761 and friends) unless told not to.
_DEFAULT_LOCAL_ZONES = {"test.", "invalid.", "localhost.", "onion.", "home.arpa.", "local.",
                        "example.", "example.com.", "example.net.", "example.org."}


def abs_name(zone: str) -> str:
    return zone if zone.endswith(".") else zone + "."


def ds_lines(zone: str, dnskeys, digest: str = "SHA256") -> list[str]:
    """Presentation DS lines ("ZONE DS ...") for the keys with the SEP bit (KSK or CSK) of a DNSKEY RRset."""
    zone = abs_name(zone)
    keys = [k for k in dnskeys if k.flags & 0x0001] or list(dnskeys)
    return [f"{zone} DS {dns.dnssec.make_ds(zone, k, digest).to_text()}" for k in keys]


def fetch_dnskeys(host: str, port: int, zone: str) -> dns.rrset.RRset:
    """The DNSKEY RRset a server answers at `zone`'s apex (over TCP, RD clear)."""
    q = dns.message.make_query(abs_name(zone), "DNSKEY", want_dnssec=True)
    q.flags &= ~dns.flags.RD
    r = dns.query.tcp(q, host, port=port, timeout=QUERY_TIMEOUT)
    name = dns.name.from_text(abs_name(zone))
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.DNSKEY and rr.name == name:
            return rr
    raise AssertionError(f"{host}@{port} serves no DNSKEY at {zone}:\n{r}")


def _unix_dir(preferred: pathlib.Path) -> tuple[pathlib.Path, bool]:
    """A directory for the control socket: `preferred` unless sun_path's 108 bytes would not hold it."""
    if len(str(preferred / "unbound.ctl")) < 100:
        return preferred, False
    return pathlib.Path(tempfile.mkdtemp(prefix="unbound-ctl-")), True


class ValidatingUnbound:
    """unbound in the foreground on 127.0.0.1:PORT, validating below `trust_anchors`; stopped by PID.

    stubs: {zone: "127.0.0.1@port"} (or a list of such addresses per zone).
    trust_anchors: presentation DS or DNSKEY lines ("example.test. DS 12345 13 2 ABCD...").
    Called from the test's thread only.
    """

    def __init__(self, workdir, stubs: dict, trust_anchors: list[str], *, cache_max_ttl: int = 1):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stubs = {abs_name(z): ([a] if isinstance(a, str) else list(a)) for z, a in stubs.items()}
        self.trust_anchors = list(trust_anchors)
        self.cache_max_ttl = cache_max_ttl
        self.port = 0
        self.conf = self.workdir / "unbound.conf"
        self.log = self.workdir / "unbound.log"
        self.ctl_dir, self._own_ctl_dir = _unix_dir(self.workdir)
        self.proc: subprocess.Popen | None = None

    @property
    def control_socket(self) -> pathlib.Path:
        return self.ctl_dir / "unbound.ctl"

    def _local_zone_lines(self) -> str:
        names = set()
        for zone in self.stubs:
            n = dns.name.from_text(zone)
            while n != dns.name.root:
                names.add(n.to_text())
                n = n.parent()
        return "".join(f'    local-zone: "{z}" nodefault\n' for z in sorted(names & _DEFAULT_LOCAL_ZONES))

    def config_text(self) -> str:
        anchors = "".join(f'    trust-anchor: "{a}"\n' for a in self.trust_anchors)
        stubs = "".join(f'stub-zone:\n    name: "{z}"\n' + "".join(f"    stub-addr: {a}\n" for a in addrs)
                        for z, addrs in self.stubs.items())
        ttl = self.cache_max_ttl
        return f"""server:
    interface: 127.0.0.1
    port: {self.port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: "{self.log}"
    log-time-ascii: yes
    verbosity: 1
    val-log-level: 2
    chroot: ""
    username: ""
    directory: "{self.workdir}"
    pidfile: ""
    num-threads: 1
    so-reuseport: no
    outgoing-range: 64
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: "validator iterator"
    qname-minimisation: no
    harden-dnssec-stripped: yes
    harden-below-nxdomain: yes
    # Each answer comes from the server under test, not from what was proven before.
    aggressive-nsec: no
    prefetch: no
    prefetch-key: no
    serve-expired: no
    cache-min-ttl: 0
    cache-max-ttl: {ttl}
    cache-max-negative-ttl: {ttl}
    val-bogus-ttl: {ttl}
    infra-host-ttl: {max(ttl, 1)}
    infra-keep-probing: yes
    # No queries of unbound's own (_ta-XXXX. key tag signals) reach the servers under test.
    trust-anchor-signaling: no
    root-key-sentinel: no
    ede: yes
{self._local_zone_lines()}{anchors}
remote-control:
    control-enable: yes
    control-interface: "{self.control_socket}"
    control-use-cert: no

{stubs}"""

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> "ValidatingUnbound":
        for attempt in range(5):  # another process may take the free port before unbound binds it
            self.port = free_port()
            self.conf.write_text(self.config_text())
            check = subprocess.run(["unbound-checkconf", str(self.conf)], capture_output=True, text=True,
                                   timeout=30, stdin=subprocess.DEVNULL)
            assert check.returncode == 0, f"unbound-checkconf {self.conf}: {check.stdout}{check.stderr}"
            with open(self.workdir / "stderr.log", "ab") as err:
                self.proc = subprocess.Popen(["unbound", "-d", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err)
            try:
                wait_for(lambda: self.proc.poll() is not None or self._answers(), START_TIMEOUT,
                         f"unbound to answer on 127.0.0.1@{self.port}")
            except TimeoutError:
                self.stop()
                raise AssertionError(f"unbound did not answer within {START_TIMEOUT}s:\n{self.log_tail()}")
            if self.proc.poll() is None:
                return self
            if "in use" not in self.log_tail():
                break
        raise AssertionError(f"unbound exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            dns.query.udp(dns.message.make_query("ready.invalid.", "A"), "127.0.0.1", port=self.port, timeout=0.2)
            return True
        except (dns.exception.Timeout, OSError):
            return False

    def stop(self):
        """SIGTERM to unbound's PID, SIGKILL after STOP_TIMEOUT."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        if self._own_ctl_dir:
            shutil.rmtree(self.ctl_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control ------------------------------------------------------------

    def control(self, *args) -> str:
        """Runs `unbound-control -c CONF ARGS...` against this resolver; raises on failure."""
        r = subprocess.run(["unbound-control", "-c", str(self.conf), *args], capture_output=True, text=True,
                           timeout=10, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise AssertionError(f"unbound-control {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r.stdout

    def flush_zone(self, name: str):
        """Forgets every cached RRset, key, negative and bogus answer at or below `name`."""
        self.control("flush_zone", abs_name(name))
        self.control("flush_bogus")
        self.control("flush_negative")

    def flush_all(self):
        """Forgets everything: message, RRset and key caches, bogus and negative entries, server state."""
        self.flush_zone(".")
        self.control("flush_infra", "all")

    # -- queries ------------------------------------------------------------

    def query(self, name: str, rdtype="A", dnssec: bool = True, *, timeout: float = 5.0) -> dns.message.Message:
        """One recursive query (RD and AD set; DO when `dnssec`), over TCP if the UDP answer is truncated."""
        q = dns.message.make_query(abs_name(name), rdtype, want_dnssec=dnssec, payload=4096)
        q.flags |= dns.flags.AD  # RFC 6840 5.7: the client understands AD
        r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, "127.0.0.1", port=self.port, timeout=timeout)
        return r

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for p in (self.log, self.workdir / "stderr.log"):
            if p.exists():
                text += p.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _fail(self, what: str, name, rdtype, r: dns.message.Message | None) -> AssertionError:
        return AssertionError(f"{name} {rdtype}: {what}\n--- answer:\n{r}\n--- unbound log (tail):\n{self.log_tail()}")

    def assert_secure(self, name: str, rdtype="A", rcode=dns.rcode.NOERROR) -> dns.message.Message:
        """Asserts unbound validated the answer (AD set) and gave `rcode`; returns the answer."""
        if isinstance(rcode, str):
            rcode = dns.rcode.from_text(rcode)
        r = self.query(name, rdtype)
        if r.rcode() != rcode:
            raise self._fail(f"rcode {dns.rcode.to_text(r.rcode())}, expected {dns.rcode.to_text(rcode)}",
                             name, rdtype, r)
        if not r.flags & dns.flags.AD:
            raise self._fail("AD clear: unbound did not validate the answer as secure", name, rdtype, r)
        return r

    def assert_bogus(self, name: str, rdtype="A") -> dns.message.Message:
        """Asserts unbound refused the answer as bogus (SERVFAIL, and not because the server was silent)."""
        r = self.query(name, rdtype)
        if r.rcode() != dns.rcode.SERVFAIL:
            raise self._fail(f"rcode {dns.rcode.to_text(r.rcode())}, expected SERVFAIL (bogus)", name, rdtype, r)
        # With DO and CD, unbound hands out what it got without validating: the server did answer.
        q = dns.message.make_query(abs_name(name), rdtype, want_dnssec=True, payload=4096)
        q.flags |= dns.flags.CD
        cd = dns.query.tcp(q, "127.0.0.1", port=self.port, timeout=5.0)
        if cd.rcode() == dns.rcode.SERVFAIL:
            raise self._fail("SERVFAIL even with CD set: the server did not answer, nothing was validated",
                             name, rdtype, cd)
        return r


@pytest.fixture
def start_validating_unbound(tmp_path):
    """start_validating_unbound(stubs, trust_anchors) -> a running ValidatingUnbound; all stopped at the end."""
    started = []

    def start(stubs: dict, trust_anchors: list[str], **kw):
        u = ValidatingUnbound(tmp_path / f"unbound-{len(started)}", stubs, trust_anchors, **kw)
        started.append(u)
        return u.start()

    yield start
    for u in started:
        u.stop()
