#!/usr/bin/env bash
# Proof that dnsd's query path does not sign: dnsd serving the signed benchmark
# zone under callgrind, one file per thread, DO=1 queries and a health change.
#
# Usage: tests/bench/callgrind_dnssec.sh [N_QUERIES]
#
# bench_dnssec.sh's set-up (ROUNDS=0) writes the signed zone (with its pool) and
# the DNSSEC query mix. dnsd then runs under `valgrind --tool=callgrind
# --separate-threads=yes` with its control API on. After start-up (when it has
# signed the zone) the counters are dumped and zeroed; dnsperf sends the first
# N_QUERIES (default 10000) of the mix once with DO=0 (dump 2), then once with
# DO=1 (dnsperf -D) while one pool member is drained through the control API
# (POST /api/drain), which makes the transfer service publish a new version,
# signed (dump 3). The worker thread's instructions per query in dumps 2 and 3
# are what DO=1 costs in user space. `bench_helper.py signers` reads the third
# dump of every thread: the worker thread (the one that ran process_query or received UDP)
# must show no signing function (EVP_DigestSign*, ECDSA_*, ossl_ecdsa*,
# ED25519*, RrsigMaker::sign, sign_zone, sign_version) at all, while the thread
# that published the version shows them. The first dump shows the start-up
# signing (sign_zone) for comparison.
#
# Environment: DNSD_BIN (as bench_core.sh), DNSSEC_ALGORITHM [ecdsap256sha256],
#   RESULTS_DIR [tests/bench/results/callgrind-dnssec-TIMESTAMP].
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
N=${1:-10000}
RESULTS_DIR=${RESULTS_DIR:-$HERE/results/callgrind-dnssec-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS_DIR"

for tool in valgrind callgrind_control dnsperf curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

CONF_DIR=$RESULTS_DIR/conf
KEEP_TMP=1 ROUNDS=0 WARMUP=0 SERVERS=dnsd RESULTS_DIR="$CONF_DIR" REQUIRE_DNSD=1 \
  "$HERE/bench_dnssec.sh" >"$RESULTS_DIR/setup.log" 2>&1 || { cat "$RESULTS_DIR/setup.log" >&2; exit 1; }
WORK=$(sed -n 's/^kept //p' "$RESULTS_DIR/setup.log")
[[ -d $WORK ]] || { echo "no work dir in setup.log" >&2; exit 1; }
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

read -r -a cmd <"$WORK/dnsd/cmdline"
port=$($PY "$HERE/bench_helper.py" freeport)
control=$($PY "$HERE/bench_helper.py" freeport)
cmd=("${cmd[@]/#127.0.0.1:*/127.0.0.1:$port}")
for i in "${!cmd[@]}"; do [[ ${cmd[$i]} == --control ]] && cmd[i+1]=127.0.0.1:$control; done
rm -rf "$WORK/dnsd/keys"  # a fresh key: start-up signs everything
out=$RESULTS_DIR/dnsd
mkdir -p "$out"
echo "${cmd[*]}" >"$out/cmdline"
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/callgrind.%p.out" \
  "${cmd[@]}" >"$out/server.log" 2>&1 &
VG_PID=$!
deadline=$((SECONDS + 120))
until dig @127.0.0.1 -p "$port" +norec +dnssec +time=2 +tries=1 www.bench.test A 2>/dev/null | grep -q 'RRSIG[[:space:]]*A '; do
  ((SECONDS < deadline)) || { echo "dnsd did not answer signed under valgrind" >&2; tail "$out/server.log" >&2; exit 1; }
  sleep 0.5
done
callgrind_control -d "$VG_PID" >/dev/null   # dump 1: start-up (signing the zone) and readiness queries
dnsperf -s 127.0.0.1 -p "$port" -d "$RESULTS_DIR/queries.txt" -n 1 -c 1 -q 10 -t 20 -e >"$out/dnsperf-do0.txt" 2>&1
callgrind_control -d "$VG_PID" >/dev/null   # dump 2: the DO=0 queries
serial0=$(dig @127.0.0.1 -p "$port" +short bench.test SOA | awk '{print $3}')
dnsperf -s 127.0.0.1 -p "$port" -d "$RESULTS_DIR/queries.txt" -n 1 -c 1 -q 10 -t 20 -D >"$out/dnsperf.txt" 2>&1 &
perf_pid=$!
curl -s --noproxy '*' -H 'Content-Type: application/json' -X POST \
  -d '{"zone": "bench.test.", "pool": "pool", "address": "192.0.2.20"}' \
  "http://127.0.0.1:$control/api/drain" >"$out/drain.json"
wait "$perf_pid"
deadline=$((SECONDS + 60))
until serial=$(dig @127.0.0.1 -p "$port" +short bench.test SOA | awk '{print $3}'); [[ -n $serial && $serial != "$serial0" ]]; do
  ((SECONDS < deadline)) || { echo "no new version after the drain (serial $serial0)" >&2; exit 1; }
  sleep 0.2
done
callgrind_control -d "$VG_PID" >/dev/null   # dump 3: the DO=1 queries and the drain's new version
answered=$(awk '/Queries completed/ {print $3}' "$out/dnsperf.txt")
answered0=$(awk '/Queries completed/ {print $3}' "$out/dnsperf-do0.txt")
resp=$(awk '/Average packet size/ {print $NF}' "$out/dnsperf.txt")
kill -TERM "$VG_PID"; wait "$VG_PID" 2>/dev/null || true; VG_PID=""

{
  echo "dnsd under callgrind --separate-threads=yes: $answered DO=1 queries answered (mean response $resp bytes),"
  echo "one pool member drained meanwhile (serial $serial0 -> $serial)."
  echo
  echo "== dump 3: the DO=1 queries and the publish after the drain =="
  $PY "$HERE/bench_helper.py" signers "$out"/callgrind.*.out.3-*
  echo
  echo "== dump 2: $answered0 DO=0 queries (mean response $(awk '/Average packet size/ {print $NF}' "$out/dnsperf-do0.txt") bytes) =="
  $PY "$HERE/bench_helper.py" signers "$out"/callgrind.*.out.2-* | grep -v '^RESULT'
  w2=$($PY "$HERE/bench_helper.py" signers "$out"/callgrind.*.out.2-* | awk '/: worker,/ {print $3}')
  w3=$($PY "$HERE/bench_helper.py" signers "$out"/callgrind.*.out.3-* | awk '/: worker,/ {print $3}')
  echo
  echo "worker thread, user-space instructions per query: DO=0 $((w2 / answered0)), DO=1 $((w3 / answered))" \
    "(both include the worker's idle loop around the queries)"
  echo
  echo "== dump 1: start-up, for comparison (the zone signed at load) =="
  $PY "$HERE/bench_helper.py" signers "$out"/callgrind.*.out.1-* | grep -v '^RESULT'
} | tee "$RESULTS_DIR/summary.txt"
