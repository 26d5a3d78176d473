// The DNSSEC signing algorithms dnsd offers, under the DNSSEC plane's names.
// The zone model owns the list (zones/dnssec_policy.h), since zone files
// name them; this plane signs with them.
#pragma once

#include <cstddef>

#include "zones/dnssec_policy.h"

namespace dnsd::dnssec {

/// A DNSKEY/RRSIG algorithm number dnsd signs with (13 or 15).
using Algorithm = zones::SigningAlgorithm;
using zones::algorithm_from_name;
using zones::algorithm_name;

/// Bytes of one signature in DNSSEC wire form: 64 for both (r||s for ECDSA,
/// RFC 6605; the raw signature for Ed25519, RFC 8080). Public keys differ: 64
/// bytes (X||Y) for P-256, 32 for Ed25519. Any thread.
inline constexpr size_t signature_size(Algorithm) { return 64; }

}  // namespace dnsd::dnssec
