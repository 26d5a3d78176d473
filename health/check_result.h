// The outcome of one probe: what every check type reports and the state
// machine, logs, status and metrics consume. A value type; any thread.
#pragma once

#include <cstdint>
#include <string>

namespace dnsd::health {

/// Why a probe failed, as a small fixed set: metrics label probe failures with
/// it ("probe failures by reason") while `detail` keeps the specifics.
enum class FailureKind : uint8_t {
  None,       ///< the probe succeeded
  Timeout,    ///< no verdict within the check's timeout
  Refused,    ///< connection refused (TCP RST, or ICMP port unreachable for UDP)
  Network,    ///< any other socket or transfer error (unreachable, reset, empty reply)
  Tls,        ///< TLS handshake or certificate failure (https)
  Status,     ///< http(s): status code not in `expect`
  Body,       ///< the reply lacks expected content: http(s) body substring, dns answer address or records
  Rcode,      ///< dns: an rcode not in expect_rcode, a reply truncated over TCP, or a malformed reply
  Exit,       ///< exec: non-zero exit status or killed by a signal
  Config,     ///< the check cannot run as configured (bad address, spawn failure)
  Cancelled,  ///< the prober stopped; never fed to the state machine
};

/// Stable lower-case name of a kind ("timeout", "refused", ...), for metrics labels and JSON. Any thread.
const char* failure_kind_name(FailureKind kind);

/// The verdict of one probe.
struct CheckResult {
  bool ok = false;
  FailureKind failure = FailureKind::None;  ///< None exactly when ok
  uint64_t latency_us = 0;                  ///< from probe start to verdict
  /// Short human text: "HTTP 200", "HTTP 500", "connect refused", "timeout after 1000 ms",
  /// "rcode REFUSED", "exit 2: disk full". Never contains a newline.
  std::string detail;

  /// A success with `detail`.
  static CheckResult success(std::string detail, uint64_t latency_us = 0);
  /// A failure of `kind` with `detail`.
  static CheckResult failed(FailureKind kind, std::string detail, uint64_t latency_us = 0);
};

/// The result as one log phrase: "HTTP 500 in 3 ms", "connect refused in 0.2 ms",
/// or "timeout after 1000 ms" (a timeout's latency says nothing more). Any thread.
std::string describe(const CheckResult& result);

/// A latency in microseconds as text: "0.4 ms" under 10 ms, else "12 ms". Any thread.
std::string format_latency(uint64_t latency_us);

}  // namespace dnsd::health
