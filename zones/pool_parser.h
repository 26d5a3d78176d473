// Reads the "pools" section of a zone file into zones::Pool values (format:
// zones/FORMAT.md, "Pools"), and ties validated pools to live health state.
// Loader thread only.
#pragma once

#include <string>
#include <vector>

#include "zones/json_fields.h"
#include "zones/pool.h"

namespace dnsd::zones {

/// Most members one pool may have; health::kMaxPoolMembers relies on it.
inline constexpr size_t kMaxPoolMembersInFile = 1024;
/// Most addresses one pool answer may carry; health::kMaxAnswers relies on it.
inline constexpr int64_t kMaxPoolAnswers = 64;

/// Parses the object `pools` found at `pointer` (normally "/pools"). Appends
/// every pool that parsed, in key order, to `out`; reports all errors to ctx.
/// Leaves health and admin unbound (see bind_pool_state).
void parse_pools(const Json& pools, const std::string& pointer, std::vector<Pool>& out, LoadContext& ctx);

/// Parses one "check" object. Absent check (a null `check`) means type "none".
CheckSpec parse_check(const Json& check, const std::string& pointer, LoadContext& ctx);

/// Gives every member of `pool` its MemberHealth and MemberAdmin, from the
/// hooks in `options` or, when a hook is unset, fresh state. Fresh health of a
/// "none" check starts Up, since nothing will ever probe it. Call only for a
/// file that loaded without errors, so a broken file never registers probes.
void bind_pool_state(Pool& pool, const std::string& zone, const LoadOptions& options);

/// Whether the pool has at least one member of address family 4 or 6.
bool pool_has_family(const Pool& pool, uint8_t family);

}  // namespace dnsd::zones
