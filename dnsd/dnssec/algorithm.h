// The DNSSEC signing algorithms dnsd offers (RFC 8624 "MUST" algorithms with
// small signatures): ECDSA P-256 with SHA-256 (13), the default because it
// signs about twice as fast here, and Ed25519 (15).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsd::dnssec {

/// A DNSKEY/RRSIG algorithm number dnsd signs with.
enum class Algorithm : uint8_t { EcdsaP256Sha256 = 13, Ed25519 = 15 };

/// The zone file's name of an algorithm ("ecdsap256sha256", "ed25519"). Any thread.
const char* algorithm_name(Algorithm algorithm);

/// The algorithm a zone file names, case-insensitively; nullopt for any other. Any thread.
std::optional<Algorithm> algorithm_from_name(std::string_view name);

/// Bytes of one signature in DNSSEC wire form: 64 for both (r||s for ECDSA,
/// RFC 6605; the raw signature for Ed25519, RFC 8080). Public keys differ: 64
/// bytes (X||Y) for P-256, 32 for Ed25519. Any thread.
inline constexpr size_t signature_size(Algorithm) { return 64; }

}  // namespace dnsd::dnssec
