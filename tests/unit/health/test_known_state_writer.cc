// KnownStateWriter: health.json rewritten after transitions (a burst makes one
// write), nothing written for probes that change nothing, failed writes
// counted and retried until they succeed, a last write at stop.
#include <doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "health/check.h"
#include "health/known_state_writer.h"
#include "health/known_states.h"
#include "health/probe_barrier.h"
#include "health/target_table.h"
#include "tests/unit/temp_dir.h"

using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::HealthState;
using dnsd::health::KnownState;
using dnsd::health::KnownStateWriter;
using dnsd::health::ProbeBarrier;
using dnsd::health::StateWriteErrors;
using dnsd::health::TargetTable;
namespace health = dnsd::health;

namespace {

dnsd::zones::CheckSpec tcp_check() {
  dnsd::zones::CheckSpec s;
  s.type = dnsd::zones::CheckType::Tcp;
  s.port = 8080;
  return s;
}

template <typename F>
bool eventually(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

std::vector<KnownState> read(const std::string& path) {
  std::vector<KnownState> out;
  std::string error;
  REQUIRE(health::read_known_states(path, out, error));
  return out;
}

}  // namespace

TEST_CASE("known state writer: a burst of transitions makes one write; confirmations make none") {
  dnsd::test::TempDir dir;
  const std::string path = (dir.path / "health.json").string();
  ProbeBarrier barrier;
  TargetTable table(barrier);
  StateWriteErrors errors;
  KnownStateWriter writer(table, path, &errors, /*coalesce_ms=*/50, /*retry_ms=*/20);
  writer.start();
  const auto a = table.bind(tcp_check(), "192.0.2.1");
  const auto b = table.bind(tcp_check(), "192.0.2.2");
  const auto now = health::monotonic_ms();
  table.record_result(a.id, CheckResult::success("ok", 1), now, 0);
  table.record_result(b.id, CheckResult::failed(FailureKind::Refused, "refused", 1), now, 0);
  REQUIRE(eventually([&] { return writer.writes() >= 1 && read(path).size() == 2; }));
  CHECK(writer.writes() == 1);  // both transitions in one write (they came well within the window)
  const auto states = read(path);
  CHECK(((states[0].state == HealthState::Up) != (states[1].state == HealthState::Up)));

  // Results that change nothing write nothing.
  const uint64_t writes = writer.writes();
  table.record_result(a.id, CheckResult::success("ok", 1), now + 10, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK(writer.writes() == writes);
  writer.stop();
  CHECK(writer.writes() == writes);  // nothing was left unwritten
  CHECK(errors.status()[2].errors == 0);
}

TEST_CASE("known state writer: a failed write is counted and tried again until it succeeds") {
  dnsd::test::TempDir dir;
  const auto state_dir = dir.path / "state";
  const std::string path = (state_dir / "health.json").string();  // the directory does not exist yet
  ProbeBarrier barrier;
  TargetTable table(barrier);
  StateWriteErrors errors;
  KnownStateWriter writer(table, path, &errors, /*coalesce_ms=*/10, /*retry_ms=*/30);
  writer.start();
  const auto a = table.bind(tcp_check(), "192.0.2.1");
  table.record_result(a.id, CheckResult::failed(FailureKind::Refused, "refused", 1), health::monotonic_ms(), 0);
  REQUIRE(eventually([&] { return errors.status()[2].errors >= 2; }));  // failed, and retried
  CHECK(errors.status()[2].file == "health");
  CHECK(errors.status()[2].last_error.find(path) == 0);  // names the file
  CHECK(writer.writes() == 0);

  std::filesystem::create_directory(state_dir);
  REQUIRE(eventually([&] { return writer.writes() == 1; }));
  CHECK_FALSE(errors.status()[2].failing);
  const auto states = read(path);
  REQUIRE(states.size() == 1);
  CHECK(states[0].state == HealthState::Down);
  writer.stop();
}

TEST_CASE("known state writer: a transition just before stop is written by stop") {
  dnsd::test::TempDir dir;
  const std::string path = (dir.path / "health.json").string();
  ProbeBarrier barrier;
  TargetTable table(barrier);
  KnownStateWriter writer(table, path, nullptr, /*coalesce_ms=*/60000, /*retry_ms=*/60000);
  writer.start();
  const auto a = table.bind(tcp_check(), "192.0.2.1");
  table.record_result(a.id, CheckResult::success("ok", 1), health::monotonic_ms(), 0);
  writer.stop();  // long before the window ends
  CHECK(writer.writes() == 1);
  CHECK(read(path).size() == 1);
}
