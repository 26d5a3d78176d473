#include "dnsd/xfr/tsig_mac.h"

#include "zones/ldns.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

namespace dnsd::xfr {
namespace {

struct AlgorithmEntry {
  TsigAlgorithm algorithm;
  const EVP_MD* (*digest)();
};

// RFC 8945 6: hmac-sha256 is the one to use; sha1 and sha224 to sha512 are
// there for peers that use them. hmac-md5 is left out on purpose.
const std::array<AlgorithmEntry, 5> kAlgorithms = {{
    {{"hmac-sha1.", 20}, EVP_sha1},
    {{"hmac-sha224.", 28}, EVP_sha224},
    {{"hmac-sha256.", 32}, EVP_sha256},
    {{"hmac-sha384.", 48}, EVP_sha384},
    {{"hmac-sha512.", 64}, EVP_sha512},
}};

const AlgorithmEntry* find_entry(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  for (const AlgorithmEntry& e : kAlgorithms) {
    const std::string_view known = e.algorithm.name.substr(0, e.algorithm.name.size() - 1);
    if (known.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(name[i])) == known[i];
    if (same) return &e;
  }
  return nullptr;
}

}  // namespace

const TsigAlgorithm* find_tsig_algorithm(std::string_view name) {
  const AlgorithmEntry* e = find_entry(name);
  return e ? &e->algorithm : nullptr;
}

std::optional<std::vector<uint8_t>> decode_tsig_secret(const std::string& base64) {
  if (base64.empty()) return std::nullopt;
  for (const char c : base64)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return std::nullopt;
  ldns_rdf* rdf = nullptr;
  if (ldns_str2rdf_b64(&rdf, base64.c_str()) != LDNS_STATUS_OK || rdf == nullptr) return std::nullopt;
  std::vector<uint8_t> secret(ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  ldns_rdf_deep_free(rdf);
  if (secret.empty()) return std::nullopt;
  return secret;
}

std::vector<uint8_t> tsig_hmac(const TsigAlgorithm& algorithm, std::span<const uint8_t> secret,
                               std::span<const uint8_t> data) {
  const AlgorithmEntry* e = find_entry(algorithm.name);
  if (e == nullptr || secret.empty()) return {};
  std::vector<uint8_t> mac(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  // HMAC() with a caller-owned output buffer keeps no state between calls.
  if (HMAC(e->digest(), secret.data(), int(secret.size()), data.data(), data.size(), mac.data(), &length) == nullptr)
    return {};
  mac.resize(length);
  return mac;
}

bool tsig_mac_equal(std::span<const uint8_t> mac, std::span<const uint8_t> expected) {
  if (mac.empty() || mac.size() > expected.size()) return false;
  return CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) == 0;
}

}  // namespace dnsd::xfr
