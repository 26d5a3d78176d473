"""Knot DNS as a child process: the base of both Knot roles, and a Knot primary.

`KnotDaemon` runs knotd in the foreground with its own run directory (control
socket) and database, and runs `knotc` against it. `KnotPrimary` serves zone
files as a primary with IXFR from its journal (`zonefile-load: difference`), so
the secondaries can be proven against a primary known to be right
(test_secondaries_fixture.py). KnotSecondary is in secondaries.py.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import tempfile

from daemon import Daemon, DaemonError, TsigKey, abs_name
from dnsd_harness import START_TIMEOUT, wait_for


def _free_unix_dir(preferred: pathlib.Path, socket_name: str) -> tuple[pathlib.Path, bool]:
    """A directory for a unix socket: `preferred` unless the path would pass sun_path's 108 bytes."""
    if len(str(preferred / socket_name)) < 100:
        preferred.mkdir(parents=True, exist_ok=True)
        return preferred, False
    return pathlib.Path(tempfile.mkdtemp(prefix="knot-run-")), True


class KnotDaemon(Daemon):
    """knotd -c CONF in the foreground; subclasses write the configuration."""

    binary = "knotd"

    def __init__(self, workdir, host="127.0.0.1"):
        super().__init__(workdir, host)
        self.rundir, self._own_rundir = _free_unix_dir(self.workdir / "run", "knot.sock")
        self.storage = self.workdir / "db"
        self.storage.mkdir(exist_ok=True)

    @property
    def control_socket(self) -> pathlib.Path:
        return self.rundir / "knot.sock"

    def command(self, conf):
        return [self._binary_path(), "-c", str(conf)]

    def server_section(self, extra: str = "") -> str:
        # One worker of each kind: small, and Knot has nothing to pin to spare CPUs.
        return f"""server:
    rundir: "{self.rundir}"
    listen: {self.host}@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    answer-rotation: on
{extra}
log:
  - target: stderr
    any: info

database:
    storage: "{self.storage}"
    journal-db-mode: asynchronous
"""

    def knotc(self, *args, timeout: float = 10.0) -> subprocess.CompletedProcess:
        """Runs `knotc -s SOCKET ARGS...` against this daemon; raises on failure."""
        knotc = shutil.which("knotc") or "/usr/sbin/knotc"
        r = subprocess.run([knotc, "-s", str(self.control_socket), *args], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise DaemonError(f"knotc {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r

    def _cleanup(self):
        if self._own_rundir:
            shutil.rmtree(self.rundir, ignore_errors=True)


def knot_key_section(tsig: TsigKey | None) -> str:
    if tsig is None:
        return ""
    return f"""
key:
  - id: {tsig.name}
    algorithm: {tsig.algorithm}
    secret: {tsig.secret}
"""



class KnotPrimary(KnotDaemon):
    """knotd serving zone files from its directory as a primary, with IXFR from its journal.

    zones: {origin: zone file text}. `set_zone(origin, text)` rewrites the file
    and reloads it (Knot computes the difference and keeps it in the journal,
    so secondaries that ask IXFR get IXFR). `notify_to(secondaries)` adds NOTIFY
    targets (a config reload). Transfers are allowed from 127.0.0.0/8, with the
    TSIG key when one is given.
    """

    name = "knot-primary"

    def __init__(self, zones: dict, workdir, *, tsig: TsigKey | None = None, host="127.0.0.1"):
        super().__init__(workdir, host)
        self.zones = {abs_name(z): text for z, text in zones.items()}
        self.tsig = tsig
        self.notify_targets: list[tuple[str, int]] = []
        for origin, text in self.zones.items():
            self.zone_file(origin).write_text(text)

    def zone_file(self, origin: str) -> pathlib.Path:
        return self.workdir / f"{abs_name(origin).rstrip('.') or 'root'}.zone"

    def config_text(self) -> str:
        key_line = f"\n    key: {self.tsig.name}" if self.tsig else ""
        remotes = "".join(f"  - id: secondary{i}\n    address: {h}@{p}{key_line}\n"
                          for i, (h, p) in enumerate(self.notify_targets))
        notify = f"    notify: [{', '.join(f'secondary{i}' for i in range(len(self.notify_targets)))}]\n" \
            if self.notify_targets else ""
        zones = "".join(f"  - domain: {z}\n    file: \"{self.zone_file(z)}\"\n" for z in self.zones)
        return self.server_section() + knot_key_section(self.tsig) + \
            (f"\nremote:\n{remotes}" if remotes else "") + f"""
acl:
  - id: transfer
    address: 127.0.0.0/8{key_line}
    action: transfer

template:
  - id: default
    storage: "{self.storage}"
    acl: transfer
{notify}    # Reloading a changed file stores the difference in the journal: IXFR.
    zonefile-load: difference
    journal-content: changes
    zonefile-sync: -1

zone:
{zones}"""

    def write_config(self):
        conf = self.workdir / "knot.conf"
        conf.write_text(self.config_text())
        return conf

    def start(self):
        super().start()
        for origin in self.zones:
            wait_for(lambda: self.serial(origin) is not None, START_TIMEOUT, f"knot primary to load {origin}")
        return self

    def notify_to(self, secondaries):
        """Adds NOTIFY targets (Daemons or (host, port)) and reloads the configuration."""
        for s in secondaries:
            self.notify_targets.append(s.address if isinstance(s, Daemon) else (s[0], int(s[1])))
        self.write_config()
        self.knotc("reload")

    def set_zone(self, origin: str, text: str):
        """Rewrites a zone file and has Knot load it (blocking until loaded); NOTIFY follows."""
        origin = abs_name(origin)
        self.zones[origin] = text
        self.zone_file(origin).write_text(text)
        self.knotc("-b", "zone-reload", origin)

