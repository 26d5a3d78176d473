// Two zones sharing an address across pools, for the drain scope and reply
// tests: 192.0.2.1 is in web and api of a.test. and in web of b.test.
#pragma once

#include <doctest.h>

#include <memory>
#include <string>

#include "dnsd/query/snapshot.h"
#include "health/member_state.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::test {

inline constexpr const char* kDrainZoneA = R"({
  "origin": "a.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "h", "serial": 1, "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 60},
  "pools": {
    "web": {"ttl": 20, "members": ["192.0.2.1", "192.0.2.2"]},
    "api": {"ttl": 60, "members": ["192.0.2.1", "192.0.2.3"]},
    "solo": {"ttl": 10, "members": ["192.0.2.50"]}
  },
  "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"},
              "www": {"A": {"pool": "web"}}, "api": {"A": {"pool": "api", "ttl": 90}},
              "solo": {"A": {"pool": "solo"}}}
})";

inline constexpr const char* kDrainZoneB = R"({
  "origin": "b.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "h", "serial": 1, "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 60},
  "pools": {"web": {"ttl": 30, "members": ["192.0.2.1", "192.0.2.5"]}},
  "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": {"pool": "web"}}}
})";

/// a.test. (zone 0) and b.test. (zone 1) with private member state: every member up (check none).
inline std::shared_ptr<const Snapshot> drain_snapshot() {
  std::vector<std::shared_ptr<const zones::Zone>> zones;
  std::vector<zones::ZoneSource> sources;
  for (const char* text : {kDrainZoneA, kDrainZoneB}) {
    zones::LoadResult r = zones::load_zone_json(text, "zone.json");
    REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? "" : r.errors[0].to_string()));
    zones.push_back(r.zone);
    sources.push_back({"zone.json"});
  }
  auto snapshot = Snapshot::standalone(std::make_shared<const zones::ZoneSet>(std::move(zones), std::move(sources)));
  for (uint32_t z = 0; z < snapshot->zones->size(); ++z) {
    const zones::Zone& zone = snapshot->zones->zone(z);
    for (uint32_t p = 0; p < zone.pools().size(); ++p)
      for (size_t m = 0; m < zone.pool(p).members.size(); ++m)
        snapshot->health->health_of(z, p, m)->state.store(uint8_t(health::HealthState::Up));
  }
  return snapshot;
}

}  // namespace dnsd::test
