// What `dnsd keygen` and `dnsd ds` share: their command line (a zone, the key
// directory as --key-dir or "keys" inside --state-dir, --ttl) and the
// presentation lines of a key's DNSKEY and DS records. Main thread only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "dnsd/dnssec/algorithm.h"

namespace dnsd {

/// The command line of a key command.
struct KeyCommandOptions {
  std::string zone;     ///< checked to be a domain name; lowercase, trailing dot
  std::string key_dir;  ///< --key-dir, or --state-dir's "keys"
  uint32_t ttl = 3600;  ///< TTL of the printed records
  std::optional<dnssec::Algorithm> algorithm;  ///< --algorithm, when `with_algorithm`
};

/// Parses `dnsd COMMAND` options into `o`. Returns -1 to go on, or the exit
/// code: 0 after --help, 2 after a usage error (already printed with `usage`).
int parse_key_command(const char* command, bool with_algorithm, int argc, char** argv, void (*usage)(std::FILE*),
                      KeyCommandOptions& o);

/// "example.test. 3600 IN DNSKEY 257 3 13 BASE64" for `dnskey_rdata` of zone `zone`.
std::string dnskey_line(const std::string& zone, uint32_t ttl, std::span<const uint8_t> dnskey_rdata);

/// "example.test. 3600 IN DS 12345 13 2 HEX": the SHA-256 DS of the DNSKEY
/// (computed by ldns), the record the parent zone publishes. "" if ldns fails.
std::string ds_line(const std::string& zone, uint32_t ttl, std::span<const uint8_t> dnskey_rdata);

}  // namespace dnsd
