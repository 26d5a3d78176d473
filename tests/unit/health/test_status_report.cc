// The status file round trip, the move to wall-clock time, and the table.
#include <doctest.h>

#include <filesystem>

#include "health/status_report.h"

using dnsd::health::HealthSnapshot;
using dnsd::health::TargetStatus;
using dnsd::health::HealthState;
namespace health = dnsd::health;
namespace zones = dnsd::zones;

namespace {

HealthSnapshot sample() {
  HealthSnapshot s;
  s.now_ms = 100000;
  TargetStatus t;
  t.id = 7;
  t.check.type = zones::CheckType::Http;
  t.check.port = 80;
  t.check.path = "/healthz";
  t.address = "127.0.1.1";
  t.status.state = HealthState::Down;
  t.status.since_ms = 88000;  // 12 s before now
  t.status.has_result = true;
  t.status.last_result = health::CheckResult::failed(health::FailureKind::Status, "HTTP 500", 3000);
  t.status.last_result_ms = 99000;
  t.status.next_probe_ms = 101500;
  t.status.probes = 9;
  t.status.failed_probes = 3;
  t.refs.push_back({"example.test.", "web", "192.0.2.1", 1, false, false, health::AdminState::Drain});
  t.refs.push_back({"example.test.", "api", "192.0.2.1", 2, true, false, health::AdminState::Auto});
  s.targets.push_back(t);
  TargetStatus none;
  none.id = 8;
  none.address = "192.0.2.50";
  none.status.state = HealthState::Up;
  none.status.since_ms = 40000;
  s.targets.push_back(none);
  return s;
}

}  // namespace

TEST_CASE("status JSON round-trips") {
  const HealthSnapshot s = sample();
  HealthSnapshot back;
  std::string error;
  REQUIRE_MESSAGE(health::status_from_json(health::status_to_json(s), back, error), error);
  REQUIRE(back.targets.size() == 2);
  const TargetStatus& t = back.targets[0];
  CHECK(back.now_ms == s.now_ms);
  CHECK(t.check == s.targets[0].check);
  CHECK(t.status.state == HealthState::Down);
  CHECK(t.status.last_result.detail == "HTTP 500");
  CHECK(t.status.last_result.failure == health::FailureKind::Status);
  CHECK(t.status.failed_probes == 3);
  CHECK(t.refs == s.targets[0].refs);
  CHECK_FALSE(back.targets[1].status.has_result);
  CHECK_FALSE(health::status_from_json("{\"version\": 2}", back, error));
  CHECK_FALSE(health::status_from_json("not json", back, error));
}

TEST_CASE("to_wall_clock shifts every set time and leaves unset ones") {
  const HealthSnapshot w = health::to_wall_clock(sample(), 1700000000000);
  CHECK(w.now_ms == 1700000000000);
  CHECK(w.targets[0].status.next_probe_ms == 1700000001500);
  CHECK(w.targets[0].status.last_result_ms == 1699999999000);
  CHECK(w.targets[1].status.next_probe_ms == 0);
}

TEST_CASE("the status file is written atomically and read back with ages intact") {
  const auto file = std::filesystem::temp_directory_path() / ("dnsd-status-rt-" + std::to_string(getpid()));
  std::string error;
  REQUIRE_MESSAGE(health::write_status_file(file.string(), sample(), error), error);
  HealthSnapshot back;
  REQUIRE_MESSAGE(health::read_status_file(file.string(), back, error), error);
  // The state has been down for 12 s at writing; reading a moment later shows about that.
  const uint64_t age = back.now_ms - back.targets[0].status.since_ms;
  CHECK(age >= 12000);
  CHECK(age < 20000);
  std::filesystem::remove(file);
  CHECK_FALSE(health::write_status_file("/nonexistent-dir/x.json", sample(), error));
  CHECK(error.find("/nonexistent-dir/x.json") != std::string::npos);
  CHECK_FALSE(health::read_status_file("/nonexistent-dir/x.json", back, error));
}

TEST_CASE("the status table has one row per pool member, sorted, with ages and the next probe") {
  const std::string table = health::render_status_table(sample());
  INFO(table);
  CHECK(table.rfind("ZONE", 0) == 0);
  const auto api = table.find("example.test.  api");
  const auto web = table.find("example.test.  web");
  CHECK(table.find("-  ") < api);  // unreferenced target first ("-" sorts first)
  CHECK(api < web);
  CHECK(table.find("backup") != std::string::npos);
  CHECK(table.find("primary,drain") != std::string::npos);
  CHECK(table.find("down   12s") != std::string::npos);
  CHECK(table.find("HTTP 500 in 3.0 ms") != std::string::npos);
  CHECK(table.find("in 1.5s") != std::string::npos);
  CHECK(table.find("http 127.0.1.1:80") != std::string::npos);
  CHECK(table.find("static") != std::string::npos);
}

TEST_CASE("durations read naturally") {
  CHECK(health::format_duration(850) == "850ms");
  CHECK(health::format_duration(4200) == "4.2s");
  CHECK(health::format_duration(42000) == "42s");
  CHECK(health::format_duration(312000) == "5m12s");
  CHECK(health::format_duration(3 * 3600000 + 5 * 60000) == "3h05m");
  CHECK(health::format_duration(2 * 86400000ull + 3 * 3600000) == "2d03h");
}
