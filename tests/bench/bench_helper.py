#!/usr/bin/python3
"""Helpers for tests/bench/bench_core.sh (run with /usr/bin/python3).

Subcommands (all print to stdout):
  freeport                      a free 127.0.0.1 port (UDP and TCP both free)
  snapshot PID [SPIN_SERVER SPIN_CLIENT]
                                one JSON line: CPU ticks of PID's process tree
                                (utime/stime of every process, all threads,
                                from /proc/P/stat fields 14 and 15), the CPU ticks
                                of the spinners on the server's and client's CPUs,
                                and the per-CPU busy/total jiffies from /proc/stat
  busy SECONDS                  busy % of each CPU over SECONDS ("cpu0 cpu1 ...")
  record OUT.tsv SERVER MODE ROUND BEFORE AFTER DNSPERF_OUT
                                append one result row to OUT.tsv (dnsperf's own
                                "user sys" seconds are read from DNSPERF_OUT.time;
                                BENCH_SERVER_CPU, BENCH_CLIENT_CPU and BENCH_SPIN_CPUS
                                say which CPUs the server, dnsperf and each spinner use)
  summary OUT.tsv [MODE]        print every run's row, then per server the medians
                                with ratios to the best peer (gdnsd, knot, nsd) and to
                                the floor, and dnsd's verdict; only MODE's rows if given
  validate NAME=PORT ...        query every server (floor aside) with the benchmark
                                mix's query kinds (BENCH_MIX) and compare the answers
  validate_dnssec NAME=PORT ... the DNSSEC mix's query kinds with DO=1: every
                                answer signed, every denial with its NSEC proofs,
                                the same data (RRSIGs aside) from every server
  do_ratios DO0.tsv DO1.tsv [DIR [MODE]]  per server: DO=1 against DO=0 (CPU/query, qps,
                                and with DIR the mean response size from its dnsperf
                                outputs), and dnsd's DO=1 cost against the best peer's
  pingpong PORT QUERY_FILE [DO]  send the queries one at a time, each when the
                                previous answer is in (callgrind_core.sh MODE=pingpong)
  cgtop FILE [N] [DIVISOR]      top N functions by self instructions of a callgrind
                                output file (callgrind_annotate 3.19 misreads the
                                files of a dump triggered by callgrind_control), per
                                DIVISOR (e.g. per query) when given
  signers FILE...               per callgrind thread file (--separate-threads=yes):
                                its role (worker: it ran process_query), its
                                instructions, and the inclusive instructions of
                                every signing function (EVP_DigestSign*, ECDSA_*,
                                ossl_ecdsa*, ED25519*, RrsigMaker::sign, sign_zone,
                                sign_version) that ran in it
"""
import json
import os
import re
import socket
import statistics
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def freeport():
    """Pick a port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        t.close()
        u.close()
        print(port)
        return 0
    print("no free port", file=sys.stderr)
    return 1


def _stat_fields(path):
    """Fields of a /proc stat file, 1-based like proc(5), comm stripped."""
    with open(path) as f:
        data = f.read()
    # comm may hold spaces and parens: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    return [None, None, None] + rest  # rest[0] is field 3 (state)


def _tree(root):
    """root and all its descendant pids."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            parent[int(d)] = int(_stat_fields(f"/proc/{d}/stat")[4])
        except (OSError, ValueError, IndexError):
            pass
    out = [root]
    frontier = [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        frontier += kids
    return out


def _cpus():
    """{cpuN: [busy_jiffies, total_jiffies]} from /proc/stat."""
    res = {}
    with open("/proc/stat") as f:
        for line in f:
            if not re.match(r"cpu\d", line):
                continue
            name, *vals = line.split()
            vals = [int(v) for v in vals[:8]]  # user nice system idle iowait irq softirq steal
            idle = vals[3] + vals[4]
            # busy (steal excluded), total, irq+softirq, steal (the hypervisor ran others)
            res[name] = [sum(vals) - idle - vals[7], sum(vals), vals[5] + vals[6], vals[7]]
    return res


def _ipis():
    """Rescheduling + function-call interrupts per CPU (cross-CPU wake-ups)."""
    out = []
    with open("/proc/interrupts") as f:
        ncpu = len(f.readline().split())
        for line in f:
            parts = line.split()
            if parts and parts[0] in ("RES:", "CAL:"):
                vals = [int(v) for v in parts[1:1 + ncpu]]
                out = [a + b for a, b in zip(out, vals)] if out else vals
    return out


def snapshot(pid, *spinners):
    utime = stime = nthreads = 0
    procs = []
    tasks = {}
    for p in _tree(int(pid)):
        try:
            f = _stat_fields(f"/proc/{p}/stat")
        except OSError:
            continue
        # Process-level utime/stime (14, 15) include all live and exited threads.
        utime += int(f[14])
        stime += int(f[15])
        nthreads += int(f[20])
        procs.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                tf = _stat_fields(f"/proc/{p}/task/{t}/stat")
                tasks[f"{p}/{t}"] = int(tf[14]) + int(tf[15])
        except OSError:
            pass
    spin = []
    for p in spinners:
        try:
            f = _stat_fields(f"/proc/{p}/stat")
            spin.append(int(f[14]) + int(f[15]))
        except OSError:
            spin.append(0)
    print(json.dumps({"pids": procs, "threads": nthreads, "utime": utime, "spin": spin, "tasks": tasks,
                      "stime": stime, "clk_tck": CLK_TCK, "cpus": _cpus(), "ipis": _ipis()}))
    return 0


def _parse_dnsperf(text):
    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None
    return {
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "runtime": num(r"Run time \(s\):\s+([\d.]+)"),
        "rcodes": (re.search(r"Response codes:\s+(.*)", text) or [None, ""])[1].strip(),
        "avg_latency_ms": (num(r"Average Latency \(s\):\s+([\d.]+)") or 0) * 1000,
    }


FIELDS = ["server", "mode", "round", "qps", "completed", "lost", "runtime_s",
          "cpu_us_per_q", "user_us_per_q", "sys_us_per_q", "server_cpu_pct",
          "ipi_srv_per_q", "ipi_cli_per_q",
          "dnsperf_cpu_pct", "srvcpu_other_pct", "clicpu_other_pct",
          "srvcpu_busy_pct", "clicpu_busy_pct", "srvcpu_irq_pct", "steal_pct", "avg_latency_ms",
          "top_thread_pct", "rcodes"]


def _rows(path, mode=None):
    """The rows of a results TSV (by its own header), those of one scheduling mode if given."""
    lines = open(path).read().splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]
    return [r for r in rows if mode is None or r.get("mode") == mode]


def _cpu_set(spec):
    """CPU numbers of a taskset list such as "1", "0-1" or "0,2-3"."""
    cpus = []
    for part in str(spec).split(","):
        lo, _, hi = part.partition("-")
        cpus += list(range(int(lo), int(hi or lo) + 1))
    return cpus


def busy(seconds):
    import time
    b = _cpus()
    time.sleep(float(seconds))
    a = _cpus()
    print(" ".join(f"{100.0 * (a[c][0] - b[c][0]) / max(a[c][1] - b[c][1], 1):.0f}"
                   for c in sorted(a, key=lambda c: int(c[3:]))))
    return 0


def record(out, server, mode, rnd, before, after, dnsperf_out):
    b = json.loads(open(before).read())
    a = json.loads(open(after).read())
    d = _parse_dnsperf(open(dnsperf_out).read())
    if not d["completed"]:
        print(f"{server} round {rnd}: dnsperf reported no completed queries", file=sys.stderr)
        d["completed"] = 0
    tick_us = 1e6 / a["clk_tck"]
    du = (a["utime"] - b["utime"]) * tick_us
    ds = (a["stime"] - b["stime"]) * tick_us
    n = max(d["completed"], 1)

    def jiffies(cpus, idx):
        """Sum over a set of CPUs of one /proc/stat column's growth."""
        names = [f"cpu{c}" for c in cpus]
        if not names or any(c not in a["cpus"] or len(a["cpus"][c]) <= idx for c in names):
            return float("nan")
        return sum(a["cpus"][c][idx] - b["cpus"][c][idx] for c in names)

    def busy(cpus, idx=0):
        dt = jiffies(cpus, 1)
        return 100.0 * jiffies(cpus, idx) / dt if dt else float("nan")
    # Server CPU % over dnsperf's sending time (it then waits for stragglers).
    run_s = d["runtime"] or 1.0
    try:
        pu, ps = (float(x) for x in open(dnsperf_out + ".time").read().split()[-2:])
    except (OSError, ValueError):
        pu = ps = float("nan")
    tick_s = 1.0 / a["clk_tck"]
    # Work on the server's and dnsperf's CPUs that is neither theirs nor the
    # spinners' (assuming the pins): other processes, interrupts for them... A big
    # share means a noisy round. When the two CPU sets overlap (THREADS > 1), the
    # figure is over their union and both columns show it.
    scpus = _cpu_set(os.environ.get("BENCH_SERVER_CPU", "0"))
    ccpus = _cpu_set(os.environ.get("BENCH_CLIENT_CPU", "1"))
    spin_cpus = [int(c) for c in os.environ.get("BENCH_SPIN_CPUS", "").split()]
    spin = [(x - y) * tick_s for x, y in zip(a.get("spin", []), b.get("spin", []))]

    def spin_on(cpus):
        return sum(t for c, t in zip(spin_cpus, spin) if c in cpus)

    def other(cpus, own_s):
        total = jiffies(cpus, 1) * tick_s
        return 100.0 * (jiffies(cpus, 0) * tick_s - own_s - spin_on(cpus)) / total if total else float("nan")
    if set(scpus) & set(ccpus):
        both = sorted(set(scpus) | set(ccpus))
        other0 = other1 = other(both, (du + ds) / 1e6 + pu + ps)
    else:
        other0 = other(scpus, (du + ds) / 1e6)
        other1 = other(ccpus, pu + ps)

    def ipis(cpus):
        try:
            return sum(a["ipis"][i] - b["ipis"][i] for i in cpus) / n
        except (KeyError, IndexError):
            return float("nan")
    # The busiest thread's share of the server's CPU time: about 100/THREADS when
    # the kernel spreads the clients evenly over the workers' sockets.
    bt, at = b.get("tasks", {}), a.get("tasks", {})
    grew = [at[t] - bt.get(t, 0) for t in at]
    top = 100.0 * max(grew) / sum(grew) if grew and sum(grew) > 0 else float("nan")
    row = {
        "server": server, "mode": mode, "round": rnd, "qps": f"{d['qps'] or 0:.0f}",
        "completed": d["completed"], "lost": d["lost"],
        "runtime_s": d["runtime"],
        "cpu_us_per_q": f"{(du + ds) / n:.3f}",
        "user_us_per_q": f"{du / n:.3f}", "sys_us_per_q": f"{ds / n:.3f}",
        "server_cpu_pct": f"{100.0 * (du + ds) / 1e6 / run_s:.1f}",
        "ipi_srv_per_q": f"{ipis(scpus):.3f}", "ipi_cli_per_q": f"{ipis(ccpus):.3f}",
        "dnsperf_cpu_pct": f"{100.0 * (pu + ps) / run_s:.1f}",
        "srvcpu_other_pct": f"{max(other0, 0.0):.1f}", "clicpu_other_pct": f"{max(other1, 0.0):.1f}",
        "srvcpu_busy_pct": f"{busy(scpus):.1f}", "clicpu_busy_pct": f"{busy(ccpus):.1f}",
        "srvcpu_irq_pct": f"{busy(scpus, 2):.1f}",
        "steal_pct": f"{max(busy(scpus, 3), busy(ccpus, 3)):.1f}",
        "avg_latency_ms": f"{d['avg_latency_ms']:.3f}",
        "top_thread_pct": f"{top:.0f}",
        "rcodes": d["rcodes"].replace("\t", " "),
    }
    new = not os.path.exists(out) or os.path.getsize(out) == 0
    with open(out, "a") as f:
        if new:
            f.write("\t".join(FIELDS) + "\n")
        f.write("\t".join(str(row[k]) for k in FIELDS) + "\n")
    print(f"  {server:5s} {mode} round {rnd}: {row['qps']:>7s} qps, {row['cpu_us_per_q']:>7s} us/q "
          f"(user {row['user_us_per_q']}, sys {row['sys_us_per_q']}), lost {row['lost']}, "
          f"wake-up IPIs/q to server {row['ipi_srv_per_q']} to dnsperf {row['ipi_cli_per_q']}, "
          f"server {row['server_cpu_pct']}% cpu (busiest thread {row['top_thread_pct']}% of it), "
          f"dnsperf {row['dnsperf_cpu_pct']}% cpu, "
          f"other load: server CPU {row['srvcpu_other_pct']}%, dnsperf CPU {row['clicpu_other_pct']}%, "
          f"steal {row['steal_pct']}%")
    return 0


PEERS = ("gdnsd", "knot", "nsd")  # other authoritative servers; dnsd* and floor are not peers


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def summary(path, mode=None):
    """Every run's row, then medians per server with ratios to the best peer and the floor."""
    rows = _rows(path, mode)
    if not rows:
        print(f"\n(no results{' for mode ' + mode if mode else ''})")
        return 0
    servers = []
    for r in rows:
        if r["server"] not in servers:
            servers.append(r["server"])
    print()
    print("Every run (server CPU = utime+stime of all its processes/threads, per answered query):")
    hdr = (f"{'server':9s} {'mode':5s} {'round':>5s} {'qps':>8s} {'CPU us/q':>9s} {'user':>7s} {'sys':>7s} "
           f"{'lost':>6s} {'noise%':>6s} {'steal%':>6s} {'top thr%':>8s}  rcodes")
    print(hdr)
    for r in sorted(rows, key=lambda r: (servers.index(r["server"]), int(r["round"]))):
        print(f"{r['server']:9s} {r.get('mode', '-'):5s} {r['round']:>5s} {r['qps']:>8s} {r['cpu_us_per_q']:>9s} "
              f"{r['user_us_per_q']:>7s} {r['sys_us_per_q']:>7s} {r['lost']:>6s} "
              f"{max(_num(r['srvcpu_other_pct']), _num(r['clicpu_other_pct'])):6.1f} "
              f"{_num(r.get('steal_pct')):6.1f} {r.get('top_thread_pct', '-'):>8s}  {r.get('rcodes', '')}")
    med = {}
    for s in servers:
        rs = [r for r in rows if r["server"] == s]
        def m(k):
            return statistics.median(_num(r.get(k)) for r in rs)
        med[s] = {"n": len(rs), "qps": m("qps"), "cpu": m("cpu_us_per_q"),
                  "user": m("user_us_per_q"), "sys": m("sys_us_per_q"),
                  "pct": m("server_cpu_pct"), "client": m("dnsperf_cpu_pct"),
                  "noise": max(max(_num(r["srvcpu_other_pct"]), _num(r["clicpu_other_pct"]))
                               for r in rs),
                  "lost": sum(int(r["lost"] or 0) for r in rs),
                  "lat": m("avg_latency_ms"),
                  "ipi": m("ipi_srv_per_q"), "ipic": m("ipi_cli_per_q"),
                  "top": m("top_thread_pct"),
                  "steal": max(_num(r.get("steal_pct", 0)) for r in rs)}
    peers = [s for s in servers if s in PEERS]
    best_cpu_peer = min(peers, key=lambda s: med[s]["cpu"]) if peers else None
    best_qps_peer = max(peers, key=lambda s: med[s]["qps"]) if peers else None
    floor = med.get("floor")

    def ratio(x, y):
        return f"{x / y:.3f}" if y else "-"
    print()
    print("Medians over rounds; CPU/peer and qps/peer: against the best of the peers "
          f"({', '.join(peers) or 'none measured'}) on that figure; CPU/floor: against floor_responder")
    hdr = (f"{'server':9s} {'rounds':>6s} {'CPU us/q':>9s} {'qps':>8s} {'CPU/peer':>8s} {'qps/peer':>8s} "
           f"{'CPU/floor':>9s} {'user':>7s} {'sys':>7s} {'srv CPU%':>8s} {'dnsperf%':>8s} {'lat ms':>7s} "
           f"{'lost':>6s} {'noise%':>6s} {'steal%':>6s} {'IPI/q':>11s} {'top thr%':>8s}")
    print(hdr)
    print("-" * len(hdr))
    for s in servers:
        v = med[s]
        cp = ratio(v["cpu"], med[best_cpu_peer]["cpu"]) if best_cpu_peer else "-"
        qp = ratio(v["qps"], med[best_qps_peer]["qps"]) if best_qps_peer else "-"
        cf = ratio(v["cpu"], floor["cpu"]) if floor else "-"
        print(f"{s:9s} {v['n']:6d} {v['cpu']:9.3f} {v['qps']:8.0f} {cp:>8s} {qp:>8s} {cf:>9s} "
              f"{v['user']:7.3f} {v['sys']:7.3f} {v['pct']:8.1f} {v['client']:8.1f} {v['lat']:7.3f} "
              f"{v['lost']:6d} {v['noise']:6.1f} {v['steal']:6.1f} {v['ipi']:5.2f}/{v['ipic']:<5.2f} {v['top']:8.0f}")
    print("(user/sys: us of server CPU per query in user and kernel mode; srv CPU% and "
          "dnsperf%: CPU use during the run;\n noise%: worst round's CPU use on the server's and dnsperf's "
          "CPUs by anything else, i.e. other processes on the machine (including the moments\n between runs); "
          "steal%: worst round's time the hypervisor gave our vCPUs to others;\n IPI/q: wake-up interrupts "
          "per query received by the server's CPU(s) / by dnsperf's CPU(s); top thr%: the busiest\n thread's "
          "share of the server's CPU time (100/THREADS when the workers share the load evenly))")
    worst = max(v["noise"] for v in med.values())
    if worst > 10 and mode == "fifo":
        print(f"note: other load reached {worst:.0f}% of a core in some rounds; the servers "
              "and dnsperf ran at real-time priority, above it, but caches were shared")
    elif worst > 10:
        print(f"WARNING: other load reached {worst:.0f}% of a core during some rounds: "
              "figures are disturbed; rerun on a quiet machine")
    for tap in ("dnsd-tapf", "dnsd-tapu"):
        if "dnsd" in med and tap in med:
            print(f"dnstap on ({tap}) / off: CPU us/query {med[tap]['cpu']:.3f} / {med['dnsd']['cpu']:.3f} = "
                  f"{med[tap]['cpu'] / med['dnsd']['cpu']:.3f}  qps {med[tap]['qps'] / med['dnsd']['qps']:.3f}")
    if "dnsd" in med and "dnsd-base" in med:
        print()
        print(f"dnsd/dnsd-base CPU us/query: {med['dnsd']['cpu'] / med['dnsd-base']['cpu']:.3f}  "
              f"qps: {med['dnsd']['qps'] / med['dnsd-base']['qps']:.3f}  (this binary against DNSD_BASE_BIN)")
    if "dnsd" in med and floor:
        print(f"dnsd/floor CPU us/query: {med['dnsd']['cpu'] / floor['cpu']:.3f}  (floor: "
              f"{floor['cpu']:.3f} us/q, the kernel's UDP receive and send and a loop; "
              f"dnsd's excess over it: {med['dnsd']['cpu'] - floor['cpu']:.3f} us/q)")
        if best_cpu_peer:
            print(f"best peer/floor CPU us/query: {med[best_cpu_peer]['cpu'] / floor['cpu']:.3f}  "
                  f"({best_cpu_peer}'s excess over the floor: {med[best_cpu_peer]['cpu'] - floor['cpu']:.3f} us/q)")
    if "dnsd" in med and peers:
        rc = med["dnsd"]["cpu"] / med[best_cpu_peer]["cpu"]
        rq = med["dnsd"]["qps"] / med[best_qps_peer]["qps"]
        print()
        print(f"dnsd/best-peer CPU us/query: {rc:.3f}  (best peer {best_cpu_peer}: "
              f"{med[best_cpu_peer]['cpu']:.3f} us/q; lower is better)")
        print(f"dnsd/best-peer qps:          {rq:.3f}  (best peer {best_qps_peer}: "
              f"{med[best_qps_peer]['qps']:.0f} qps; higher is better)")
        # Paired view: the ratio to the same best peer within each round (runs minutes
        # apart see different background load; runs of one round are seconds apart),
        # then the median. (Taking the best peer per round instead would pick whichever
        # peer was lucky in that round, a bias against dnsd.)
        pc, pq = [], []
        for rnd in sorted({r["round"] for r in rows}, key=int):
            by = {r["server"]: r for r in rows if r["round"] == rnd}
            if "dnsd" in by and best_cpu_peer in by and best_qps_peer in by:
                pc.append(float(by["dnsd"]["cpu_us_per_q"]) / float(by[best_cpu_peer]["cpu_us_per_q"]))
                pq.append(float(by["dnsd"]["qps"]) / float(by[best_qps_peer]["qps"]))
        if pc:
            print(f"per-round ratios to the same peers (median, min..max over {len(pc)} rounds): "
                  f"CPU/query "
                  f"{statistics.median(pc):.3f} ({min(pc):.3f}..{max(pc):.3f}), qps "
                  f"{statistics.median(pq):.3f} ({min(pq):.3f}..{max(pq):.3f})")
        ok_cpu = rc <= 1.0
        ok_qps = rq >= 0.99  # dnsperf-bound: within 1% counts as "no lower"
        verdict = "MEETS" if ok_cpu and ok_qps else "MISSES"
        print(f"VERDICT: dnsd {verdict} the target (CPU/query <= best peer: "
              f"{'yes' if ok_cpu else 'NO'}; qps no lower (within 1%): "
              f"{'yes' if ok_qps else 'NO'})")
        if pc and len(pc) > 1:
            paired_ok = statistics.median(pc) <= 1.0 and statistics.median(pq) >= 0.99
            if paired_ok != (ok_cpu and ok_qps):
                print("CAUTION: the ratio of medians and the median of per-round ratios disagree: "
                      "the difference is within the noise of this run; use more rounds "
                      "(e.g. ROUNDS=20 DURATION=3)")
    elif "dnsd" not in med:
        print("\n(dnsd not measured: no ratios)")
    return 0


# Queries the benchmark mixes use, one per kind (bench_core.sh MIX=classic|issue).
KINDS = {
    "classic": [("www.bench.test.", "A"), ("nx-1.bench.test.", "A"), ("host7.bench.test.", "AAAA"),
                ("bench.test.", "MX"), ("alias.bench.test.", "A")],
    "issue": [("pool.bench.test.", "A"), ("name1.bench.test.", "A"), ("name1000.bench.test.", "A"),
              ("nx-1.bench.test.", "A"), ("bench.test.", "MX"), ("name7.bench.test.", "AAAA")],
}


def validate(args):
    """Compare rcode, AA and answer section of every server (floor_responder answers
    nothing and is left out). BENCH_MIX picks the query kinds."""
    import dns.message
    import dns.query
    import dns.rcode
    servers = [a.split("=", 1) for a in args if not a.startswith("floor=")]
    ok = True
    for qname, qtype in KINDS.get(os.environ.get("BENCH_MIX", "classic"), KINDS["classic"]):
        seen = {}
        for name, port in servers:
            q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
            q.flags &= ~0x0100  # clear RD: authoritative-style query
            try:
                r = dns.query.udp(q, "127.0.0.1", port=int(port), timeout=2)
            except Exception as e:  # noqa: BLE001 - report any failure as a mismatch
                print(f"  {name}: {qname} {qtype}: no answer ({e})")
                ok = False
                continue

            def section(sec):
                return sorted(f"{rrs.name} {rrs.ttl} {dns.rdatatype.to_text(rrs.rdtype)} "
                              f"{rd.to_text()}" for rrs in sec for rd in rrs)
            ans = section(r.answer)
            seen[name] = (dns.rcode.to_text(r.rcode()), bool(r.flags & 0x0400), ans)
            print(f"  {name:5s} {qname:20s} {qtype:4s} {dns.rcode.to_text(r.rcode()):8s} "
                  f"aa={int(bool(r.flags & 0x0400))} an={sum(len(x) for x in r.answer)} "
                  f"ns={sum(len(x) for x in r.authority)} "
                  f"ar={sum(len(x) for x in r.additional)} size={len(r.to_wire())}")
        vals = list(seen.values())
        if any(v != vals[0] for v in vals[1:]):
            ok = False
            print(f"  MISMATCH for {qname} {qtype}:")
            for name, v in seen.items():
                print(f"    {name}: {v}")
    return 0 if ok else 1


# Query kinds of the DNSSEC mix (bench_core.sh DNSSEC=1).
DNSSEC_KINDS = [("www.bench.test.", "A"), ("host7.bench.test.", "A"), ("pool.bench.test.", "A"),
                ("nx-1.bench.test.", "A"), ("host7.bench.test.", "AAAA")]


def validate_dnssec(args):
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
    servers = [a.split("=", 1) for a in args if not a.startswith("floor=")]
    ok = True
    for qname, qtype in DNSSEC_KINDS:
        seen = {}
        for name, port in servers:
            q = dns.message.make_query(qname, qtype, want_dnssec=True, payload=1232)
            q.flags &= ~0x0100
            try:
                r = dns.query.udp(q, "127.0.0.1", port=int(port), timeout=2)
            except Exception as e:  # noqa: BLE001
                print(f"  {name}: {qname} {qtype} DO=1: no answer ({e})")
                ok = False
                continue

            def types(sec):
                return sorted(f"{dns.rdatatype.to_text(x.rdtype)}"
                              + (f"/{dns.rdatatype.to_text(x.covers)}" if x.rdtype == dns.rdatatype.RRSIG else "")
                              + f"x{len(x)}" for x in sec)
            data = sorted(f"{x.name} {dns.rdatatype.to_text(x.rdtype)} {rd.to_text()}"
                          for x in r.answer if x.rdtype != dns.rdatatype.RRSIG for rd in x)
            positive = bool(data)
            signed = any(x.rdtype == dns.rdatatype.RRSIG for x in r.answer)
            proof = any(x.rdtype == dns.rdatatype.NSEC for x in r.authority) and \
                any(x.rdtype == dns.rdatatype.RRSIG and x.covers == dns.rdatatype.NSEC for x in r.authority)
            good = signed if positive else proof
            ok &= good
            seen[name] = (dns.rcode.to_text(r.rcode()), data)
            print(f"  {name:5s} {qname:18s} {qtype:4s} DO=1 {dns.rcode.to_text(r.rcode()):8s} "
                  f"size={len(r.to_wire()):4d} an={types(r.answer)} ns={types(r.authority)} "
                  f"ar={types(r.additional)}{'' if good else '  MISSING SIGNATURE OR PROOF'}")
        vals = list(seen.values())
        if any(v != vals[0] for v in vals[1:]):
            ok = False
            print(f"  MISMATCH for {qname} {qtype} (DO=1, RRSIGs aside):")
            for name, v in seen.items():
                print(f"    {name}: {v}")
    return 0 if ok else 1


def do_ratios(do0_path, do1_path, results_dir=None, sched=None):
    r0, r1 = _rows(do0_path, sched), _rows(do1_path, sched)
    servers = []
    for r in r0 + r1:
        if r["server"] not in servers:
            servers.append(r["server"])
    med = {}
    def response_bytes(server, mode):
        import glob
        sizes = []
        for f in glob.glob(os.path.join(results_dir or ".", f"dnsperf-{server}-{sched or '*'}-do{mode}-r*.txt")):
            m = re.search(r"response (\d+)", open(f).read())
            if m:
                sizes.append(int(m.group(1)))
        return f"{statistics.median(sizes):.0f}" if results_dir and sizes else "-"
    print(f"{'server':8s} {'CPU us/q DO=0':>13s} {'DO=1':>7s} {'DO=1/DO=0':>9s} {'+us/q':>6s} "
          f"{'qps DO=0':>9s} {'DO=1':>7s} {'DO=1/DO=0':>9s} {'resp B':>9s}   "
          f"per-round DO=1/DO=0 CPU (median, min..max)")
    for s in servers:
        a = [r for r in r0 if r["server"] == s]
        b = [r for r in r1 if r["server"] == s]
        if not a or not b:
            continue
        c0 = statistics.median(float(r["cpu_us_per_q"]) for r in a)
        c1 = statistics.median(float(r["cpu_us_per_q"]) for r in b)
        q0 = statistics.median(float(r["qps"]) for r in a)
        q1 = statistics.median(float(r["qps"]) for r in b)
        med[s] = (c0, c1, q0, q1)
        paired = [float(y["cpu_us_per_q"]) / float(x["cpu_us_per_q"])
                  for x in a for y in b if x["round"] == y["round"]]
        print(f"{s:8s} {c0:13.3f} {c1:7.3f} {c1 / c0:9.3f} {c1 - c0:6.3f} {q0:9.0f} {q1:7.0f} {q1 / q0:9.3f} "
              f"{response_bytes(s, 0) + '/' + response_bytes(s, 1):>9s}   "
              f"{statistics.median(paired):.3f} ({min(paired):.3f}..{max(paired):.3f}) over {len(paired)} rounds")
    peers = [s for s in med if s in PEERS]
    if "dnsd" in med and peers:
        best = min(peers, key=lambda s: med[s][1])
        best_inc = min(peers, key=lambda s: med[s][1] - med[s][0])
        d = med["dnsd"]
        print(f"dnsd/best-peer CPU us/query with DO=1: {d[1] / med[best][1]:.3f} "
              f"(best peer {best}: {med[best][1]:.3f} us/q)")
        print(f"dnsd/best-peer qps with DO=1:          {d[3] / max(med[s][3] for s in peers):.3f}")
        print(f"DO=1 cost over DO=0 (us/q): dnsd {d[1] - d[0]:+.3f}, least of the peers {best_inc} "
              f"{med[best_inc][1] - med[best_inc][0]:+.3f}")
        print(f"TARGET (dnsd's DO=1 CPU/query <= best peer's): {'MET' if d[1] <= med[best][1] else 'MISSED'}")
    return 0


def cgtop(path, n=30, divisor=None):
    """Self cost per function of one callgrind output file (Ir events only)."""
    names = {}
    # Names are defined once per process, maybe in an earlier part file: read all parts.
    base = re.sub(r"\.\d+$", "", path)
    for f in sorted(set([path, base] + [base + f".{i}" for i in range(1, 10)])):
        if not os.path.exists(f):
            continue
        for m in re.finditer(r"^c?fn=\((\d+)\) (.+)$", open(f).read(), re.M):
            names[m.group(1)] = m.group(2)
        for m in re.finditer(r"^c?ob=\((\d+)\) (.+)$", open(f).read(), re.M):
            names["ob" + m.group(1)] = os.path.basename(m.group(2))
    self_cost = {}
    fn = ob = None
    skip_next = False
    total = 0
    for line in open(path):
        if line.startswith("fn="):
            fn = re.match(r"fn=\((\d+)\)", line).group(1)
            cur_ob = ob
        elif line.startswith("ob="):
            ob = re.match(r"ob=\((\d+)\)", line).group(1)
        elif line.startswith("calls="):
            skip_next = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if len(parts) >= 2 and fn is not None:
                if skip_next:
                    skip_next = False
                else:
                    cost = int(parts[1])
                    key = (fn, cur_ob)
                    self_cost[key] = self_cost.get(key, 0) + cost
                    total += cost
        elif line.startswith("summary:"):
            pass
    div = float(divisor) if divisor else 1.0
    unit = "instr/query" if divisor else "instr"
    print(f"{total / div:12.0f} {unit} in all (self costs summed)")
    for (f, o), c in sorted(self_cost.items(), key=lambda kv: -kv[1])[:int(n)]:
        name = names.get(f, f"fn {f}")
        obj = names.get("ob" + str(o), "")
        print(f"{c / div:12.1f} {100.0 * c / max(total, 1):5.1f}%  {name[:110]}  [{obj}]")
    return 0


SIGNING_FUNCTIONS = re.compile(r"EVP_DigestSign|ECDSA_|ossl_ecdsa|ED25519|ossl_ed25519|RrsigMaker::sign|"
                               r"sign_zone|sign_version")


def _inclusive(path):
    """{function name: (self + callee cost, calls into it)} of one callgrind file (first event)."""
    names = {}
    base = re.sub(r"\.\d+(-\d+)?$", "", path)
    import glob
    for f in sorted(glob.glob(base + "*")):
        if f.endswith(".txt"):
            continue
        for m in re.finditer(r"^c?fn=\((\d+)\) (.+)$", open(f, errors="replace").read(), re.M):
            names[m.group(1)] = m.group(2)
    cost, calls = {}, {}
    fn = cfn = None
    in_call = False
    for line in open(path, errors="replace"):
        if line.startswith("fn="):
            fn = names.get(re.match(r"fn=\((\d+)\)", line).group(1), "?")
        elif line.startswith("cfn="):
            cfn = names.get(re.match(r"cfn=\((\d+)\)", line).group(1), "?")
        elif line.startswith("calls="):
            in_call = True
            calls[cfn] = calls.get(cfn, 0) + int(line.split("=")[1].split()[0])
        elif (line[:1].isdigit() or line[:1] in "+-*") and fn is not None:
            parts = line.split()
            if len(parts) >= 2:
                cost[fn] = cost.get(fn, 0) + int(parts[1])  # self, or the inclusive cost of a call
                in_call = False
    return {f: (cost.get(f, 0), calls.get(f, 0)) for f in set(cost) | set(calls)}


def signers(*paths):
    worst_worker = 0
    for path in paths:
        inc = _inclusive(path)
        total = 0
        m = re.search(r"^summary: (\d+)", open(path, errors="replace").read(), re.M)
        if m:
            total = int(m.group(1))
        queries = sum(c for f, (_, c) in inc.items() if re.search(r"dnsd::process_query\(", f))
        udp = sum(c for f, (_, c) in inc.items() if re.search(r"^recvmmsg|UdpListener::on_read|UdpListener::drain", f))
        role = "worker" if queries or udp else ("publisher/other" if total else "idle")
        queries = queries or udp
        sig = sorted(((c, n, f) for f, (c, n) in inc.items() if SIGNING_FUNCTIONS.search(f)), reverse=True)
        print(f"{os.path.basename(path)}: {role}, {total} instructions, process_query (or UDP receive) calls {queries}, "
              f"signing functions run: {len(sig)}")
        for c, n, f in sig[:8]:
            print(f"    {c:14d} Ir inclusive  {n:8d} calls  {f[:100]}")
        if queries:
            worst_worker = max(worst_worker, sum(c for c, _, _ in sig))
    print(f"RESULT: signing instructions in worker threads: {worst_worker} "
          f"({'none: the query path does not sign' if worst_worker == 0 else 'WORKERS SIGN'})")
    return 0


def pingpong(port, query_file, do="0"):
    """Send every query of QUERY_FILE (dnsperf format: NAME TYPE) to 127.0.0.1:PORT,
    one at a time: the next leaves when the previous answer is in (2 s timeout).
    With EDNS0 (4096 bytes) as dnsperf -e, DO set when do is 1. Prints dnsperf's
    result lines (Queries sent/completed/lost, Run time)."""
    import time
    import dns.message
    wires = []
    for line in open(query_file):
        parts = line.split()
        if len(parts) < 2:
            continue
        q = dns.message.make_query(parts[0], parts[1], use_edns=0, payload=4096,
                                   want_dnssec=do == "1")
        wires.append(bytearray(q.to_wire()))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", int(port)))
    sock.settimeout(2.0)
    completed = lost = 0
    start = time.monotonic()
    for i, wire in enumerate(wires):
        wire[0], wire[1] = (i >> 8) & 0xFF, i & 0xFF
        sock.send(wire)
        try:
            while True:
                reply = sock.recv(65535)
                if len(reply) >= 2 and reply[0] == wire[0] and reply[1] == wire[1]:
                    completed += 1
                    break
        except socket.timeout:
            lost += 1
    elapsed = time.monotonic() - start
    print(f"  Queries sent:         {len(wires)}")
    print(f"  Queries completed:    {completed}")
    print(f"  Queries lost:         {lost}")
    print(f"  Run time (s):         {elapsed:.6f}")
    return 0


def perquery(server, csv_path, dnsperf_out):
    """perf stat counts (CSV) divided by the queries dnsperf saw answered."""
    n = _parse_dnsperf(open(dnsperf_out).read())["completed"] or 1
    parts = []
    for line in open(csv_path):
        f = line.strip().split(",")
        if len(f) < 3 or not f[0].replace(".", "").isdigit():
            continue
        name = f[2].replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "syscalls")
        val = float(f[0])
        if val:
            parts.append(f"{name} {val / n:.3f}")
    print(f"  {server:5s} per answered query: " + ", ".join(parts))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "freeport":
        return freeport()
    if cmd == "snapshot":
        return snapshot(*args)
    if cmd == "busy":
        return busy(args[0])
    if cmd == "record":
        return record(*args)
    if cmd == "summary":
        return summary(*args)
    if cmd == "pingpong":
        return pingpong(*args)
    if cmd == "perquery":
        return perquery(*args)
    if cmd == "cgtop":
        return cgtop(*args)
    if cmd == "signers":
        return signers(*args)
    if cmd == "validate":
        return validate(args)
    if cmd == "validate_dnssec":
        return validate_dnssec(args)
    if cmd == "do_ratios":
        return do_ratios(*args)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
