// The recent past of one checked target, for the dashboard's 15-minute strip
// (GET /api/history): its probe results summarised in fixed 10-second
// buckets (count, failures, latency of the successful ones) and the times its
// state changed. Bounded whatever the probe interval: kHistoryBuckets buckets
// (16 minutes) and kHistoryMarks state changes: at most about 5 KiB per target.
// Times are milliseconds on the target table's (monotonic) clock.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "health/check_result.h"
#include "health/member_state.h"

namespace dnsd::health {

/// Width of one probe bucket.
inline constexpr uint64_t kHistoryBucketMs = 10'000;
/// Buckets kept: 16 minutes, so a 15-minute window is always covered.
inline constexpr size_t kHistoryBuckets = 96;
/// State changes kept (a flapping target loses its oldest ones first).
inline constexpr size_t kHistoryMarks = 64;

/// The probes of one bucket [start_ms, start_ms + kHistoryBucketMs).
struct ProbeBucket {
  uint64_t start_ms = 0;
  uint32_t probes = 0;
  uint32_t failures = 0;
  uint64_t latency_sum_us = 0;  ///< over successful probes only
  uint64_t latency_max_us = 0;  ///< over successful probes only
  FailureKind last_failure = FailureKind::None;
  /// Mean latency of the successful probes in microseconds; 0 when none succeeded.
  uint64_t mean_latency_us() const {
    const uint32_t ok = probes - failures;
    return ok ? latency_sum_us / ok : 0;
  }
};

/// The target entered `state` at `at_ms`.
struct StateMark {
  uint64_t at_ms = 0;
  HealthState state = HealthState::Unknown;
};

/// One target's history. Not thread-safe: the target table holds it under its lock.
class TargetHistory {
 public:
  /// Starts the history at `now_ms` in `state` (creation, or a restored state).
  void begin(uint64_t now_ms, HealthState state);
  /// Counts one probe result at `now_ms`; `state` is the target's state after it.
  void record(uint64_t now_ms, const CheckResult& result, HealthState state);

  const std::deque<ProbeBucket>& buckets() const { return buckets_; }
  const std::deque<StateMark>& marks() const { return marks_; }

 private:
  std::deque<ProbeBucket> buckets_;
  std::deque<StateMark> marks_;
};

/// A stretch of time in one state.
struct StateSegment {
  uint64_t start_ms = 0;
  uint64_t end_ms = 0;
  HealthState state = HealthState::Unknown;
};

/// The state segments of `marks` that overlap [from_ms, now_ms], clipped to
/// it, in order. Time before the first mark is not covered. Pure.
std::vector<StateSegment> segments(const std::deque<StateMark>& marks, uint64_t from_ms, uint64_t now_ms);

}  // namespace dnsd::health
