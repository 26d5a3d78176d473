#include "dnsd/dnssec/ds_record.h"

#include <openssl/evp.h>

#include "dnsd/dnssec/signing_key.h"
#include "zones/name.h"

namespace dnsd::dnssec {
namespace {

/// RFC 4509: DS digest type 2 is SHA-256.
constexpr uint8_t kDigestSha256 = 2;
/// DNSKEY rdata before the public key: flags, protocol, algorithm.
constexpr size_t kDnskeyFixedSize = 4;

}  // namespace

std::vector<uint8_t> ds_rdata(const uint8_t* owner, size_t owner_length, std::span<const uint8_t> dnskey_rdata) {
  if (dnskey_rdata.size() < kDnskeyFixedSize) return {};
  std::vector<uint8_t> digested;
  digested.reserve(owner_length + dnskey_rdata.size());
  for (size_t i = 0; i < owner_length; ++i) digested.push_back(zones::lower_byte(owner[i]));
  digested.insert(digested.end(), dnskey_rdata.begin(), dnskey_rdata.end());
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(digested.data(), digested.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1) return {};
  const uint16_t tag = key_tag(dnskey_rdata);
  std::vector<uint8_t> rdata = {uint8_t(tag >> 8), uint8_t(tag), dnskey_rdata[3], kDigestSha256};
  rdata.insert(rdata.end(), digest, digest + digest_size);
  return rdata;
}

std::string ds_text(const uint8_t* owner, size_t owner_length, std::span<const uint8_t> dnskey_rdata,
                    uint32_t ttl) {
  const std::vector<uint8_t> rdata = ds_rdata(owner, owner_length, dnskey_rdata);
  if (rdata.empty()) return {};
  std::string text = zones::lower_text(zones::name_to_text(owner, owner_length));
  text += " " + std::to_string(ttl) + " IN DS " + std::to_string(rdata[0] << 8 | rdata[1]) + " " +
          std::to_string(rdata[2]) + " " + std::to_string(rdata[3]) + " ";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 4; i < rdata.size(); ++i) {
    text.push_back(kHex[rdata[i] >> 4]);
    text.push_back(kHex[rdata[i] & 15]);
  }
  return text;
}

}  // namespace dnsd::dnssec
