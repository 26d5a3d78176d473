// GET /api/explain and `dnsd ctl explain NAME [TYPE]`: why a name answers what
// it does. The answer comes from process_query on the live snapshot (with a
// private rotation table, so no worker's rotation moves), the zone from the
// answering_zone it calls, the rule from the select_members the workers call,
// the member details from the health table:
// explain cannot drift from the query path because it is the query path.
// Control threads only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dnsd/control/pool_report.h"
#include "dnsd/query/snapshot.h"

namespace dnsd {

/// Parses a type given as a mnemonic ("A", "aaaa", "TYPE65") or a number
/// ("28"). False for anything else. Any thread.
bool parse_rrtype(std::string_view text, uint16_t& out);

/// Explains `name` (presentation form; a missing trailing dot is implied) of
/// type `qtype` against `zones` at wall-clock `now_ms`, into `out` (shape:
/// CONTROL_API.md, "GET /api/explain"). False with `error` set for a name
/// that is not a valid domain name.
bool explain_name(const Snapshot& snapshot, const HealthIndex& health, std::string_view name, uint16_t qtype,
                  uint64_t now_ms, nlohmann::json& out, std::string& error);

/// Worst-case milliseconds from a member's death to its last probe failing:
/// the probe after a success comes one interval later (+10% jitter), the
/// remaining fall-1 at the fast interval (+10%), and each may take the timeout.
/// Pure.
uint64_t worst_case_detection_ms(const zones::CheckSpec& check);

}  // namespace dnsd
