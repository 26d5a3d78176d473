"""The short version of each fault drill in tests/drills/, run as its own
process against the binary under test ($DNSD_BIN): a drill prints its
figures and exits nonzero when it misses a target, and the test shows its
output either way (pytest -s, or on failure).

The soak (tests/drills/soak.py) runs for minutes and is left out.
"""

import os
import pathlib
import subprocess
import sys

import pytest

from dnsd_harness import dnsd_bin

DRILLS = pathlib.Path(__file__).resolve().parents[1] / "drills"
# A short drill runs 10-20 s on a quiet machine; the deadline leaves room for a busy one.
DEADLINE = 180


@pytest.mark.parametrize("drill, args", [
    ("churn.py", []),
    ("bad_backends.py", []),
    ("reload_storm.py", []),
    ("kill9_restart.py", []),
    ("state_dir_faults.py", []),
])
def test_drill(drill, args):
    env = dict(os.environ, DNSD_BIN=dnsd_bin())
    proc = subprocess.Popen([sys.executable, str(DRILLS / drill), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, stdin=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.terminate()  # SIGTERM: the drill stops what it started, by PID, and exits
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        pytest.fail(f"{drill} ran over {DEADLINE} s:\n{out}")
    print(out)
    assert proc.returncode == 0, f"{drill} missed a target (exit {proc.returncode}):\n{out}"
