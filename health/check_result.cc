#include "health/check_result.h"

#include <cstdio>
#include <utility>

namespace dnsd::health {

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::None: return "none";
    case FailureKind::Timeout: return "timeout";
    case FailureKind::Refused: return "refused";
    case FailureKind::Network: return "network";
    case FailureKind::Tls: return "tls";
    case FailureKind::Status: return "status";
    case FailureKind::Body: return "body";
    case FailureKind::Rcode: return "rcode";
    case FailureKind::Exit: return "exit";
    case FailureKind::Config: return "config";
    case FailureKind::Cancelled: return "cancelled";
  }
  return "unknown";
}

CheckResult CheckResult::success(std::string detail, uint64_t latency_us) {
  CheckResult r;
  r.ok = true;
  r.failure = FailureKind::None;
  r.latency_us = latency_us;
  r.detail = std::move(detail);
  return r;
}

CheckResult CheckResult::failed(FailureKind kind, std::string detail, uint64_t latency_us) {
  CheckResult r;
  r.ok = false;
  r.failure = kind;
  r.latency_us = latency_us;
  r.detail = std::move(detail);
  return r;
}

std::string format_latency(uint64_t latency_us) {
  char buf[32];
  if (latency_us < 10000)
    std::snprintf(buf, sizeof buf, "%.1f ms", double(latency_us) / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%llu ms", static_cast<unsigned long long>((latency_us + 500) / 1000));
  return buf;
}

std::string describe(const CheckResult& result) {
  if (result.failure == FailureKind::Timeout || result.failure == FailureKind::Cancelled) return result.detail;
  return result.detail + " in " + format_latency(result.latency_us);
}

}  // namespace dnsd::health
