// The health table: one target per (check, check address), state surviving
// reloads, references learned after publish, forgetting what no zone uses,
// admin states, status snapshots and the state-change log line.
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "health/check.h"
#include "health/health_registry.h"
#include "health/state_change.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::HealthRegistry;
using dnsd::health::AdminState;
using dnsd::zones::CheckSpec;
using dnsd::zones::CheckType;
using dnsd::health::HealthState;
namespace health = dnsd::health;
namespace zones = dnsd::zones;

namespace {

CheckSpec http_check(uint16_t port = 80, std::string path = "/") {
  CheckSpec s;
  s.type = CheckType::Http;
  s.port = port;
  s.path = std::move(path);
  return s;
}

HealthState state_of(const std::shared_ptr<health::MemberHealth>& h) { return HealthState(h->state.load()); }

// A zone file for `origin` with pool "web" whose members and check are given as JSON.
std::string zone_json(const std::string& origin, const std::string& members,
                      const std::string& check = R"({"type": "tcp", "port": 80})", const std::string& pool = "web") {
  return R"({"origin": ")" + origin + R"(", "ttl": 300,
             "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
             "pools": {")" + pool + R"(": {"members": )" + members + R"(, "check": )" + check + R"(}},
             "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": {"pool": ")" + pool + R"("}}}})";
}

// A zone as one reload sees it: loaded, put in a set of its own and bound.
struct Loaded {
  std::shared_ptr<const zones::Zone> zone;
  health::Binding binding;
  const zones::Zone* operator->() const { return zone.get(); }
};

Loaded load(HealthRegistry& registry, const std::string& text) {
  const zones::LoadResult r = zones::load_zone_json(text, "test.json");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.zone, errors);
  Loaded out{r.zone, registry.bind(zones::ZoneSet({r.zone}))};
  return out;
}

zones::ZoneSet set_of(std::initializer_list<Loaded> loaded) {
  std::vector<std::shared_ptr<const zones::Zone>> zones;
  for (const Loaded& l : loaded) zones.push_back(l.zone);
  return zones::ZoneSet(std::move(zones));
}

const std::shared_ptr<health::MemberHealth>& health_of(const Loaded& l, size_t i) {
  return l.binding.view->health_of(0, 0, i);
}
const std::shared_ptr<health::MemberAdmin>& admin_of(const Loaded& l, size_t i) {
  return l.binding.view->admin_of(0, 0, i);
}

}  // namespace

TEST_CASE("one target per (check, check address), however many members share it") {
  HealthRegistry r;
  auto a = r.targets().bind(http_check(80, "/healthz"), "192.0.2.1").health;
  CHECK(r.targets().bind(http_check(80, "/healthz"), "192.0.2.1").health == a);
  CHECK(r.targets().size() == 1);
  SUBCASE("the default port is the explicit port") { CHECK(r.targets().bind(http_check(0, "/healthz"), "192.0.2.1").health == a); }
  SUBCASE("an IPv6 address in another spelling is the same address") {
    auto v6 = r.targets().bind(http_check(), "2001:DB8:0::1").health;
    CHECK(r.targets().bind(http_check(), "2001:db8::1").health == v6);
  }
  SUBCASE("fields a check type ignores do not split targets") {
    CheckSpec t1, t2;
    t1.type = t2.type = CheckType::Tcp;
    t1.port = t2.port = 443;
    t2.path = "/ignored";
    t2.host = "ignored.example";
    CHECK(r.targets().bind(t1, "192.0.2.1").health == r.targets().bind(t2, "192.0.2.1").health);
  }
  SUBCASE("a different path, port, address or timing is a different target") {
    CHECK(r.targets().bind(http_check(80, "/other"), "192.0.2.1").health != a);
    CHECK(r.targets().bind(http_check(8080, "/healthz"), "192.0.2.1").health != a);
    CHECK(r.targets().bind(http_check(80, "/healthz"), "192.0.2.2").health != a);
    CheckSpec quick = http_check(80, "/healthz");
    quick.interval_ms = 1000;
    CHECK(r.targets().bind(quick, "192.0.2.1").health != a);
    CHECK(r.targets().size() == 5);
  }
}

TEST_CASE("new targets start unknown and unprobed; type none is up and never probed") {
  HealthRegistry r;
  auto probed = r.targets().bind(http_check(), "192.0.2.1").health;
  CHECK(state_of(probed) == HealthState::Unknown);
  CHECK(r.barrier().pending() == 1);
  CheckSpec none;
  auto fixed = r.targets().bind(none, "192.0.2.2").health;
  CHECK(state_of(fixed) == HealthState::Up);
  CHECK(r.barrier().pending() == 1);
  CheckSpec other_none;
  other_none.interval_ms = 5;
  CHECK(r.targets().bind(other_none, "192.0.2.2").health == fixed);  // a none check's timing is irrelevant
}

TEST_CASE("record_result runs the state machine and sets the atomic workers read") {
  uint64_t now = 1000;
  HealthRegistry r([&now] { return now; });
  CheckSpec spec = http_check();
  spec.fall = 2;
  auto h = r.targets().bind(spec, "192.0.2.1").health;
  const uint64_t id = r.targets().list().at(0)->id;

  auto first = r.targets().record_result(id, CheckResult::success("HTTP 200", 800), 1000, 0);
  REQUIRE(first);
  CHECK(first->transition == health::Transition::Changed);
  REQUIRE(first->event);
  CHECK(first->event->first_verdict());
  CHECK(state_of(h) == HealthState::Up);
  CHECK(r.barrier().pending() == 0);
  CHECK(first->next_probe_ms >= 1000 + spec.interval_ms / 2);

  auto pending = r.targets().record_result(id, CheckResult::failed(FailureKind::Status, "HTTP 500", 3000), 3000, 0);
  CHECK(pending->transition == health::Transition::ChangePending);
  CHECK_FALSE(pending->event);
  CHECK(pending->next_probe_ms <= 3000 + spec.fast_interval_ms * 11 / 10);
  CHECK(state_of(h) == HealthState::Up);

  auto down = r.targets().record_result(id, CheckResult::failed(FailureKind::Status, "HTTP 500", 3000), 3500, 0);
  REQUIRE(down->event);
  CHECK(down->event->from == HealthState::Up);
  CHECK(down->event->to == HealthState::Down);
  CHECK(state_of(h) == HealthState::Down);

  CHECK_FALSE(r.targets().record_result(id, CheckResult::failed(FailureKind::Cancelled, "cancelled"), 4000, 0));
  CHECK_FALSE(r.targets().record_result(id + 100, CheckResult::success("x"), 4000, 0));  // unknown id: stop probing it
}

TEST_CASE("the barrier opens once every target has a result, or at the deadline") {
  HealthRegistry r;
  r.targets().bind(http_check(), "192.0.2.1");
  const uint64_t id = r.targets().list().at(0)->id;
  const auto start = std::chrono::steady_clock::now();
  CHECK(r.barrier().wait_all(start + std::chrono::milliseconds(30)) == 1);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));

  std::thread prober([&] { r.targets().record_result(id, CheckResult::success("ok"), 1, 0); });
  CHECK(r.barrier().wait_all(std::chrono::steady_clock::now() + std::chrono::seconds(10)) == 0);
  prober.join();
}

TEST_CASE("bind lays the registry's state over a set, and state survives a reload") {
  HealthRegistry r;
  const std::string v1 = zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2"])");
  auto zone1 = load(r, v1);
  r.sync(set_of({zone1}));
  CHECK(r.targets().size() == 2);
  const uint64_t id1 = r.targets().list().at(0)->id;
  auto h1 = health_of(zone1, 0);
  for (const auto& t : r.targets().list())
    if (t->health == h1) r.targets().record_result(t->id, CheckResult::success("connected"), 10, 0);
  CHECK(state_of(h1) == HealthState::Up);

  SUBCASE("reloading the same file reuses the live state") {
    auto zone2 = load(r, v1);
    CHECK(health_of(zone2, 0) == h1);
    CHECK(admin_of(zone2, 0) == admin_of(zone1, 0));
    r.sync(set_of({zone2}));
    CHECK(r.targets().size() == 2);
    CHECK(state_of(health_of(zone2, 0)) == HealthState::Up);
  }
  SUBCASE("a member removed by a reload is forgotten; new members start unknown") {
    auto zone2 = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.3"])"));
    CHECK(state_of(health_of(zone2, 1)) == HealthState::Unknown);
    r.sync(set_of({zone2}));
    CHECK(r.targets().size() == 2);
    std::vector<std::string> addresses;
    for (const auto& t : r.targets().list()) addresses.push_back(t->address);
    std::sort(addresses.begin(), addresses.end());
    CHECK(addresses == std::vector<std::string>{"192.0.2.1", "192.0.2.3"});
    CHECK(health_of(zone2, 0) == h1);
    (void)id1;
  }
  SUBCASE("a target bound by a load not yet published survives one sync") {
    auto pending = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2", "192.0.2.4"])"));
    r.sync(set_of({zone1}));  // an older publish completes meanwhile
    CHECK(r.targets().size() == 3);
    r.sync(set_of({zone1}));  // the load was abandoned
    CHECK(r.targets().size() == 2);
  }
  SUBCASE("a failed reload binds nothing and the old zone keeps its targets") {
    const zones::LoadResult bad =
        zones::load_zone_json(R"({"origin": "example.test."})", "bad.json");
    CHECK_FALSE(bad.zone);
    r.sync(set_of({zone1}));
    CHECK(r.targets().size() == 2);
  }
  SUBCASE("removing the zone forgets its targets and unblocks waiters") {
    r.sync(set_of({}));
    CHECK(r.targets().size() == 0);
    CHECK(r.barrier().pending() == 0);
  }
}

TEST_CASE("sync records every pool member using a target, for status and log lines") {
  HealthRegistry r;
  // Two zones, three pools, one backend probed the same way by all of them.
  auto a = load(r, zone_json("a.test.", R"(["192.0.2.1", {"address": "192.0.2.9", "backup": true}])"));
  auto b = load(r, zone_json("B.Test.", R"([{"address": "198.51.100.1", "check_address": "192.0.2.1", "weight": 3}])",
                             R"({"type": "tcp", "port": 80})", "api"));
  r.sync(set_of({a, b}));
  REQUIRE(r.targets().size() == 2);
  const auto snap = r.targets().status();
  const health::TargetStatus* shared = nullptr;
  for (const auto& t : snap.targets)
    if (t.address == "192.0.2.1") shared = &t;
  REQUIRE(shared);
  REQUIRE(shared->refs.size() == 2);
  CHECK(shared->refs[0].zone == "a.test.");
  CHECK(shared->refs[0].pool == "web");
  CHECK(shared->refs[0].member == "192.0.2.1");
  CHECK(shared->refs[1].zone == "b.test.");
  CHECK(shared->refs[1].pool == "api");
  CHECK(shared->refs[1].member == "198.51.100.1");
  CHECK(shared->refs[1].weight == 3);

  // The state-change line names every member the change affects.
  const auto outcome = r.targets().record_result(shared->id, CheckResult::failed(FailureKind::Refused, "connect refused", 200), 5, 0);
  REQUIRE(outcome->event);
  CHECK(health::format_state_change(*outcome->event) ==
        "health: zone=a.test.,b.test. pool=web,api member=192.0.2.1,198.51.100.1 (check tcp 192.0.2.1:80) "
        "unknown -> down: connect refused in 0.2 ms");
}

TEST_CASE("the state-change line for one member, as the server logs it") {
  health::StateChangeEvent e;
  e.check = health::normalized_spec(http_check(0));
  e.address = "127.0.1.1";
  e.from = HealthState::Up;
  e.to = HealthState::Down;
  e.result = CheckResult::failed(FailureKind::Status, "HTTP 500", 3000);
  e.refs.push_back(health::TargetRef{"example.test.", "web", "192.0.2.1"});
  CHECK(health::format_state_change(e) ==
        "health: zone=example.test. pool=web member=192.0.2.1 (check http 127.0.1.1:80) up -> down: HTTP 500 in 3.0 ms");
  e.result = CheckResult::failed(FailureKind::Timeout, "timeout after 1000 ms", 1000400);
  e.check.type = CheckType::Https;
  e.check.port = 8443;
  e.address = "::1";
  CHECK(health::format_state_change(e) ==
        "health: zone=example.test. pool=web member=192.0.2.1 (check https [::1]:8443) up -> down: timeout after 1000 ms");
}

TEST_CASE("admin states: bound per (zone, pool, address), set at runtime, kept across reloads") {
  HealthRegistry r;
  int notified = 0;
  r.drains().set_listener([&] { ++notified; });
  auto zone1 = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2"])"));
  r.sync(set_of({zone1}));
  auto admin = admin_of(zone1, 0);
  CHECK(r.drains().bind("EXAMPLE.TEST", "web", "192.0.2.1") == admin);

  CHECK(r.drains().set("", "web", "192.0.2.1", AdminState::Drain) == 1);
  CHECK(AdminState(admin->state.load()) == AdminState::Drain);
  CHECK(notified == 1);
  CHECK(r.drains().set("example.test", "web", "192.0.2.1", AdminState::Drain) == 1);
  CHECK(notified == 1);  // no change, no notification
  CHECK(r.drains().set("", "web", "192.0.2.77", AdminState::Drain) == 0);
  CHECK(r.drains().set("other.test.", "web", "192.0.2.1", AdminState::Drain) == 0);

  const auto overrides = r.drains().overrides();
  REQUIRE(overrides.size() == 1);
  CHECK(overrides[0].zone == "example.test.");
  CHECK(overrides[0].pool == "web");
  CHECK(overrides[0].address == "192.0.2.1");

  // Status shows the drain on the member's row.
  bool seen = false;
  for (const auto& t : r.targets().status().targets)
    for (const auto& ref : t.refs)
      if (ref.member == "192.0.2.1") seen = ref.admin == AdminState::Drain;
  CHECK(seen);

  auto zone2 = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2"])"));
  r.sync(set_of({zone2}));
  CHECK(admin_of(zone2, 0) == admin);
  CHECK(AdminState(admin_of(zone2, 0)->state.load()) == AdminState::Drain);

  // A member removed from the zone loses its admin state.
  auto zone3 = load(r, zone_json("example.test.", R"(["192.0.2.2"])"));
  r.sync(set_of({zone3}));
  CHECK(r.drains().overrides().empty());
}

TEST_CASE("restore_admin seeds a drain before the zones load (state directory at start-up)") {
  HealthRegistry r;
  r.drains().restore({"example.test.", "web", "192.0.2.2", AdminState::Drain});
  auto zone = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2"])"));
  r.sync(set_of({zone}));
  CHECK(AdminState(admin_of(zone, 1)->state.load()) == AdminState::Drain);
  CHECK(AdminState(admin_of(zone, 0)->state.load()) == AdminState::Auto);
}

TEST_CASE("the change listener hears about added and removed targets") {
  HealthRegistry r;
  std::atomic<int> calls{0};
  r.targets().set_change_listener([&] { ++calls; });
  auto zone = load(r, zone_json("example.test.", R"(["192.0.2.1", "192.0.2.2"])"));
  CHECK(calls == 2);
  r.targets().bind(zone->pool(0).check, "192.0.2.1");  // existing: no call
  CHECK(calls == 2);
  r.sync(set_of({zone}));
  CHECK(calls == 2);
  r.sync(set_of({}));
  CHECK(calls == 3);
  r.targets().set_change_listener({});
}

TEST_CASE("status is a consistent copy sorted by id, with the registry's clock") {
  uint64_t now = 777;
  HealthRegistry r([&now] { return now; });
  r.targets().bind(http_check(), "192.0.2.2");
  r.targets().bind(http_check(), "192.0.2.1");
  const auto snap = r.targets().status();
  CHECK(snap.now_ms == 777);
  REQUIRE(snap.targets.size() == 2);
  CHECK(snap.targets[0].id < snap.targets[1].id);
  CHECK(snap.targets[0].address == "192.0.2.2");
  CHECK(snap.targets[0].status.since_ms == 777);
  CHECK(snap.targets[0].check.port == 80);
}
