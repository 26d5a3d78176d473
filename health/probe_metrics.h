// Counters behind the prober's Prometheus metrics: probe latency as a
// histogram and failures by reason, per check type, and state transitions.
// TargetTable::record_result updates them under the table lock it already
// holds, so they cost the prober a few additions and no extra lock; the
// control API copies them out with TargetTable::metrics().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "health/check_result.h"
#include "health/state_change.h"
#include "health/member_state.h"
#include "zones/pool.h"

namespace dnsd::health {

/// Upper bounds of the latency buckets, in microseconds (0.5 ms .. 5 s); a
/// last, implicit bucket is +Inf. Chosen for probes on a LAN: sub-millisecond
/// TCP connects up to multi-second timeouts.
inline constexpr std::array<uint64_t, 13> kProbeLatencyBucketsUs = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000};

/// Number of CheckType values (None .. Exec), for per-type arrays.
inline constexpr size_t kCheckTypeCount = 6;
/// Number of FailureKind values (None .. Cancelled), for per-reason arrays.
inline constexpr size_t kFailureKindCount = 11;
/// Number of HealthState values (Unknown, Up, Down).
inline constexpr size_t kHealthStateCount = 3;

/// Plain counters; a value type. Written under the target table lock, copied out whole.
struct ProbeMetrics {
  /// One check type's probes.
  struct PerCheck {
    /// Non-cumulative counts per bucket of kProbeLatencyBucketsUs, then +Inf.
    std::array<uint64_t, kProbeLatencyBucketsUs.size() + 1> latency_buckets{};
    uint64_t probes = 0;            ///< results recorded (the histogram's count)
    uint64_t latency_sum_us = 0;    ///< sum of their latencies
    std::array<uint64_t, kFailureKindCount> failures{};  ///< indexed by FailureKind
  };
  std::array<PerCheck, kCheckTypeCount> by_check{};  ///< indexed by CheckType
  /// State changes, indexed by the HealthState entered (a first verdict counts).
  std::array<uint64_t, kHealthStateCount> transitions_to{};

  /// Counts one recorded result of a `type` check, and the state it entered
  /// when `transition` is Changed. Pure arithmetic; the caller serialises.
  void record(zones::CheckType type, const CheckResult& result, Transition transition, health::HealthState state);
};

}  // namespace dnsd::health
