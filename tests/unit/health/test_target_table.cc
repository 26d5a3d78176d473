// TargetTable: one target per normalised (check, address), the probe barrier learning of
// checked targets and their first results, uses and epoch-based forgetting.
#include <doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "health/check.h"
#include "health/known_states.h"
#include "health/probe_barrier.h"
#include "health/target_table.h"

using dnsd::health::BoundTarget;
using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::HealthState;
using dnsd::health::ProbeBarrier;
using dnsd::health::TargetTable;
using dnsd::health::TargetUse;
using dnsd::health::Transition;
using dnsd::zones::CheckSpec;
using dnsd::zones::CheckType;

namespace {

CheckSpec check(CheckType type, uint16_t port = 0) {
  CheckSpec s;
  s.type = type;
  s.port = port;
  return s;
}

HealthState state_of(const BoundTarget& t) { return HealthState(t.health->state.load()); }

TargetUse use_of(uint64_t target, const std::string& member, const std::string& zone = "example.test.") {
  TargetUse u;
  u.target = target;
  u.ref.zone = zone;
  u.ref.pool = "web";
  u.ref.member = member;
  return u;
}

// A barrier wait on `id` alone that must not block: returns how many still wait.
size_t waiting(const ProbeBarrier& barrier, uint64_t id) {
  const uint64_t ids[] = {id};
  return barrier.wait(ids, std::chrono::steady_clock::now());
}

uint64_t fake_now() { return 5000; }

}  // namespace

TEST_CASE("target table: bind creates a target once per normalised check and address") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget first = table.bind(check(CheckType::Http, 80), "192.0.2.1");
  CHECK(first.created);
  CHECK(first.id != 0);
  CHECK(first.health != nullptr);
  CHECK(state_of(first) == HealthState::Unknown);

  struct Case {
    const char* name;
    CheckSpec spec;
    const char* address;
    bool same;
  };
  CheckSpec http_command = check(CheckType::Http, 80);
  http_command.command = "ignored by http";
  const Case cases[] = {
      {"identical", check(CheckType::Http, 80), "192.0.2.1", true},
      {"default port made explicit", check(CheckType::Http, 0), "192.0.2.1", true},
      {"field the type ignores", http_command, "192.0.2.1", true},
      {"other port", check(CheckType::Http, 8080), "192.0.2.1", false},
      {"other type", check(CheckType::Tcp, 80), "192.0.2.1", false},
      {"other address", check(CheckType::Http, 80), "192.0.2.2", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const size_t before = table.size();
    const BoundTarget t = table.bind(c.spec, c.address);
    if (c.same) {
      CHECK_FALSE(t.created);
      CHECK(t.id == first.id);
      CHECK(t.health == first.health);
      CHECK(table.size() == before);
    } else {
      CHECK(t.created);
      CHECK(t.id != first.id);
      CHECK(t.health != first.health);
      CHECK(table.size() == before + 1);
    }
  }

  // IPv6 in any spelling is one target.
  const BoundTarget v6 = table.bind(check(CheckType::Tcp, 443), "2001:DB8:0::1");
  CHECK(v6.created);
  const BoundTarget v6_again = table.bind(check(CheckType::Tcp, 443), "[2001:db8::1]");
  CHECK_FALSE(v6_again.created);
  CHECK(v6_again.id == v6.id);
}

TEST_CASE("target table: only checked targets join the barrier; a none target starts Up") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget tcp = table.bind(check(CheckType::Tcp, 80), "192.0.2.1");
  CHECK(barrier.pending() == 1);
  CHECK(waiting(barrier, tcp.id) == 1);

  table.bind(check(CheckType::Tcp, 80), "192.0.2.1");  // existing: no second add
  CHECK(barrier.pending() == 1);

  const BoundTarget none = table.bind(check(CheckType::None), "192.0.2.1");
  CHECK(none.created);
  CHECK(state_of(none) == HealthState::Up);
  CHECK(barrier.pending() == 1);
  CHECK(waiting(barrier, none.id) == 0);

  // Every static member of an address shares one target, whatever its timing.
  CheckSpec slow_none = check(CheckType::None);
  slow_none.interval_ms = 60000;
  CHECK(table.bind(slow_none, "192.0.2.1").id == none.id);

  table.bind(check(CheckType::Dns, 53), "192.0.2.1");
  CHECK(barrier.pending() == 2);
}

TEST_CASE("target table: set_uses keeps used targets and forgets unused ones a publish later") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  int changes = 0;
  table.set_change_listener([&] { ++changes; });

  const BoundTarget a = table.bind(check(CheckType::Tcp, 80), "192.0.2.1");
  const BoundTarget b = table.bind(check(CheckType::Tcp, 80), "192.0.2.2");
  CHECK(changes == 2);  // one per target created
  CHECK(barrier.pending() == 2);

  // b was bound since the previous set_uses: a load in progress may publish it.
  table.set_uses({use_of(a.id, "192.0.2.1")});
  CHECK(table.size() == 2);
  CHECK(changes == 2);

  table.set_uses({use_of(a.id, "192.0.2.1")});
  CHECK(table.size() == 1);
  CHECK(changes == 3);  // the removal
  CHECK(barrier.pending() == 1);  // b no longer holds anyone up
  CHECK(waiting(barrier, b.id) == 0);
  const auto left = table.list();
  REQUIRE(left.size() == 1);
  CHECK(left[0]->id == a.id);
  CHECK(left[0]->address == "192.0.2.1");

  // Bound again, b is a new target with a new id and new state.
  const BoundTarget b2 = table.bind(check(CheckType::Tcp, 80), "192.0.2.2");
  CHECK(b2.created);
  CHECK(b2.id != b.id);
  CHECK(b2.health != b.health);
  CHECK(changes == 4);

  // A target bound again between calls survives; used ones survive however old.
  table.set_uses({use_of(a.id, "192.0.2.1")});  // b2 bound this epoch: kept
  CHECK_FALSE(table.bind(check(CheckType::Tcp, 80), "192.0.2.2").created);
  table.set_uses({use_of(a.id, "192.0.2.1")});  // bound again: kept
  CHECK(table.size() == 2);
  table.set_uses({use_of(a.id, "192.0.2.1")});
  CHECK(table.size() == 1);
  for (int i = 0; i < 3; ++i) table.set_uses({use_of(a.id, "192.0.2.1")});
  CHECK(table.size() == 1);
  CHECK(table.list()[0]->id == a.id);

  // Nothing used: everything goes once not bound since the previous call.
  table.set_uses({});
  CHECK(table.size() == 0);
  CHECK(barrier.pending() == 0);
}

TEST_CASE("target table: set_uses replaces each target's users, sorted, for status") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget a = table.bind(check(CheckType::Tcp, 80), "192.0.2.1");
  table.set_uses({use_of(a.id, "192.0.2.1", "b.test."), use_of(a.id, "192.0.2.1", "a.test."),
                  use_of(999, "192.0.2.9")});  // an unknown target is ignored
  auto status = table.status();
  CHECK(status.now_ms == 5000u);
  REQUIRE(status.targets.size() == 1);
  REQUIRE(status.targets[0].refs.size() == 2);
  CHECK(status.targets[0].refs[0].zone == "a.test.");
  CHECK(status.targets[0].refs[1].zone == "b.test.");

  table.set_uses({use_of(a.id, "192.0.2.1", "c.test.")});
  status = table.status();
  REQUIRE(status.targets[0].refs.size() == 1);
  CHECK(status.targets[0].refs[0].zone == "c.test.");
}

TEST_CASE("target table: pool_members gives the states of just the asked pools, like pools_of the status") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget a = table.bind(check(CheckType::Tcp, 80), "192.0.2.1");
  const BoundTarget b = table.bind(check(CheckType::Tcp, 80), "192.0.2.2");
  const BoundTarget c = table.bind(check(CheckType::Tcp, 80), "192.0.2.3");
  TargetUse other = use_of(c.id, "192.0.2.3");
  other.ref.pool = "api";
  table.set_uses({use_of(a.id, "192.0.2.1"), use_of(b.id, "192.0.2.2"), use_of(a.id, "192.0.2.1", "b.test."),
                  other});
  table.record_result(a.id, CheckResult::failed(FailureKind::Refused, "refused"), 6000, 1);
  table.record_result(b.id, CheckResult::success("connected"), 6000, 1);

  const auto pools = table.pool_members({{"example.test.", "web"}, {"b.test.", "web"}, {"c.test.", "web"}});
  REQUIRE(pools.size() == 2);  // c.test. has no members: left out
  CHECK(pools[0].zone == "b.test.");
  CHECK(pools[0].states == std::vector<HealthState>{HealthState::Down});
  CHECK(pools[1].zone == "example.test.");
  CHECK(pools[1].pool == "web");
  auto states = pools[1].states;
  std::sort(states.begin(), states.end());
  CHECK(states == std::vector<HealthState>{std::min(HealthState::Up, HealthState::Down),
                                           std::max(HealthState::Up, HealthState::Down)});
  const auto all = dnsd::health::pools_of(table.status());
  REQUIRE(all.size() == 3);  // the api pool too
  CHECK(all[0].zone == "b.test.");
  CHECK(all[0].states == pools[0].states);
}

TEST_CASE("target table: record_result stores the verdict and releases the barrier on the first result") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget a = table.bind(check(CheckType::Tcp, 80), "192.0.2.1");
  const BoundTarget b = table.bind(check(CheckType::Tcp, 80), "192.0.2.2");
  table.set_uses({use_of(a.id, "192.0.2.1"), use_of(b.id, "192.0.2.2")});
  REQUIRE(barrier.pending() == 2);

  // A cancelled result is no result: nothing recorded, the barrier still waits.
  CHECK_FALSE(table.record_result(a.id, CheckResult::failed(FailureKind::Cancelled, "stopped"), 6000, 1).has_value());
  CHECK(waiting(barrier, a.id) == 1);
  CHECK(state_of(a) == HealthState::Unknown);

  const auto first = table.record_result(a.id, CheckResult::success("connected", 300), 6000, 1);
  REQUIRE(first.has_value());
  CHECK(first->transition == Transition::Changed);
  CHECK(state_of(a) == HealthState::Up);
  CHECK(waiting(barrier, a.id) == 0);
  CHECK(barrier.pending() == 1);  // b still waits
  REQUIRE(first->event.has_value());
  CHECK(first->event->target_id == a.id);
  CHECK(first->event->from == HealthState::Unknown);
  CHECK(first->event->to == HealthState::Up);
  CHECK(first->event->at_ms == 6000u);
  REQUIRE(first->event->refs.size() == 1);
  CHECK(first->event->refs[0].member == "192.0.2.1");
  CHECK(first->next_probe_ms > 6000u);

  // A first failure decides Down at once and also opens the barrier.
  const auto b_first = table.record_result(b.id, CheckResult::failed(FailureKind::Refused, "refused"), 6000, 1);
  REQUIRE(b_first.has_value());
  CHECK(b_first->transition == Transition::Changed);
  CHECK(state_of(b) == HealthState::Down);
  CHECK(barrier.pending() == 0);

  // Later results move the state by the rules, with no event while it holds.
  const auto second = table.record_result(a.id, CheckResult::success("connected"), 8000, 1);
  REQUIRE(second.has_value());
  CHECK(second->transition == Transition::Unchanged);
  CHECK_FALSE(second->event.has_value());
  CHECK(state_of(a) == HealthState::Up);

  // The status shows what was recorded, and the next probe time the outcome gave.
  const auto status = table.status();
  REQUIRE(status.targets.size() == 2);
  CHECK(status.targets[0].id == a.id);
  CHECK(status.targets[0].status.state == HealthState::Up);
  CHECK(status.targets[0].status.probes == 2u);
  CHECK(status.targets[0].status.next_probe_ms == second->next_probe_ms);
  CHECK(status.targets[1].status.state == HealthState::Down);

  // A removed target: nullopt, stop probing it.
  table.set_uses({use_of(a.id, "192.0.2.1")});
  REQUIRE(table.size() == 1);
  CHECK_FALSE(table.record_result(b.id, CheckResult::success("late"), 9000, 1).has_value());
}

TEST_CASE("target table: releasing a target that goes before its first result unblocks a waiter") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget a = table.bind(check(CheckType::Http, 80), "192.0.2.1");
  table.set_uses({});
  CHECK(waiting(barrier, a.id) == 1);  // bound since the previous call: kept, still waiting
  table.set_uses({});
  CHECK(table.size() == 0);
  CHECK(waiting(barrier, a.id) == 0);
}

TEST_CASE("target table: known states from a previous run seed the first bind, and only it") {
  ProbeBarrier barrier;
  uint64_t now = 10'000;
  TargetTable table(barrier, [&now] { return now; });
  const CheckSpec http = dnsd::health::normalized_spec(check(CheckType::Http, 8080));
  const std::string down_key = dnsd::health::target_key(http, "192.0.2.1");
  const std::string up_key = dnsd::health::target_key(http, "192.0.2.2");
  const uint64_t wall_now = 1'700'000'000'000;
  const std::vector<dnsd::health::KnownState> known = {
      {down_key, "http 192.0.2.1:8080", HealthState::Down, wall_now - 3000},
      {up_key, "http 192.0.2.2:8080", HealthState::Up, wall_now - 50'000},  // older than the monotonic clock
      {"no such target", "", HealthState::Down, wall_now}};
  CHECK(table.seed(known, wall_now) == 3);

  const BoundTarget down = table.bind(check(CheckType::Http, 8080), "192.0.2.1");
  const BoundTarget up = table.bind(check(CheckType::Http, 8080), "192.0.2.2");
  const BoundTarget fresh = table.bind(check(CheckType::Http, 8080), "192.0.2.3");
  CHECK(state_of(down) == HealthState::Down);  // served as known, at once
  CHECK(state_of(up) == HealthState::Up);
  CHECK(state_of(fresh) == HealthState::Unknown);
  CHECK(waiting(barrier, down.id) == 0);  // nobody waits for a restored target
  CHECK(waiting(barrier, up.id) == 0);
  CHECK(waiting(barrier, fresh.id) == 1);  // a target not in the file starts as always

  const auto status = table.status();
  for (const auto& t : status.targets) {
    if (t.id == down.id) {
      CHECK(t.status.restored);
      CHECK(t.status.since_ms == now - 3000);
    }
    if (t.id == up.id) CHECK(t.status.since_ms == 1);  // clamped to the clock's start, not 0 (unset)
    if (t.id == fresh.id) CHECK_FALSE(t.status.restored);
  }

  // The first result confirms: no transition, the state stays restored-then-confirmed.
  auto outcome = table.record_result(down.id, CheckResult::failed(FailureKind::Refused, "refused", 1), now, 0);
  REQUIRE(outcome);
  CHECK(outcome->transition == Transition::Unchanged);

  // After the first publish, a target a reload adds is probed first even if the file knew it.
  table.set_uses({use_of(down.id, "192.0.2.1"), use_of(up.id, "192.0.2.2"), use_of(fresh.id, "192.0.2.3")});
  CHECK(table.seed({{dnsd::health::target_key(http, "192.0.2.4"), "", HealthState::Up, wall_now}}, wall_now) == 1);
  table.set_uses({use_of(down.id, "192.0.2.1"), use_of(up.id, "192.0.2.2"), use_of(fresh.id, "192.0.2.3")});
  const BoundTarget later = table.bind(check(CheckType::Http, 8080), "192.0.2.4");
  CHECK(state_of(later) == HealthState::Unknown);
  CHECK(waiting(barrier, later.id) == 1);
}

TEST_CASE("target table: dns checks that expect different replies are different targets") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const CheckSpec plain = check(CheckType::Dns, 53);
  const BoundTarget first = table.bind(plain, "192.0.2.1");
  auto with = [&](auto change) {
    CheckSpec s = plain;
    change(s);
    return s;
  };
  const CheckSpec variants[] = {
      with([](CheckSpec& s) { s.edns = false; }),
      with([](CheckSpec& s) { s.transport = dnsd::zones::DnsTransport::Tcp; }),
      with([](CheckSpec& s) { s.expect_rcode = {0, 3}; }),
      with([](CheckSpec& s) { s.expect_address = "192.0.2.10"; }),
      with([](CheckSpec& s) { s.expect_address = "192.0.2.11"; }),
      with([](CheckSpec& s) { s.expect_answer = true; }),
  };
  std::vector<uint64_t> ids = {first.id};
  for (const CheckSpec& v : variants) {
    const BoundTarget t = table.bind(v, "192.0.2.1");
    CHECK(t.created);
    CHECK(std::find(ids.begin(), ids.end(), t.id) == ids.end());
    ids.push_back(t.id);
  }
  CHECK(table.bind(with([](CheckSpec& s) { s.expect_rcode = {0}; }), "192.0.2.1").id == first.id);

  // Options a type ignores do not split it; defaults leave the key as it always was.
  CheckSpec http = check(CheckType::Http, 80);
  const BoundTarget h = table.bind(http, "192.0.2.1");
  http.expect_answer = true;
  http.transport = dnsd::zones::DnsTransport::Tcp;
  CHECK(table.bind(http, "192.0.2.1").id == h.id);
  const std::string key = dnsd::health::target_key(dnsd::health::normalized_spec(plain), "192.0.2.1");
  CHECK(key.find("dns-options") == std::string::npos);
  CHECK(dnsd::health::target_key(dnsd::health::normalized_spec(variants[0]), "192.0.2.1").find("no-edns") !=
        std::string::npos);
}

TEST_CASE("target table: a member bound by an unpublished load names its zone and pool in its first event") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  const BoundTarget t = table.bind(check(CheckType::Tcp, 80), "192.0.2.9");
  table.add_pending_ref(t.id, use_of(t.id, "192.0.2.9").ref);
  table.add_pending_ref(t.id, use_of(t.id, "192.0.2.9").ref);  // bound twice: named once
  const auto outcome = table.record_result(t.id, CheckResult::failed(FailureKind::Refused, "connect refused"), 6000, 1);
  REQUIRE(outcome);
  REQUIRE(outcome->event);
  REQUIRE(outcome->event->refs.size() == 1);
  CHECK(outcome->event->refs[0].zone == "example.test.");
  CHECK(outcome->event->refs[0].pool == "web");
  table.set_uses({use_of(t.id, "192.0.2.9", "other.test.")});  // published: the uses replace it
  const auto status = table.status();
  REQUIRE(status.targets.size() == 1);
  REQUIRE(status.targets[0].refs.size() == 1);
  CHECK(status.targets[0].refs[0].zone == "other.test.");
}

TEST_CASE("target table: results feed the target's history") {
  ProbeBarrier barrier;
  TargetTable table(barrier, fake_now);
  CheckSpec spec = check(CheckType::Tcp, 80);
  spec.fall = 1;
  const BoundTarget t = table.bind(spec, "192.0.2.10");
  table.record_result(t.id, CheckResult::success("connected", 1500), 10'000, 1);
  table.record_result(t.id, CheckResult::failed(FailureKind::Refused, "connect refused"), 21'000, 1);
  const auto snap = table.history();
  REQUIRE(snap.targets.size() == 1);
  const auto& h = snap.targets[0].history;
  REQUIRE(h.buckets().size() == 2);
  CHECK(h.buckets()[0].mean_latency_us() == 1500);
  CHECK(h.buckets()[1].failures == 1);
  REQUIRE(h.marks().size() == 3);  // unknown at bind, up, down (fall 1)
  CHECK(h.marks()[0].at_ms == 5000);
  CHECK(snap.targets[0].state == HealthState::Down);
}
