// Zones with pools for the transfer plane's tests, loaded from zone JSON the
// way operators write it, and a view whose member states tests set directly.
#pragma once

#include <doctest.h>

#include <memory>
#include <string>

#include "dnsd/query/snapshot.h"
#include "health/health_view.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::test {

/// A zone "example.test." with static records and a pool "web" of three IPv4
/// members (check type none) behind "www", serial `serial`, extra records
/// JSON `extra` (e.g. `, "txt": {"TXT": "x"}`) and pool options `pool_extra`.
inline std::shared_ptr<const zones::Zone> pool_zone(uint32_t serial = 1, const std::string& extra = "",
                                                    const std::string& pool_extra = "", const std::string& top = "") {
  const std::string text = R"({"origin": "example.test.", "ttl": 300)" + top + R"(,
      "soa": {"mname": "ns1", "rname": "hostmaster", "serial": )" + std::to_string(serial) + R"(},
      "pools": {"web": {"members": ["192.0.2.1", "192.0.2.2", "192.0.2.3"], "max_answers": 1)" +
                           pool_extra + R"(}},
      "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": {"pool": "web"}})" + extra + "}}";
  const zones::LoadResult r = zones::load_zone_json(text, "test.json");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.zone, errors);
  return r.zone;
}

/// One zone in a set.
inline std::shared_ptr<const zones::ZoneSet> set_of(std::shared_ptr<const zones::Zone> zone) {
  return std::make_shared<const zones::ZoneSet>(std::vector{std::move(zone)});
}

/// Sets member `m` of pool 0 of zone 0 to `state`.
inline void set_member(const health::HealthView& view, size_t m, health::HealthState state) {
  view.health_of(0, 0, m)->state.store(uint8_t(state), std::memory_order_relaxed);
}

}  // namespace dnsd::test
