#!/usr/bin/python3
"""What idle TCP connections and never-reading TCP clients cost dnsd's UDP service.

1. UDP throughput with and without 1,000 idle TCP connections. dnsd runs with one
   worker (`--threads 1`) pinned to CPU 0 with taskset, dnsperf on CPU 1, both on
   loopback, for --duration seconds per run, alternating the two conditions for
   --rounds rounds. The idle connections each ask one query over TCP (so dnsd has
   accepted them and made them sessions) and then stay silent; dnsd runs with
   `--tcp-idle-timeout 3600` and `--tcp-max-connections 2000` so that they stay open
   for the whole run (with the default 10 s timeout dnsd would close them), and the
   script checks at the end of each run that dnsd still holds all of them. Prints
   qps, the ratio with/without, and dnsd's CPU time per answered query (utime +
   stime of the whole process, /proc/PID/stat fields 14 and 15, over the run).
2. dnsd's VmRSS with the idle connections open, and with 8 clients that each send
   one 65,000-byte message and then 50,000 pipelined queries for a 1.6 KB answer
   without ever reading (tests/integration/test_tcp_backpressure.py asserts a bound).

    /usr/bin/python3 tests/bench/bench_tcp_idle.py [--dnsd build/dnsd/dnsd] [--duration 10] [--rounds 3]

Other sessions on the machine move the figures; compare runs made the same way.
"""

import argparse
import os
import pathlib
import re
import resource
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
ZONES = REPO / "tests" / "integration" / "zones"
CLK_TCK = os.sysconf("SC_CLK_TCK")
QUERY_MIX = ["www.example.test A", "ns1.example.test A", "mail.example.test AAAA", "nope.example.test A",
             "example.test MX", "alias.example.test A", "example.test NS", "v6.example.test AAAA"]


def free_port() -> int:
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def query_wire(name: str, rdtype: int, qid: int, edns_payload: int = 0) -> bytes:
    out = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1 if edns_payload else 0)
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    out += b"\0" + struct.pack("!HH", rdtype, 1)
    if edns_payload:
        out += b"\0" + struct.pack("!HHIH", 41, edns_payload, 0, 0)
    return out


def framed(wire: bytes) -> bytes:
    return struct.pack("!H", len(wire)) + wire


def read_message(sock) -> bytes | None:
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    head = exact(2)
    return exact(struct.unpack("!H", head)[0]) if head else None


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def open_sockets(pid: int) -> int:
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


class Server:
    def __init__(self, dnsd: str, cpu: int, workdir: str):
        self.port = free_port()
        self.log = open(os.path.join(workdir, "dnsd.log"), "wb")
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(cpu), dnsd, "serve", "--zones", str(ZONES), "--listen", f"127.0.0.1:{self.port}",
             "--threads", "1", "--control", "none", "--tcp-idle-timeout", "3600", "--tcp-max-connections", "2000"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for(self.answers, 15, "dnsd to answer")

    @property
    def pid(self) -> int:
        return self.proc.pid  # taskset execs dnsd: same PID

    def answers(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query_wire("www.example.test", 1, 0x5EAD), ("127.0.0.1", self.port))
                return s.recv(4096)[:2] == b"\x5e\xad"
            except OSError:
                return False

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


def open_idle(server: Server, count: int) -> list[socket.socket]:
    """`count` connections, each answered once and then silent."""
    conns = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(framed(query_wire("ns1.example.test", 1, i % 65536)))
        raw = read_message(s)
        if raw is None or raw[:2] != struct.pack("!H", i % 65536):
            raise RuntimeError(f"idle connection {i} was not answered")
        conns.append(s)
    return conns


def still_open(conns) -> int:
    """How many of `conns` dnsd has not closed (no EOF or reset waiting)."""
    readable, _, _ = select.select(conns, [], [], 0)
    return len(conns) - len(readable)


def run_dnsperf(server: Server, cpu: int, duration: float, queries: str) -> dict:
    before = cpu_ticks(server.pid)
    out = subprocess.run(["taskset", "-c", str(cpu), "dnsperf", "-s", "127.0.0.1", "-p", str(server.port),
                          "-d", queries, "-l", str(duration), "-c", "4", "-q", "100", "-e", "-t", "2"],
                         capture_output=True, text=True, check=True).stdout
    ticks = cpu_ticks(server.pid) - before
    completed = int(re.search(r"Queries completed:\s+(\d+)", out).group(1))
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    return {"qps": qps, "completed": completed, "cpu_us_per_q": ticks / CLK_TCK / max(completed, 1) * 1e6}


def pipeliners_rss(server: Server, clients: int = 8, queries: int = 50_000) -> tuple[int, int, int]:
    """VmRSS before and with `clients` never-reading pipeliners stuck, and the answers made."""
    base = vm_rss_kib(server.pid)
    long_message = query_wire("huge.example.test", 16, 0).ljust(65000, b"\0")
    data = framed(long_message) + framed(query_wire("huge.example.test", 16, 1, 4096)) * queries
    socks = []
    for _ in range(clients):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        socks.append(s)
        threading.Thread(target=lambda s=s: _send_quietly(s, data), daemon=True).start()
    # Wait until dnsd's CPU time stops moving: every queue is full.
    last, steady = cpu_ticks(server.pid), 0
    deadline = time.monotonic() + 60
    while steady < 4 and time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_ticks(server.pid)
        steady = steady + 1 if now == last else 0
        last = now
    peak = max(vm_rss_kib(server.pid) for _ in range(10))
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    return base, peak, clients


def _send_quietly(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnsd", default=str(REPO / "build" / "dnsd" / "dnsd"))
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.idle + 200
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))  # dnsd inherits it too

    work = tempfile.mkdtemp(prefix="bench-tcp-idle-")
    queries = os.path.join(work, "queries.txt")
    pathlib.Path(queries).write_text("\n".join(QUERY_MIX) + "\n")
    server = Server(args.dnsd, args.server_cpu, work)
    results = {"none": [], "idle": []}
    rss = {}
    try:
        base_sockets = open_sockets(server.pid)
        run_dnsperf(server, args.client_cpu, 2, queries)  # warm-up
        for r in range(args.rounds):
            for condition in ("none", "idle") if r % 2 == 0 else ("idle", "none"):
                conns = []
                if condition == "idle":
                    conns = open_idle(server, args.idle)
                    wait_for(lambda: open_sockets(server.pid) >= base_sockets + args.idle, 10,
                             "dnsd to hold the idle connections")
                    rss["idle"] = vm_rss_kib(server.pid)
                else:
                    rss.setdefault("none", vm_rss_kib(server.pid))
                res = run_dnsperf(server, args.client_cpu, args.duration, queries)
                if conns:
                    held = still_open(conns)
                    if held != len(conns):
                        raise RuntimeError(f"dnsd closed {len(conns) - held} of the idle connections during the run")
                    for c in conns:
                        c.close()
                    wait_for(lambda: open_sockets(server.pid) <= base_sockets, 20, "dnsd to close the idle connections")
                results[condition].append(res)
                print(f"round {r + 1} {condition:>4}: {res['qps']:10.0f} qps  {res['cpu_us_per_q']:6.2f} us CPU/query "
                      f"({res['completed']} answered)", flush=True)
        rss_base, rss_peak, clients = pipeliners_rss(server)
    finally:
        server.stop()

    def med(cond, key):
        return statistics.median(x[key] for x in results[cond])

    print()
    print(f"dnsd {args.dnsd}, 1 worker on CPU {args.server_cpu}, dnsperf -c 4 -q 100 -e on CPU {args.client_cpu}, "
          f"{args.rounds} x {args.duration:g} s per condition; load average {os.getloadavg()[0]:.1f}")
    print(f"UDP qps, no TCP connections:       {med('none', 'qps'):10.0f}  ({med('none', 'cpu_us_per_q'):.2f} us CPU/query)")
    print(f"UDP qps, {args.idle} idle TCP connections: {med('idle', 'qps'):10.0f}  ({med('idle', 'cpu_us_per_q'):.2f} us CPU/query)")
    print(f"ratio idle/none: qps {med('idle', 'qps') / med('none', 'qps'):.3f}, "
          f"CPU/query {med('idle', 'cpu_us_per_q') / med('none', 'cpu_us_per_q'):.3f}")
    print(f"VmRSS: {rss.get('none', 0)} KiB without TCP connections, {rss.get('idle', 0)} KiB with {args.idle} idle "
          f"({(rss.get('idle', 0) - rss.get('none', 0)) / args.idle:.1f} KiB each)")
    print(f"VmRSS with {clients} never-reading pipelining clients (65,000-byte message, then 50,000 queries each): "
          f"{rss_base} -> {rss_peak} KiB (+{rss_peak - rss_base} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
