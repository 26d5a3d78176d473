// EventLog: ids in sequence, the clock's time, a bounded ring, reading since an id.
#include <doctest.h>

#include <cstdint>
#include <string>

#include "health/event_log.h"

using dnsd::health::Event;
using dnsd::health::EventKind;
using dnsd::health::EventLog;

namespace {

Event member_down(const std::string& member) {
  Event e;
  e.kind = EventKind::MemberDown;
  e.zone = "example.test.";
  e.pool = "web";
  e.member = member;
  e.from = "up";
  e.to = "down";
  e.reason = "connect refused in 0.2 ms";
  return e;
}

}  // namespace

TEST_CASE("event log: ids count up from 1 and times come from the clock") {
  uint64_t now = 1'700'000'000'000;
  EventLog log([&now] { return now; });
  CHECK(log.last_id() == 0);
  CHECK(log.since(0).empty());
  CHECK(log.record(member_down("192.0.2.1")) == 1);
  now += 1500;
  CHECK(log.record(member_down("192.0.2.2")) == 2);
  const auto all = log.since(0);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == 1);
  CHECK(all[0].at_ms == 1'700'000'000'000);
  CHECK(all[1].at_ms == 1'700'000'001'500);
  CHECK(all[1].member == "192.0.2.2");
  CHECK(log.last_id() == 2);
}

TEST_CASE("event log: since returns only newer events, oldest first") {
  EventLog log([] { return uint64_t(1000); });
  for (int i = 0; i < 5; ++i) log.record(member_down("192.0.2." + std::to_string(i)));
  const auto newer = log.since(3);
  REQUIRE(newer.size() == 2);
  CHECK(newer[0].id == 4);
  CHECK(newer[1].id == 5);
  CHECK(log.since(5).empty());
  CHECK(log.since(99).empty());
}

TEST_CASE("event log: the ring keeps the newest events only") {
  EventLog log([] { return uint64_t(1000); }, 3);
  for (int i = 0; i < 10; ++i) log.record(member_down("192.0.2." + std::to_string(i)));
  const auto kept = log.since(0);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].id == 8);
  CHECK(kept[2].id == 10);
  CHECK(log.since(8).size() == 2);
  CHECK(log.last_id() == 10);
}

TEST_CASE("event log: an explicit time is kept and drains are recorded with their direction") {
  EventLog log([] { return uint64_t(1000); });
  Event e = member_down("192.0.2.1");
  e.at_ms = 42;
  log.record(e);
  log.record_admin("example.test.", "web", "192.0.2.1", true);
  log.record_admin("", "web", "192.0.2.1", false);
  const auto all = log.since(0);
  REQUIRE(all.size() == 3);
  CHECK(all[0].at_ms == 42);
  CHECK(all[1].kind == EventKind::MemberDrained);
  CHECK(all[1].to == "drain");
  CHECK(all[2].kind == EventKind::MemberUndrained);
  CHECK(all[2].zone.empty());
  CHECK(std::string(dnsd::health::event_kind_name(all[2].kind)) == "member-undrained");
}
