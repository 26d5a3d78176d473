// Probe counters for /metrics: latency buckets (upper bounds inclusive),
// failures by reason, transitions by state entered.
#include "health/probe_metrics.h"

#include <doctest.h>

using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::ProbeMetrics;
using dnsd::health::Transition;
using dnsd::zones::CheckType;
using dnsd::health::HealthState;

TEST_CASE("latencies land in the first bucket whose bound they do not exceed") {
  ProbeMetrics m;
  m.record(CheckType::Http, CheckResult::success("HTTP 200", 500), Transition::Unchanged, HealthState::Up);
  m.record(CheckType::Http, CheckResult::success("HTTP 200", 501), Transition::Unchanged, HealthState::Up);
  m.record(CheckType::Http, CheckResult::failed(FailureKind::Timeout, "t", 60'000'000), Transition::Changed,
           HealthState::Down);
  const auto& http = m.by_check[size_t(CheckType::Http)];
  CHECK(http.latency_buckets[0] == 1);
  CHECK(http.latency_buckets[1] == 1);
  CHECK(http.latency_buckets.back() == 1);  // +Inf
  CHECK(http.probes == 3);
  CHECK(http.latency_sum_us == 60'001'001);
  CHECK(http.failures[size_t(FailureKind::Timeout)] == 1);
  CHECK(m.transitions_to[size_t(HealthState::Down)] == 1);
  CHECK(m.transitions_to[size_t(HealthState::Up)] == 0);
  CHECK(m.by_check[size_t(CheckType::Tcp)].probes == 0);
}
