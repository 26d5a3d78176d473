#!/usr/bin/env bash
# Signed core benchmark: dnsd, Knot DNS and NSD serving the same signed zone,
# each measured with DO=0 and DO=1 queries in every round.
#
# Usage: tests/bench/bench_dnssec.sh [--quick] [--help]
#
# bench_core.sh with DNSSEC=1 (see its --help for every setting; ROUNDS,
# DURATION, DNSSEC_ALGORITHM [ecdsap256sha256|ed25519] ...). dnsd signs the zone
# itself (keys made on start in the temp dir), Knot signs it on load
# (dnssec-signing: on, a CSK, NSEC) and NSD serves Knot's signed AXFR. The mix:
# 30% www A (4 static records), 20% hostN A, 20% pool A (a dnsd pool of 4
# members, check none; 4 static A records for Knot and NSD), 15% NXDOMAIN,
# 15% NODATA. The summary gives, per server and mode, qps and server CPU
# microseconds per query, then DO=1/DO=0 per server and dnsd's DO=1 figures
# against the best peer's.
set -euo pipefail
DNSSEC=1 exec "$(dirname "${BASH_SOURCE[0]}")/bench_core.sh" "$@"
