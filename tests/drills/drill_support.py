"""What the fault drills share: command line, targets and figures, a paced
UDP query loop with a small DNS parser, dnsperf, check timings, RSS.

The drills start dnsd through tests/integration/dnsd_harness.Dnsd and real
backends through health_support.HttpBackend; this module only adds what a
drill needs beyond a test: load, a clock shared with the backends' logs
(time.monotonic(), system-wide on Linux) and a report that ends in an exit
status.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from dnsd_harness import Dnsd, dnsd_bin, wait_for  # noqa: E402,F401 (re-exported for the drills)


# ---------------------------------------------------------------------------
# Command line and report


def sanitizer_build(binary: str) -> str | None:
    """"ASan" or "TSan" when `binary` was built with that sanitizer, else None:
    such a build starts and runs several times slower, so time targets meant
    for a real build are reported, with a wider bound, rather than judged as is."""
    with open(binary, "rb") as f:
        data = f.read()
    if b"__tsan_init" in data:
        return "TSan"
    if b"__asan_init" in data:
        return "ASan"
    return None


def arguments(doc: str, extra=None) -> argparse.Namespace:
    """--long, --dnsd BIN, --keep (keep the work directory); `extra(parser)` adds a drill's own."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--long", action="store_true", help="the long version (see the drill's docstring)")
    p.add_argument("--dnsd", help="binary under test (default $DNSD_BIN, else build/dnsd/dnsd)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs) and print its path")
    if extra:
        extra(p)
    args = p.parse_args()
    signal.signal(signal.SIGTERM, _terminated)
    if args.dnsd:
        os.environ["DNSD_BIN"] = str(pathlib.Path(args.dnsd).resolve())
    return args


def _terminated(signum, _frame):
    """SIGTERM ends a drill like Ctrl-C: every `finally` stops what the drill started."""
    raise KeyboardInterrupt(f"signal {signum}")


class Report:
    """Figures and targets of one drill run; finish() prints the verdict and gives the exit status."""

    def __init__(self, drill: str):
        self.drill = drill
        self.missed: list[str] = []
        self.met: list[str] = []

    def figure(self, text: str):
        print(f"  {text}", flush=True)

    def target(self, name: str, ok: bool, detail: str = ""):
        (self.met if ok else self.missed).append(name)
        print(f"  target {name}: {'met' if ok else 'MISSED'}{': ' + detail if detail else ''}", flush=True)

    def finish(self) -> int:
        verdict = "PASS" if not self.missed else "FAIL (missed: " + ", ".join(self.missed) + ")"
        print(f"{self.drill}: {verdict}", flush=True)
        return 0 if not self.missed else 1


def work_dir(args, prefix: str) -> pathlib.Path:
    path = pathlib.Path(tempfile.mkdtemp(prefix=f"dnsd-drill-{prefix}-"))
    if args.keep:
        print(f"work directory: {path}")
    return path


# ---------------------------------------------------------------------------
# Health-check timings


def check_spec(**overrides) -> dict:
    """An http check with the drills' default timings (health_support.FAST_CHECK)."""
    from health_support import FAST_CHECK
    spec = {"type": "http", **FAST_CHECK}
    spec.update(overrides)
    return spec


def detection_bound(check: dict, probe_seconds: float | None = None) -> float:
    """Worst case from a member failing to dnsd acting on it, by the check's settings
    (health/member_status.h): the next probe within interval +10% jitter, then
    fall-1 more probes each fast_interval +10% apart, each probe lasting at most
    `probe_seconds` (default the check's timeout)."""
    probe = check["timeout"] if probe_seconds is None else probe_seconds
    return (check["interval"] * 1.1 + (check["fall"] - 1) * check["fast_interval"] * 1.1
            + check["fall"] * probe)


def bound_text(check: dict, probe_seconds: float | None = None) -> str:
    probe = check["timeout"] if probe_seconds is None else probe_seconds
    return (f"1.1 x interval {check['interval']} + (fall {check['fall']} - 1) x 1.1 x fast_interval "
            f"{check['fast_interval']} + fall x probe {probe} = {detection_bound(check, probe_seconds):.2f} s")


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def spread(values: list[float], unit: str = "s") -> str:
    if not values:
        return "none"
    v = sorted(values)
    p99 = v[min(len(v) - 1, int(0.99 * (len(v) - 1) + 0.5))]
    return (f"n {len(v)}, min {v[0]:.3f} {unit}, median {statistics.median(v):.3f} {unit}, "
            f"p99 {p99:.3f} {unit}, max {v[-1]:.3f} {unit}")


# ---------------------------------------------------------------------------
# DNS on the wire: just enough to build queries and read answers fast


def query_bytes(qid: int, name: str, qtype: int = 1) -> bytes:
    """A query without RD or EDNS."""
    wire = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def _name(msg: bytes, pos: int) -> tuple[str, int]:
    """(dotted lowercase name with a trailing dot, offset after it), following compression."""
    labels, end, hops = [], None, 0
    while True:
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        if length == 0:
            return ".".join(labels).lower() + ".", (end if end is not None else pos + 1)
        labels.append(msg[pos + 1:pos + 1 + length].decode("ascii", "replace"))
        pos += 1 + length


class Answer:
    """One response: id, rcode, and the records that matter to the drills."""

    __slots__ = ("qid", "rcode", "addresses", "cnames", "soa_serials")

    def __init__(self, raw: bytes):
        self.qid, flags, qd, an, ns, _ = struct.unpack("!HHHHHH", raw[:12])
        self.rcode = flags & 0xF
        self.addresses: list[str] = []      # A data in the answer section
        self.cnames: list[tuple[str, str]] = []  # (owner, target) in the answer section
        self.soa_serials: list[int] = []    # SOA serials in the answer and authority sections
        pos = 12
        for _ in range(qd):
            pos = _name(raw, pos)[1] + 4
        for section, count in (("an", an), ("ns", ns)):
            for _ in range(count):
                owner, pos = _name(raw, pos)
                rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", raw[pos:pos + 10])
                pos += 10
                if section == "an" and rtype == 1 and rdlen == 4:
                    self.addresses.append(socket.inet_ntoa(raw[pos:pos + 4]))
                elif section == "an" and rtype == 5:
                    self.cnames.append((owner, _name(raw, pos)[0]))
                elif rtype == 6:
                    after_rname = _name(raw, _name(raw, pos)[1])[1]
                    self.soa_serials.append(struct.unpack("!I", raw[after_rname:after_rname + 4])[0])
                pos += rdlen


class UdpLoad:
    """Paced UDP queries from one socket with up to `window` in flight.

    run() sends `names` in turn at `qps` until `until()` is true (checked
    between sends) and calls on_answer(sent_at, received_at, Answer) for every
    response; a query with no response within `timeout` counts as lost.
    Everything runs on the calling thread."""

    def __init__(self, addr, names: list[tuple[str, int]], qps: float, window: int = 32, timeout: float = 1.0):
        self.addr = addr
        self.queries = [(name, qtype) for name, qtype in names]
        self.qps = qps
        self.window = window
        self.timeout = timeout
        self.sent = self.answered = self.lost = self.unparsable = 0

    def run(self, until, on_answer):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.connect(self.addr)
        sock.setblocking(False)
        pending: dict[int, float] = {}
        qid = 0
        period = 1.0 / self.qps
        next_send = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                stopping = until()
                if not stopping and now >= next_send and len(pending) < self.window:
                    qid = (qid + 1) & 0xFFFF
                    name, qtype = self.queries[qid % len(self.queries)]
                    try:
                        sock.send(query_bytes(qid, name, qtype))
                        pending[qid] = now
                        self.sent += 1
                    except (BlockingIOError, ConnectionRefusedError):
                        pass  # no room in the buffer, or ICMP unreachable from a dead server: a query not sent
                    next_send = max(next_send + period, now - 0.1)  # catch up a little, never in a burst
                    continue
                if stopping and not pending:
                    return
                wait = max(0.0, min(next_send - now, 0.005)) if not stopping else 0.005
                ready, _, _ = select.select([sock], [], [], wait)
                if ready:
                    self._drain(sock, pending, on_answer)
                now = time.monotonic()
                for q, sent_at in list(pending.items()):
                    if now - sent_at > self.timeout:
                        del pending[q]
                        self.lost += 1
        finally:
            sock.close()

    def _drain(self, sock, pending, on_answer):
        while True:
            try:
                raw = sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                continue
            received = time.monotonic()
            if len(raw) < 12:
                self.unparsable += 1
                continue
            sent_at = pending.pop(struct.unpack("!H", raw[:2])[0], None)
            if sent_at is None:
                continue  # a late answer to a query already counted lost
            try:
                answer = Answer(raw)
            except (ValueError, IndexError, struct.error):
                self.unparsable += 1
                continue
            self.answered += 1
            on_answer(sent_at, received, answer)


def ask(addr, name: str, qtype: int = 1, timeout: float = 1.0) -> Answer | None:
    """One query, one answer (or None after `timeout`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        qid = int.from_bytes(os.urandom(2), "big")
        try:
            s.sendto(query_bytes(qid, name, qtype), addr)
            while True:
                raw, _ = s.recvfrom(65535)
                if raw[:2] == qid.to_bytes(2, "big"):
                    return Answer(raw)
        except (socket.timeout, ConnectionRefusedError):
            return None


# ---------------------------------------------------------------------------
# dnsperf


class Dnsperf:
    """dnsperf in the background, stopped by PID; result() parses its summary."""

    def __init__(self, addr, queries: pathlib.Path, seconds: float, qps: int | None = None,
                 clients: int = 4, outstanding: int = 100, timeout: float = 1.0):
        self.cmd = ["dnsperf", "-s", addr[0], "-p", str(addr[1]), "-d", str(queries), "-l", str(seconds),
                    "-c", str(clients), "-q", str(outstanding), "-t", str(timeout)]
        if qps:
            self.cmd += ["-Q", str(int(qps))]
        self.seconds = seconds
        self.proc: subprocess.Popen | None = None
        self.output = ""

    def start(self) -> "Dnsperf":
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True)
        return self

    def result(self) -> dict:
        """Waits for the run to end (its length plus a deadline) and parses the summary."""
        try:
            self.output, _ = self.proc.communicate(timeout=self.seconds + 30)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return parse_dnsperf(self.output)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.communicate(timeout=10)


def parse_dnsperf(out: str) -> dict:
    def num(pattern: str, default=None):
        m = re.search(pattern, out)
        return float(m.group(1)) if m else default

    result = {"sent": int(num(r"Queries sent:\s+(\d+)", -1)), "completed": int(num(r"Queries completed:\s+(\d+)", -1)),
              "lost": int(num(r"Queries lost:\s+(\d+)", -1)), "qps": num(r"Queries per second:\s+([\d.]+)", 0.0),
              "avg_ms": num(r"Average Latency \(s\):\s+([\d.]+)", float("nan")) * 1000,
              "max_ms": num(r"max ([\d.]+)\)", float("nan")) * 1000}
    m = re.search(r"Response codes:\s+(.*)", out)
    result["rcodes"] = m.group(1).strip() if m else ""
    if result["sent"] < 0:
        raise RuntimeError(f"dnsperf printed no summary:\n{out}")
    return result


def dnsperf_text(r: dict) -> str:
    return (f"sent {r['sent']}, completed {r['completed']}, lost {r['lost']}, {r['qps']:.0f} qps, "
            f"latency avg {r['avg_ms']:.2f} ms max {r['max_ms']:.1f} ms, rcodes {r['rcodes']}")


def write_queries(path: pathlib.Path, lines: list[str]) -> pathlib.Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


# ---------------------------------------------------------------------------
# Processes


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, per minute."""
    if len(samples) < 2:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [v for _, v in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def log_count(d: Dnsd, pattern: str) -> int:
    """Lines of dnsd's log matching the regular expression `pattern`."""
    rx = re.compile(pattern)
    return sum(1 for line in d.log().splitlines() if rx.search(line))


def addresses(addr, name: str) -> set[str] | None:
    """The A addresses of one answer to `name`, or None when none came."""
    a = ask(addr, name)
    return None if a is None else set(a.addresses)


def start_all(backends) -> None:
    """Starts HttpBackends in parallel (each start waits for its own ready file)."""
    errors = []

    def start(b):
        try:
            b.start()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(b,)) for b in backends]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def metric_total(d: Dnsd, name: str) -> float | None:
    """The sum of every series of metric `name` on d's /metrics, or None when it has none."""
    from control_support import api
    status, _, text = api(d, "GET", "/metrics", raw=True)
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name + "{") or line.startswith(name + " ")]
    return sum(values) if values else None
