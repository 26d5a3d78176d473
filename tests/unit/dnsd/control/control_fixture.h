// A small zone with pools, loaded from JSON in memory, shared by the control
// API's unit tests (pool report, status, explain, metrics).
#pragma once

#include <doctest.h>

#include <memory>
#include <string>

#include "dnsd/query/snapshot.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::test {

inline constexpr const char* kControlZone = R"({
  "origin": "ctl.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7, "refresh": 3600, "retry": 600,
          "expire": 86400, "minimum": 60},
  "pools": {
    "web": {"ttl": 20, "members": ["192.0.2.1", "192.0.2.2", {"address": "192.0.2.9", "backup": true},
                                    {"address": "192.0.2.4", "state": "drain"}, "2001:db8::1"]},
    "dead": {"ttl": 5, "members": ["127.0.1.1"],
             "check": {"type": "tcp", "port": 9, "interval": 1, "fast_interval": 0.25, "timeout": 0.25, "fall": 2}}
  },
  "records": {
    "@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"},
    "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web"}},
    "www2": {"A": {"pool": "web", "ttl": 120}},
    "alias": {"CNAME": "www"},
    "dead": {"A": {"pool": "dead"}},
    "static": {"A": ["192.0.2.100", "192.0.2.101"]},
    "*.wild": {"A": "192.0.2.99"}
  }
})";

/// kControlZone as a one-zone ZoneSet whose file is "ctl.test.json". Members
/// get fresh health state: check none is up, the tcp member unknown.
inline std::shared_ptr<const zones::ZoneSet> control_zone_set() {
  zones::LoadResult r = zones::load_zone_json(kControlZone, "ctl.test.json");
  REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  return std::make_shared<const zones::ZoneSet>(std::vector<std::shared_ptr<const zones::Zone>>{r.zone},
                                                std::vector<zones::ZoneSource>{{"ctl.test.json"}});
}

/// control_zone_set() as a Snapshot with private member state (HealthView::unbound).
inline std::shared_ptr<const Snapshot> control_snapshot() { return Snapshot::standalone(control_zone_set()); }

/// Index of pool `name` in `zone`.
inline uint32_t pool_index(const zones::Zone& zone, const std::string& name) {
  for (uint32_t i = 0; i < zone.pools().size(); ++i)
    if (zone.pool(i).name == name) return i;
  FAIL("no pool " << name);
  return 0;
}

}  // namespace dnsd::test
