// What signs one zone at one moment: which keys are in its DNSKEY RRset and
// sign it, which key signs everything else, and the window every signature
// made now carries. The server's signing service derives it from the key
// timeline (key_timeline.h), the zone's policy and the clock; the versioner
// signs with it. Immutable once made; any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dnsd/dnssec/rrsig_maker.h"
#include "dnsd/dnssec/signing_key.h"
#include "zones/dnssec_policy.h"

namespace dnsd::dnssec {

/// The keys and window one zone is signed with.
struct SigningSetup {
  std::shared_ptr<const SigningKey> zone_key;  ///< signs every RRset but DNSKEY
  std::vector<std::shared_ptr<const SigningKey>> dnskey;          ///< the DNSKEY RRset, in order
  std::vector<std::shared_ptr<const SigningKey>> dnskey_signers;  ///< sign the DNSKEY RRset
  SignatureWindow window;
  uint32_t dnskey_ttl = 3600;

  /// Whether `other` signs the zone's data (not DNSKEY) the same way: same
  /// zone-signing key and window, so signatures made under one serve the other.
  bool same_zone_signing(const SigningSetup& other) const;
  /// Whether the DNSKEY RRset and its signers and window are the same.
  bool same_dnskey(const SigningSetup& other) const;
  /// A hash of the key tags, the window and the DNSKEY TTL: what changes
  /// every signature, for the version fingerprint. Any thread.
  uint64_t epoch() const;
};

/// The window of signatures made at unix time `now` under `policy`:
/// inception rounded down to a multiple of signature_refresh, less an hour
/// (or less the refresh period when that is shorter) for clocks behind ours;
/// expiration signature_validity after the rounded inception. Every
/// signature made within one refresh period so carries the same window, and
/// stays cacheable across versions. Pure; any thread.
SignatureWindow window_at(const zones::DnssecPolicy& policy, int64_t now);

/// When the signatures of `window` are made anew: the start of the next
/// refresh period. Pure; any thread.
int64_t next_refresh(const zones::DnssecPolicy& policy, SignatureWindow window);

}  // namespace dnsd::dnssec
