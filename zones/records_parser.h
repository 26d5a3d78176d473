// Reads the "records" section of a zone file: owner names, RRsets and their
// data in wire form, with the per-owner rules (CNAME alone, DS at cuts) checked
// here and the zone-wide ones (apex NS) left to the loader. Loader thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "zones/json_fields.h"
#include "zones/name.h"
#include "zones/pool.h"

namespace dnsd::zones {

/// One RRset as read from the file: static records, or a reference to a pool.
struct ParsedRRset {
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<std::string> rdatas;  ///< uncompressed wire rdata, no duplicates
  uint32_t pool = UINT32_MAX;       ///< index into the parsed pools, or UINT32_MAX for static data
  std::string pointer;              ///< where it is in the file
};

/// One owner name with its RRsets.
struct ParsedOwner {
  Name name;  ///< absolute, case as written
  std::string pointer;
  std::vector<ParsedRRset> rrsets;     ///< the RRsets whose data parsed
  std::vector<uint16_t> types_given;   ///< every valid type key, even if its data failed
  /// The RRset of `type`, or nullptr.
  const ParsedRRset* find(uint16_t type) const;
};

/// What parsing the records needs from the rest of the file.
struct RecordsInput {
  Name origin;                     ///< completes relative names
  bool origin_valid = true;        ///< false: origin was bad; skip "outside the origin" checks
  uint32_t default_ttl = 3600;     ///< the zone's "ttl"
  const std::vector<Pool>* pools = nullptr;  ///< pools that parsed
  const Json* declared_pools = nullptr;      ///< the raw "pools" object, to tell "unknown" from "broken"
  const std::atomic<bool>* cancel = nullptr;  ///< LoadOptions::cancel: stop between owners when set
};

/// Parses the object `records` found at `pointer`. Returns every owner whose
/// name parsed, in key order, with the RRsets that parsed; reports all errors
/// to ctx (the caller builds nothing when there are any).
std::vector<ParsedOwner> parse_records(const Json& records, const std::string& pointer, const RecordsInput& input,
                                       LoadContext& ctx);

}  // namespace dnsd::zones
