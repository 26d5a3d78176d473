// QueryResult names the zone that answered and the first pool that was all
// down, as indices into the snapshot, so the worker counts per zone and per
// pool without a lookup of its own.
#include <doctest.h>

#include "dnsd/query/query.h"
#include "tests/unit/dnsd/control/control_fixture.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

QueryResult ask(const Snapshot& snapshot, const std::string& name, ldns_rr_type type) {
  RotationState rotation;
  rotation.resize(snapshot.zones->rotation_slots());
  std::vector<uint8_t> out(kMaxMessage);
  return process_query(test::make_query(name, type), out, Transport::Udp, snapshot, rotation);
}

}  // namespace

TEST_CASE("a query answered from a zone names it; a healthy pool leaves all_down_pool unset") {
  const auto snapshot = test::control_snapshot();
  const QueryResult r = ask(*snapshot, "www.ctl.test.", LDNS_RR_TYPE_A);
  REQUIRE(r.action == QueryAction::Respond);
  CHECK(r.zone == 0);
  CHECK_FALSE(r.all_down);
  CHECK(r.all_down_pool == zones::kNone);
  const QueryResult nx = ask(*snapshot, "nope.ctl.test.", LDNS_RR_TYPE_A);
  CHECK(nx.rcode == 3);
  CHECK(nx.zone == 0);
}

TEST_CASE("a pool with no member up is named by its index in the zone") {
  const auto snapshot = test::control_snapshot();
  const QueryResult r = ask(*snapshot, "dead.ctl.test.", LDNS_RR_TYPE_A);
  REQUIRE(r.action == QueryAction::Respond);
  CHECK(r.all_down);
  CHECK(r.zone == 0);
  CHECK(r.all_down_pool == test::pool_index(snapshot->zones->zone(0), "dead"));
}

TEST_CASE("a query outside every zone names no zone") {
  const auto snapshot = test::control_snapshot();
  const QueryResult r = ask(*snapshot, "www.elsewhere.test.", LDNS_RR_TYPE_A);
  CHECK(r.rcode == 5);
  CHECK(r.zone == zones::kNone);
  CHECK(r.all_down_pool == zones::kNone);
}
