"""Fixtures for the integration suite: real dnsd processes on free loopback ports.

- `server`: one shared `dnsd serve` on tests/integration/zones/ (one worker,
  so rotation is observable from a single client), for tests that only query.
- `start_dnsd`: starts extra servers with their own flags or zones; every one
  is stopped (and its clean exit asserted) at the end of the test.
- `zone_dir`: a temporary zones directory filled from JSON objects.
"""

import json
import os
import pathlib

import pytest

from dnsd_harness import ZONES, Dnsd, dnsd_bin


def _require_binary():
    if not os.access(dnsd_bin(), os.X_OK):
        pytest.fail(f"dnsd binary not found at {dnsd_bin()} (set DNSD_BIN or build first)", pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    _require_binary()
    d = Dnsd(ZONES, threads=1, log_dir=str(tmp_path_factory.mktemp("shared-dnsd")))
    d.start()
    yield d
    d.stop()


@pytest.fixture
def start_dnsd(tmp_path):
    """start_dnsd(zones=..., hosts=..., threads=..., extra_args=...) -> running Dnsd."""
    _require_binary()
    started = []

    def start(**kw):
        kw.setdefault("log_dir", str(tmp_path))
        d = Dnsd(**kw)
        started.append(d)
        return d.start()

    yield start
    errors = []
    for d in started:
        try:
            d.stop()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


@pytest.fixture
def zone_dir(tmp_path):
    """zone_dir({"name.json": {...zone...}, "raw.json": "text"}) -> directory path."""

    def write(files: dict) -> pathlib.Path:
        d = tmp_path / "zones"
        d.mkdir(exist_ok=True)
        for name, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content, indent=2)
            (d / name).write_text(text)
        return d

    return write


@pytest.fixture
def ctl_server(start_dnsd, zone_dir):
    """dnsd serving control_support.ZONE, for the control API tests."""
    from control_support import ZONE
    return start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), threads=1)


# -- zone transfer: stock secondaries (and a Knot primary) -------------------


@pytest.fixture
def start_secondary(tmp_path):
    """start_secondary("knot"|"nsd", primary=(host, port), zones=[...], tsig=TsigKey|None,
    host="127.0.0.1", catalog=NAME (knot only), xfr_tap=..., port=N) -> a running secondaries.Secondary.

    port: listen there (one chosen before the primary starts, for its NOTIFY
    targets); default a free one. Each gets its own directory under tmp_path;
    every one is stopped by PID at the end."""
    from secondaries import KnotSecondary, NsdSecondary
    started = []

    def start(kind, primary, zones=(), port=0, **kw):
        cls = {"knot": KnotSecondary, "nsd": NsdSecondary}[kind]
        d = cls(primary, list(zones), tmp_path / f"{kind}-secondary-{len(started)}", **kw)
        d.port = port
        started.append(d)
        return d.start()

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def start_knot_primary(tmp_path):
    """start_knot_primary({origin: zone file text}, tsig=TsigKey|None) -> a running knot_primary.KnotPrimary."""
    from knot_primary import KnotPrimary
    started = []

    def start(zones: dict, **kw):
        d = KnotPrimary(zones, tmp_path / f"knot-primary-{len(started)}", **kw)
        started.append(d)
        return d.start()

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def start_primary(tmp_path):
    """start_primary(zones=DIR, state_dir=..., tsig_keys=FILE, catalog=NAME, catalog_allow=[...],
    catalog_notify=[...], catalog_tsig=KEY, port=N) -> a running transfer_support.Primary
    (dnsd with the transfer plane's flags). Every one is stopped at the end, its clean exit asserted."""
    _require_binary()
    from transfer_support import Primary
    started = []

    def start(zones, **kw):
        kw.setdefault("log_dir", str(tmp_path))
        d = Primary(zones, **kw)
        started.append(d)
        return d.start()

    yield start
    errors = []
    for d in started:
        try:
            if d.proc is not None and d.proc.poll() != 0:  # running, or died: stop() says how
                d.stop()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)
