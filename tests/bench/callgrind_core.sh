#!/usr/bin/env bash
# User-space instructions per query of dnsd, gdnsd, Knot, NSD and the floor
# responder, counted by callgrind, with one query in flight and with batches.
#
# Usage: tests/bench/callgrind_core.sh [N_QUERIES]
#
# bench_core.sh measures time, which on a shared 2-core VM moves by 10-20% from
# round to round. Instruction counts barely do: the same binary, zone and queries
# give the same count within about 1% (packets per recvmmsg batch vary), whatever
# else runs. Each server runs under `valgrind --tool=callgrind
# --trace-children=yes` (every thread and every forked process counted: NSD
# serves from a child, gdnsd and Knot from worker threads), and answers the
# benchmark's query mix (N_QUERIES lines, default 10000) once per mode:
#   pingpong  one query in flight, so every query is its own wake-up (the event
#             loop's and the receive path's cost per query): bench_helper.py
#             pingpong, a one-thread client that sends the next query when the
#             answer is in (dnsperf -q 1 hands each answer from its receiving
#             thread to its sending one, which on a loaded machine took 5-30 ms
#             per query, and the server's idle work in between would count)
#   batched   dnsperf -c 1 -q BATCH_OUTSTANDING [10]: queries queue up and the
#             servers that batch (recvmmsg) take several per wake-up
# The count between two callgrind dumps (all processes of the server) is divided
# by the queries dnsperf saw answered. The count includes whatever the server
# does meanwhile besides answering (timers, housekeeping): the idle column gives
# its rate, measured over IDLE_SECONDS [2] before the queries, and the seconds
# column how long each mode took under valgrind. Kernel work (the syscalls, most
# of the CPU time in bench_core.sh) is not counted here.
#
# Environment: SERVERS [dnsd gdnsd knot nsd floor], MODE [pingpong batched],
#   DNSD_BIN, MIX, THREADS (as bench_core.sh, which writes the configurations,
#   zones and query mix), DNSSEC [0] (1: the signed zone and DNSSEC mix of
#   bench_dnssec.sh; gdnsd is skipped), DO [0] (1: the queries carry the DNSSEC
#   OK bit, dnsperf -D), BATCH_OUTSTANDING [10], IDLE_SECONDS [2],
#   RESULTS_DIR [tests/bench/results/callgrind-TIMESTAMP]: summary.txt (the
#   table), the raw callgrind files per server (SERVER/callgrind.PID.out.K, K-th
#   dump: 1 start-up, 2 idle, then one per mode in MODE's order; kcachegrind
#   reads them), and per server and mode SERVER/MODE/: callgrind_annotate.txt
#   (inclusive instructions per function, per process), top.txt (the hottest
#   functions by self instructions per answered query, from bench_helper.py
#   cgtop: callgrind_annotate 3.19 gives all of a dump's self cost to the
#   outermost frame) and dnsperf.txt (the client's output).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
N=${1:-10000}
SERVERS=${SERVERS:-"dnsd gdnsd knot nsd floor"}
MODE=${MODE:-"pingpong batched"}
BATCH_OUTSTANDING=${BATCH_OUTSTANDING:-10}
IDLE_SECONDS=${IDLE_SECONDS:-2}
RESULTS_DIR=${RESULTS_DIR:-$HERE/results/callgrind-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS_DIR"
for m in $MODE; do
  case $m in pingpong|batched) ;; *) echo "MODE: unknown mode $m (pingpong, batched)" >&2; exit 2 ;; esac
done

for tool in valgrind callgrind_control callgrind_annotate dnsperf dig; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

# bench_core.sh writes the configurations, zones and query mix; keep them.
CONF_DIR=$RESULTS_DIR/conf
# The mix file holds at least N lines (the same generator and seed as the timing runs).
QUERY_LINES=${QUERY_LINES:-$((N > 10000 ? N : 10000))}
KEEP_TMP=1 ROUNDS=0 WARMUP=0 SERVERS="$SERVERS" RESULTS_DIR="$CONF_DIR" QUERY_LINES=$QUERY_LINES \
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

vg_pids() {  # the valgrind process and its descendants (NSD's children, each its own callgrind)
  $PY "$HERE/bench_helper.py" snapshot "$VG_PID" | $PY -c 'import json,sys; print(*json.load(sys.stdin)["pids"])'
}

dump_all() {  # dump_all: every callgrind process of the server dumps (and zeroes) its counters
  local i p
  for ((i = 0; i < 50; i++)); do
    if callgrind_control -d "$VG_PID" >/dev/null 2>&1; then
      for p in $(vg_pids); do
        [[ $p == "$VG_PID" ]] || callgrind_control -d "$p" >/dev/null 2>&1 || true
      done
      return 0
    fi
    sleep 0.2
  done
  echo "callgrind_control could not reach pid $VG_PID" >&2
  return 1
}

dump_total() {  # dump_total DIR K: instructions in the K-th dump, summed over the server's processes
  local f ir total=0
  for f in "$1"/callgrind.*.out."$2"; do
    [[ -f $f ]] || continue
    ir=$(awk '/^summary:/ {print $2}' "$f")
    total=$((total + ${ir:-0}))
  done
  echo "$total"
}

reports() {  # reports DIR K OUTDIR ANSWERED: annotate and top functions of the K-th dump
  local f
  : >"$3/callgrind_annotate.txt"; : >"$3/top.txt"
  for f in "$1"/callgrind.*.out."$2"; do
    [[ -f $f ]] || continue
    (($(awk '/^summary:/ {print $2}' "$f") > 0)) || continue
    {
      echo "==== $(basename "$f")"
      callgrind_annotate --inclusive=yes "$f" 2>&1 | sed -n '/PROGRAM TOTALS/,/auto-annotation/p' | head -n 80 || true
    } >>"$3/callgrind_annotate.txt"
    {
      echo "==== $(basename "$f") (per answered query)"
      $PY "$HERE/bench_helper.py" cgtop "$f" 40 "$4"
    } >>"$3/top.txt"
  done
}

echo "DNSSEC=${DNSSEC:-0} DO=${DO:-0} MIX=${MIX:-issue} THREADS=${THREADS:-1}: $N queries of the mix per mode" |
  tee "$RESULTS_DIR/summary.txt"
echo "(idle: instructions per second with no queries, included in the per-query figures at that rate over the mode's seconds)" |
  tee -a "$RESULTS_DIR/summary.txt"
printf '%-7s %-9s %14s %9s %12s %8s %12s\n' server mode instructions answered "instr/query" seconds "idle instr/s" |
  tee -a "$RESULTS_DIR/summary.txt"
for s in $SERVERS; do
  [[ -f $WORK/$s/cmdline ]] || { echo "skipping $s (not configured; see setup.log)" | tee -a "$RESULTS_DIR/summary.txt" >&2; continue; }
  # Re-point the configuration at a new port (the bench run's servers are gone).
  old=$(cat "$WORK/$s/port")
  port=$($PY "$HERE/bench_helper.py" freeport)
  for f in "$WORK/$s/cmdline" "$WORK/$s/knot.conf" "$WORK/$s/nsd.conf" "$WORK/$s/config"; do
    [[ -f $f ]] && sed -i "s/\b$old\b/$port/g" "$f"
  done
  read -r -a cmd <"$WORK/$s/cmdline"
  out=$RESULTS_DIR/$s
  mkdir -p "$out"
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/callgrind.%p.out" \
    "${cmd[@]}" >"$out/server.log" 2>&1 &
  VG_PID=$!
  deadline=$((SECONDS + 120))
  until dig @127.0.0.1 -p "$port" +time=2 +tries=1 "www.bench.test" A 2>/dev/null | grep -q 'status: NOERROR'; do
    ((SECONDS < deadline)) || { echo "$s did not start under valgrind" >&2; tail "$out/server.log" >&2; exit 1; }
    kill -0 "$VG_PID" 2>/dev/null || { echo "$s exited under valgrind" >&2; tail "$out/server.log" >&2; exit 1; }
    sleep 0.5
  done
  dump_all   # dump 1: start-up and the readiness queries
  sleep "$IDLE_SECONDS"
  dump_all   # dump 2: idle
  idle=$(dump_total "$out" 2)
  k=2
  for m in $MODE; do
    mkdir -p "$out/$m"
    do_flag=-e; [[ ${DO:-0} == 1 ]] && do_flag=-D
    t0=$(date +%s.%N)
    if [[ $m == pingpong ]]; then
      $PY "$HERE/bench_helper.py" pingpong "$port" "$RESULTS_DIR/queries.txt" "${DO:-0}" >"$out/$m/dnsperf.txt" 2>&1
    else
      dnsperf -s 127.0.0.1 -p "$port" -d "$RESULTS_DIR/queries.txt" -n 1 -c 1 -q "$BATCH_OUTSTANDING" -t 20 "$do_flag" \
        >"$out/$m/dnsperf.txt" 2>&1
    fi
    t1=$(date +%s.%N)
    dump_all   # dump k: the N queries of this mode (and the idle loop around them)
    k=$((k + 1))
    answered=$(awk '/Queries completed/ {print $3}' "$out/$m/dnsperf.txt")
    [[ ${answered:-0} == "$(wc -l <"$RESULTS_DIR/queries.txt")" ]] ||
      echo "WARNING: $s $m: ${answered:-0} of $(wc -l <"$RESULTS_DIR/queries.txt") queries answered" >&2
    total=$(dump_total "$out" "$k")
    reports "$out" "$k" "$out/$m" "${answered:-1}"
    printf '%-7s %-9s %14d %9d %12.0f %8.1f %12.0f\n' "$s" "$m" "$total" "${answered:-0}" \
      "$(awk -v t="$total" -v n="${answered:-0}" 'BEGIN {print t / (n ? n : 1)}')" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
      "$(awk -v i="$idle" -v s="$IDLE_SECONDS" 'BEGIN {print i / s}')" | tee -a "$RESULTS_DIR/summary.txt"
  done
  kill -TERM "$VG_PID"; wait "$VG_PID" 2>/dev/null || true; VG_PID=""
done
echo "reports per server and mode: $RESULTS_DIR/SERVER/MODE/{callgrind_annotate,top}.txt"
