#!/usr/bin/env bash
# Installs every Debian 12 package that dnsd's build, tests and benchmarks need,
# and only the ones that are missing. Silent when everything is present.
# Run as root (or with sudo available); safe to run repeatedly.
set -euo pipefail

# The one list. Add a package here (with a note why) and every entry point
# (tests/run, examples/serve, .ci/run) picks it up.
PACKAGES=(
  g++ meson ninja-build pkg-config          # build
  libldns-dev libuv1-dev nlohmann-json3-dev # server dependencies
  libcurl4-openssl-dev libmicrohttpd-dev    # health probes, control API
  libssl-dev                                # TSIG HMAC (OpenSSL libcrypto)
  libfstrm-dev libprotobuf-c-dev protobuf-c-compiler  # dnstap: Frame Streams writer, protobuf-c + protoc-c
  fstrm-bin                                 # dnstap tests: fstrm_capture as the collector
  doctest-dev                               # unit tests
  python3-dnspython python3-pytest          # integration tests (/usr/bin/python3)
  python3-jsonschema                        # dnsd schema is checked against the zone fixtures
  dnsutils knot-dnsutils ldnsutils          # real clients: dig, kdig, drill
  bind9-utils                               # DNSSEC tests: dnssec-verify checks signed zones (ldns-verify-zone is in ldnsutils)
  knot nsd unbound dnsperf                  # benchmark peers, resolver tests, load
  gdnsd                                     # benchmark peer: the health-aware server dnsd is measured against
  valgrind                                  # tests/bench/callgrind_*.sh count instructions per query
  iproute2 procps util-linux                # ss, pgrep/ps, taskset
  chromium chromium-driver python3-selenium  # dashboard test in a real headless browser
  # tests/fuzz: clang-14 builds the harnesses; libclang-rt-14-dev holds the
  # libFuzzer runtime that -fsanitize=fuzzer links (libfuzzer-14-dev would only
  # add a second, standalone libFuzzer.a); llvm-14 has llvm-symbolizer-14.
  clang-14 libclang-rt-14-dev llvm-14
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

# Packaged daemons (knot, nsd, unbound) must not start on install: they would
# grab port 53 on a CI machine. A temporary policy-rc.d tells invoke-rc.d no.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
