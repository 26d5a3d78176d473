// The one interface every check type implements. As in Envoy's health checker
// base, a check type only says how to start a probe and what its outcome
// means; thresholds, timing and state live in member_status.h and the prober.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "health/check_result.h"
#include "zones/pool.h"

namespace dnsd::health {

/// A kind of probe bound to one libuv loop. Every method runs on that loop's
/// thread (the prober thread).
class Check {
 public:
  /// Receives the verdict of one probe, on the loop thread.
  using Done = std::function<void(CheckResult)>;

  virtual ~Check() = default;

  /// Starts one probe of `address` (an IP literal) as `spec` says. `done` is
  /// called exactly once, from a later loop callback (never inside start), at
  /// most about spec.timeout_ms later.
  virtual void start(const zones::CheckSpec& spec, const std::string& address, Done done) = 0;

  /// Makes every probe in flight finish soon with FailureKind::Cancelled.
  virtual void cancel_all() = 0;

  /// Cancels everything and closes the check's own handles. After close(),
  /// run the loop until it has no handles left, then destroy the check.
  virtual void close() { cancel_all(); }

  /// Probes started whose done has not been called yet.
  virtual size_t in_flight() const = 0;

  /// How many targets of this type the prober schedules now, so a check that
  /// keeps per-target resources (kept-alive connections) can size them.
  virtual void expect_targets(size_t /*targets*/) {}
};

/// The check for `type` on `loop`; nullptr for CheckType::None, which never probes. Loop thread.
std::unique_ptr<Check> make_check(zones::CheckType type, uv_loop_t* loop);

/// Lower-case name of a check type ("none", "tcp", "http", "https", "dns", "exec"). Any thread.
const char* check_type_name(zones::CheckType type);

/// The port a probe of `spec` goes to: spec.port, or the type's default when 0
/// (http 80, https 443, dns 53, tcp 80; exec and none have no port). Any thread.
uint16_t effective_port(const zones::CheckSpec& spec);

/// `spec` with the port made explicit and the fields its type ignores reset to
/// their defaults, so two specs that probe the same way compare equal: the
/// registry keys targets on it. Any thread.
zones::CheckSpec normalized_spec(const zones::CheckSpec& spec);

/// Parses an IPv4 or IPv6 literal ("[::1]" accepted) with `port` into `out`.
/// False when `address` is not an IP literal. Any thread.
bool parse_socket_address(const std::string& address, uint16_t port, sockaddr_storage& out);

/// The canonical text of an IP literal ("2001:DB8:0::1" -> "2001:db8::1",
/// brackets dropped); other text unchanged. Any thread.
std::string canonical_address(const std::string& address);

/// `address` as it goes into a URL or host:port text: IPv6 in brackets. Any thread.
std::string bracketed_address(const std::string& address);

/// Monotonic milliseconds (CLOCK_MONOTONIC, the clock of uv_hrtime). All health
/// times use this clock. Any thread.
uint64_t monotonic_ms();

}  // namespace dnsd::health
