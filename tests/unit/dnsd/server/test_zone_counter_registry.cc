// The registry keeps a zone's counters across reloads by origin (and a
// pool's by origin and name), and forgets zones and pools a reload removed.
#include "dnsd/server/zone_counter_registry.h"

#include <doctest.h>

#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

std::shared_ptr<const zones::ZoneSet> set_of(std::vector<std::string> origins) {
  std::vector<std::shared_ptr<const zones::Zone>> zones;
  for (const std::string& origin : origins)
    zones.push_back(test::zone_from_lines(origin, {"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60", "@ 300 IN NS ns1"}));
  return std::make_shared<zones::ZoneSet>(zones);
}

/// The counters of `origin` in `counters`, built for `set`.
std::shared_ptr<ZoneCounters> of(const zones::ZoneSet& set, const std::vector<std::shared_ptr<ZoneCounters>>& counters,
                                 const std::string& origin) {
  for (uint32_t z = 0; z < set.size(); ++z)
    if (set.zone(z).origin_text() == origin) return counters.at(z);
  FAIL("no zone " << origin);
  return nullptr;
}

QueryResult answer() {
  QueryResult r;
  r.action = QueryAction::Respond;
  r.zone = 0;
  return r;
}

}  // namespace

TEST_CASE("counters survive a reload that keeps the zone, and restart once it was removed") {
  ZoneCounterRegistry registry(1);
  const auto set1 = set_of({"a.test.", "b.test."});
  auto first = registry.for_zones(*set1);
  REQUIRE(first.size() == 2);
  of(*set1, first, "a.test.")->record(0, Transport::Udp, answer());
  of(*set1, first, "b.test.")->record(0, Transport::Udp, answer());

  const auto set2 = set_of({"c.test.", "a.test."});  // b removed, c added
  auto second = registry.for_zones(*set2);
  REQUIRE(second.size() == 2);
  CHECK(of(*set2, second, "a.test.")->totals().queries[0] == 1);  // kept its count
  CHECK(of(*set2, second, "c.test.")->totals().queries[0] == 0);
  of(*set2, second, "a.test.")->record(0, Transport::Udp, answer());
  // A worker still on the old snapshot counts into the same block.
  CHECK(of(*set1, first, "a.test.")->totals().queries[0] == 2);

  const auto set3 = set_of({"a.test.", "b.test."});
  auto third = registry.for_zones(*set3);
  CHECK(of(*set3, third, "a.test.")->totals().queries[0] == 2);
  CHECK(of(*set3, third, "b.test.")->totals().queries[0] == 0);  // forgotten when it left
}
