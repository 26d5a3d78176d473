#include "dnsd/control/control_status.h"

#include <algorithm>

#include "dnsd/control/iso_time.h"

namespace dnsd {

using nlohmann::json;

void ZoneLoadTimes::observe(const zones::ZoneSet& set, uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::shared_ptr<const zones::Zone>, uint64_t>> next;
  for (uint32_t i = 0; i < set.size(); ++i) {
    const auto& zone = set.zone_ptr(i);
    uint64_t at = at_ms;
    for (const auto& [seen, when] : seen_)
      if (seen == zone) at = when;
    next.emplace_back(zone, at);
  }
  seen_ = std::move(next);
}

uint64_t ZoneLoadTimes::loaded_at(const zones::Zone& zone) const {
  std::lock_guard lock(mutex_);
  for (const auto& [seen, when] : seen_)
    if (seen.get() == &zone) return when;
  return 0;
}

namespace {

json error_json(const zones::LoadError& e) {
  return json{{"file", e.file}, {"pointer", e.pointer}, {"message", e.message}, {"text", e.to_string()}};
}

json pools_json(const Snapshot& snapshot, const HealthIndex& health, uint64_t now_ms) {
  const zones::ZoneSet& zones = *snapshot.zones;
  json pools = json::array();
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    const std::string origin = zone.origin_text();
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      const zones::Pool& pool = zone.pool(p);
      const PoolReport report = report_pool(pool, snapshot.health->pool(z, p), health);
      json j = pool_config_json(origin, pool);
      j["names"] = pool_owner_names(zone, p);
      json selection = json::object();
      for (const FamilyRule& fr : report.rules) {
        json serving = json::array();
        for (size_t i = 0; i < pool.members.size(); ++i)
          if (pool.members[i].family == fr.family && report.members[i].serving)
            serving.push_back(pool.members[i].address_text);
        selection[family_rrtype(fr.family)] = {{"rule", health::rule_name(fr.rule)}, {"serving", serving}};
      }
      j["selection"] = selection;
      json members = json::array();
      for (size_t i = 0; i < pool.members.size(); ++i) members.push_back(member_json(pool, i, report.members[i], now_ms));
      j["members"] = members;
      pools.push_back(j);
    }
  }
  return pools;
}

}  // namespace

json reload_json(const ReloadReport& report, uint64_t at_ms, double duration_ms) {
  json kept = json::array();
  for (const KeptZone& k : report.kept) kept.push_back({{"file", k.file}, {"origin", k.origin}, {"serial", k.serial}});
  json errors = json::array();
  for (const zones::LoadError& e : report.errors) errors.push_back(error_json(e));
  return json{{"ok", reload_ok(report)},
              {"published", report.published},
              {"at", iso_time(at_ms)},
              {"at_ms", at_ms},
              {"duration_ms", duration_ms},
              {"files", report.files},
              {"loaded", report.loaded},
              {"unchanged", report.unchanged},
              {"new_targets", report.new_targets},
              {"new_unprobed", report.new_unprobed},
              {"failed", report.failed},
              {"zones", report.zones},
              {"kept", kept},
              {"errors", errors}};
}

json status_json(const Snapshot& snapshot, const ReloadHistory& history, const ZoneLoadTimes& times,
                 const HealthIndex& health, const ServerInfo& info, uint64_t now_ms, const TransferInputs* transfer) {
  const zones::ZoneSet& zones = *snapshot.zones;
  json server{{"version", DNSD_VERSION},
              {"started", iso_time(info.started_ms)},
              {"started_ms", info.started_ms},
              {"uptime_s", double(now_ms > info.started_ms ? now_ms - info.started_ms : 0) / 1000.0},
              {"zones_path", info.zones_path},
              {"listen", info.listen},
              {"threads", info.threads},
              {"health", info.health},
              {"state_dir", info.state_dir.empty() ? json(nullptr) : json(info.state_dir)}};
  json writes = json::object();
  for (const health::StateWriteStatus& w : info.state_writes) {
    const bool any = w.last_error_ms != 0;
    writes[w.file] = {{"errors", w.errors},
                      {"failing", w.failing},
                      {"last_error", any ? json(w.last_error) : json(nullptr)},
                      {"last_error_at", any ? json(iso_time(w.last_error_ms)) : json(nullptr)},
                      {"last_error_ms", any ? json(w.last_error_ms) : json(nullptr)}};
  }
  server["state_writes"] = writes;

  const bool loaded = history.last_at_ms != 0;
  json zone_list = json::array();
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    const std::string& file = zones.source(z).file;
    json errors = json::array();
    bool stale = false;
    if (loaded) {
      for (const zones::LoadError& e : history.last.errors)
        if (e.file == file) errors.push_back(error_json(e));
      stale = std::any_of(history.last.kept.begin(), history.last.kept.end(),
                          [&file](const KeptZone& k) { return k.file == file; });
    }
    const uint64_t at = times.loaded_at(zone);
    json entry = {{"origin", zone.origin_text()},
                  {"file", file},
                  {"loaded", at ? json(iso_time(at)) : json(nullptr)},
                  {"loaded_ms", at ? json(at) : json(nullptr)},
                  {"stale", stale},
                  {"errors", errors}};
    entry.update(zone_transfer_json(snapshot, z));  // "serial" is the served version's
    zone_list.push_back(std::move(entry));
  }
  std::sort(zone_list.begin(), zone_list.end(),
            [](const json& a, const json& b) { return a["origin"].get<std::string>() < b["origin"].get<std::string>(); });

  return json{{"version", 1},
              {"now", iso_time(now_ms)},
              {"now_ms", now_ms},
              {"server", server},
              {"reloads", {{"ok", history.ok}, {"failed", history.failed}}},
              {"last_reload", loaded ? reload_json(history.last, history.last_at_ms, history.last_duration_ms)
                                     : json(nullptr)},
              {"zones", zone_list},
              {"pools", pools_json(snapshot, health, now_ms)},
              {"secondaries", transfer ? secondaries_json(snapshot, *transfer, now_ms) : json::array()}};
}

}  // namespace dnsd
