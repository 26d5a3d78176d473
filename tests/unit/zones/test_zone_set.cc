// ZoneSet: finding the most specific zone for a name (longest suffix), the
// parent-side lookup a DS query at an apex needs, misses, duplicate origins,
// many zones, and the rotation slots each zone gets in the shared counters.
#include <doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/zone_fixture.h"
#include "zones/zone_set.h"

using namespace dnsd::zones;

namespace {

// A minimal zone at `origin`, plus `lines`.
std::shared_ptr<const Zone> zone_at(const std::string& origin, std::vector<std::string> lines = {}) {
  lines.insert(lines.begin(), {"@ 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "@ 300 IN NS ns1"});
  return dnsd::test::zone_from_lines(origin, lines);
}

uint32_t find_zone(const ZoneSet& set, const std::string& name, size_t first_skip = 0) {
  Name wire;
  std::string error;
  REQUIRE_MESSAGE(name_from_text(name, root_name(), wire, error), error);
  LabeledName n;
  REQUIRE(n.parse(wire.data(), wire.size()) != 0);
  return set.find_zone(n, first_skip);
}

}  // namespace

TEST_CASE("zone_set: the most specific zone containing a name wins") {
  ZoneSet set({zone_at("example.test."), zone_at("sub.example.test."), zone_at("other.test.")});
  REQUIRE(set.size() == 3);
  CHECK(find_zone(set, "example.test.") == 0u);
  CHECK(find_zone(set, "www.example.test.") == 0u);
  CHECK(find_zone(set, "a.b.c.example.test.") == 0u);
  CHECK(find_zone(set, "sub.example.test.") == 1u);
  CHECK(find_zone(set, "www.sub.example.test.") == 1u);
  CHECK(find_zone(set, "a.b.www.sub.example.test.") == 1u);
  CHECK(find_zone(set, "xsub.example.test.") == 0u);  // labels, not characters
  CHECK(find_zone(set, "www.other.test.") == 2u);
  CHECK(find_zone(set, "WWW.Sub.EXAMPLE.test.") == 1u);  // case-insensitive
}

TEST_CASE("zone_set: the order of zones does not change which is most specific") {
  ZoneSet set({zone_at("sub.example.test."), zone_at("example.test.")});
  CHECK(find_zone(set, "www.sub.example.test.") == 0u);
  CHECK(find_zone(set, "www.example.test.") == 1u);
}

TEST_CASE("zone_set: first_skip 1 looks past the name itself, as DS at a zone apex needs") {
  ZoneSet set({zone_at("example.test."), zone_at("sub.example.test.")});
  // DS for sub.example.test. is answered by the parent zone.
  CHECK(find_zone(set, "sub.example.test.", 1) == 0u);
  // Below the child's apex the child still answers.
  CHECK(find_zone(set, "www.sub.example.test.", 1) == 1u);
  CHECK(find_zone(set, "x.www.sub.example.test.", 1) == 1u);
  // The top zone has no parent here.
  CHECK(find_zone(set, "example.test.", 1) == kNone);
  // Without the skip the apex belongs to its own zone.
  CHECK(find_zone(set, "sub.example.test.", 0) == 1u);
}

TEST_CASE("zone_set: names outside every zone, and an empty set, find nothing") {
  ZoneSet set({zone_at("example.test.")});
  CHECK(find_zone(set, "test.") == kNone);
  CHECK(find_zone(set, ".") == kNone);
  CHECK(find_zone(set, "example.com.") == kNone);
  CHECK(find_zone(set, "example.test.com.") == kNone);
  CHECK(find_zone(set, "anexample.test.") == kNone);

  ZoneSet empty({});
  CHECK(empty.size() == 0);
  CHECK(empty.rotation_slots() == 0u);
  CHECK(find_zone(empty, "example.test.") == kNone);
  CHECK(find_zone(empty, ".") == kNone);
}

TEST_CASE("zone_set: a root zone catches every name no other zone holds") {
  ZoneSet set({zone_at("."), zone_at("example.test.")});
  CHECK(find_zone(set, "www.example.test.") == 1u);
  CHECK(find_zone(set, "example.com.") == 0u);
  CHECK(find_zone(set, ".") == 0u);
  CHECK(find_zone(set, "example.test.", 1) == 0u);
  CHECK(find_zone(set, ".", 1) == kNone);
}

TEST_CASE("zone_set: of two zones with one origin the later wins") {
  ZoneSet set({zone_at("example.test."), zone_at("Example.Test.")});
  CHECK(find_zone(set, "www.example.test.") == 1u);
}

TEST_CASE("zone_set: many zones are each found, nested or not") {
  std::vector<std::shared_ptr<const Zone>> zones;
  for (int i = 0; i < 500; ++i) zones.push_back(zone_at("z" + std::to_string(i) + ".test."));
  for (int i = 0; i < 500; ++i) zones.push_back(zone_at("in.z" + std::to_string(i) + ".test."));
  ZoneSet set(zones);
  REQUIRE(set.size() == 1000);
  for (int i = 0; i < 500; ++i) {
    std::string z = "z" + std::to_string(i) + ".test.";
    CAPTURE(z);
    CHECK(find_zone(set, z) == uint32_t(i));
    CHECK(find_zone(set, "www." + z) == uint32_t(i));
    CHECK(find_zone(set, "www.in." + z) == uint32_t(500 + i));
    CHECK(find_zone(set, "in." + z, 1) == uint32_t(i));
  }
  CHECK(find_zone(set, "z500.test.") == kNone);
  CHECK(find_zone(set, "www.z5000.test.") == kNone);
}

TEST_CASE("zone_set: each zone's rotation slots follow the previous zone's; sources default to empty") {
  auto rotating = zone_at("a.test.", {"www 300 IN A 192.0.2.1", "www 300 IN A 192.0.2.2", "@ 300 IN NS ns2"});
  auto fixed = zone_at("b.test.");
  auto one = zone_at("c.test.", {"www 300 IN A 192.0.2.1", "www 300 IN A 192.0.2.2"});
  REQUIRE(rotating->rotation_slots() == 2u);
  REQUIRE(fixed->rotation_slots() == 0u);
  REQUIRE(one->rotation_slots() == 1u);
  ZoneSet set({rotating, fixed, one}, {ZoneSource{"a.json"}});
  CHECK(set.rotation_base(0) == 0u);
  CHECK(set.rotation_base(1) == 2u);
  CHECK(set.rotation_base(2) == 2u);
  CHECK(set.rotation_slots() == 3u);
  CHECK(set.source(0).file == "a.json");
  CHECK(set.source(1).file.empty());
  CHECK(set.source(2).file.empty());
  CHECK(set.zone_ptr(1) == fixed);
  CHECK(&set.zone(2) == one.get());
}
