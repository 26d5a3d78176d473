// GET /api/events and /api/history bodies: events as JSON, history in 10-second
// buckets with failures apart from latency, drained stretches from drain events.
#include "dnsd/control/history_report.h"

#include <doctest.h>

using dnsd::HistoryQuery;
using dnsd::health::CheckResult;
using dnsd::health::Event;
using dnsd::health::EventKind;
using dnsd::health::FailureKind;
using dnsd::health::HealthState;
using dnsd::health::HistorySnapshot;
using dnsd::health::TargetHistoryCopy;
using nlohmann::json;

namespace {

constexpr uint64_t kWallNow = 1'800'000'000'000;  // the wall clock at the snapshot
constexpr uint64_t kNow = 2'000'000;              // the table's clock at the snapshot

TargetHistoryCopy target(const std::string& member, dnsd::zones::CheckType type = dnsd::zones::CheckType::Http) {
  TargetHistoryCopy t;
  t.id = 1;
  t.check.type = type;
  t.refs = {dnsd::health::TargetRef{.zone = "example.test.", .pool = "web", .member = member}};
  return t;
}

}  // namespace

TEST_CASE("events as JSON: every field, null where it does not apply") {
  Event e;
  e.id = 7;
  e.at_ms = kWallNow;
  e.kind = EventKind::PoolAllDown;
  e.zone = "example.test.";
  e.pool = "web";
  e.reason = "all 2 members are down";
  const json j = dnsd::events_json({e}, 9);
  CHECK(j["last_id"] == 9);
  REQUIRE(j["events"].size() == 1);
  const json& x = j["events"][0];
  CHECK(x["id"] == 7);
  CHECK(x["kind"] == "pool-all-down");
  CHECK(x["member"].is_null());
  CHECK(x["latency_ms"].is_null());
  CHECK(x["at"].get<std::string>().back() == 'Z');
}

TEST_CASE("history query: window in seconds within 10..900") {
  HistoryQuery q;
  std::string error;
  CHECK(dnsd::parse_history_query("", "", "", q, error));
  CHECK(q.window_ms == 900'000);
  CHECK(dnsd::parse_history_query("60", "Example.Test", "web", q, error));
  CHECK(q.window_ms == 60'000);
  CHECK(q.zone == "example.test.");
  CHECK_FALSE(dnsd::parse_history_query("901", "", "", q, error));
  CHECK_FALSE(dnsd::parse_history_query("5x", "", "", q, error));
  CHECK(error.find("window") != std::string::npos);
}

TEST_CASE("history: latency of successful probes per bucket, failures apart, segments on the wall clock") {
  TargetHistoryCopy t = target("192.0.2.1");
  t.history.begin(kNow - 120'000, HealthState::Unknown);
  t.history.record(kNow - 100'000, CheckResult::success("HTTP 200", 2500), HealthState::Up);
  t.history.record(kNow - 30'000, CheckResult::failed(FailureKind::Refused, "connect refused", 200), HealthState::Down);
  t.state = HealthState::Down;
  HistorySnapshot h;
  h.now_ms = kNow;
  h.targets = {t};
  HistoryQuery q;
  q.window_ms = 60'000;
  const json j = dnsd::history_json(h, {}, kWallNow, q);
  CHECK(j["bucket_ms"] == 10'000);
  REQUIRE(j["members"].size() == 1);
  const json& m = j["members"][0];
  CHECK(m["state"] == "down");
  CHECK(m["checked"] == true);
  // The success is outside the 60 s window; the failure is a failure, not a latency.
  CHECK(m["latency_ms"].is_null());
  REQUIRE(m["failures"].is_array());
  int failed = 0;
  for (const json& f : m["failures"]) failed += f.get<int>();
  CHECK(failed == 1);
  CHECK(m["failures"].back() == 0);  // the failure's bucket is 30 s ago, not the current one
  CHECK(m["last_failure"] == "refused");
  REQUIRE(m["segments"].size() == 2);
  CHECK(m["segments"][0]["state"] == "up");
  CHECK(m["segments"][0]["start_ms"] == kWallNow - 60'000);
  CHECK(m["segments"][1]["state"] == "down");
  CHECK(m["segments"][1]["start_ms"] == kWallNow - 30'000);
  CHECK(m["segments"][1]["end_ms"] == kWallNow);

  q.window_ms = 900'000;
  const json all = dnsd::history_json(h, {}, kWallNow, q);
  int latencies = 0;
  for (const json& l : all["members"][0]["latency_ms"])
    if (!l.is_null()) {
      ++latencies;
      CHECK(l.get<double>() == doctest::Approx(2.5));
    }
  CHECK(latencies == 1);
  CHECK(all["members"][0]["failures"].size() == all["members"][0]["latency_ms"].size());
}

TEST_CASE("history: drain events cut drained stretches into the segments; unchecked pools say so") {
  TargetHistoryCopy t = target("192.0.2.1", dnsd::zones::CheckType::None);
  t.history.begin(kNow - 600'000, HealthState::Up);
  t.state = HealthState::Up;
  HistorySnapshot h;
  h.now_ms = kNow;
  h.targets = {t};
  Event drain;
  drain.kind = EventKind::MemberDrained;
  drain.pool = "web";
  drain.member = "192.0.2.1";
  drain.at_ms = kWallNow - 300'000;
  Event undrain = drain;
  undrain.kind = EventKind::MemberUndrained;
  undrain.zone = "example.test.";
  undrain.at_ms = kWallNow - 100'000;
  const json j = dnsd::history_json(h, {drain, undrain}, kWallNow, HistoryQuery{});
  const json& m = j["members"][0];
  CHECK(m["state"] == "unchecked");
  CHECK(m["latency_ms"].is_null());
  CHECK(m["failures"].is_null());
  REQUIRE(m["segments"].size() == 3);
  CHECK(m["segments"][0]["state"] == "unchecked");
  CHECK(m["segments"][1]["state"] == "drained");
  CHECK(m["segments"][1]["start_ms"] == kWallNow - 300'000);
  CHECK(m["segments"][1]["end_ms"] == kWallNow - 100'000);
  CHECK(m["segments"][2]["state"] == "unchecked");

  HistoryQuery other;
  other.pool = "api";
  CHECK(dnsd::history_json(h, {}, kWallNow, other)["members"].empty());
}
