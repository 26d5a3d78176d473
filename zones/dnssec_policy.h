// How a zone is signed, as the zone file's "dnssec" object gives it
// (zones/FORMAT.md, "DNSSEC"). Plain, immutable data parsed by the loader:
// the DNSSEC plane (dnsd/dnssec/) reads it from a published zone to choose
// keys, signature windows and rollover timings, and never changes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsd::zones {

/// A DNSKEY/RRSIG algorithm number dnsd signs with: ECDSA P-256 with
/// SHA-256 (13), the default because it signs about twice as fast here,
/// and Ed25519 (15).
enum class SigningAlgorithm : uint8_t { EcdsaP256Sha256 = 13, Ed25519 = 15 };

/// The zone file's name of an algorithm ("ecdsap256sha256", "ed25519"). Any thread.
const char* algorithm_name(SigningAlgorithm algorithm);

/// The algorithm a zone file names, case-insensitively; nullopt for any other. Any thread.
std::optional<SigningAlgorithm> algorithm_from_name(std::string_view name);

/// Signing settings of one zone. Times in seconds.
struct DnssecPolicy {
  bool enabled = false;  ///< the zone file has a "dnssec" object
  SigningAlgorithm algorithm = SigningAlgorithm::EcdsaP256Sha256;
  uint32_t dnskey_ttl = 3600;
  /// How long each signature is valid, from its inception.
  uint32_t signature_validity = 14 * 86400;
  /// How often signatures are made anew: inceptions are rounded down to a
  /// multiple of it (less an hour for clock skew), so every signature made
  /// within one period carries the same window and stays cacheable, and each
  /// signature served has at least validity - refresh left.
  uint32_t signature_refresh = 3 * 86400;
  /// How long a change takes to reach every secondary and cache beyond the
  /// TTLs: the key rollover waits for it at each step.
  uint32_t propagation_delay = 3600;
  /// TTL of the zone's DS records at the parent, for the rollover's wait
  /// before the old key leaves.
  uint32_t parent_ds_ttl = 86400;
  bool operator==(const DnssecPolicy&) const = default;
};

}  // namespace dnsd::zones
