# Zone data, query mixes and server configurations for tests/bench/bench_core.sh,
# which sources this file after reading its settings (DNSSEC, MIX, THREADS,
# DNSD_BIN, WORK, HERE, PY, HELPER ...). Not meant to be run on its own.

# ---------------------------------------------------------------- zone data
# One zone, two formats. www has 4 A records (rotated by every server);
# alias is a CNAME to www; hostN are plain hosts. With MIX=issue or DNSSEC=1,
# pool has 4 addresses (a dnsd pool, check none; static records for the
# others), and with MIX=issue nameN (N = 1..NNAMES) has two A records each.
NHOSTS=100
NNAMES=1000
with_pool() { [[ $DNSSEC == 1 || $MIX == issue ]]; }
# nameN's addresses are 10.1.N/256.N%256 and 10.2.N/256.N%256.
write_zone_rfc1035() {
  {
    echo "\$ORIGIN $ZONE."
    echo "\$TTL 300"
    echo "@      IN SOA ns1 hostmaster 2024010101 3600 600 86400 60"
    echo "@      IN NS  ns1"
    echo "@      IN NS  ns2"
    echo "@      IN MX  10 mail"
    echo "ns1    IN A   192.0.2.1"
    echo "ns2    IN A   192.0.2.2"
    echo "mail   IN A   192.0.2.25"
    echo "www 60 IN A   192.0.2.10"
    echo "www 60 IN A   192.0.2.11"
    echo "www 60 IN A   192.0.2.12"
    echo "www 60 IN A   192.0.2.13"
    echo "alias  IN CNAME www"
    if with_pool; then  # dnsd's pool, as static records
      echo "pool 60 IN A  192.0.2.20"
      echo "pool 60 IN A  192.0.2.21"
      echo "pool 60 IN A  192.0.2.22"
      echo "pool 60 IN A  192.0.2.23"
    fi
    local i
    for ((i = 1; i <= NHOSTS; i++)); do echo "host$i IN A 198.51.100.$i"; done
    if [[ $MIX == issue ]]; then
      for ((i = 1; i <= NNAMES; i++)); do
        echo "name$i IN A 10.1.$((i / 256)).$((i % 256))"
        echo "name$i IN A 10.2.$((i / 256)).$((i % 256))"
      done
    fi
  } >"$1"
}
write_zone_json() {
  {
    cat <<EOF
{
  "origin": "$ZONE.",
  "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 2024010101,
          "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 60},
EOF
    [[ $DNSSEC == 1 ]] && echo "  \"dnssec\": {\"algorithm\": \"$DNSSEC_ALGORITHM\"},"
    if with_pool; then
      cat <<EOF
  "pools": {"pool": {"ttl": 60, "check": {"type": "none"},
                     "members": ["192.0.2.20", "192.0.2.21", "192.0.2.22", "192.0.2.23"]}},
EOF
    fi
    cat <<EOF
  "records": {
    "@":     {"NS": ["ns1", "ns2"], "MX": "10 mail"},
    "ns1":   {"A": "192.0.2.1"},
    "ns2":   {"A": "192.0.2.2"},
    "mail":  {"A": "192.0.2.25"},
    "www":   {"A": {"ttl": 60, "data": ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"]}},
    "alias": {"CNAME": "www"},
EOF
    with_pool && echo '    "pool":  {"A": {"pool": "pool"}},'
    local i
    if [[ $MIX == issue ]]; then
      for ((i = 1; i <= NNAMES; i++)); do
        echo "    \"name$i\": {\"A\": [\"10.1.$((i / 256)).$((i % 256))\", \"10.2.$((i / 256)).$((i % 256))\"]},"
      done
    fi
    local sep=,
    for ((i = 1; i <= NHOSTS; i++)); do
      ((i == NHOSTS)) && sep=
      echo "    \"host$i\": {\"A\": \"198.51.100.$i\"}$sep"
    done
    echo "  }"
    echo "}"
  } >"$1"
}

# Query mix: 60% www A (rotated RRset), 10% each of NXDOMAIN, NODATA (AAAA on
# a host), MX at the apex (with additional-section address) and A via CNAME.
# Shuffled with a fixed seed so every run sends the same sequence.
write_queries() {
  case $MIX in
    dnssec) write_queries_dnssec "$1"; return ;;
    issue) write_queries_issue "$1"; return ;;
  esac
  awk -v n="$QUERY_LINES" -v zone="$ZONE" -v hosts="$NHOSTS" 'BEGIN {
    srand(42)
    for (i = 0; i < n; i++) {
      k = i % 10
      if (k < 6)       line[i] = "www." zone " A"
      else if (k == 6) line[i] = "nx-" int(rand() * 100000) "." zone " A"
      else if (k == 7) line[i] = "host" (1 + int(rand() * hosts)) "." zone " AAAA"
      else if (k == 8) line[i] = zone " MX"
      else             line[i] = "alias." zone " A"
    }
    for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = line[i]; line[i] = line[j]; line[j] = t }
    for (i = 0; i < n; i++) print line[i]
  }' >"$1"
}

# The default mix: 60% pool A (a dnsd pool of 4 members answered in rotation;
# 4 static A records for the others), 20% nameN A with N uniform in 1..NNAMES
# (two A records each), 10% NXDOMAIN (random names), 5% MX at the apex, 5%
# nameN AAAA (NODATA: nameN has only A). Shuffled with a fixed seed.
write_queries_issue() {
  awk -v n="$QUERY_LINES" -v zone="$ZONE" -v names="$NNAMES" 'BEGIN {
    srand(42)
    for (i = 0; i < n; i++) {
      k = i % 20
      if (k < 12)       line[i] = "pool." zone " A"
      else if (k < 16)  line[i] = "name" (1 + int(rand() * names)) "." zone " A"
      else if (k < 18)  line[i] = "nx-" int(rand() * 1000000) "." zone " A"
      else if (k == 18) line[i] = zone " MX"
      else              line[i] = "name" (1 + int(rand() * names)) "." zone " AAAA"
    }
    for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = line[i]; line[i] = line[j]; line[j] = t }
    for (i = 0; i < n; i++) print line[i]
  }' >"$1"
}

# The DNSSEC mix: 30% www A (4 static records), 20% hostN A, 20% pool A (a dnsd
# pool; static records for Knot and NSD), 15% NXDOMAIN, 15% NODATA (hostN AAAA).
write_queries_dnssec() {
  awk -v n="$QUERY_LINES" -v zone="$ZONE" -v hosts="$NHOSTS" 'BEGIN {
    srand(42)
    for (i = 0; i < n; i++) {
      k = i % 20
      if (k < 6)        line[i] = "www." zone " A"
      else if (k < 10)  line[i] = "host" (1 + int(rand() * hosts)) "." zone " A"
      else if (k < 14)  line[i] = "pool." zone " A"
      else if (k < 17)  line[i] = "nx-" int(rand() * 100000) "." zone " A"
      else              line[i] = "host" (1 + int(rand() * hosts)) "." zone " AAAA"
    }
    for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = line[i]; line[i] = line[j]; line[j] = t }
    for (i = 0; i < n; i++) print line[i]
  }' >"$1"
}

# ---------------------------------------------------------------- servers
conf_knot() {  # conf_knot DIR PORT
  local dir=$1 port=$2 policy="" signing=""
  mkdir -p "$dir/db" "$dir/run"
  write_zone_rfc1035 "$dir/$ZONE.zone"
  if [[ $DNSSEC == 1 ]]; then  # signs on load; NSD's signed zone is its AXFR
    policy="acl:
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
policy:
  - id: csk
    algorithm: $DNSSEC_ALGORITHM
    single-type-signing: on
    nsec3: off
    ksk-lifetime: 0
    zsk-lifetime: 0"
    signing="    dnssec-signing: on
    dnssec-policy: csk
    acl: transfer"
  fi
  cat >"$dir/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$port
    rundir: "$dir/run"
    udp-workers: $THREADS
    tcp-workers: 1
    background-workers: 1
    answer-rotation: on
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
$policy
template:
  - id: default
    storage: "$dir"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
$signing
zone:
  - domain: $ZONE
    file: "$dir/$ZONE.zone"
EOF
  # No mod-rrl is loaded: Knot has no rate limiting unless configured.
  echo "knotd -c $dir/knot.conf"
}

# signed_zone_file OUT: the zone signed, for NSD: Knot's AXFR when Knot runs (the
# same records and signatures Knot serves; the closing SOA dropped), else signed
# here with a new CSK by ldns-signzone (NSEC).
signed_zone_file() {
  if [[ -n ${PORT[knot]:-} ]]; then
    dig @127.0.0.1 -p "${PORT[knot]}" +nocmd +nostats +nocomments AXFR "$ZONE" |
      awk '$4 == "SOA" && seen++ { next } { print }' >"$1"
    grep -q RRSIG "$1" || die "no signed AXFR of $ZONE from Knot for NSD"
  else
    local tmp alg=ECDSAP256SHA256 key
    [[ $DNSSEC_ALGORITHM == ed25519 ]] && alg=ED25519
    tmp=$(mktemp -d "$WORK/ldns.XXXXXX")
    write_zone_rfc1035 "$tmp/zone"
    key=$(cd "$tmp" && ldns-keygen -a "$alg" -k "$ZONE")
    (cd "$tmp" && ldns-signzone -o "$ZONE" zone "$key" >&2) || die "ldns-signzone failed"
    mv "$tmp/zone.signed" "$1"
  fi
}

conf_nsd() {  # conf_nsd DIR PORT
  local dir=$1 port=$2
  if [[ $DNSSEC == 1 ]]; then signed_zone_file "$dir/$ZONE.zone"; else write_zone_rfc1035 "$dir/$ZONE.zone"; fi
  cat >"$dir/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1
    port: $port
    do-ip6: no
    server-count: $THREADS
    reuseport: $( ((THREADS > 1)) && echo yes || echo no)
    tcp-count: 10
    username: ""
    chroot: ""
    zonesdir: "$dir"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"
    verbosity: 0
    hide-version: yes
    # Like with like: no NS/glue added to positive answers, rotation as dnsd
    # does, and no response rate limiting (Debian's default is 200 qps/client).
    minimal-responses: yes
    round-robin: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: $ZONE
    zonefile: "$dir/$ZONE.zone"
EOF
  echo "nsd -d -c $dir/nsd.conf"
}

# gdnsd 3: DIR/config and DIR/zones/ZONE (RFC 1035), in the foreground.
# Cookies stay on (its default; dnsperf sends none). experimental_no_chain off:
# a CNAME is followed within the zone, as the others do (classic mix).
conf_gdnsd() {  # conf_gdnsd DIR PORT
  local dir=$1 port=$2
  mkdir -p "$dir/zones" "$dir/run" "$dir/state"
  write_zone_rfc1035 "$dir/zones/$ZONE"
  cat >"$dir/config" <<EOF
options => {
  listen => [ 127.0.0.1 ]
  dns_port => $port
  udp_threads => $THREADS
  tcp_threads => 1
  run_dir => "$dir/run"
  state_dir => "$dir/state"
  experimental_no_chain => false
}
EOF
  cp "$dir/config" "$dir/gdnsd.conf"  # copied to RESULTS_DIR with the other configurations
  echo "gdnsd -c $dir start"
}

# The floor: tests/bench/floor_responder.c, built once into the temp dir.
conf_floor() {  # conf_floor DIR PORT
  local dir=$1 port=$2
  [[ -x $WORK/floor_responder ]] ||
    cc -O2 -pthread -o "$WORK/floor_responder" "$HERE/floor_responder.c" >&2 || die "cannot build floor_responder.c"
  echo "$WORK/floor_responder 127.0.0.1 $port $THREADS"
}

# dnsd's response rate limiting is on by default and dnsperf asks from one
# address: off, as for Knot and NSD. A binary without --rrl-rate has none.
dnsd_rrl_off() {  # dnsd_rrl_off BIN: the flag that turns RRL off, if BIN has RRL
  local help
  help=$("$1" serve --help 2>/dev/null || true)
  if [[ $help == *--rrl-rate* ]]; then echo "--rrl-rate 0"; fi
}

dnsd_keys() {  # dnsd_keys DIR: with DNSSEC=1, the key directory flag (dnsd makes the key on start)
  [[ $DNSSEC == 1 ]] && echo "--key-dir $1/keys"
  return 0
}

conf_dnsd() {  # conf_dnsd DIR PORT
  local dir=$1 port=$2
  mkdir -p "$dir/zones"
  write_zone_json "$dir/zones/$ZONE.json"
  echo "$DNSD_BIN serve --zones $dir/zones --listen 127.0.0.1:$port --threads $DNSD_THREADS --control none $(dnsd_rrl_off "$DNSD_BIN") $(dnsd_keys "$dir")"
}

conf_dnsd-base() {  # conf_dnsd-base DIR PORT: the same, with DNSD_BASE_BIN
  local dir=$1 port=$2
  mkdir -p "$dir/zones"
  write_zone_json "$dir/zones/$ZONE.json"
  echo "$DNSD_BASE_BIN serve --zones $dir/zones --listen 127.0.0.1:$port --threads $DNSD_THREADS --control none $(dnsd_rrl_off "$DNSD_BASE_BIN") $(dnsd_keys "$dir")"
}

# dnstap on: the same server logging every query and response. The control
# API (a free port, in DIR/control) reports the dnstap counters at the end.
conf_dnsd_tap() {  # conf_dnsd_tap DIR PORT SINK
  local dir=$1 port=$2 control
  mkdir -p "$dir/zones"
  write_zone_json "$dir/zones/$ZONE.json"
  control=$($PY "$HELPER" freeport)
  echo "$control" >"$dir/control"
  echo "$DNSD_BIN serve --zones $dir/zones --listen 127.0.0.1:$port --threads $DNSD_THREADS --control 127.0.0.1:$control --dnstap $3 $(dnsd_rrl_off "$DNSD_BIN") $(dnsd_keys "$dir")"
}
TAP_FILE=/dev/shm/dnsd-bench-$$.tap
conf_dnsd-tapf() { conf_dnsd_tap "$1" "$2" "file:$TAP_FILE"; }
conf_dnsd-tapu() { conf_dnsd_tap "$1" "$2" "unix:$WORK/tap.sock"; }

