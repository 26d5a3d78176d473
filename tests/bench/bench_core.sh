#!/usr/bin/env bash
# Core benchmark: dnsd against gdnsd, Knot DNS and NSD (the peers) and a floor
# responder, all serving the same zone over UDP on loopback.
#
# Usage: tests/bench/bench_core.sh [--quick] [--help]
#
# Each server runs with THREADS UDP workers (1 by default), pinned to CPU 0;
# dnsperf runs pinned to CPU 1. On a 2-core machine dnsperf saturates its own
# core, so qps alone barely separates the servers: the script also measures the
# server's CPU time per answered query (utime+stime of all its processes and
# threads, from /proc). Each round runs every server in every scheduling mode
# (MODES), in rotating order; the summary prints, per mode, every run's row and
# then per server the medians over rounds with the ratios to the best peer
# (the best of gdnsd, knot and nsd on that figure) and to the floor. Exit status
# is 0 whenever the measurement ran, even if dnsd is slower; non-zero only if a
# server failed to start or dnsperf failed. A peer that is not installed is
# skipped with a warning.
#
# Servers (SERVERS):
#   dnsd      DNSD_BIN, the zone as JSON (the rotated name is a pool, check none)
#   gdnsd     gdnsd 3.x in the foreground (`gdnsd -c DIR start`); it shuffles
#             address RRsets at random where the others rotate them
#   knot      knotd, answer-rotation on
#   nsd       nsd -d, round-robin and minimal-responses on, RRL off
#   floor     tests/bench/floor_responder.c (built here with cc -O2): recvmmsg,
#             set the QR bit, sendmmsg; parses nothing. Its CPU per query is what
#             the kernel's UDP path and a loop cost: a server measured below it
#             (beyond noise) answers in fewer syscalls or smaller packets.
#             dnsperf counts its echoes as NOERROR; validation leaves it out.
#   dnsd-base, dnsd-tapf, dnsd-tapu: see DNSD_BASE_BIN and DNSTAP
#
# Environment (defaults in brackets):
#   ROUNDS [3]            rounds; each round runs every server once per mode, in rotating order;
#                         0 = start, validate and stop (callgrind_core.sh uses this)
#   DURATION [10]         seconds of dnsperf per server per mode per round
#   SERVERS [dnsd gdnsd knot nsd floor]
#   MODES [plain fifo]    scheduling modes, each run in every round (the first one
#                         alternating per round), each with its own summary table:
#                         plain = ordinary scheduling, no spinners: before each run,
#                           wait up to QUIET_WAIT for the machine to be quiet;
#                         fifo = servers and dnsperf at SCHED_FIFO priority 1 (chrt -f 1;
#                           SCHED_RR priority 1 when THREADS > 1, as servers and dnsperf
#                           then share CPUs and FIFO would not time-slice them), with a
#                           SCHED_IDLE spin loop on every CPU used (SOAK [1]) so that the
#                           CPUs never halt: this VM's idle CPUs wake slowly (a halted
#                           vCPU is a VM exit); figures taken with the machine nearly
#                           idle and with it busy differed up to 2x (see README.md).
#                           The spinners yield at once to anything else; their CPU time
#                           is not counted anywhere. Needs root (else fifo is skipped).
#                         A server's threads are switched between modes with chrt -a -p.
#   MIX [issue]           the query mix and zone (the same zone for every server):
#                         issue: 60% A at `pool` (4 addresses: a dnsd pool, check none,
#                           answered in rotation; 4 static A records for the others),
#                           20% A at nameN, N uniform in 1..1000 (1,000 names of 2 A
#                           records each), 10% NXDOMAIN (random names), 5% MX at the
#                           apex, 5% AAAA at nameN (NODATA).
#                         classic: 60% www A (4 static records), 10% each of NXDOMAIN,
#                           NODATA (AAAA at hostN), MX at the apex and A via a CNAME
#                           (gdnsd runs with experimental_no_chain off to follow it).
#                         With DNSSEC=1 the DNSSEC mix is used instead.
#   THREADS [1]           UDP workers of every server: dnsd --threads, gdnsd udp_threads,
#                         Knot udp-workers, NSD server-count (with reuseport), floor
#                         threads (a SO_REUSEPORT socket each). With THREADS > 1 the
#                         servers are pinned to CPUs 0..THREADS-1 and dnsperf to every
#                         CPU (on 2 cores they share both CPUs: qps then depends on how
#                         the scheduler splits them, and dnsperf's CPU competes with the
#                         server's; CPU us/query is still per answered query and
#                         comparable across servers). The kernel spreads dnsperf's
#                         sockets over the workers by hash: see the top thr% column.
#   DNSD_BIN [build-bench/dnsd/dnsd, else build/dnsd/dnsd]  use a release build!
#   REQUIRE_DNSD [0]      1: fail (exit 1) when the dnsd binary is missing
#   DNSD_BASE_BIN [none]  another dnsd binary (say, a build of the previous commit) run as
#                         server "dnsd-base" in the same rounds: before/after in one run.
#                         It is not counted as a peer in the best-peer ratios.
#   DNSD_THREADS [THREADS]  dnsd --threads alone (the peers keep THREADS)
#   DNSTAP [0]            1: also run dnsd with dnstap on, in the same rounds: server
#                         "dnsd-tapf" logs to a file on tmpfs (/dev/shm, emptied after
#                         each run) and "dnsd-tapu" to fstrm_capture writing /dev/null
#                         (the collector's CPU is not counted). The summary prints their
#                         CPU us/query against dnsd's and the dnstap messages dropped.
#   DNSSEC [0]            1: every server serves the zone signed (CSK, NSEC), with a
#                         pool name `pool` added (a dnsd pool of 4 members, check none;
#                         4 static A records for the others), and each server is
#                         measured with DO=0 and with DO=1 (dnsperf -D) in every round,
#                         on the DNSSEC mix (see write_queries_dnssec). dnsd signs the
#                         zone itself (--key-dir in the temp dir), Knot with
#                         dnssec-signing, and NSD serves Knot's signed zone (its AXFR),
#                         or one signed by ldns-signzone when Knot is not run. gdnsd
#                         (no DNSSEC) is skipped.
#                         results-do0.tsv and results-do1.tsv hold the rows; the summary
#                         adds the DO=1/DO=0 ratios. tests/bench/bench_dnssec.sh sets this.
#   DNSSEC_ALGORITHM [ecdsap256sha256]  or ed25519
#   DNSPERF_CLIENTS [4; 16 with THREADS > 1]  dnsperf -c (sockets; more with several
#                         workers, so that the kernel's hash spreads them about evenly)
#   DNSPERF_OUTSTANDING [100]  dnsperf -q (queries in flight, all sockets together).
#                         100 saturates dnsperf's core; 200+ overflows Knot's default
#                         208 KB socket receive buffer (NSD asks for 1 MB), and each
#                         lost query then holds a slot for the 2 s timeout.
#   DNSPERF_EDNS [1]      1: dnsperf -e (queries carry EDNS0, as resolvers' do)
#   QUERY_LINES [10000]   lines in the query mix file
#   WARMUP [2]            seconds of unrecorded dnsperf per server before round 1
#   SERVER_CPU [0; 0-(THREADS-1) with THREADS > 1]
#   CLIENT_CPU [1; every CPU with THREADS > 1]
#   SOAK [1]              0: fifo mode without the spinners
#   QUIET_WAIT [60]       before each run without spinners, wait up to this many seconds
#                         for the machine to be quiet (under QUIET_PCT [15] % busy on
#                         either CPU over 1 s), then run anyway with a warning. 0: don't wait
#   RESULTS_DIR [tests/bench/results/core-TIMESTAMP]  raw outputs, configs, results.tsv
#                         (one row per server, mode and round: every run, not the best)
#   KEEP_TMP [0]          1: keep the servers' temp dir
#   PROFILE [0]           1: after the rounds, run dnsperf once more per server under
#                         `perf record -e cpu-clock -g` of the server's threads; writes
#                         perf-SERVER.txt (hottest symbols, user and kernel) to RESULTS_DIR;
#                         and once more under `perf stat` for syscalls per query
#                         (in the last mode of MODES)
# --quick: ROUNDS=1 DURATION=2 WARMUP=0 QUIET_WAIT=0 (a smoke test: every server
# in every mode once, about 40 s on an idle machine).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
HELPER="$HERE/bench_helper.py"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ $QUICK == 1 ]]; then
  ROUNDS=${ROUNDS:-1}; DURATION=${DURATION:-2}; WARMUP=${WARMUP:-0}; QUIET_WAIT=${QUIET_WAIT:-0}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SERVERS=${SERVERS:-"dnsd gdnsd knot nsd floor"}
THREADS=${THREADS:-1}
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || { echo "THREADS must be a positive number" >&2; exit 2; }
DNSD_BASE_BIN=${DNSD_BASE_BIN:-}
DNSD_THREADS=${DNSD_THREADS:-$THREADS}
[[ -n $DNSD_BASE_BIN && " $SERVERS " != *" dnsd-base "* ]] && SERVERS="$SERVERS dnsd-base"
DNSTAP=${DNSTAP:-0}
[[ $DNSTAP == 1 && " $SERVERS " != *" dnsd-tapf "* ]] && SERVERS="$SERVERS dnsd-tapf dnsd-tapu"
REQUIRE_DNSD=${REQUIRE_DNSD:-0}
DNSSEC=${DNSSEC:-0}
DNSSEC_ALGORITHM=${DNSSEC_ALGORITHM:-ecdsap256sha256}
DO_MODES=0; [[ $DNSSEC == 1 ]] && DO_MODES="0 1"
MIX=${MIX:-issue}
[[ $DNSSEC == 1 ]] && MIX=dnssec
case "$MIX" in issue|classic|dnssec) ;; *) echo "MIX must be issue or classic" >&2; exit 2 ;; esac
NCPU=$(nproc)
if ((THREADS > 1)); then
  last=$((THREADS < NCPU ? THREADS - 1 : NCPU - 1))
  SERVER_CPU=${SERVER_CPU:-0-$last}
  CLIENT_CPU=${CLIENT_CPU:-0-$((NCPU - 1))}
  DNSPERF_CLIENTS=${DNSPERF_CLIENTS:-16}
fi
DNSPERF_CLIENTS=${DNSPERF_CLIENTS:-4}
DNSPERF_OUTSTANDING=${DNSPERF_OUTSTANDING:-100}
DNSPERF_EDNS=${DNSPERF_EDNS:-1}
QUERY_LINES=${QUERY_LINES:-10000}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
KEEP_TMP=${KEEP_TMP:-0}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_WAIT=${QUIET_WAIT:-60}
SOAK=${SOAK:-1}
MODES=${MODES:-"plain fifo"}
[[ -n ${PRIORITY:-} ]] && echo "bench_core: WARNING: PRIORITY is replaced by MODES (plain, fifo); ignored" >&2
# The real-time policy of fifo mode: FIFO when server and dnsperf have CPUs of their
# own; round-robin when they share CPUs, so that neither starves the other.
RT_POLICY=-f; ((THREADS > 1)) && RT_POLICY=-r
for m in $MODES; do
  case "$m" in
    plain) ;;
    fifo) if ! chrt "$RT_POLICY" 1 true 2>/dev/null; then
            echo "bench_core: WARNING: real-time scheduling not permitted here; skipping mode fifo" >&2
            MODES=$(echo " $MODES " | sed 's/ fifo / /; s/^ *//; s/ *$//')
          fi ;;
    *) echo "MODES: unknown mode $m (plain, fifo)" >&2; exit 2 ;;
  esac
done
[[ -n $MODES ]] || { echo "MODES: no mode left to run" >&2; exit 2; }
export BENCH_SERVER_CPU=$SERVER_CPU BENCH_CLIENT_CPU=$CLIENT_CPU BENCH_MIX=$MIX BENCH_SPIN_CPUS=""
RESULTS_DIR=${RESULTS_DIR:-$HERE/results/core-$(date +%Y%m%d-%H%M%S)}
if [[ -z ${DNSD_BIN:-} ]]; then
  DNSD_BIN=$ROOT/build/dnsd/dnsd
  [[ -x $ROOT/build-bench/dnsd/dnsd ]] && DNSD_BIN=$ROOT/build-bench/dnsd/dnsd
fi
ZONE=bench.test

log() { printf '%s\n' "$*" >&2; }
die() { log "bench_core: $*"; exit 1; }

for tool in dnsperf dig taskset chrt; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install dnsperf bind9-dnsutils util-linux)"
done
[[ -x $PY ]] || die "missing $PY"
if ((NCPU < 2)); then
  log "WARNING: fewer than 2 CPUs; server and dnsperf share a core"
  CLIENT_CPU=$SERVER_CPU
  export BENCH_CLIENT_CPU=$CLIENT_CPU
fi

cpu_list() {  # cpu_list SPEC...: the CPU numbers of taskset lists such as 1, 0-1, 0,2-3
  local spec part lo hi c
  for spec in "$@"; do
    IFS=, read -r -a parts <<<"$spec"
    for part in "${parts[@]}"; do
      lo=${part%-*}; hi=${part#*-}
      for ((c = lo; c <= hi; c++)); do echo "$c"; done
    done
  done | sort -nu | tr '\n' ' '
}

WORK=$(mktemp -d /tmp/dnsd-bench.XXXXXX)
mkdir -p "$RESULTS_DIR"
declare -A PID PORT
SOAKERS=()
SPIN_CPUS=()

stop_pid() {  # stop_pid PID [NAME]: SIGTERM, wait up to 5 s, then SIGKILL
  local pid=$1 name=${2:-pid $1} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "WARNING: $name (pid $pid) did not exit within 5 s of SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

tree_pids() {  # tree_pids PID: PID and its descendants
  $PY "$HELPER" snapshot "$1" | $PY -c 'import json,sys; print(*json.load(sys.stdin)["pids"])'
}

stop_tree() {  # stop_tree PID NAME: stop PID, then any descendant it left behind (NSD forks)
  local pids p
  pids=$(tree_pids "$1" 2>/dev/null || true)
  stop_pid "$1" "$2"
  for p in $pids; do stop_pid "$p"; done
}

cleanup() {
  local s
  for s in "${!PID[@]}"; do stop_tree "${PID[$s]}" "$s"; done
  for s in "${SOAKERS[@]}"; do stop_pid "$s"; done
  [[ -n ${CAPTURE_PID:-} ]] && stop_pid "$CAPTURE_PID" fstrm_capture
  rm -f "${TAP_FILE:-}"
  wait 2>/dev/null || true
  if [[ $KEEP_TMP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Zone data, query mixes and every server's configuration (conf_NAME).
source "$HERE/bench_servers.sh"

dnstap_counts() {  # dnstap_counts NAME: the dnstap lines of the server's /metrics
  curl -s --noproxy '*' "http://127.0.0.1:$(cat "$WORK/$1/control")/metrics" | grep '^dnsd_dnstap' | tr '\n' ' '
}

answers() {  # answers PORT NAME TYPE: sorted +short answer; empty if none
  { dig @127.0.0.1 -p "$1" +norec +time=2 +tries=2 +short "$2" "$3" 2>/dev/null || true; } |
    grep -v '^;;' | sort || true
}

wait_ready() {  # wait_ready NAME: poll until the server answers, 15 s deadline
  local s=$1 deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    kill -0 "${PID[$s]}" 2>/dev/null || { log "$s exited during start-up:"; tail -n 20 "$WORK/$s/stderr" >&2; return 1; }
    if [[ $s == floor ]]; then  # it answers every query with no records
      dig @127.0.0.1 -p "${PORT[$s]}" +time=1 +tries=1 "www.$ZONE" A 2>/dev/null | grep -q 'status: NOERROR' && return 0
    elif [[ $DNSSEC == 1 ]]; then  # answering signed: an RRSIG with the A records
      dig @127.0.0.1 -p "${PORT[$s]}" +norec +dnssec +time=1 +tries=1 "www.$ZONE" A 2>/dev/null |
        grep -q 'IN[[:space:]]*RRSIG[[:space:]]*A ' && return 0
    else
      [[ -n $(answers "${PORT[$s]}" "www.$ZONE" A) ]] && return 0
    fi
    sleep 0.1
  done
  log "$s did not answer within 15 s:"; tail -n 20 "$WORK/$s/stderr" >&2
  return 1
}

pin_tree() {  # pin_tree PID CPU: pin every thread of PID and its descendants
  local p
  for p in $(tree_pids "$1"); do
    taskset -a -p -c "$2" "$p" >/dev/null
  done
}

check_pinned() {  # check_pinned NAME: warn about any thread not pinned to SERVER_CPU
  local s=$1 p t bad=0 want
  want=$(cpu_list "$SERVER_CPU")
  for p in $(tree_pids "${PID[$s]}"); do
    for t in /proc/"$p"/task/*; do
      [[ $(cpu_list "$(awk '/Cpus_allowed_list/ {print $2}' "$t/status" 2>/dev/null)") == "$want" ]] || bad=1
    done
  done
  ((bad == 0)) || log "WARNING: some $s threads are not pinned to CPU $SERVER_CPU"
}

start_server() {  # start_server NAME
  local s=$1 dir=$WORK/$1 cmd
  mkdir -p "$dir"
  PORT[$s]=$($PY "$HELPER" freeport)
  cmd=$(conf_"$s" "$dir" "${PORT[$s]}")
  echo "$cmd" >"$dir/cmdline"
  echo "${PORT[$s]}" >"$dir/port"
  # Started with ordinary scheduling; set_mode gives every thread the mode's policy.
  # shellcheck disable=SC2086  # cmd is a word list built above
  taskset -c "$SERVER_CPU" $cmd >"$dir/stdout" 2>"$dir/stderr" &
  PID[$s]=$!
  wait_ready "$s" || die "$s failed to start (see above)"
  # Knot pins its UDP workers itself after start: re-pin every thread of every server.
  pin_tree "${PID[$s]}" "$SERVER_CPU"
  check_pinned "$s"
  log "started $s: pid ${PID[$s]}, port ${PORT[$s]}: $cmd"
}

# ---------------------------------------------------------------- main
ACTIVE=()
for s in $SERVERS; do
  if [[ $s == dnsd && ! -x $DNSD_BIN ]]; then
    [[ $REQUIRE_DNSD == 1 ]] && die "dnsd binary not found at $DNSD_BIN"
    log "WARNING: dnsd binary not found at $DNSD_BIN (set DNSD_BIN); skipping dnsd"
    continue
  fi
  if [[ $s == dnsd-tap* && ! -x $DNSD_BIN ]]; then continue; fi
  if [[ $s == dnsd-tapu ]] && ! command -v fstrm_capture >/dev/null; then
    log "WARNING: no fstrm_capture (apt-get install fstrm-bin); skipping dnsd-tapu"
    continue
  fi
  case $s in
    gdnsd|knot|nsd|floor)
      bin=$s; [[ $s == knot ]] && bin=knotd; [[ $s == floor ]] && bin=cc
      if ! command -v "$bin" >/dev/null; then
        log "WARNING: no $bin (apt-get install ${s/floor/gcc}); skipping $s"
        continue
      fi
      if [[ $s == gdnsd && $DNSSEC == 1 ]]; then
        log "WARNING: gdnsd does not sign zones; skipping gdnsd with DNSSEC=1"
        continue
      fi ;;
    dnsd|dnsd-base|dnsd-tapf|dnsd-tapu) ;;
    *) die "unknown server $s (dnsd gdnsd knot nsd floor dnsd-base dnsd-tapf dnsd-tapu)" ;;
  esac
  ACTIVE+=("$s")
done
((${#ACTIVE[@]} > 0)) || die "no server to benchmark"

if [[ " ${ACTIVE[*]} " == *" dnsd "* ]]; then
  bt=$($PY -c 'import json,sys
print(next((o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"), ""))' \
       "$(dirname "$(dirname "$DNSD_BIN")")/meson-info/intro-buildoptions.json" 2>/dev/null || true)
  [[ $bt == release ]] || log "WARNING: $DNSD_BIN is a '${bt:-unknown}' build; benchmark a release build (meson setup build-bench --buildtype=release)"
fi

write_queries "$WORK/queries.txt"
if [[ " ${ACTIVE[*]} " == *" dnsd-tapu "* ]]; then
  fstrm_capture -t protobuf:dnstap.Dnstap -u "$WORK/tap.sock" -w /dev/null >"$WORK/fstrm_capture.log" 2>&1 &
  CAPTURE_PID=$!
  for ((i = 0; i < 100; i++)); do [[ -S $WORK/tap.sock ]] && break; sleep 0.05; done
  [[ -S $WORK/tap.sock ]] || die "fstrm_capture did not open $WORK/tap.sock"
fi
cp "$WORK/queries.txt" "$RESULTS_DIR/queries.txt"
for s in "${ACTIVE[@]}"; do start_server "$s"; done

# Sanity: every server answers www A with the same records, and the other query
# kinds of the mix alike (answer sections and rcodes compared; section counts shown).
log "validating answers..."
ref=""
for s in "${ACTIVE[@]}"; do
  [[ $s == floor ]] && continue  # it answers no records
  a=$(answers "${PORT[$s]}" "www.$ZONE" A | tr '\n' ' ')
  log "  dig www.$ZONE A @$s: $a"
  [[ -n $a ]] || die "$s gave no answer for www.$ZONE A (it answered at start-up)"
  [[ -z $ref || $a == "$ref" ]] || die "$s answers www.$ZONE A differently: '$a' vs '$ref'"
  ref=$a
done
vargs=()
for s in "${ACTIVE[@]}"; do vargs+=("$s=${PORT[$s]}"); done
if ! $PY "$HELPER" validate "${vargs[@]}" 2>&1 | tee "$RESULTS_DIR/validate.txt" >&2; then
  log "WARNING: servers differ on some query kind (see above); measuring anyway"
fi
if [[ $DNSSEC == 1 ]] && ! $PY "$HELPER" validate_dnssec "${vargs[@]}" 2>&1 | tee -a "$RESULTS_DIR/validate.txt" >&2; then
  die "some server's DO=1 answers lack signatures or proofs, or differ (see above)"
fi

perf_args=(-s 127.0.0.1 -d "$WORK/queries.txt" -c "$DNSPERF_CLIENTS" -q "$DNSPERF_OUTSTANDING" -T 1 -t 2)
[[ $DNSPERF_EDNS == 1 ]] && perf_args+=(-e)

PRIO=()
run_dnsperf() {  # run_dnsperf NAME SECONDS OUTFILE [DO]: dnsperf's own CPU time goes to OUTFILE.time
  local rc=0 do_flag=()
  [[ ${4:-0} == 1 ]] && do_flag=(-D)
  /usr/bin/time -f '%U %S' -o "$3.time" "${PRIO[@]}" taskset -c "$CLIENT_CPU" \
    dnsperf "${perf_args[@]}" "${do_flag[@]}" -p "${PORT[$1]}" -l "$2" >"$3.full" 2>&1 || rc=$?
  # Keep the result file small: one line per timed-out query is noise.
  grep -v '^\[Timeout\]' "$3.full" >"$3" || true
  rm -f "$3.full"
  ((rc == 0)) || { log "dnsperf failed against $1:"; tail -n 20 "$3" >&2; return 1; }
}

wait_quiet() {  # wait until both CPUs are idle enough (the servers are idle now)
  ((QUIET_WAIT > 0)) || return 0
  local deadline=$((SECONDS + QUIET_WAIT)) busy
  while :; do
    busy=$($PY "$HELPER" busy 1)
    if awk -v b="$busy" -v lim="$QUIET_PCT" 'BEGIN { split(b, x, " "); exit !(x[1] < lim && x[2] < lim) }'; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      log "  WARNING: machine still busy (CPU busy % per CPU: $busy) after ${QUIET_WAIT}s; measuring anyway"
      return 0
    fi
  done
}

{
  echo "date: $(date -Is)"
  echo "host: $(uname -nr); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "versions: $(gdnsd -V 2>&1 | grep -m1 version); $(knotd -V 2>&1 | head -1); $(nsd -v 2>&1 | head -1); $(dnsperf -h 2>&1 | grep -m1 Version)"
  echo "dnsd: $DNSD_BIN (buildtype ${bt:-n/a}); git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "rounds=$ROUNDS duration=$DURATION warmup=$WARMUP servers='${ACTIVE[*]}' modes='$MODES' mix=$MIX threads=$THREADS dnsperf ${perf_args[*]}"
  [[ $DNSSEC == 1 ]] && echo "dnssec: signed zone ($DNSSEC_ALGORITHM CSK, NSEC); modes DO=0 and DO=1 (dnsperf -D) per server per round"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pins: servers CPU $SERVER_CPU, dnsperf CPU $CLIENT_CPU; fifo mode: chrt $RT_POLICY 1, spinners $SOAK; plain mode: quiet wait ${QUIET_WAIT}s below ${QUIET_PCT}%"
} | tee "$RESULTS_DIR/run.txt" >&2
for s in "${ACTIVE[@]}"; do cp "$WORK/$s/cmdline" "$RESULTS_DIR/$s.cmdline"; cp "$WORK/$s"/*.conf "$RESULTS_DIR/" 2>/dev/null || true; done

if ((ROUNDS == 0)); then
  log "ROUNDS=0: set-up and validation only"
  exit 0
fi

start_spinners() {  # one SCHED_IDLE spin loop on each CPU the servers or dnsperf use
  local c
  for c in $(cpu_list "$SERVER_CPU" "$CLIENT_CPU"); do
    # Spins until this script is gone, even if it is killed without a chance to clean up.
    # shellcheck disable=SC2016  # $1 is for the inner shell
    chrt -i 0 taskset -c "$c" /bin/sh -c 'while kill -0 "$1" 2>/dev/null; do :; done' spin $$ &
    SOAKERS+=("$!"); SPIN_CPUS+=("$c")
  done
  export BENCH_SPIN_CPUS="${SPIN_CPUS[*]}"
  log "spinners (SCHED_IDLE) on CPUs ${SPIN_CPUS[*]}: pids ${SOAKERS[*]}"
}

stop_spinners() {
  local p
  for p in "${SOAKERS[@]}"; do stop_pid "$p" spinner; done
  SOAKERS=(); SPIN_CPUS=()
  export BENCH_SPIN_CPUS=""
}

set_mode() {  # set_mode MODE: scheduling of every server thread, dnsperf's prefix, spinners
  local mode=$1 s p policy prio
  case $mode in
    plain) policy=-o; prio=0; PRIO=() ;;
    fifo) policy=$RT_POLICY; prio=1; PRIO=(chrt "$RT_POLICY" 1) ;;
  esac
  for s in "${ACTIVE[@]}"; do
    for p in $(tree_pids "${PID[$s]}"); do
      chrt -a "$policy" -p "$prio" "$p" >/dev/null || die "chrt $policy $prio failed on $s (pid $p)"
    done
  done
  stop_spinners
  [[ $mode == fifo && $SOAK == 1 ]] && start_spinners
  log "mode $mode: servers and dnsperf ${PRIO[*]:-at ordinary priority}; spinners ${SOAKERS[*]:-none}"
}

if ((WARMUP > 0)); then
  set_mode "${MODES%% *}"
  log "warm-up: ${WARMUP}s per server (not recorded)"
  for s in "${ACTIVE[@]}"; do
    for do_mode in $DO_MODES; do run_dnsperf "$s" "$WARMUP" "$WORK/warmup-$s.txt" "$do_mode"; done
  done
fi

TSV=$RESULTS_DIR/results.tsv
read -r -a mode_list <<<"$MODES"
n=${#ACTIVE[@]}
nm=${#mode_list[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < nm; k++)); do
    mode=${mode_list[$(((k + r - 1) % nm))]}  # rotate the first mode each round
    set_mode "$mode"
    log "round $r/$ROUNDS, mode $mode (${DURATION}s per server)"
    for ((i = 0; i < n; i++)); do
      s=${ACTIVE[$(((i + r - 1) % n))]}  # rotate the starting server each round
      # With DNSSEC=1 both DO modes, the first one alternating per round.
      do_modes=$DO_MODES; [[ $DNSSEC == 1 ]] && ((r % 2 == 0)) && do_modes="1 0"
      for do_mode in $do_modes; do
        kill -0 "${PID[$s]}" 2>/dev/null || die "$s (pid ${PID[$s]}) died"
        out=$RESULTS_DIR/dnsperf-$s-$mode-r$r.txt; tsv=$TSV
        [[ $DNSSEC == 1 ]] && { out=$RESULTS_DIR/dnsperf-$s-$mode-do$do_mode-r$r.txt; tsv=$RESULTS_DIR/results-do$do_mode.tsv; }
        ((${#SOAKERS[@]} == 0)) && wait_quiet
        $PY "$HELPER" snapshot "${PID[$s]}" "${SOAKERS[@]}" >"$WORK/before.json"
        run_dnsperf "$s" "$DURATION" "$out" "$do_mode"
        $PY "$HELPER" snapshot "${PID[$s]}" "${SOAKERS[@]}" >"$WORK/after.json"
        [[ $DNSSEC == 1 ]] && log "  DO=$do_mode:"
        $PY "$HELPER" record "$tsv" "$s" "$mode" "$r" "$WORK/before.json" "$WORK/after.json" "$out" >&2
        [[ $s == dnsd-tapf ]] && truncate -s 0 "$TAP_FILE"  # the writer goes on at its offset: a sparse file, no memory
      done
    done
  done
done

profile_server() {  # profile_server NAME: cpu-clock samples of the server while dnsperf runs
  local s=$1 data pids perf_pid
  data=$WORK/perf-$s.data
  pids=$(tree_pids "${PID[$s]}" | tr ' ' ',')
  "${PRIO[@]}" perf record -q -e cpu-clock -F 2000 -g -p "$pids" -o "$data" >/dev/null 2>&1 &
  perf_pid=$!
  sleep 0.5
  run_dnsperf "$s" "$DURATION" "$RESULTS_DIR/dnsperf-$s-profile.txt"
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  {
    echo "# $s: perf cpu-clock samples of all server threads during dnsperf ($DURATION s)"
    echo "## by shared object"
    perf report -i "$data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
    echo "## hottest symbols (self)"
    perf report -i "$data" --stdio --no-children --sort dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
  } >"$RESULTS_DIR/perf-$s.txt" || true  # head closes the pipes early
  # Syscalls and context switches per query, from kernel tracepoints.
  local ev=raw_syscalls:sys_enter,context-switches,cpu-migrations sc
  for sc in recvmmsg sendmmsg recvmsg sendmsg recvfrom sendto epoll_wait epoll_pwait poll read write; do
    ev+=,syscalls:sys_enter_$sc
  done
  "${PRIO[@]}" perf stat -x, -o "$RESULTS_DIR/perfstat-$s.csv" -e "$ev" -p "$pids" >/dev/null 2>&1 &
  perf_pid=$!
  sleep 0.5
  run_dnsperf "$s" "$DURATION" "$RESULTS_DIR/dnsperf-$s-perfstat.txt"
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  $PY "$HELPER" perquery "$s" "$RESULTS_DIR/perfstat-$s.csv" "$RESULTS_DIR/dnsperf-$s-perfstat.txt" \
    | tee -a "$RESULTS_DIR/perquery.txt" >&2
  log "profile of $s: $RESULTS_DIR/perf-$s.txt"
}
if [[ ${PROFILE:-0} == 1 ]]; then
  if command -v perf >/dev/null; then
    for s in "${ACTIVE[@]}"; do profile_server "$s"; done
  else
    log "WARNING: PROFILE=1 needs perf (apt-get install linux-perf)"
  fi
fi

mode_title() {
  case $1 in
    plain) echo "mode plain: ordinary scheduling, no spinners" ;;
    fifo) echo "mode fifo: servers and dnsperf at chrt $RT_POLICY 1$([[ $SOAK == 1 ]] && echo ', SCHED_IDLE spinners on every CPU used')" ;;
  esac
}
if [[ $DNSSEC == 1 ]]; then
  {
    for mode in $MODES; do
      for do_mode in 0 1; do
        echo; echo "=== $(mode_title "$mode"); DO=$do_mode (signed zone, $DNSSEC_ALGORITHM; DNSSEC mix; THREADS=$THREADS) ==="
        $PY "$HELPER" summary "$RESULTS_DIR/results-do$do_mode.tsv" "$mode"
      done
      echo; echo "=== $(mode_title "$mode"); DO=1 against DO=0 ==="
      $PY "$HELPER" do_ratios "$RESULTS_DIR/results-do0.tsv" "$RESULTS_DIR/results-do1.tsv" "$RESULTS_DIR" "$mode"
      echo "(resp B: mean response bytes DO=0/DO=1, from dnsperf; +us/q: what DO=1 adds per query)"
    done
  } | tee "$RESULTS_DIR/summary.txt"
else
  for mode in $MODES; do
    echo; echo "=== $(mode_title "$mode"); mix $MIX; THREADS=$THREADS; servers on CPU $SERVER_CPU, dnsperf on CPU $CLIENT_CPU ==="
    $PY "$HELPER" summary "$TSV" "$mode"
  done | tee "$RESULTS_DIR/summary.txt"
fi
for s in "${ACTIVE[@]}"; do
  [[ $s == dnsd-tap* ]] && echo "$s dnstap counters: $(dnstap_counts "$s")" | tee -a "$RESULTS_DIR/summary.txt"
done
echo "raw results: $RESULTS_DIR"
