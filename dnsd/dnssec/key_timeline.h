// The life of a zone's combined signing keys (CSK, DNSKEY flags 257) as pure
// functions of their records, the zone's timings and the time: no clock reads
// and no I/O, so a whole rollover can be driven (and tested) by passing times.
//
// A rollover is RFC 7583's double-signature rollover for a CSK:
//   published  the new key is in the DNSKEY RRset and signs it beside the old
//              key; zone data is still signed by the old key. The operator
//              submits the new key's DS to the parent from now on.
//   active     once the DNSKEY RRset holding the new key can be in every cache
//              (published + dnskey_ttl + propagation_delay) the new key signs
//              all zone data, and the old key becomes
//   retired    still in DNSKEY and signing it, no longer signing zone data.
//   removed    the old key leaves DNSKEY and signs nothing once its data
//              signatures have left caches (retired + max_ttl +
//              propagation_delay) and the new key's DS has been at the parent
//              long enough to be in every cache (ds_seen + parent_ds_ttl +
//              propagation_delay). The old DS may then be withdrawn.
// A zone's first key is active at once (created = published = active).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dnsd/dnssec/algorithm.h"

namespace dnsd::dnssec {

/// Where a key is in its life; see the file comment.
enum class KeyState : uint8_t { Published, Active, Retired, Removed };

/// "published", "active", "retired" or "removed". Any thread.
const char* key_state_name(KeyState state);

/// One key's life, unix seconds; 0 = not (yet). Persisted in the key
/// directory's state file (dnsd/dnssec/key_store.h).
struct KeyRecord {
  uint16_t tag = 0;
  Algorithm algorithm = Algorithm::EcdsaP256Sha256;
  std::string file;  ///< private key file name inside the key directory
  int64_t created = 0, published = 0, active = 0, retired = 0, removed = 0;
  int64_t ds_seen = 0;  ///< when the parent was seen to have this key's DS
  bool operator==(const KeyRecord&) const = default;
};

/// Timings of a zone's key lifecycle, in seconds (the zone file's "dnssec"
/// object gives them).
struct KeyTimings {
  uint32_t dnskey_ttl = 3600;         ///< TTL of the DNSKEY RRset
  uint32_t max_ttl = 86400;           ///< largest TTL of any signed RRset of the zone
  uint32_t propagation_delay = 3600;  ///< time for a change to reach every secondary
  uint32_t parent_ds_ttl = 86400;     ///< TTL of the DS RRset at the parent
};

/// The latest state whose time has come at `now`. A key whose published time
/// has not come (or is 0) counts as Published: it is the state keys start in.
/// Reads the record as it is; advance_keys() first to apply due transitions.
/// Any thread.
KeyState state_of(const KeyRecord& key, int64_t now);

/// What the keys do at `now`.
struct KeyPlan {
  std::vector<size_t> dnskey;          ///< keys (indices) in the DNSKEY RRset, in record order
  std::vector<size_t> dnskey_signers;  ///< keys that sign the DNSKEY RRset, in record order
  size_t zone_signer = SIZE_MAX;       ///< the key that signs everything else (SIZE_MAX: none, e.g. no key yet)
  int64_t next_event = 0;  ///< when advance_keys() next has something to do (0: nothing scheduled, e.g. waiting for ds_seen)
  /// For `dnsd ctl keys`: e.g. "key 12345 becomes active at 2026-12-01T15:00:00Z",
  /// "waiting for the DS of key 12345 at the parent"; "" when nothing is pending.
  std::string next_event_text;
};

/// The plan for `keys` as advance_keys() would leave them at `now` (the
/// records are not changed), so it is right even when the caller has not
/// advanced and saved them yet. Indices refer to `keys`. Any thread.
KeyPlan plan_keys(const std::vector<KeyRecord>& keys, const KeyTimings& timings, int64_t now);

/// Moves keys whose timers have passed by `now` to their next state, setting
/// active/retired/removed to the time the condition became true, not `now`,
/// so the result does not depend on how often it is called. True if anything
/// changed (the caller persists it). Any thread.
bool advance_keys(std::vector<KeyRecord>& keys, const KeyTimings& timings, int64_t now);

/// Whether a rollover can start at `now`: exactly one active key and none
/// published or retired (advance_keys() first). If not, `why_not` says why in
/// words for the operator. The caller then appends a new key with
/// created = published = now. Any thread.
bool can_start_rollover(const std::vector<KeyRecord>& keys, int64_t now, std::string& why_not);

/// `unix_seconds` as "2026-12-01T15:00:00Z". Any thread.
std::string utc_time_text(int64_t unix_seconds);

}  // namespace dnsd::dnssec
