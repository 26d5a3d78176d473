"""Stock secondaries (Knot DNS, NSD) of a primary under test, as child processes.

dnsd is becoming a primary (NOTIFY, AXFR/IXFR, TSIG, a catalog zone). These
classes run the real secondaries it must feed, the way docs/deployment.md tells
an operator to configure them, so an end-to-end test only says which primary
and which zones:

    sec = KnotSecondary(("127.0.0.1", dnsd.port), ["xfr.test."], workdir, tsig=key).start()
    sec.wait_serial("xfr.test.", 2024010203, deadline_s=5)
    rcode, rdata = sec.query("www.xfr.test.", "A")   # ("NOERROR", {"192.0.2.1", ...})
    sec.transfers()                                  # [("AXFR", 2024010201), ("IXFR", 2024010203)]
    sec.stop()

Each daemon gets its own temporary directory (config, state, log), free ports
on 127.0.0.1 or another 127/8 address, runs in the foreground (`knotd -c`,
`nsd -d -c`) with nothing under /etc, /var or /run, and is stopped by PID:
SIGTERM, then SIGKILL after a deadline. Start-up polls until the daemon answers
UDP and TCP; nothing here sleeps a fixed time to synchronise.

Modules: daemon.py (the `Daemon` base, `TsigKey`, serial arithmetic),
xfr_tap.py (`XfrTap`), knot_primary.py (`KnotDaemon`, and `KnotPrimary`, a
Knot DNS primary with IXFR from its journal, to prove these secondaries without
dnsd). This module re-exports what a test needs from them.

What bounds propagation (primary change -> secondary answers it):
- NSD applies a transfer only `xfrd-reload-timeout` seconds after the previous
  reload (default 1 s); here 0. NSD's response rate limiting (Debian default
  200 qps per /24) is off (`rrl-ratelimit: 0`), or a polling test gets dropped.
- Knot applies a transfer at once; `zonefile-sync: -1` keeps it from writing
  the zone file after each one (the zone lives in the journal, `journal-content:
  all`, so it survives a restart), `journal-db-mode: asynchronous` skips fsync.
  Knot 3.2 plans a NOTIFY to its own secondaries 1 s after every transfer, and
  a change that arrives meanwhile waits for it (measured: up to ~0.95 s more in
  a burst); a leaf secondary sets `block-notify-after-transfer: on`.
- Both rotate answers only when told: NSD `round-robin: yes`, Knot
  `answer-rotation: on`.

Which transfers happened (`transfers()`): Knot logs each one with its kind;
NSD 4.6 logs only "received update to serial N", never IXFR or AXFR, so an
NsdSecondary by default asks through an `XfrTap`, a relay in the test process
that records what was asked and what was served. Knot does not answer queries
for a catalog zone it interprets (REFUSED); its serial comes from `knotc`.
"""

from __future__ import annotations

import pathlib
import re
import subprocess

from daemon import SERIAL_DEADLINE, Daemon, DaemonError, TsigKey, abs_name, serial_gte, write_tsig_keys
from knot_primary import KnotDaemon, KnotPrimary, knot_key_section
from xfr_tap import TapEvent, XfrTap

# What tests import from here, the helpers' names included.
__all__ = ["SERIAL_DEADLINE", "Daemon", "DaemonError", "TsigKey", "abs_name", "serial_gte", "write_tsig_keys",
           "KnotDaemon", "KnotPrimary", "TapEvent", "XfrTap", "Secondary", "KnotSecondary", "NsdSecondary"]


class Secondary(Daemon):
    """A secondary of `primary` (host, port) for `zones`, optionally with a TSIG key.

    notify_from: the addresses or prefixes allowed to send NOTIFY (default: the
    primary's address; a NOTIFY comes from the primary's host, any port).
    xfr_tap: put an XfrTap between this secondary and the primary, so that
    `transfers()` knows IXFR from AXFR for a daemon that does not log it (NSD).
    The secondary then asks the tap; NOTIFY still comes straight from the primary.
    """

    def __init__(self, primary: tuple[str, int], zones, workdir, *, tsig: TsigKey | None = None,
                 host: str = "127.0.0.1", notify_from=None, xfr_tap: bool = False):
        super().__init__(workdir, host)
        self.primary = (primary[0], int(primary[1]))
        self.zones = [abs_name(z) for z in zones]
        self.tsig = tsig
        self.notify_from = list(notify_from or [primary[0]])
        self.xfr_tap = xfr_tap
        self.tap: XfrTap | None = None

    @property
    def transfer_source(self) -> tuple[str, int]:
        """Where this secondary asks for SOA and transfers: the primary, or the tap."""
        return self.tap.address if self.tap else self.primary

    def start(self):
        if self.xfr_tap and (self.tap is None or self.tap.closed):
            old = self.tap
            self.tap = XfrTap(self.primary, host=self.host)
            if old:  # a restart: one history of transfers across runs
                self.tap.events = old.events
        try:
            return super().start()
        except Exception:
            self._close_tap()
            raise

    def stop(self):
        try:
            return super().stop()
        finally:
            self._close_tap()

    def _close_tap(self):
        """Stops the relay; its record of transfers stays readable."""
        if self.tap:
            self.tap.close()

    def transfers(self) -> list[tuple[str, int]]:
        """Incoming transfers that carried data, in order: [('IXFR'|'AXFR', new serial)].

        From the tap when there is one, else from the daemon's log."""
        if self.tap:
            return self.tap.transfers()
        return [(kind, serial) for _zone, kind, serial in self.zone_transfers()]

    def zone_transfers(self) -> list[tuple[str, str, int]]:
        """From the log: [(zone, 'IXFR'|'AXFR'|'?', new serial)]; '?' where the log does not say."""
        raise NotImplementedError


class KnotSecondary(Secondary, KnotDaemon):
    """knotd as a secondary; with `catalog`, that zone is a catalog (RFC 9432) it interprets.

    Member zones of the catalog get the same template as the listed zones: the
    same primary, the same TSIG key, the same NOTIFY ACL.
    """

    name = "knot-secondary"

    def __init__(self, primary, zones, workdir, *, tsig=None, host="127.0.0.1", notify_from=None,
                 catalog: str | None = None, xfr_tap: bool = False):
        super().__init__(primary, zones, workdir, tsig=tsig, host=host, notify_from=notify_from,
                         xfr_tap=xfr_tap)
        self.catalog = abs_name(catalog) if catalog else None

    def config_text(self) -> str:
        key_line = f"\n    key: {self.tsig.name}" if self.tsig else ""
        zones = "".join(f"  - domain: {z}\n    template: secondary\n" for z in self.zones)
        if self.catalog:
            zones += (f"  - domain: {self.catalog}\n    template: secondary\n"
                      f"    catalog-role: interpret\n    catalog-template: secondary\n")
        return self.server_section() + knot_key_section(self.tsig) + f"""
remote:
  - id: primary
    address: {self.transfer_source[0]}@{self.transfer_source[1]}{key_line}
    # A leaf secondary notifies nobody. Without this, Knot 3.2 plans a NOTIFY
    # event 1 s after each transfer, and a change that comes within that second
    # waits for it: up to 1 s more propagation in a burst of changes.
    block-notify-after-transfer: on

acl:
  - id: notify-from-primary
    address: [{", ".join(self.notify_from)}]{key_line}
    action: notify

template:
  - id: secondary
    storage: "{self.storage}"
    master: primary
    acl: notify-from-primary
    # The zone lives in the journal, never in a zone file: nothing is written
    # after each transfer, and a restart serves the last version at once.
    zonefile-sync: -1
    zonefile-load: none
    journal-content: all

zone:
{zones}"""

    def write_config(self):
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        return conf

    def serial(self, zone: str) -> int | None:
        """As Daemon.serial; for the catalog, which Knot does not answer queries for
        (REFUSED), the serial `knotc zone-status` reports."""
        if self.catalog and abs_name(zone) == self.catalog:
            return self.status_serial(zone)
        return super().serial(zone)

    def status_serial(self, zone: str) -> int | None:
        try:
            out = self.knotc("zone-status", abs_name(zone)).stdout
        except (DaemonError, subprocess.TimeoutExpired):
            return None
        m = re.search(r"serial: (\d+)", out)
        return int(m.group(1)) if m else None

    def zones_served(self) -> set[str]:
        """The zones this knotd has configured now (catalog members included)."""
        out = self.knotc("zone-status").stdout
        return set(re.findall(r"^\[([^\]]+)\]", out, re.M))

    # Knot 3.2, one line per transfer that changed the zone, e.g.
    #   info: [xfr.test.] AXFR, incoming, remote 127.0.0.1@40411 TSIG 'xfr-key', finished, 0.00 seconds, ...
    #   info: [xfr.test.] refresh, remote 127.0.0.1@40411 TSIG 'xfr-key', zone updated, 0.00 seconds, serial 1 -> 2
    # The transfer line says AXFR or IXFR (an IXFR the primary answered with a
    # whole zone says "IXFR ... receiving AXFR-style IXFR" and counts as AXFR).
    _XFR = re.compile(r"\[(?P<zone>[^\]]+)\] (?P<kind>AXFR|IXFR), incoming, (?P<rest>.*)$", re.M)
    _UPDATED = re.compile(r"\[(?P<zone>[^\]]+)\] refresh, .*zone updated.*serial (?:\S+ -> )?(?P<serial>\d+)",
                          re.M)

    def zone_transfers(self):
        text = self.log_text()
        kinds: dict[str, str] = {}  # zone -> kind of the last transfer seen
        out = []
        for line in text.splitlines():
            m = self._XFR.search(line)
            if m:
                kind = m.group("kind")
                if "AXFR-style" in m.group("rest"):
                    kind = "AXFR"
                if kind == "IXFR" and kinds.get(m.group("zone")) == "AXFR":
                    continue  # the "finished" line of an AXFR-style IXFR
                kinds[m.group("zone")] = kind
                continue
            m = self._UPDATED.search(line)
            if m:
                out.append((m.group("zone"), kinds.pop(m.group("zone"), "?"), int(m.group("serial"))))
        return out


class NsdSecondary(Secondary):
    """nsd -d as a secondary. NSD 4.6 does not consume catalog zones."""

    binary = "nsd"
    name = "nsd-secondary"

    def __init__(self, primary, zones, workdir, *, tsig=None, host="127.0.0.1", notify_from=None,
                 xfr_tap: bool = True, zonefiles_write: int = 60):
        super().__init__(primary, zones, workdir, tsig=tsig, host=host, notify_from=notify_from,
                         xfr_tap=xfr_tap)
        self.zonefiles_write = zonefiles_write
        self.logfile = self.workdir / "nsd.log"
        self.extra_logs = [self.logfile]

    def command(self, conf):
        return [self._binary_path(), "-d", "-c", str(conf)]

    def zone_file(self, zone: str) -> pathlib.Path:
        """Where NSD writes its copy of `zone` (every zonefiles_write seconds)."""
        return self.workdir / f"{abs_name(zone).rstrip('.')}.zone"

    def config_text(self) -> str:
        d = self.workdir
        key = self.tsig.name if self.tsig else "NOKEY"
        key_section = ""
        if self.tsig:
            key_section = f"""
key:
    name: {self.tsig.name}
    algorithm: {self.tsig.algorithm}
    secret: "{self.tsig.secret}"
"""
        notify = "".join(f"    allow-notify: {a} {key}\n" for a in self.notify_from)
        # Names without the final dot: zonefile "%s.zone" is then "xfr.test.zone".
        zones = "".join(f"\nzone:\n    name: {z.rstrip('.')}\n    include-pattern: from-primary\n"
                        for z in self.zones)
        return f"""server:
    ip-address: {self.host}@{self.port}
    do-ip6: no
    server-count: 1
    reuseport: no
    # Nothing under /etc, /var or /run; no privilege drop, no chroot.
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    # Write transferred zones to their zonefile every N seconds (after database:,
    # or database's default wins); NSD writes none at exit, and a restart reads them.
    zonefiles-write: {self.zonefiles_write}
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    logfile: "{self.logfile}"
    # 1 logs each transfer and notify; 2 adds refusals (a NOTIFY from an address not allowed).
    verbosity: 2
    # Serve a transfer as soon as it is received (default: at most one reload a second).
    xfrd-reload-timeout: 0
    # Rotate answers; no response rate limiting (default 200 qps per client /24).
    round-robin: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0

remote-control:
    control-enable: no
{key_section}
pattern:
    name: from-primary
    zonefile: "%s.zone"
{notify}    request-xfr: {self.transfer_source[0]}@{self.transfer_source[1]} {key}
{zones}"""

    def write_config(self):
        conf = self.workdir / "nsd.conf"
        conf.write_text(self.config_text())
        return conf

    # NSD 4.6 at verbosity >= 1, one line per transfer that changed the zone, e.g.
    #   xfrd: zone xfr.test committed "received update to serial 2 at 2026-... from 127.0.0.1@5300 TSIG verified with key xfr-key"
    # and, before it, whether the transfer was IXFR or AXFR:
    #   ... (see _KIND below)
    _COMMITTED = re.compile(r"zone (?P<zone>\S+) committed \"received update to serial (?P<serial>\d+)")
    _KIND = re.compile(r"zone (?P<zone>\S+) .*(?P<kind>IXFR|AXFR)")

    def zone_transfers(self):
        out = []
        kinds: dict[str, str] = {}
        for line in self.log_text().splitlines():
            m = self._COMMITTED.search(line)
            if m:
                zone = abs_name(m.group("zone"))
                out.append((zone, kinds.pop(zone, "?"), int(m.group("serial"))))
                continue
            m = self._KIND.search(line)
            if m:
                kinds[abs_name(m.group("zone"))] = m.group("kind")
        return out

