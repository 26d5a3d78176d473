// A target's health changed: the event the prober emits, and the one log line
// the server prints for it:
//   health: zone=example.test. pool=web member=192.0.2.1 (check http 127.0.1.1:80) up -> down: HTTP 500 in 3 ms
#pragma once

#include <string>
#include <vector>

#include "health/check_result.h"
#include "health/target_status.h"

namespace dnsd::health {

/// One state change of one target, with the result that caused it.
struct StateChangeEvent {
  uint64_t target_id = 0;
  zones::CheckSpec check;  ///< normalised
  std::string address;     ///< check address
  health::HealthState from = health::HealthState::Unknown;
  health::HealthState to = health::HealthState::Unknown;
  CheckResult result;      ///< the result that completed the change
  uint64_t at_ms = 0;      ///< monotonic
  std::vector<TargetRef> refs;  ///< pool members fed by the target
  /// Whether this is a target's first verdict (from Unknown): at start-up there
  /// is one per target, which a log sink may want to summarise.
  bool first_verdict() const { return from == health::HealthState::Unknown; }
};

/// "http 127.0.1.1:80", "https [2001:db8::1]:443", "dns 127.0.1.1:53",
/// "exec 127.0.1.1", "none 127.0.1.1": how logs and status name a check. Any thread.
std::string check_label(const zones::CheckSpec& check, const std::string& address);

/// The one log line for `event` (no trailing newline). With several
/// references, each field lists its distinct values comma-separated
/// ("pool=web,api"). Any thread.
std::string format_state_change(const StateChangeEvent& event);

}  // namespace dnsd::health
