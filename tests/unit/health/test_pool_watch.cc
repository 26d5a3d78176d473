// PoolWatch: a pool is all down when every member is down; edges are reported once.
#include <doctest.h>

#include <string>
#include <vector>

#include "health/pool_watch.h"

using dnsd::health::HealthSnapshot;
using dnsd::health::HealthState;
using dnsd::health::PoolMembers;
using dnsd::health::PoolWatch;
using dnsd::health::TargetRef;
using dnsd::health::TargetStatus;

namespace {

constexpr HealthState Up = HealthState::Up;
constexpr HealthState Down = HealthState::Down;
constexpr HealthState Unknown = HealthState::Unknown;

PoolMembers pool(const std::string& name, std::vector<HealthState> states) {
  return {"example.test.", name, std::move(states)};
}

}  // namespace

TEST_CASE("pool watch: all down means members and every one of them down") {
  using dnsd::health::all_down;
  CHECK(all_down({Down}));
  CHECK(all_down({Down, Down, Down}));
  CHECK_FALSE(all_down({}));
  CHECK_FALSE(all_down({Down, Up}));
  CHECK_FALSE(all_down({Down, Unknown}));
}

TEST_CASE("pool watch: edges when a pool goes all down and when it recovers, once each") {
  PoolWatch watch;
  CHECK(watch.update({pool("web", {Up, Up}), pool("api", {Up})}).empty());
  CHECK(watch.update({pool("web", {Down, Up}), pool("api", {Up})}).empty());

  auto edges = watch.update({pool("web", {Down, Down}), pool("api", {Up})});
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].pool == "web");
  CHECK(edges[0].all_down);
  CHECK(edges[0].members == 2);
  CHECK(watch.is_all_down("example.test.", "web"));

  CHECK(watch.update({pool("web", {Down, Down}), pool("api", {Up})}).empty());  // no repeat

  edges = watch.update({pool("web", {Down, Up}), pool("api", {Down})});
  REQUIRE(edges.size() == 2);
  CHECK(edges[0].pool == "api");  // sorted
  CHECK(edges[0].all_down);
  CHECK(edges[1].pool == "web");
  CHECK_FALSE(edges[1].all_down);
  CHECK_FALSE(watch.is_all_down("example.test.", "web"));
}

TEST_CASE("pool watch: a new pool reports only if it starts all down; a removed one is forgotten") {
  PoolWatch watch;
  auto edges = watch.update({pool("web", {Down}), pool("api", {Unknown})});
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].pool == "web");
  CHECK(watch.update({}).empty());  // a reload removed both: no edge
  CHECK_FALSE(watch.is_all_down("example.test.", "web"));
  edges = watch.update({pool("web", {Down})});  // back, still down: reported again
  REQUIRE(edges.size() == 1);
}

TEST_CASE("pool watch: update_some changes only the pools it is given and forgets asked ones that are gone") {
  PoolWatch watch;
  const std::pair<std::string, std::string> web{"example.test.", "web"}, api{"example.test.", "api"};
  auto edges = watch.update_some({pool("web", {Down, Down})}, {web});
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].pool == "web");
  CHECK(edges[0].all_down);
  CHECK(edges[0].members == 2u);
  // api goes all down; web, not given, stays all down without a second edge.
  edges = watch.update_some({pool("api", {Down})}, {api});
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].pool == "api");
  CHECK(watch.is_all_down("example.test.", "web"));
  // web recovers: one edge; then api was asked but has no members left: forgotten, no edge.
  edges = watch.update_some({pool("web", {Up, Down})}, {web});
  REQUIRE(edges.size() == 1);
  CHECK_FALSE(edges[0].all_down);
  CHECK(watch.update_some({}, {api}).empty());
  CHECK_FALSE(watch.is_all_down("example.test.", "api"));
  CHECK(watch.update_some({pool("web", {Up, Down})}, {web}).empty());
}

TEST_CASE("pool watch: pools_of groups every reference of every target by zone and pool") {
  HealthSnapshot snap;
  TargetStatus a;
  a.status.state = Down;
  a.refs = {TargetRef{.zone = "example.test.", .pool = "web", .member = "192.0.2.1"},
            TargetRef{.zone = "other.test.", .pool = "web", .member = "192.0.2.1"}};
  TargetStatus b;
  b.status.state = Up;
  b.refs = {TargetRef{.zone = "example.test.", .pool = "web", .member = "192.0.2.2"}};
  snap.targets = {a, b};
  const auto pools = dnsd::health::pools_of(snap);
  REQUIRE(pools.size() == 2);
  CHECK(pools[0].zone == "example.test.");
  CHECK(pools[0].states.size() == 2);
  CHECK_FALSE(dnsd::health::all_down(pools[0].states));
  CHECK(pools[1].zone == "other.test.");
  CHECK(dnsd::health::all_down(pools[1].states));
}
