// Which members a drain request covers, which other pools hold the address,
// and the distinct 404 messages for an unknown zone, pool or member.
#include "dnsd/control/drain_scope.h"

#include <doctest.h>

#include <set>
#include <string>
#include <tuple>

#include "tests/unit/dnsd/control/drain_zones.h"

using dnsd::AdminRequest;

namespace {

AdminRequest request(const char* body) {
  AdminRequest r;
  std::string error;
  REQUIRE_MESSAGE(dnsd::parse_admin_request(body, r, error), error);
  return r;
}

/// "zone/pool/address" of each member.
std::set<std::string> names(const dnsd::zones::ZoneSet& zones, const std::vector<dnsd::PoolMemberRef>& refs) {
  std::set<std::string> out;
  for (const auto& ref : refs) {
    const auto& zone = zones.zone(ref.zone);
    const auto& pool = zone.pool(ref.pool);
    out.insert(zone.origin_text() + "/" + pool.name + "/" + pool.members[ref.member].address_text);
  }
  return out;
}

}  // namespace

TEST_CASE("drain scope: a pool request covers that pool in every zone, or in its zone; the rest are other pools") {
  const auto snapshot = dnsd::test::drain_snapshot();
  const auto& zones = *snapshot->zones;

  const AdminRequest web = request(R"({"pool": "web", "address": "192.0.2.1"})");
  CHECK(names(zones, requested_members(zones, web)) == std::set<std::string>{"a.test./web/192.0.2.1",
                                                                             "b.test./web/192.0.2.1"});
  CHECK(names(zones, other_pool_members(zones, web)) == std::set<std::string>{"a.test./api/192.0.2.1"});

  const AdminRequest web_a = request(R"({"pool": "web", "address": "192.0.2.1", "zone": "A.test"})");
  CHECK(names(zones, requested_members(zones, web_a)) == std::set<std::string>{"a.test./web/192.0.2.1"});
  CHECK(names(zones, other_pool_members(zones, web_a)) ==
        std::set<std::string>{"a.test./api/192.0.2.1", "b.test./web/192.0.2.1"});

  const AdminRequest solo = request(R"({"pool": "solo", "address": "192.0.2.50"})");
  CHECK(requested_members(zones, solo).size() == 1);
  CHECK(other_pool_members(zones, solo).empty());
}

TEST_CASE("drain scope: an address request covers every pool of every zone and leaves no other pool") {
  const auto snapshot = dnsd::test::drain_snapshot();
  const auto& zones = *snapshot->zones;
  const AdminRequest everywhere = request(R"({"address": "192.0.2.1"})");
  CHECK(names(zones, requested_members(zones, everywhere)) ==
        std::set<std::string>{"a.test./web/192.0.2.1", "a.test./api/192.0.2.1", "b.test./web/192.0.2.1"});
  CHECK(other_pool_members(zones, everywhere).empty());
}

TEST_CASE("drain scope: an unknown zone, pool, member or address each get their own 404 message") {
  const auto snapshot = dnsd::test::drain_snapshot();
  const auto& zones = *snapshot->zones;
  struct Case {
    const char* body;
    const char* error;
  };
  for (const Case& c : {
           Case{R"({"pool": "nosuch", "address": "1.2.3.4"})", "no such pool: nosuch"},
           Case{R"({"pool": "nosuch", "address": "1.2.3.4", "zone": "a.test"})", "no such pool: nosuch in zone a.test."},
           Case{R"({"pool": "solo", "address": "192.0.2.1", "zone": "b.test"})", "no such pool: solo in zone b.test."},
           Case{R"({"pool": "web", "address": "1.2.3.4"})", "pool web has no member 1.2.3.4"},
           Case{R"({"pool": "web", "address": "1.2.3.4", "zone": "b.test."})",
                "pool web has no member 1.2.3.4 in zone b.test."},
           Case{R"({"pool": "web", "address": "192.0.2.1", "zone": "c.test"})", "no such zone: c.test."},
           Case{R"({"address": "1.2.3.4"})", "no pool of any zone has a member 1.2.3.4"},
       }) {
    CAPTURE(c.body);
    const AdminRequest r = request(c.body);
    CHECK(requested_members(zones, r).empty());
    CHECK(no_member_error(zones, r) == c.error);
  }
}
