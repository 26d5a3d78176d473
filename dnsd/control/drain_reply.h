// The reply to POST /api/drain and /api/undrain (CONTROL_API.md): the members
// the request covers as the query path treats them now, the other pools that
// hold the same address, and, for a drain, whether and when stopping the
// server is safe. A pure function of the snapshot and the drain times the
// caller knows, so the rules are tested without an HTTP server. Control
// threads.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "dnsd/control/admin_request.h"
#include "dnsd/control/drain_scope.h"
#include "dnsd/query/snapshot.h"

namespace dnsd {

/// When a drained member of `pool` in `zone` stopped being served, in Unix
/// ms; `serving` says whether it is served right now (the answer then does
/// not matter, and the caller may note it for next time).
using DrainedSince =
    std::function<uint64_t(const zones::Zone& zone, const zones::Pool& pool, uint32_t member, bool serving)>;

/// The reply body. `matches` are requested_members(request); other pools are
/// found here. The drained_since_ms reported is the latest of the members
/// drained (and of other pools' runtime-drained members not served), and
/// max_ttl_s the longest TTL of every pool holding the address; safe_after is
/// their sum, and null with a warning while any pool still serves the
/// address. "changed" is false and "persisted" as given.
nlohmann::json drain_reply(const Snapshot& snapshot, const std::vector<PoolMemberRef>& matches,
                           const AdminRequest& request, bool drain, bool persisted, uint64_t now_ms,
                           const DrainedSince& drained_since);

}  // namespace dnsd
