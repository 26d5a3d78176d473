// The DNSSEC part of GET /api/explain: for a name in a signed zone, whether
// the answer is signed, by which key and until when. The signatures listed
// are those of the query path's own answer to the same question with DO=1
// (asked with a private rotation table, as explain asks everything), so they
// cannot drift from what a validating resolver gets. Control threads only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "dnsd/query/snapshot.h"
#include "zones/name.h"

namespace dnsd {

/// The "dnssec" object of GET /api/explain (CONTROL_API.md) for `qname`
/// `qtype` answered from zone `zone_index` of `snapshot`; null when that
/// zone's version is unsigned. `pool_rrset` is the global index of the pool
/// RRset that answers (zones::kNone for none): its rotation windows are
/// counted.
nlohmann::json explain_dnssec(const Snapshot& snapshot, uint32_t zone_index, const zones::Name& qname,
                              uint16_t qtype, uint32_t pool_rrset);

}  // namespace dnsd
