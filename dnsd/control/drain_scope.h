// Which pool members a drain or undrain request (admin_request.h) covers in a
// published zone set, which other pools hold the same address, and the 404
// message when it covers nothing. A server stops being safe to stop only
// when no pool of any zone serves its address, so a drain of one pool has to
// know about the others. Pure functions of the zones; control threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnsd/control/admin_request.h"
#include "zones/zone_set.h"

namespace dnsd {

/// One member of one pool of one zone of a ZoneSet, by index.
struct PoolMemberRef {
  uint32_t zone = 0, pool = 0, member = 0;
};

/// The members the request names: its address in the named pool (in its
/// zone, or every zone), or in every pool of every zone when it names no pool.
std::vector<PoolMemberRef> requested_members(const zones::ZoneSet& zones, const AdminRequest& request);

/// Members with the request's address in pools the request does not name:
/// other pool names, and the named pool in zones the request leaves out.
/// Empty for an address-wide request (it names every pool).
std::vector<PoolMemberRef> other_pool_members(const zones::ZoneSet& zones, const AdminRequest& request);

/// Why requested_members() found nothing, as the 404 says it: "no such zone:
/// Z", "no such pool: P" (" in zone Z"), "pool P has no member A" (" in zone
/// Z"), or "no pool of any zone has a member A".
std::string no_member_error(const zones::ZoneSet& zones, const AdminRequest& request);

}  // namespace dnsd
