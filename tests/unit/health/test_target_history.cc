// TargetHistory: probes summed in 10-second buckets (latency of successes only),
// state marks, bounded memory, and segments clipped to a window.
#include <doctest.h>

#include "health/target_history.h"

using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::HealthState;
using dnsd::health::kHistoryBucketMs;
using dnsd::health::kHistoryBuckets;
using dnsd::health::kHistoryMarks;
using dnsd::health::TargetHistory;

TEST_CASE("target history: a bucket sums its probes; failures count but never add latency") {
  TargetHistory h;
  h.begin(1000, HealthState::Unknown);
  h.record(10'000, CheckResult::success("HTTP 200", 2000), HealthState::Up);
  h.record(12'000, CheckResult::success("HTTP 200", 4000), HealthState::Up);
  h.record(15'000, CheckResult::failed(FailureKind::Refused, "connect refused", 900'000), HealthState::Up);
  h.record(20'000, CheckResult::failed(FailureKind::Timeout, "timeout after 1000 ms", 1'000'000), HealthState::Down);
  REQUIRE(h.buckets().size() == 2);
  const auto& b = h.buckets()[0];
  CHECK(b.start_ms == 10'000);
  CHECK(b.probes == 3);
  CHECK(b.failures == 1);
  CHECK(b.mean_latency_us() == 3000);
  CHECK(b.latency_max_us == 4000);
  CHECK(b.last_failure == FailureKind::Refused);
  CHECK(h.buckets()[1].mean_latency_us() == 0);  // only a failure: no latency
  REQUIRE(h.marks().size() == 3);
  CHECK(h.marks()[0].state == HealthState::Unknown);
  CHECK(h.marks()[1].at_ms == 10'000);
  CHECK(h.marks()[2].state == HealthState::Down);
  CHECK(h.marks()[2].at_ms == 20'000);
}

TEST_CASE("target history: memory is bounded however often it is probed") {
  TargetHistory h;
  h.begin(0, HealthState::Unknown);
  for (uint64_t t = 0; t < 3 * 3600 * 1000; t += 100)
    h.record(t, CheckResult::success("ok", 100), (t / 1000) % 2 ? HealthState::Up : HealthState::Down);
  CHECK(h.buckets().size() == kHistoryBuckets);
  CHECK(h.marks().size() == kHistoryMarks);
  // The buckets kept cover the last 16 minutes, at least the 15-minute window.
  CHECK(h.buckets().back().start_ms - h.buckets().front().start_ms >= 15 * 60 * 1000 - kHistoryBucketMs);
}

TEST_CASE("target history: segments are clipped to the window and merged") {
  std::deque<dnsd::health::StateMark> marks{
      {1000, HealthState::Unknown}, {2000, HealthState::Up}, {5000, HealthState::Down}, {8000, HealthState::Up}};
  auto s = dnsd::health::segments(marks, 3000, 10'000);
  REQUIRE(s.size() == 3);
  CHECK(s[0].start_ms == 3000);
  CHECK(s[0].end_ms == 5000);
  CHECK(s[0].state == HealthState::Up);
  CHECK(s[1].state == HealthState::Down);
  CHECK(s[2].start_ms == 8000);
  CHECK(s[2].end_ms == 10'000);
  CHECK(dnsd::health::segments(marks, 10'000, 10'000).empty());
  s = dnsd::health::segments(marks, 0, 1500);
  REQUIRE(s.size() == 1);
  CHECK(s[0].start_ms == 1000);  // nothing known before the first mark
}
