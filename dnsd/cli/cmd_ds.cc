// `dnsd ds --key-dir DIR ZONE`: the DS records the parent zone should hold
// for a zone's keys, from the key directory `dnsd serve` signs with, for the
// operator to hand to the registrar or parent.
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

void ds_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd ds (--key-dir DIR | --state-dir DIR) [--ttl N] ZONE\n"
               "\n"
               "Prints the DS records (SHA-256, digest type 2) of ZONE's keys that belong at\n"
               "the parent: every key that is published, active or retired, one line each,\n"
               "e.g. `example.test. 3600 IN DS 12345 13 2 ABCD...`. During a rollover that is\n"
               "two lines: submit the new key's DS as soon as it is published; the old DS may\n"
               "go once the old key is removed.\n"
               "\n"
               "Exits 0, or 1 when ZONE has no keys in DIR or they cannot be read (a key\n"
               "file others may read is refused), or 2 on bad usage.\n"
               "\n"
               "options:\n"
               "  --key-dir DIR     the key directory (default: keys inside --state-dir)\n"
               "  --state-dir DIR   the --state-dir `dnsd serve` is given\n"
               "  --ttl N           TTL of the printed records (default 3600)\n"
               "  -h, --help        show this help\n");
}

}  // namespace

int cmd_ds(int argc, char** argv) {
  KeyCommandOptions o;
  if (const int code = parse_key_command("ds", false, argc, argv, ds_usage, o); code >= 0) return code;
  const dnssec::KeyStore store(o.key_dir);
  dnssec::ZoneKeys keys;
  std::string error;
  if (!store.load(o.zone, keys, error)) {
    std::fprintf(stderr, "dnsd ds: %s\n", error.c_str());
    return 1;
  }
  const int64_t now = std::time(nullptr);
  std::vector<std::string> lines;
  for (size_t i = 0; i < keys.records.size(); ++i) {
    if (!keys.keys[i] || dnssec::state_of(keys.records[i], now) == dnssec::KeyState::Removed) continue;
    const std::string line = ds_line(o.zone, o.ttl, keys.keys[i]->dnskey_rdata());
    if (line.empty()) {
      std::fprintf(stderr, "dnsd ds: cannot compute the DS of key %u\n", unsigned(keys.records[i].tag));
      return 1;
    }
    lines.push_back(line);
  }
  if (lines.empty()) {
    std::fprintf(stderr, "dnsd ds: every key of %s in %s is removed\n", o.zone.c_str(), o.key_dir.c_str());
    return 1;
  }
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace dnsd
