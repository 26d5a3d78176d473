#include "health/probe_metrics.h"

namespace dnsd::health {

void ProbeMetrics::record(zones::CheckType type, const CheckResult& result, Transition transition,
                          health::HealthState state) {
  const size_t t = size_t(type);
  if (t < by_check.size()) {
    PerCheck& c = by_check[t];
    size_t bucket = 0;
    while (bucket < kProbeLatencyBucketsUs.size() && result.latency_us > kProbeLatencyBucketsUs[bucket]) ++bucket;
    ++c.latency_buckets[bucket];
    ++c.probes;
    c.latency_sum_us += result.latency_us;
    if (!result.ok && size_t(result.failure) < c.failures.size()) ++c.failures[size_t(result.failure)];
  }
  if (transition == Transition::Changed && size_t(state) < transitions_to.size()) ++transitions_to[size_t(state)];
}

}  // namespace dnsd::health
