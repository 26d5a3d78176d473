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
using dnsd::zones::HealthState;
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

HealthState state_of(const std::shared_ptr<zones::MemberHealth>& h) { return HealthState(h->state.load()); }

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
  auto h_ok = registry.bind_health(quick(zones::CheckType::Http, ok.port()), "127.0.1.6");
  auto h_500 = registry.bind_health(quick(zones::CheckType::Http, failing.port()), "127.0.1.7");
  auto h_silent = registry.bind_health(quick(zones::CheckType::Http, silent.port), "127.0.1.8");
  auto h_refused = registry.bind_health(quick(zones::CheckType::Tcp, refused), "127.0.1.9");
  auto h_none = registry.bind_health(zones::CheckSpec{}, "127.0.1.10");

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
  auto h = registry.bind_health(quick(zones::CheckType::Http, port), "127.0.1.11");
  EventLog log;
  Prober prober(registry, log.options());
  REQUIRE(prober.run_initial_round(std::chrono::seconds(5)) == 0);
  REQUIRE(state_of(h) == HealthState::Up);

  SUBCASE("it starts failing: 500") {
    backend->set_status(500);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Down; }));
    // One interval (at most 220 ms) to notice, one fast re-check (at most 55 ms), plus probe time and
    // generous slack for a loaded machine (the exact timing is proven without sockets in test_member_status).
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(log.contains("up -> down: HTTP 500 in "));
    backend->set_status(200);
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Up; }));
    CHECK(log.contains("down -> up: HTTP 200 in "));
  }
  SUBCASE("it is killed, then restarted on the same port") {
    backend.reset();
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Down; }));
    CHECK(log.contains("up -> down: connect refused"));
    backend = std::make_unique<dnsd::test::HttpBackend>("127.0.1.11", 200, "ok\n", port);
    REQUIRE(eventually([&] { return state_of(h) == HealthState::Up; }));
  }
  prober.stop();
}

TEST_CASE("prober: targets added after start are picked up and probed; removed ones stop") {
  dnsd::test::HttpBackend backend("127.0.1.12", 200);
  HealthRegistry registry;
  Prober prober(registry);
  prober.start();
  auto h = registry.bind_health(quick(zones::CheckType::Http, backend.port()), "127.0.1.12");
  CHECK(prober.wait_until_probed(std::chrono::seconds(5)) == 0);
  CHECK(state_of(h) == HealthState::Up);
  registry.sync(zones::ZoneSet({}));  // bound since the last sync: kept once
  registry.sync(zones::ZoneSet({}));  // now forgotten
  CHECK(registry.size() == 0);
  // The prober notices and drops it; then requests stop arriving.
  CHECK(eventually([&] { return prober.scheduled_targets() == 0; }));
  CHECK(prober.probes_started() >= 1);
  const auto started = prober.probes_started();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // over two intervals: measuring absence of probes
  CHECK(prober.probes_started() == started);
  prober.stop();
}

TEST_CASE("prober: writes the status file after changes and periodically") {
  dnsd::test::SilentListener listener("127.0.1.13");
  const auto file = std::filesystem::temp_directory_path() / ("dnsd-status-" + std::to_string(getpid()) + ".json");
  std::filesystem::remove(file);
  HealthRegistry registry;
  registry.bind_health(quick(zones::CheckType::Tcp, listener.port), "127.0.1.13");
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
  registry.bind_health(slow, "127.0.1.14");
  dnsd::test::SilentListener silent("127.0.1.15");
  zones::CheckSpec hang = quick(zones::CheckType::Http, silent.port);
  hang.timeout_ms = 30000;
  hang.interval_ms = 60000;
  registry.bind_health(hang, "127.0.1.15");
  Prober prober(registry);
  prober.start();
  REQUIRE(eventually([&] { return prober.probes_started() == 2; }));
  const auto start = std::chrono::steady_clock::now();
  prober.stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(registry.unprobed() == 2);  // cancelled results are never recorded
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
    registry.bind_health(s, "127.0.2." + std::to_string(i + 1));
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
