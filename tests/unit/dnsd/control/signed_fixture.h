// A signed zone served as the server serves it: keys in a temporary key
// directory, a SigningService on a fake clock, and a snapshot whose version
// the versioner signed. For the control plane's DNSSEC reports (explain,
// metrics). Test thread only.
#pragma once

#include <doctest.h>

#include <memory>
#include <string>

#include "dnsd/query/snapshot.h"
#include "dnsd/server/signing_service.h"
#include "dnsd/xfr/versioner.h"
#include "tests/unit/temp_dir.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::test {

/// signed.test.: static records, a NODATA name, and a pool of five members
/// that answers two at a time (five rotation windows, each signed).
inline constexpr const char* kSignedControlZone = R"({
  "origin": "signed.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 3, "minimum": 60},
  "dnssec": {"signature_validity": 1209600, "signature_refresh": 259200},
  "pools": {"big": {"ttl": 20, "max_answers": 2,
                    "members": ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]}},
  "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": "192.0.2.80"},
              "api": {"A": {"pool": "big"}}}
})";

/// The signed zone, its signing service and a snapshot of its first version.
struct SignedServing {
  TempDir keys;
  int64_t now = 1'800'000'000;
  SigningService signing{(keys.path / "keys").string(), 1, [this] { return now; }};
  xfr::Versioner versioner{"", {}, [this] { return uint64_t(now) * 1000; }};
  std::shared_ptr<const Snapshot> snapshot;

  SignedServing() {
    zones::LoadResult r = zones::load_zone_json(kSignedControlZone, "signed.test.json");
    REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? "" : r.errors[0].to_string()));
    auto set = std::make_shared<const zones::ZoneSet>(std::vector<std::shared_ptr<const zones::Zone>>{r.zone},
                                                      std::vector<zones::ZoneSource>{{"signed.test.json"}});
    versioner.set_signing(&signing);
    auto health = health::HealthView::unbound(*set);
    const xfr::Advance advance = versioner.advance(*set, *health, nullptr);
    REQUIRE(advance.signing_errors.empty());
    snapshot = std::make_shared<const Snapshot>(set, health, 1, nullptr, advance.versions);
    REQUIRE(snapshot->versions[0]->signatures);
  }
  /// The tag of the key that signs the zone.
  uint16_t zone_key_tag() const { return snapshot->versions[0]->signatures->zone->key_tag(); }
};

}  // namespace dnsd::test
