// The status file's JSON, the move to wall-clock time, and the atomic write.
#include <doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

TEST_CASE("status JSON holds every target, its check, last result and refs") {
  const nlohmann::json doc = nlohmann::json::parse(health::status_to_json(sample()));
  CHECK(doc["version"] == 1);
  CHECK(doc["now_ms"] == 100000);
  REQUIRE(doc["targets"].size() == 2);
  const nlohmann::json& t = doc["targets"][0];
  CHECK(t["id"] == 7);
  CHECK(t["label"] == "http 127.0.1.1:80");
  CHECK(t["check"]["type"] == "http");
  CHECK(t["check"]["port"] == 80);
  CHECK(t["check"]["path"] == "/healthz");
  CHECK(t["state"] == "down");
  CHECK(t["since_ms"] == 88000);
  CHECK(t["next_probe_ms"] == 101500);
  CHECK(t["failed_probes"] == 3);
  CHECK(t["last_result"]["ok"] == false);
  CHECK(t["last_result"]["failure"] == "status");
  CHECK(t["last_result"]["detail"] == "HTTP 500");
  CHECK(t["last_result"]["at_ms"] == 99000);
  REQUIRE(t["refs"].size() == 2);
  CHECK(t["refs"][0] == nlohmann::json{{"zone", "example.test."}, {"pool", "web"}, {"member", "192.0.2.1"},
                                       {"weight", 1}, {"backup", false}, {"drained_in_zone", false},
                                       {"admin", "drain"}});
  CHECK(t["refs"][1]["backup"] == true);
  CHECK(doc["targets"][1]["last_result"].is_null());
  CHECK(doc["targets"][1]["check"]["type"] == "none");
}

TEST_CASE("to_wall_clock shifts every set time and leaves unset ones") {
  const HealthSnapshot w = health::to_wall_clock(sample(), 1700000000000);
  CHECK(w.now_ms == 1700000000000);
  CHECK(w.targets[0].status.next_probe_ms == 1700000001500);
  CHECK(w.targets[0].status.last_result_ms == 1699999999000);
  CHECK(w.targets[1].status.next_probe_ms == 0);
}

TEST_CASE("the status file is written atomically, in wall-clock time") {
  const auto file = std::filesystem::temp_directory_path() / ("dnsd-status-rt-" + std::to_string(getpid()));
  std::string error;
  const uint64_t before = health::wall_clock_ms();
  REQUIRE_MESSAGE(health::write_status_file(file.string(), sample(), error), error);
  std::ifstream in(file);
  const nlohmann::json doc = nlohmann::json::parse(in);
  // The state had been down for 12 s at writing; that age survives the move to the wall clock.
  const uint64_t now = doc["now_ms"].get<uint64_t>();
  CHECK(now >= before);
  CHECK(now - doc["targets"][0]["since_ms"].get<uint64_t>() == 12000);
  std::filesystem::remove(file);
  CHECK_FALSE(health::write_status_file("/nonexistent-dir/x.json", sample(), error));
  CHECK(error.find("/nonexistent-dir/x.json") != std::string::npos);
}

TEST_CASE("durations read naturally") {
  CHECK(health::format_duration(850) == "850ms");
  CHECK(health::format_duration(4200) == "4.2s");
  CHECK(health::format_duration(42000) == "42s");
  CHECK(health::format_duration(312000) == "5m12s");
  CHECK(health::format_duration(3 * 3600000 + 5 * 60000) == "3h05m");
  CHECK(health::format_duration(2 * 86400000ull + 3 * 3600000) == "2d03h");
}
