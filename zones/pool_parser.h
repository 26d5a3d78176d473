// Reads the "pools" section of a zone file into zones::Pool values (format:
// zones/FORMAT.md, "Pools"); pools are configuration only.
// Loader thread only.
#pragma once

#include <string>
#include <vector>

#include "zones/json_fields.h"
#include "zones/pool.h"

namespace dnsd::zones {


/// Parses the object `pools` found at `pointer` (normally "/pools"). Appends
/// every pool that parsed, in key order, to `out`; reports all errors to ctx.
void parse_pools(const Json& pools, const std::string& pointer, std::vector<Pool>& out, LoadContext& ctx);

/// Parses one "check" object. Absent check (a null `check`) means type "none".
CheckSpec parse_check(const Json& check, const std::string& pointer, LoadContext& ctx);

/// Whether the pool has at least one member of address family 4 or 6.
bool pool_has_family(const Pool& pool, uint8_t family);

}  // namespace dnsd::zones
