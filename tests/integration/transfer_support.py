"""dnsd as a primary, for the transfer tests (test_transfer_*.py).

- `Primary`: a `Dnsd` with the transfer plane's flags (--state-dir,
  --tsig-keys, --catalog, --catalog-allow, --catalog-notify, --catalog-tsig),
  optionally on a port chosen before it starts (`port=`), and `restart()` on
  the same port with the same state. Its SOA serial, transfers (xfr_client),
  /metrics counters, drains and reloads through the control API.
- `xfr_zone(...)`: a zone dict with a `transfer` object, for `zone_dir`.
- `view(msg)`: what a response says, normalised so that dnsd's answers and a
  secondary's can be compared (rcode, AA, answer and authority as sets, glue).
- `wait_each(...)`: polls several conditions at once and returns when each
  first held, for convergence times measured per secondary.
- `client_xfr(...)`: runs `dig` or `kdig` for AXFR/IXFR and reads the records
  it printed; `apply_increments` applies an IXFR to a zone.

The `start_primary` fixture (conftest.py) starts `Primary`s and stops them.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import time
import urllib.request

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from control_support import api, parse_prometheus
from daemon import TsigKey, serial_gte
from dnsd_harness import REPO, Dnsd, StartError, free_port, make_query, wait_for
from xfr_client import Xfr, xfr

ZONE_SERIAL = 2024010101


def xfr_zone(origin: str, *, serial: int = ZONE_SERIAL, pools: dict | None = None, records: dict | None = None,
             transfer: dict | None = None, refresh: int = 3600, minimum: int = 60) -> dict:
    """A zone with `records` (default: an apex NS and its address) and, if given, `transfer`.

    refresh 3600: a secondary that moves within a test was moved by NOTIFY."""
    recs = {"@": {"NS": "ns1"}, "ns1": {"A": "127.0.0.1"}}
    recs.update(records or {})
    z = {"origin": origin, "ttl": 300,
         "soa": {"mname": "ns1", "rname": "hostmaster", "serial": serial, "refresh": refresh, "retry": 600,
                 "expire": 1209600, "minimum": minimum},
         "records": recs}
    if pools:
        z["pools"] = pools
    if transfer is not None:
        z["transfer"] = transfer
    return z


def write_zone(directory: pathlib.Path, zone: dict) -> pathlib.Path:
    """Writes ORIGIN.json atomically (the zone watcher never sees half a file)."""
    directory = pathlib.Path(directory)
    path = directory / (zone["origin"] + "json")
    tmp = directory / ("." + path.name + ".tmp")
    tmp.write_text(json.dumps(zone, indent=1))
    tmp.replace(path)
    return path


class Primary(Dnsd):
    """`dnsd serve` with the transfer plane's options, one worker by default."""

    def __init__(self, zones, *, state_dir=None, tsig_keys=None, catalog: str | None = None,
                 catalog_allow=(), catalog_notify=(), catalog_tsig: str | None = None, port: int = 0,
                 host: str = "127.0.0.1", threads: int | None = 1, extra_args=(), log_dir=None):
        super().__init__(zones, hosts=(host,), threads=threads, extra_args=list(extra_args), log_dir=log_dir)
        self.state_dir = state_dir
        self.tsig_keys = tsig_keys
        self.catalog = catalog
        self.catalog_allow = list(catalog_allow)
        self.catalog_notify = list(catalog_notify)
        self.catalog_tsig = catalog_tsig
        self.fixed_port = port

    def command(self) -> list[str]:
        args = super().command()
        if self.state_dir:
            args += ["--state-dir", str(self.state_dir)]
        if self.tsig_keys:
            args += ["--tsig-keys", str(self.tsig_keys)]
        if self.catalog:
            args += ["--catalog", self.catalog]
        if self.catalog_allow:
            args += ["--catalog-allow", ",".join(self.catalog_allow)]
        if self.catalog_notify:
            args += ["--catalog-notify", ",".join(self.catalog_notify)]
        if self.catalog_tsig:
            args += ["--catalog-tsig", self.catalog_tsig]
        return args

    def start(self) -> "Primary":
        """Starts on `port` (and keeps it across restarts) if one was given, else as Dnsd does."""
        if not self.fixed_port:
            super().start()
            self.fixed_port = self.port
            return self
        self.addrs = [(self.hosts[0], self.fixed_port)]
        self.control_port = free_port("127.0.0.1")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=REPO)
        try:
            self._wait_ready()
        except StartError:
            self._kill()
            raise
        return self

    def restart(self) -> "Primary":
        """SIGTERM (a clean exit is asserted), then the same command on the same port."""
        self.stop()
        return self.start()

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    # -- what it serves --------------------------------------------------------

    def serial(self, zone: str) -> int | None:
        r = self.query(make_query(zone, "SOA"))
        if r.rcode() != dns.rcode.NOERROR:
            return None
        return next((rd.serial for rrset in r.answer if rrset.rdtype == dns.rdatatype.SOA for rd in rrset), None)

    def wait_serial_above(self, zone: str, serial: int, timeout: float = 10.0) -> int:
        """Polls until the served serial is newer than `serial` (RFC 1982); returns it."""
        def newer():
            s = self.serial(zone)
            return s if s is not None and s != serial and serial_gte(s, serial) else None
        try:
            return wait_for(newer, timeout, f"dnsd: {zone} serial above {serial}", interval=0.01)
        except TimeoutError as e:
            raise AssertionError(f"{e} (serial {self.serial(zone)})\n--- dnsd log ---\n{self.log()}") from None

    def axfr(self, zone: str, key: TsigKey | None = None, **kw) -> Xfr:
        return xfr(self.host, self.port, zone, "AXFR", key=key, **kw)

    def ixfr(self, zone: str, serial: int, key: TsigKey | None = None, **kw) -> Xfr:
        return xfr(self.host, self.port, zone, "IXFR", serial=serial, key=key, **kw)

    # -- control API -------------------------------------------------------------

    def metrics(self) -> dict:
        req = urllib.request.Request(f"http://{self.control_address}/metrics")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            samples, _types = parse_prometheus(r.read().decode())
        return samples

    def transfers_total(self) -> dict[str, float]:
        """{type: count} of dnsd_transfers_total."""
        out = {}
        for labels, value in self.metrics().get("dnsd_transfers_total", {}).items():
            labels = dict(labels)
            out[labels.get("type", "")] = out.get(labels.get("type", ""), 0) + value
        return out

    def drain(self, pool: str, address: str, zone: str | None = None, undrain: bool = False) -> dict:
        body = {"pool": pool, "address": address}
        if zone:
            body["zone"] = zone
        status, _h, out = api(self, "POST", "/api/undrain" if undrain else "/api/drain", body)
        assert status == 200, f"{'undrain' if undrain else 'drain'} {pool} {address}: {status} {out}"
        return out

    def reload(self) -> dict:
        status, _h, out = api(self, "POST", "/api/reload")
        assert status == 200, f"reload: {status} {out}\n--- dnsd log ---\n{self.log()}"
        return out

    def status(self) -> dict:
        status, _h, out = api(self, "GET", "/api/status")
        assert status == 200, out
        return out


# ---------------------------------------------------------------------------
# Comparing answers


def _rrsets(section) -> frozenset:
    return frozenset((r.name.to_text().lower(), dns.rdatatype.to_text(r.rdtype), r.ttl,
                      frozenset(rd.to_text().lower() for rd in r)) for r in section)


def view(msg: dns.message.Message) -> dict:
    """What a response says: rcode, AA, answer and authority (owner, type, TTL, set of
    rdata), and the A/AAAA glue of a referral. Records' order is left out (both sides
    rotate); so is what servers add by their own policy: the additional section
    but glue, and the apex NS in the authority section of a positive answer (NSD
    adds it unless `minimal-responses: yes`)."""
    aa = bool(msg.flags & dns.flags.AA)
    referral = not aa and any(r.rdtype == dns.rdatatype.NS for r in msg.authority)
    glue = frozenset()
    if referral:
        glue = _rrsets([r for r in msg.additional if r.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)])
    authority = msg.authority
    if aa and msg.answer:
        authority = [r for r in authority if r.rdtype != dns.rdatatype.NS]
    return {"rcode": dns.rcode.to_text(msg.rcode()), "aa": aa,
            "answer": _rrsets(msg.answer), "authority": _rrsets(authority), "glue": glue}


def ask(address: tuple[str, int], name: str, rdtype: str) -> dns.message.Message:
    """One query (EDNS 4096, RD clear), over TCP if truncated."""
    q = make_query(name, rdtype, edns=0, payload=4096)
    r = dns.query.udp(q, address[0], port=address[1], timeout=2.0)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, address[0], port=address[1], timeout=2.0)
    return r


def answer_set(address: tuple[str, int], name: str, rdtype: str = "A") -> set[str]:
    r = ask(address, name, rdtype)
    return {rd.to_text() for rrset in r.answer if rrset.rdtype == dns.rdatatype.from_text(rdtype) for rd in rrset}


def wait_each(conditions: dict, timeout: float, interval: float = 0.01, since: float | None = None) -> dict:
    """Polls every condition {name: callable} until each has held once; returns
    {name: seconds from `since` (default: now) to the first poll where it held}.
    Raises AssertionError naming those that never held within `timeout`."""
    t0 = time.monotonic() if since is None else since
    deadline = time.monotonic() + timeout
    took: dict = {}
    while len(took) < len(conditions):
        for name, cond in conditions.items():
            if name not in took and cond():
                took[name] = time.monotonic() - t0
        if len(took) == len(conditions):
            break
        if time.monotonic() >= deadline:
            missing = sorted(set(conditions) - set(took))
            raise AssertionError(f"within {timeout}s, never held: {missing} (held: {took})")
        time.sleep(interval)
    return took


# ---------------------------------------------------------------------------
# dig and kdig


def _normal_record(owner: str, ttl: str, rdtype: str, data: str) -> tuple[str, int, str, str]:
    rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), data)
    return (owner.lower(), int(ttl), rdtype, rd.to_text().lower())


def client_xfr(tool: str, address: tuple[str, int], zone: str, *args: str, key=None,
               source: str | None = None) -> tuple[int, list, str]:
    """Runs `dig`/`kdig @host -p port ARGS ZONE [-y key] [-b source]`: (exit code,
    [(owner, ttl, type, rdata)] of every record line it printed but TSIG, whole output)."""
    cmd = [shutil.which(tool) or tool, f"@{address[0]}", "-p", str(address[1])]
    cmd += ["+time=5", "+tries=1"] if tool == "dig" else ["+time=5", "+retry=0"]
    cmd += [*args, zone]
    if key:
        cmd += ["-y", key.line()]
    if source:
        cmd += ["-b", source]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    records = []
    for line in r.stdout.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[1].isdigit() and parts[2] == "IN":
            records.append(_normal_record(parts[0], parts[1], parts[3], parts[4]))
    return r.returncode, records, " ".join(cmd) + "\n" + r.stdout + r.stderr


def apply_increments(zone: set, increments) -> set:
    """The zone after an IXFR's increments [(old serial, new serial, deleted, added)],
    SOAs included; every deleted record must be in the zone it is deleted from."""
    zone = set(zone)
    for old, new, deleted, added in increments:
        missing = deleted - zone
        assert not missing, f"IXFR {old}->{new} deletes records the zone does not hold: {missing}"
        zone = (zone - deleted) | added
    return zone
