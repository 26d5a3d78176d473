#include "dnsd/cli/key_command.h"

#include <getopt.h>
#include <ldns/ldns.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "dnsd/cli/commands.h"
#include "dnsd/dnssec/key_store.h"

namespace dnsd {
namespace {

enum Option : int { kKeyDir = 1, kStateDir, kTtl, kAlgorithm, kHelp };

struct RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;

/// ldns's text of `rdf`, or "" when it has none.
std::string rdf_text(const ldns_rdf* rdf) {
  char* text = rdf ? ldns_rdf2str(rdf) : nullptr;
  if (!text) return "";
  std::string out(text);
  std::free(text);
  return out;
}

/// The DNSKEY record of zone `zone` with `rdata`, as ldns reads it from wire form.
RrPtr dnskey_rr(const std::string& zone, uint32_t ttl, std::span<const uint8_t> rdata) {
  RrPtr rr(ldns_rr_new());
  ldns_rdf* owner = nullptr;
  if (!rr || ldns_str2rdf_dname(&owner, zone.c_str()) != LDNS_STATUS_OK) return nullptr;
  ldns_rr_set_owner(rr.get(), owner);
  ldns_rr_set_type(rr.get(), LDNS_RR_TYPE_DNSKEY);
  ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr.get(), ttl);
  std::vector<uint8_t> wire{uint8_t(rdata.size() >> 8), uint8_t(rdata.size())};
  wire.insert(wire.end(), rdata.begin(), rdata.end());
  size_t pos = 0;
  if (ldns_wire2rdf(rr.get(), wire.data(), wire.size(), &pos) != LDNS_STATUS_OK || ldns_rr_rd_count(rr.get()) != 4)
    return nullptr;
  return rr;
}

/// The owner, TTL and class of `rr` and `type`: "example.test. 3600 IN DS".
std::string line_start(const ldns_rr* rr, const char* type) {
  return rdf_text(ldns_rr_owner(rr)) + " " + std::to_string(ldns_rr_ttl(rr)) + " IN " + type;
}

}  // namespace

int parse_key_command(const char* command, bool with_algorithm, int argc, char** argv, void (*usage)(std::FILE*),
                      KeyCommandOptions& o) {
  static const option kOptions[] = {
      {"key-dir", required_argument, nullptr, kKeyDir}, {"state-dir", required_argument, nullptr, kStateDir},
      {"ttl", required_argument, nullptr, kTtl},         {"help", no_argument, nullptr, kHelp},
      {"algorithm", required_argument, nullptr, kAlgorithm},  // last: only with_algorithm
      {nullptr, 0, nullptr, 0},
  };
  static const option kOptionsWithout[] = {kOptions[0], kOptions[1], kOptions[2], kOptions[3], kOptions[5]};
  std::string state_dir;
  opterr = 0;
  optind = 1;
  for (;;) {
    int index = 0;
    const int c = getopt_long(argc, argv, ":h", with_algorithm ? kOptions : kOptionsWithout, &index);
    if (c == -1) break;
    switch (c) {
      case kKeyDir:
        o.key_dir = optarg;
        break;
      case kStateDir:
        state_dir = optarg;
        break;
      case kTtl: {
        const std::string_view text(optarg);
        int64_t ttl = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ttl);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || ttl < 0 || ttl > 2147483647) {
          std::fprintf(stderr, "dnsd %s: --ttl '%s': expected a whole number from 0 to 2147483647\n", command,
                       optarg);
          return 2;
        }
        o.ttl = uint32_t(ttl);
        break;
      }
      case kAlgorithm:
        o.algorithm = dnssec::algorithm_from_name(optarg);
        if (!o.algorithm) {
          std::fprintf(stderr, "dnsd %s: --algorithm '%s': expected %s or %s\n", command, optarg,
                       dnssec::algorithm_name(dnssec::Algorithm::EcdsaP256Sha256),
                       dnssec::algorithm_name(dnssec::Algorithm::Ed25519));
          return 2;
        }
        break;
      case 'h':
      case kHelp:
        usage(stdout);
        return 0;
      default:
        return option_error(command, c, argv, optind, usage);
    }
  }
  if (optind != argc - 1) {
    if (optind >= argc)
      std::fprintf(stderr, "dnsd %s: name one zone\n\n", command);
    else
      std::fprintf(stderr, "dnsd %s: unexpected argument '%s'\n\n", command, argv[optind + 1]);
    usage(stderr);
    return 2;
  }
  // The zone's canonical name: lowercase, one trailing dot.
  o.zone = argv[optind];
  for (char& ch : o.zone) ch = (ch >= 'A' && ch <= 'Z') ? char(ch - 'A' + 'a') : ch;
  if (o.zone.empty() || o.zone.back() != '.') o.zone += '.';
  ldns_rdf* name = nullptr;
  const bool is_name = ldns_str2rdf_dname(&name, o.zone.c_str()) == LDNS_STATUS_OK;
  ldns_rdf_deep_free(name);
  if (!is_name || dnssec::KeyStore::zone_file_stem(o.zone).empty()) {
    std::fprintf(stderr, "dnsd %s: '%s' is not a zone name\n", command, argv[optind]);
    return 2;
  }
  if (o.key_dir.empty() && !state_dir.empty()) o.key_dir = state_dir + "/keys";
  if (o.key_dir.empty()) {
    std::fprintf(stderr, "dnsd %s: name the key directory with --key-dir DIR (or --state-dir DIR for DIR/keys)\n\n",
                 command);
    usage(stderr);
    return 2;
  }
  return -1;
}

std::string dnskey_line(const std::string& zone, uint32_t ttl, std::span<const uint8_t> dnskey_rdata) {
  const RrPtr rr = dnskey_rr(zone, ttl, dnskey_rdata);
  if (!rr) return "";
  // Numbers as numbers (ldns would print the algorithm's mnemonic), then the key in base64.
  return line_start(rr.get(), "DNSKEY") + " " + std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(rr.get(), 0))) +
         " " + std::to_string(ldns_rdf2native_int8(ldns_rr_rdf(rr.get(), 1))) + " " +
         std::to_string(ldns_rdf2native_int8(ldns_rr_rdf(rr.get(), 2))) + " " + rdf_text(ldns_rr_rdf(rr.get(), 3));
}

std::string ds_line(const std::string& zone, uint32_t ttl, std::span<const uint8_t> dnskey_rdata) {
  const RrPtr key = dnskey_rr(zone, ttl, dnskey_rdata);
  if (!key) return "";
  const RrPtr ds(ldns_key_rr2ds(key.get(), LDNS_SHA256));
  if (!ds || ldns_rr_rd_count(ds.get()) != 4) return "";
  std::string line = line_start(ds.get(), "DS");
  line += " " + std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(ds.get(), 0)));
  for (size_t i = 1; i < 3; ++i) line += " " + std::to_string(ldns_rdf2native_int8(ldns_rr_rdf(ds.get(), i)));
  // The digest in capitals, as registrars' forms and `dnssec-dsfromkey` show it.
  const ldns_rdf* digest = ldns_rr_rdf(ds.get(), 3);
  static constexpr char kHex[] = "0123456789ABCDEF";
  line += ' ';
  for (size_t i = 0; i < ldns_rdf_size(digest); ++i) {
    const uint8_t byte = ldns_rdf_data(digest)[i];
    line += kHex[byte >> 4];
    line += kHex[byte & 15];
  }
  return line;
}

}  // namespace dnsd
