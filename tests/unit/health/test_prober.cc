// The prober end to end on real loopback backends: the start-up round marks
// live members up and dead ones down before anything is served, a backend
// that dies leaves within fall x fast_interval, comes back after rise
// successes, state changes reach the sink as log lines, the status file is
// written, and stop() ends hung probes.
#include <doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "health/prober.h"
#include "health/status_report.h"
#include "tests/unit/health/loopback_backends.h"

using dnsd::health::HealthRegistry;
using dnsd::health::Prober;
using dnsd::health::ProberOptions;
using dnsd::health::StateChangeEvent;
using dnsd::test::eventually;
using dnsd::health::HealthState;
namespace health = dnsd::health;
namespace zones = dnsd::zones;

namespace {

zones::CheckSpec quick(zones::CheckType type, uint16_t port) {
  zones::CheckSpec s;
  s.type = type;
  s.port = port;
  s.interval_ms = 200;
  s.fast_interval_ms = 50;
  s.timeout_ms = 150;
  s.rise = 2;
  s.fall = 2;
  return s;
}

HealthState state_of(const std::shared_ptr<health::MemberHealth>& h) { return HealthState(h->state.load()); }

// How long a member that was probed once (the start-up round) takes to go
// down with quick(): its second probe has a random phase of 0.5-1.5 intervals
// (at most 300 ms, member_status.cc next_delay), then one fast re-check
// (50 ms + 10% jitter) makes fall = 2. The exact timing is proven without
// sockets in test_member_status; this bounds the real thread and sockets.
constexpr auto kExpectedDown = std::chrono::milliseconds(300 + 55);
// Slack for two loopback HTTP exchanges and for the prober thread and this
// one waking late on a loaded 2-core machine (or under sanitizers).
constexpr auto kSchedulingMargin = std::chrono::milliseconds(300);

// Collects state-change lines from the prober thread.
struct EventLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  ProberOptions options() {
    ProberOptions o;
    o.on_state_change = [this](const StateChangeEvent& e) {
      std::lock_guard lock(mutex);
      lines.push_back(health::format_state_change(e));
    };
    return o;
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return lines.size();
  }
  bool has(const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
  // The prober stores a member's state before it logs the change, so a test
  // that has seen the state waits for the line.
  bool arrives(const std::string& text) { return eventually([&] { return has(text); }) || contains(text); }
  bool contains(const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    MESSAGE("no line contains '" << text << "' in:\n" << all);
    return false;
  }
};

}  // namespace

TEST_CASE("prober: the start-up round decides every member before serving") {
  dnsd::test::HttpBackend ok("127.0.1.6", 200);
  dnsd::test::HttpBackend failing("127.0.1.7", 500);
  dnsd::test::SilentListener silent("127.0.1.8");
  const uint16_t refused = dnsd::test::refusing_port("127.0.1.9");

  HealthRegistry registry;
  auto h_ok = registry.targets().bind(quick(zones::CheckType::Http, ok.port()), "127.0.1.6").health;
  auto h_500 = registry.targets().bind(quick(zones::CheckType::Http, failing.port()), "127.0.1.7").health;
  auto h_silent = registry.targets().bind(quick(zones::CheckType::Http, silent.port), "127.0.1.8").health;
  auto h_refused = registry.targets().bind(quick(zones::CheckType::Tcp, refused), "127.0.1.9").health;
  auto h_none = registry.targets().bind(zones::CheckSpec{}, "127.0.1.10").health;

  EventLog log;
  ProberOptions options = log.options();
  std::atomic<int> results{0};
  options.on_probe_result = [&](const health::Target&, const health::CheckResult&) { ++results; };
  Prober prober(registry, options);
  const auto budget = prober.initial_round_budget();
  CHECK(budget >= std::chrono::milliseconds(150));
  CHECK(prober.run_initial_round(budget) == 0);
  CHECK(state_of(h_ok) == HealthState::Up);
  CHECK(state_of(h_500) == HealthState::Down);
  CHECK(state_of(h_silent) == HealthState::Down);
  CHECK(state_of(h_refused) == HealthState::Down);
  CHECK(state_of(h_none) == HealthState::Up);
  // The sink runs just after the result is recorded, so the last line may trail the round by a moment.
  CHECK(eventually([&] { return log.count() == 4; }));
  CHECK(results >= 4);  // on_probe_result runs before on_state_change for the same result
  CHECK(log.contains("(check http 127.0.1.7:" + std::to_string(failing.port()) + ") unknown -> down: HTTP 500 in "));
  CHECK(log.contains("unknown -> down: timeout after 150 ms"));
  CHECK(log.contains("unknown -> down: connect refused"));
  CHECK(log.contains("unknown -> up: HTTP 200 in "));

  const auto snap = prober.status();
  CHECK(snap.targets.size() == 5);
  for (const auto& t : snap.targets) {
    if (t.check.type == zones::CheckType::None) continue;
    CHECK(t.status.has_result);
    CHECK(t.status.next_probe_ms > 0);
  }
  prober.stop();
}

TEST_CASE("prober: a backend that dies leaves quickly and comes back after rise successes") {
  auto backend = std::make_unique<dnsd::test::HttpBackend>("127.0.1.11", 200);
  const uint16_t port = backend->port();
  HealthRegistry registry;
  auto h = registry.targets().bind(quick(zones::CheckType::Http, port), "127.0.1.11").health;
  EventLog log;
  Prober prober(registry, log.options());
  REQUIRE(prober.run_initial_round(std::chrono::seconds(5)) == 0);
  REQUIRE(state_of(h) == HealthState::Up);

  SUBCASE("it starts failing: 500") {
    backend->set_status(500);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Down; }, kExpectedDown + kSchedulingMargin));
    CHECK(std::chrono::steady_clock::now() - start < kExpectedDown + kSchedulingMargin);
    CHECK(log.arrives("up -> down: HTTP 500 in "));
    backend->set_status(200);
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Up; }));
    CHECK(log.arrives("down -> up: HTTP 200 in "));
  }
  SUBCASE("it is killed, then restarted on the same port") {
    backend.reset();
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Down; }, kExpectedDown + kSchedulingMargin));
    CHECK(std::chrono::steady_clock::now() - start < kExpectedDown + kSchedulingMargin);
    CHECK(log.arrives("up -> down: connect refused"));
    backend = std::make_unique<dnsd::test::HttpBackend>("127.0.1.11", 200, "ok\n", port);
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Up; }));
  }
  prober.stop();
}

TEST_CASE("prober: targets added after start are picked up and probed; removed ones stop") {
  dnsd::test::HttpBackend backend("127.0.1.12", 200);
  dnsd::test::SilentListener witness_listener("127.0.1.16");
  HealthRegistry registry;
  std::atomic<int> witness_results{0};
  ProberOptions options;
  options.on_probe_result = [&](const health::Target& t, const health::CheckResult&) {
    if (t.address == "127.0.1.16") ++witness_results;
  };
  Prober prober(registry, options);
  prober.start();
  const auto bound = registry.targets().bind(quick(zones::CheckType::Http, backend.port()), "127.0.1.12");
  const auto h = bound.health;
  const uint64_t ids[] = {bound.id};
  CHECK(prober.wait_for_first_results(ids, std::chrono::seconds(5)) == 0);
  CHECK(state_of(h) == HealthState::Up);
  registry.sync(zones::ZoneSet({}));  // bound since the last sync: kept once
  registry.sync(zones::ZoneSet({}));  // now forgotten
  CHECK(registry.targets().size() == 0);
  // The prober notices and drops it; then requests stop arriving.
  CHECK(eventually([&] { return prober.scheduled_targets() == 0; }));
  CHECK(prober.probes_started() >= 1);
  const auto started = prober.probes_started();
  // Absence of probes, measured by the prober's own clock instead of a sleep: a
  // witness target with the same check timing is probed 4 times, which spans at
  // least 100 + 180 + 180 ms (its second probe has a random phase of 0.5-1.5
  // intervals, then +-10% jitter): time for the forgotten target (one probe
  // every <= 220 ms) to have started at least 2 probes were it still scheduled.
  auto witness = registry.targets().bind(quick(zones::CheckType::Tcp, witness_listener.port), "127.0.1.16").health;
  REQUIRE(eventually([&] { return witness_results.load() >= 4; }));
  const auto new_probes = prober.probes_started() - started;
  // Every new probe is the witness's: the recorded ones, plus at most one in flight.
  CHECK(new_probes <= uint64_t(witness_results.load()) + 1);
  prober.stop();
}

TEST_CASE("prober: writes the status file after changes and periodically") {
  dnsd::test::SilentListener listener("127.0.1.13");
  const auto file = std::filesystem::temp_directory_path() / ("dnsd-status-" + std::to_string(getpid()) + ".json");
  std::filesystem::remove(file);
  HealthRegistry registry;
  registry.targets().bind(quick(zones::CheckType::Tcp, listener.port), "127.0.1.13").health;
  ProberOptions options;
  options.status_file = file.string();
  options.status_file_period_ms = 100;
  Prober prober(registry, options);
  REQUIRE(prober.run_initial_round(std::chrono::seconds(5)) == 0);
  nlohmann::json doc;
  REQUIRE(eventually([&] {
    std::ifstream in(file);
    doc = nlohmann::json::parse(in, nullptr, false);  // discarded (not an exception) before the first write
    return !doc.is_discarded() && doc["targets"].size() == 1 && doc["targets"][0]["state"] == "up";
  }));
  CHECK(doc["targets"][0]["address"] == "127.0.1.13");
  CHECK(doc["targets"][0]["last_result"]["detail"].get<std::string>().find("connected") != std::string::npos);
  prober.stop();
  std::filesystem::remove(file);
}

TEST_CASE("prober: stop() cancels hung probes at once, killing exec children") {
  HealthRegistry registry;
  zones::CheckSpec slow = quick(zones::CheckType::Exec, 0);
  slow.command = "sleep 30";
  slow.timeout_ms = 30000;
  slow.interval_ms = 60000;
  registry.targets().bind(slow, "127.0.1.14").health;
  dnsd::test::SilentListener silent("127.0.1.15");
  zones::CheckSpec hang = quick(zones::CheckType::Http, silent.port);
  hang.timeout_ms = 30000;
  hang.interval_ms = 60000;
  registry.targets().bind(hang, "127.0.1.15").health;
  Prober prober(registry);
  prober.start();
  REQUIRE(eventually([&] { return prober.probes_started() == 2; }));
  const auto start = std::chrono::steady_clock::now();
  prober.stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(registry.barrier().pending() == 2);  // cancelled results are never recorded
}

TEST_CASE("prober: at most max_in_flight probes run at once") {
  HealthRegistry registry;
  const auto dir = std::filesystem::temp_directory_path() / ("dnsd-inflight-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // Each probe holds a lock file for 100 ms; the most files seen at once is the concurrency.
  for (int i = 0; i < 8; ++i) {
    zones::CheckSpec s = quick(zones::CheckType::Exec, 0);
    s.interval_ms = 60000;
    s.timeout_ms = 5000;
    s.command = "touch " + dir.string() + "/{address}; ls " + dir.string() + " | wc -l >> " + dir.string() +
                ".counts; sleep 0.1; rm " + dir.string() + "/{address}";
    registry.targets().bind(s, "127.0.2." + std::to_string(i + 1)).health;
  }
  ProberOptions options;
  options.max_in_flight = 2;
  Prober prober(registry, options);
  CHECK(prober.run_initial_round(std::chrono::seconds(10)) == 0);
  prober.stop();
  std::ifstream counts(dir.string() + ".counts");
  int most = 0, n = 0, c = 0;
  while (counts >> c) {
    most = std::max(most, c);
    ++n;
  }
  CHECK(n == 8);
  CHECK(most <= 2);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir.string() + ".counts");
}
