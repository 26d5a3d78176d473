// HealthView: one span of links per (zone, pool) in member order, each link pointing at
// the atomics its binder gave; unbound() starts unchecked pools Up and checked ones Unknown.
#include <doctest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "health/health_view.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

using dnsd::health::AdminState;
using dnsd::health::HealthState;
using dnsd::health::HealthView;
using dnsd::health::MemberAdmin;
using dnsd::health::MemberHealth;
namespace zones = dnsd::zones;

namespace {

struct PoolSpec {
  std::string name;
  std::vector<std::string> members;
  std::string check = R"({"type": "none"})";
};

// A zone at `origin` whose pools are `pools`, each answering for the name "p-<pool>".
std::shared_ptr<const zones::Zone> zone_with_pools(const std::string& origin, const std::vector<PoolSpec>& pools) {
  std::string pools_json, records_json;
  for (const PoolSpec& p : pools) {
    std::string members;
    for (const std::string& m : p.members) members += (members.empty() ? "\"" : ", \"") + m + "\"";
    pools_json += (pools_json.empty() ? "" : ", ") + ("\"" + p.name + "\": {\"members\": [" + members +
                                                      "], \"check\": " + p.check + "}");
    records_json += ", \"p-" + p.name + "\": {\"A\": {\"pool\": \"" + p.name + "\"}}";
  }
  const std::string text = R"({"origin": ")" + origin + R"(", "ttl": 300,
      "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
      "pools": {)" + pools_json + R"(},
      "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"})" + records_json + "}}";
  const zones::LoadResult r = zones::load_zone_json(text, "test.json");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.zone, errors);
  REQUIRE(r.zone->pools().size() == pools.size());
  return r.zone;
}

// A binder that makes a fresh atomic per call and remembers which call made which.
struct RecordingBinder {
  struct Call {
    std::string zone, pool, member;
    std::shared_ptr<MemberHealth> health;
    std::shared_ptr<MemberAdmin> admin;
  };
  std::vector<Call> calls;

  HealthView::Binder binder() {
    HealthView::Binder b;
    b.health = [this](const zones::Pool& pool, const zones::PoolMember& member) {
      calls.push_back({"", pool.name, member.address_text, std::make_shared<MemberHealth>(), nullptr});
      return calls.back().health;
    };
    b.admin = [this](const std::string& zone, const zones::Pool& pool, const zones::PoolMember& member) {
      REQUIRE(!calls.empty());
      Call& last = calls.back();  // the view binds health, then admin, of each member
      CHECK(last.pool == pool.name);
      CHECK(last.member == member.address_text);
      last.zone = zone;
      last.admin = std::make_shared<MemberAdmin>();
      return last.admin;
    };
    return b;
  }
};

}  // namespace

TEST_CASE("health view: one span per zone and pool, in member order, pointing at the bound atomics") {
  const std::vector<std::string> two = {"192.0.2.1", "192.0.2.2"};
  const std::vector<std::string> three = {"198.51.100.1", "198.51.100.2", "198.51.100.3"};
  const std::vector<std::string> one = {"203.0.113.7"};
  struct Case {
    const char* name;
    std::vector<PoolSpec> first, second;  // the pools of the set's two zones
  };
  const std::vector<Case> cases = {
      {"0 and 2 pools", {}, {{"web", two}, {"api", three}}},
      {"2 and 0 pools", {{"web", two}, {"api", three}}, {}},
      {"1 and 2 pools", {{"solo", one}}, {{"web", two}, {"api", three}}},
      {"2 and 1 pools", {{"web", three}, {"api", one}}, {{"solo", two}}},
      {"0 and 0 pools", {}, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const zones::ZoneSet set({zone_with_pools("a.test.", c.first), zone_with_pools("b.test.", c.second)});
    RecordingBinder recorder;
    const HealthView view(set, recorder.binder());

    size_t call = 0;
    for (uint32_t z = 0; z < set.size(); ++z) {
      const zones::Zone& zone = set.zone(z);
      for (uint32_t p = 0; p < zone.pools().size(); ++p) {
        CAPTURE(z);
        CAPTURE(p);
        const zones::Pool& pool = zone.pool(p);
        const auto links = view.pool(z, p);
        REQUIRE(links.size() == pool.members.size());
        for (size_t m = 0; m < links.size(); ++m, ++call) {
          REQUIRE(call < recorder.calls.size());
          const auto& made = recorder.calls[call];
          CHECK(made.zone == zone.origin_text());
          CHECK(made.pool == pool.name);
          CHECK(made.member == pool.members[m].address_text);
          CHECK(links[m].health == &made.health->state);
          CHECK(links[m].admin == &made.admin->state);
          CHECK(view.health_of(z, p, m) == made.health);
          CHECK(view.admin_of(z, p, m) == made.admin);
        }
      }
    }
    CHECK(call == recorder.calls.size());  // one bind per member, no more
  }
}

TEST_CASE("health view: a change to a bound atomic shows through the link without a rebuild") {
  const zones::ZoneSet set({zone_with_pools("a.test.", {{"web", {"192.0.2.1", "192.0.2.2"}}})});
  RecordingBinder recorder;
  const HealthView view(set, recorder.binder());
  recorder.calls[1].health->state.store(uint8_t(HealthState::Down));
  recorder.calls[1].admin->state.store(uint8_t(AdminState::Drain));
  const auto links = view.pool(0, 0);
  CHECK(HealthState(links[1].health->load()) == HealthState::Down);
  CHECK(AdminState(links[1].admin->load()) == AdminState::Drain);
  CHECK(HealthState(links[0].health->load()) == HealthState::Unknown);
  CHECK(AdminState(links[0].admin->load()) == AdminState::Auto);
}

TEST_CASE("health view: members bound to one shared target read the same atomic") {
  // Two pools in two zones probing one address: the binder hands out one MemberHealth.
  const zones::ZoneSet set({zone_with_pools("a.test.", {{"web", {"192.0.2.1"}, R"({"type": "tcp", "port": 80})"}}),
                            zone_with_pools("b.test.", {{"web", {"192.0.2.1"}, R"({"type": "tcp", "port": 80})"}})});
  std::map<std::string, std::shared_ptr<MemberHealth>> targets;
  HealthView::Binder binder;
  binder.health = [&](const zones::Pool&, const zones::PoolMember& member) {
    auto& h = targets[member.address_text];
    if (!h) h = std::make_shared<MemberHealth>();
    return h;
  };
  binder.admin = [](const std::string&, const zones::Pool&, const zones::PoolMember&) {
    return std::make_shared<MemberAdmin>();
  };
  const HealthView view(set, binder);
  CHECK(targets.size() == 1);
  CHECK(view.pool(0, 0)[0].health == view.pool(1, 0)[0].health);
  CHECK(view.pool(0, 0)[0].admin != view.pool(1, 0)[0].admin);  // drains are per zone and pool
}

TEST_CASE("health view: unbound() gives Up for check none, Unknown for a checked pool, Auto admin") {
  const zones::ZoneSet set({
      zone_with_pools("a.test.", {{"static", {"192.0.2.1", "192.0.2.2"}, R"({"type": "none"})"},
                                  {"checked", {"192.0.2.3"}, R"({"type": "tcp", "port": 80})"}}),
      zone_with_pools("b.test.", {{"http", {"198.51.100.1", "198.51.100.2"}, R"({"type": "http"})"}}),
  });
  const auto view = HealthView::unbound(set);
  REQUIRE(view != nullptr);
  for (uint32_t z = 0; z < set.size(); ++z) {
    for (uint32_t p = 0; p < set.zone(z).pools().size(); ++p) {
      const zones::Pool& pool = set.zone(z).pool(p);
      CAPTURE(pool.name);
      const HealthState want = pool.check.type == zones::CheckType::None ? HealthState::Up : HealthState::Unknown;
      const auto links = view->pool(z, p);
      REQUIRE(links.size() == pool.members.size());
      for (size_t m = 0; m < links.size(); ++m) {
        CHECK(HealthState(links[m].health->load()) == want);
        CHECK(AdminState(links[m].admin->load()) == AdminState::Auto);
      }
    }
  }
  // Private state: every member its own atomics.
  CHECK(view->pool(0, 0)[0].health != view->pool(0, 0)[1].health);
  CHECK(view->pool(0, 0)[0].admin != view->pool(0, 0)[1].admin);
}
