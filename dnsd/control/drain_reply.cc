#include "dnsd/control/drain_reply.h"

#include <algorithm>
#include <string>

#include "dnsd/control/iso_time.h"
#include "dnsd/control/pool_report.h"
#include "health/member_status.h"

namespace dnsd {

using nlohmann::json;

namespace {

/// One member as the reply lists it.
json member_entry(const zones::Zone& zone, const zones::Pool& pool, uint32_t member, const MemberReport& report) {
  return {{"zone", zone.origin_text()},
          {"pool", pool.name},
          {"address", pool.members[member].address_text},
          {"state", member_state_name(pool, report)},
          {"admin", report.admin == health::AdminState::Drain ? "drain" : "auto"},
          {"serving", report.serving}};
}

std::string pool_text(const zones::Zone& zone, const zones::Pool& pool) {
  return "pool " + pool.name + " of " + zone.origin_text();
}

void add_to_list(std::string& list, const std::string& item) { list += (list.empty() ? "" : ", ") + item; }

}  // namespace

json drain_reply(const Snapshot& snapshot, const std::vector<PoolMemberRef>& matches, const AdminRequest& request,
                 bool drain, bool persisted, uint64_t now_ms, const DrainedSince& drained_since) {
  const zones::ZoneSet& zones = *snapshot.zones;
  const HealthIndex no_details;
  json members = json::array();
  json other_pools = json::array();
  std::string served_here, served_elsewhere;  // "pool web of a.test., ..."
  uint32_t max_ttl = 0;
  uint64_t since = 0;  // the latest time any member involved stopped being served
  bool still_serving = false;

  for (const PoolMemberRef& ref : matches) {
    const zones::Zone& zone = zones.zone(ref.zone);
    const zones::Pool& pool = zone.pool(ref.pool);
    const MemberReport report = report_pool(pool, snapshot.health->pool(ref.zone, ref.pool), no_details)
                                    .members[ref.member];
    members.push_back(member_entry(zone, pool, ref.member, report));
    if (report.serving) add_to_list(served_here, pool_text(zone, pool));
    still_serving |= report.serving;
    max_ttl = std::max(max_ttl, pool_max_ttl(zone, ref.pool));
    if (drain) since = std::max(since, drained_since(zone, pool, ref.member, report.serving));
  }
  for (const PoolMemberRef& ref : other_pool_members(zones, request)) {
    const zones::Zone& zone = zones.zone(ref.zone);
    const zones::Pool& pool = zone.pool(ref.pool);
    const MemberReport report = report_pool(pool, snapshot.health->pool(ref.zone, ref.pool), no_details)
                                    .members[ref.member];
    other_pools.push_back(member_entry(zone, pool, ref.member, report));
    if (report.serving) add_to_list(served_elsewhere, pool_text(zone, pool));
    // Resolvers may hold the address from any pool that handed it out: its TTL counts too.
    max_ttl = std::max(max_ttl, pool_max_ttl(zone, ref.pool));
    if (drain && report.admin == health::AdminState::Drain && !report.serving)
      since = std::max(since, drained_since(zone, pool, ref.member, false));
  }

  json out{{"zone", request.zone.empty() ? json(nullptr) : json(request.zone)},
           {"pool", request.every_pool() ? json(nullptr) : json(request.pool)},
           {"all_pools", request.every_pool()},
           {"address", request.address},
           {"admin", drain ? "drain" : "auto"},
           {"changed", false},
           {"persisted", persisted},
           {"members", members},
           {"other_pools", other_pools},
           {"drained_since", nullptr},
           {"drained_since_ms", nullptr},
           {"max_ttl_s", nullptr},
           {"safe_after", nullptr},
           {"safe_after_ms", nullptr},
           {"safe_in_s", nullptr},
           {"still_serving", drain && still_serving},
           {"warning", nullptr}};
  if (!drain) return out;
  if (since == 0) since = now_ms;
  out["drained_since"] = iso_time(since);
  out["drained_since_ms"] = since;
  out["max_ttl_s"] = max_ttl;
  std::string warning;
  if (still_serving)
    warning = request.address + " is still being served by " + served_here +
              ": no other member there is up, so the drained member answers rather than nothing. "
              "Not safe to stop it yet.";
  if (!served_elsewhere.empty())
    warning += (warning.empty() ? "" : " ") + request.address + " is still served by " + served_elsewhere +
               ", which this drain does not cover: not safe to stop the server. Drain it in every pool with "
               "`dnsd ctl drain " + request.address + "`.";
  if (!warning.empty()) {
    out["warning"] = warning;
    return out;
  }
  const uint64_t safe = since + uint64_t(max_ttl) * 1000;
  out["safe_after"] = iso_time(safe);
  out["safe_after_ms"] = safe;
  out["safe_in_s"] = double(safe > now_ms ? safe - now_ms : 0) / 1000.0;
  return out;
}

}  // namespace dnsd
