#include "dnsd/dnssec/signing_setup.h"

#include <algorithm>

namespace dnsd::dnssec {
namespace {

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xBF58476D1CE4E5B9ull;
}

bool same_keys(const std::vector<std::shared_ptr<const SigningKey>>& a,
               const std::vector<std::shared_ptr<const SigningKey>>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

/// Seconds subtracted from a rounded inception for validators whose clocks run behind.
uint32_t skew_allowance(const zones::DnssecPolicy& policy) { return std::min<uint32_t>(3600, policy.signature_refresh); }

}  // namespace

bool SigningSetup::same_zone_signing(const SigningSetup& other) const {
  return zone_key == other.zone_key && window == other.window;
}

bool SigningSetup::same_dnskey(const SigningSetup& other) const {
  return same_keys(dnskey, other.dnskey) && same_keys(dnskey_signers, other.dnskey_signers) &&
         window == other.window && dnskey_ttl == other.dnskey_ttl;
}

uint64_t SigningSetup::epoch() const {
  uint64_t h = mix(0, zone_key ? zone_key->key_tag() : 0);
  for (const auto& k : dnskey) h = mix(h, k->key_tag());
  h = mix(h, 0xD);
  for (const auto& k : dnskey_signers) h = mix(h, k->key_tag());
  h = mix(h, window.inception);
  h = mix(h, window.expiration);
  return mix(h, dnskey_ttl);
}

SignatureWindow window_at(const zones::DnssecPolicy& policy, int64_t now) {
  const int64_t refresh = std::max<uint32_t>(1, policy.signature_refresh);
  const int64_t start = now - now % refresh;
  SignatureWindow w;
  w.inception = uint32_t(start - skew_allowance(policy));
  w.expiration = uint32_t(start + policy.signature_validity);
  return w;
}

int64_t next_refresh(const zones::DnssecPolicy& policy, SignatureWindow window) {
  return int64_t(window.inception) + skew_allowance(policy) + std::max<uint32_t>(1, policy.signature_refresh);
}

}  // namespace dnsd::dnssec
