#!/usr/bin/env bash
# User-space instructions per query of dnsd, Knot and NSD, counted by callgrind.
#
# Usage: tests/bench/callgrind_core.sh [N_QUERIES]
#
# bench_core.sh measures time, which on a shared 2-core VM moves by 10-20% from
# round to round. Instruction counts barely do: the same binary, zone and queries
# give the same count within about 1% (packets per recvmmsg batch vary), whatever
# else runs. Each server runs under
# `valgrind --tool=callgrind`, answers the benchmark's query mix once (N_QUERIES,
# default 10000, sent with dnsperf -n 1), and the count between two dumps is
# divided by the queries answered. Kernel work (the syscalls, ~75% of the CPU
# time in bench_core.sh) is not counted here.
#
# Environment: SERVERS [dnsd knot nsd], DNSD_BIN (as bench_core.sh),
#   DNSSEC [0] (1: the signed zone and DNSSEC mix of bench_dnssec.sh), DO [0]
#   (1: the queries carry the DNSSEC OK bit, dnsperf -D),
#   RESULTS_DIR [tests/bench/results/callgrind-TIMESTAMP] (callgrind outputs and
#   callgrind_annotate reports per server).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${1:-10000}
SERVERS=${SERVERS:-"dnsd knot nsd"}
RESULTS_DIR=${RESULTS_DIR:-$HERE/results/callgrind-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS_DIR"

for tool in valgrind callgrind_control callgrind_annotate dnsperf; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

# bench_core.sh writes the configurations, zones and query mix; keep them.
CONF_DIR=$RESULTS_DIR/conf
KEEP_TMP=1 ROUNDS=0 WARMUP=0 SERVERS="$SERVERS" RESULTS_DIR="$CONF_DIR" \
  "$HERE/bench_core.sh" >"$RESULTS_DIR/setup.log" 2>&1 || { cat "$RESULTS_DIR/setup.log" >&2; exit 1; }
WORK=$(sed -n 's/^kept //p' "$RESULTS_DIR/setup.log")
[[ -d $WORK ]] || { echo "no work dir in setup.log" >&2; exit 1; }
# Queries: one pass over the first N lines of the benchmark mix.
head -n "$N" "$WORK/queries.txt" >"$RESULTS_DIR/queries.txt"

VG_PID=""
cleanup() {
  if [[ -n $VG_PID ]] && kill -0 "$VG_PID" 2>/dev/null; then
    kill -TERM "$VG_PID" 2>/dev/null || true
    wait "$VG_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

dump_all() {  # dump_all: ask every callgrind process of ours to dump (and zero) its counters
  local i
  for ((i = 0; i < 50; i++)); do
    callgrind_control -d "$VG_PID" >/dev/null 2>&1 && { [[ $1 != nsd ]] || dump_children; return 0; }
    sleep 0.2
  done
  echo "callgrind_control could not reach pid $VG_PID" >&2
  return 1
}
dump_children() {  # NSD serves from forked children, each its own callgrind process
  local p
  for p in $(/usr/bin/python3 "$HERE/bench_helper.py" snapshot "$VG_PID" |
             /usr/bin/python3 -c 'import json,sys; print(*json.load(sys.stdin)["pids"][1:])'); do
    callgrind_control -d "$p" >/dev/null 2>&1 || true
  done
}

echo "DNSSEC=${DNSSEC:-0} DO=${DO:-0}: $N queries of the mix" | tee "$RESULTS_DIR/summary.txt"
printf '%-6s %12s %10s %14s\n' server instructions answered "instr/query" | tee -a "$RESULTS_DIR/summary.txt"
for s in $SERVERS; do
  [[ -f $WORK/$s/cmdline ]] || { echo "skipping $s (not configured; see setup.log)" >&2; continue; }
  read -r -a cmd <"$WORK/$s/cmdline"
  port=$(/usr/bin/python3 "$HERE/bench_helper.py" freeport)
  # Re-point the configuration at a new port (the bench run's servers are gone).
  case $s in
    dnsd) cmd=("${cmd[@]/#127.0.0.1:*/127.0.0.1:$port}") ;;
    knot) sed -i "s/listen: 127.0.0.1@.*/listen: 127.0.0.1@$port/" "$WORK/knot/knot.conf" ;;
    nsd) sed -i "s/^    port: .*/    port: $port/" "$WORK/nsd/nsd.conf" ;;
  esac
  out=$RESULTS_DIR/$s
  mkdir -p "$out"
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/callgrind.%p.out" \
    "${cmd[@]}" >"$out/server.log" 2>&1 &
  VG_PID=$!
  deadline=$((SECONDS + 60))
  until dig @127.0.0.1 -p "$port" +short +time=2 +tries=1 "www.bench.test" A 2>/dev/null | grep -q .; do
    ((SECONDS < deadline)) || { echo "$s did not start under valgrind" >&2; tail "$out/server.log" >&2; exit 1; }
    sleep 0.5
  done
  dump_all "$s"   # part 1: start-up and the readiness queries
  do_flag=-e; [[ ${DO:-0} == 1 ]] && do_flag=-D
  dnsperf -s 127.0.0.1 -p "$port" -d "$RESULTS_DIR/queries.txt" -n 1 -c 1 -q 10 -t 20 "$do_flag" \
    >"$out/dnsperf.txt" 2>&1
  dump_all "$s"   # part 2: the N queries (and the idle loop around them)
  answered=$(awk '/Queries completed/ {print $3}' "$out/dnsperf.txt")
  kill -TERM "$VG_PID"; wait "$VG_PID" 2>/dev/null || true; VG_PID=""
  # Sum the second dump of every process (NSD: the serving child does the work).
  total=0
  for f in "$out"/callgrind.*.out.2; do
    [[ -f $f ]] || continue
    ir=$(awk '/^summary:/ {print $2}' "$f")
    total=$((total + ${ir:-0}))
    ((${ir:-0} > 0)) && /usr/bin/python3 "$HERE/bench_helper.py" cgtop "$f" 40 "${answered:-1}" >"$f.top.txt"
  done
  printf '%-6s %12d %10d %14.0f\n' "$s" "$total" "${answered:-0}" \
    "$(awk -v t="$total" -v n="${answered:-1}" 'BEGIN {print t / (n ? n : 1)}')" | tee -a "$RESULTS_DIR/summary.txt"
done
echo "hottest functions per query: $RESULTS_DIR/*/callgrind.*.out.2.top.txt"
