// `dnsd keygen --key-dir DIR [--algorithm ALG] ZONE`: makes a zone's first
// signing key before the server first starts, so the DS can go to the parent
// early; prints the key's DNSKEY and DS records.
#include <sys/stat.h>

#include <ctime>
#include <cstdio>
#include <string>
#include <vector>

#include "dnsd/cli/commands.h"
#include "dnsd/cli/key_command.h"
#include "dnsd/dnssec/key_store.h"
#include "dnsd/dnssec/key_timeline.h"

namespace dnsd {
namespace {

void keygen_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd keygen (--key-dir DIR | --state-dir DIR) [--algorithm ALG] [--ttl N] ZONE\n"
               "\n"
               "Creates ZONE's first signing key (a CSK, DNSKEY flags 257) in the key\n"
               "directory, as `dnsd serve` would on first start, unless ZONE has keys\n"
               "already; either way prints the DNSKEY records of ZONE's keys, then their\n"
               "DS records (SHA-256) for the parent. Says on stderr what it did and the\n"
               "key tag. The directory is created with mode 0700, key files with 0600.\n"
               "\n"
               "Exits 0, or 1 when the keys cannot be made or read, or 2 on bad usage.\n"
               "\n"
               "options:\n"
               "  --key-dir DIR       the key directory (default: keys inside --state-dir)\n"
               "  --state-dir DIR     the --state-dir `dnsd serve` is given\n"
               "  --algorithm ALG     ecdsap256sha256 (default) or ed25519; for a zone with\n"
               "                      keys, it must be theirs\n"
               "  --ttl N             TTL of the printed records (default 3600)\n"
               "  -h, --help          show this help\n");
}

}  // namespace

int cmd_keygen(int argc, char** argv) {
  KeyCommandOptions o;
  if (const int code = parse_key_command("keygen", true, argc, argv, keygen_usage, o); code >= 0) return code;
  dnssec::KeyStore store(o.key_dir);
  const int64_t now = std::time(nullptr);
  const std::string state_file = o.key_dir + "/" + dnssec::KeyStore::zone_file_stem(o.zone) + ".keys.json";
  struct stat st {};
  const bool existed = ::stat(state_file.c_str(), &st) == 0;

  dnssec::ZoneKeys keys;
  std::string error;
  // Without --algorithm, a zone's keys are taken as they are.
  const bool ok = existed && !o.algorithm
                      ? store.load(o.zone, keys, error)
                      : store.load_or_create(o.zone, o.algorithm.value_or(dnssec::Algorithm::EcdsaP256Sha256), now,
                                             keys, error);
  if (!ok) {
    std::fprintf(stderr, "dnsd keygen: %s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> dnskeys, ds;
  std::string tags;
  for (size_t i = 0; i < keys.records.size(); ++i) {
    if (!keys.keys[i] || dnssec::state_of(keys.records[i], now) == dnssec::KeyState::Removed) continue;
    dnskeys.push_back(dnskey_line(o.zone, o.ttl, keys.keys[i]->dnskey_rdata()));
    ds.push_back(ds_line(o.zone, o.ttl, keys.keys[i]->dnskey_rdata()));
    tags += (tags.empty() ? "" : ", ") + std::to_string(keys.records[i].tag);
  }
  if (existed)
    std::fprintf(stderr, "dnsd keygen: %s already has keys in %s (key %s); nothing created\n", o.zone.c_str(),
                 o.key_dir.c_str(), tags.c_str());
  else
    std::fprintf(stderr, "dnsd keygen: created key %s (%s) for %s in %s\n", tags.c_str(),
                 dnssec::algorithm_name(keys.records[0].algorithm), o.zone.c_str(), o.key_dir.c_str());
  for (const std::string& line : dnskeys) std::printf("%s\n", line.c_str());
  for (const std::string& line : ds) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace dnsd
