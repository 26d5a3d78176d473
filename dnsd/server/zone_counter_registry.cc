#include "dnsd/server/zone_counter_registry.h"

namespace dnsd {

std::vector<std::shared_ptr<ZoneCounters>> ZoneCounterRegistry::for_zones(const zones::ZoneSet& set) {
  std::map<std::string, std::shared_ptr<ZoneQueryCounters>> zones;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<PoolDownCounters>> pools;
  std::vector<std::shared_ptr<ZoneCounters>> out;
  out.reserve(set.size());
  for (uint32_t z = 0; z < set.size(); ++z) {
    const zones::Zone& zone = set.zone(z);
    const std::string origin = zone.origin_text();
    auto& zone_counters = zones[origin];
    if (!zone_counters) {
      auto old = zones_.find(origin);
      zone_counters = old != zones_.end() ? old->second : std::make_shared<ZoneQueryCounters>(workers_);
    }
    std::vector<std::shared_ptr<PoolDownCounters>> by_pool;
    by_pool.reserve(zone.pools().size());
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      const auto key = std::make_pair(origin, zone.pool(p).name);
      auto& pool_counters = pools[key];
      if (!pool_counters) {
        auto old = pools_.find(key);
        pool_counters = old != pools_.end() ? old->second : std::make_shared<PoolDownCounters>(workers_);
      }
      by_pool.push_back(pool_counters);
    }
    out.push_back(std::make_shared<ZoneCounters>(zone_counters, std::move(by_pool), workers_));
  }
  zones_ = std::move(zones);
  pools_ = std::move(pools);
  return out;
}

}  // namespace dnsd
