#include "health/target_history.h"

#include <algorithm>

namespace dnsd::health {

void TargetHistory::begin(uint64_t now_ms, HealthState state) {
  buckets_.clear();
  marks_.clear();
  marks_.push_back({now_ms, state});
}

void TargetHistory::record(uint64_t now_ms, const CheckResult& result, HealthState state) {
  const uint64_t start = now_ms - now_ms % kHistoryBucketMs;
  if (buckets_.empty() || buckets_.back().start_ms < start) {
    buckets_.push_back({});
    buckets_.back().start_ms = start;
    while (buckets_.size() > kHistoryBuckets) buckets_.pop_front();
  }
  // A result older than the newest bucket (clocks only move forward, but be
  // safe) is counted in the newest one.
  ProbeBucket& b = buckets_.back();
  ++b.probes;
  if (result.ok) {
    b.latency_sum_us += result.latency_us;
    b.latency_max_us = std::max(b.latency_max_us, result.latency_us);
  } else {
    ++b.failures;
    b.last_failure = result.failure;
  }
  if (marks_.empty() || marks_.back().state != state) {
    marks_.push_back({now_ms, state});
    while (marks_.size() > kHistoryMarks) marks_.pop_front();
  }
}

std::vector<StateSegment> segments(const std::deque<StateMark>& marks, uint64_t from_ms, uint64_t now_ms) {
  std::vector<StateSegment> out;
  for (size_t i = 0; i < marks.size(); ++i) {
    const uint64_t start = std::max(marks[i].at_ms, from_ms);
    const uint64_t end = std::min(i + 1 < marks.size() ? marks[i + 1].at_ms : now_ms, now_ms);
    if (end <= start) continue;
    if (!out.empty() && out.back().state == marks[i].state && out.back().end_ms == start) {
      out.back().end_ms = end;
      continue;
    }
    out.push_back({start, end, marks[i].state});
  }
  return out;
}

}  // namespace dnsd::health
