#include "dnsd/control/drain_scope.h"

#include "health/check.h"
#include "health/drain_table.h"

namespace dnsd {

namespace {

bool zone_named(const zones::Zone& zone, const AdminRequest& request) {
  return request.zone.empty() || health::normalized_zone(zone.origin_text()) == request.zone;
}

/// Every member holding the request's address in a pool `wanted` accepts.
template <typename Wanted>
std::vector<PoolMemberRef> members_with_address(const zones::ZoneSet& zones, const AdminRequest& request,
                                                Wanted wanted) {
  std::vector<PoolMemberRef> out;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      if (!wanted(zone, zone.pool(p))) continue;
      const auto& members = zone.pool(p).members;
      for (uint32_t m = 0; m < members.size(); ++m)
        if (health::canonical_address(members[m].address_text) == request.address) out.push_back({z, p, m});
    }
  }
  return out;
}

}  // namespace

std::vector<PoolMemberRef> requested_members(const zones::ZoneSet& zones, const AdminRequest& request) {
  return members_with_address(zones, request, [&](const zones::Zone& zone, const zones::Pool& pool) {
    return request.every_pool() || (pool.name == request.pool && zone_named(zone, request));
  });
}

std::vector<PoolMemberRef> other_pool_members(const zones::ZoneSet& zones, const AdminRequest& request) {
  if (request.every_pool()) return {};
  return members_with_address(zones, request, [&](const zones::Zone& zone, const zones::Pool& pool) {
    return !(pool.name == request.pool && zone_named(zone, request));
  });
}

std::string no_member_error(const zones::ZoneSet& zones, const AdminRequest& request) {
  if (request.every_pool()) return "no pool of any zone has a member " + request.address_text;
  const std::string in_zone = request.zone.empty() ? "" : " in zone " + request.zone;
  bool zone_found = false, pool_found = false;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    if (!zone_named(zone, request)) continue;
    zone_found = true;
    for (const zones::Pool& pool : zone.pools()) pool_found |= pool.name == request.pool;
  }
  if (!zone_found) return "no such zone: " + request.zone;
  if (!pool_found) return "no such pool: " + request.pool + in_zone;
  return "pool " + request.pool + " has no member " + request.address_text + in_zone;
}

}  // namespace dnsd
