// The health state machine of one checked target, as pure functions: results
// and time go in, a state and the delay to the next probe come out. No clock,
// no socket, no randomness of its own, so tests drive it result by result.
//
// Rules (HAProxy's rise/fall/fastinter, Envoy's edge interval):
//   * A target starts Unknown. Its FIRST result decides at once: success -> Up,
//     failure -> Down. At cold start the prober probes everything once before
//     the server answers, so one success is what makes a member servable and
//     one failure is what keeps a dead one out. Waiting for `rise` successes
//     there would either delay start-up by rise x interval or serve Unknown.
//   * A target restored from the state directory starts in its last known
//     state (`restored`), served at once. Restored Up, its first failure of
//     this run takes it down at once, as for an Unknown one (it may have died
//     while dnsd was stopped). Restored Down, it needs `rise` successes, as if
//     dnsd had never stopped: a restart does not let a failed member back in.
//   * Afterwards `rise` consecutive successes take Down -> Up and `fall`
//     consecutive failures take Up -> Down. A result that disagrees with the
//     state but has not yet reached its threshold is ChangePending; a result
//     that agrees resets the opposite count.
//   * While a change is pending the next probe comes after fast_interval, else
//     after interval, both with +-10% jitter.
//
// Worked example, fall=3, interval=2000, fast_interval=500, member Up:
//   t=0      probe fails   failures=1  ChangePending  next in ~500 ms
//   t=500    probe fails   failures=2  ChangePending  next in ~500 ms
//   t=1000   probe fails   failures=3  Changed: Down  next in ~2000 ms
// The member is out of the answers ~1 s after the first failed probe
// ((fall-1) x fast_interval), not 4 s ((fall-1) x interval).
#pragma once

#include <cstdint>

#include "health/check_result.h"
#include "health/member_state.h"
#include "zones/pool.h"

namespace dnsd::health {

/// What one result did to a target's state (Envoy's HealthTransition).
enum class Transition : uint8_t {
  Unchanged,      ///< the result agrees with the state (or was ignored)
  Changed,        ///< the state changed with this result
  ChangePending,  ///< the result disagrees with the state, threshold not reached yet
};

/// Lower-case name of a health state ("unknown", "up", "down"), for logs, status and JSON. Any thread.
const char* state_name(health::HealthState state);

/// Everything the prober remembers about one target between probes. Times are
/// milliseconds on the caller's monotonic clock.
struct MemberStatus {
  health::HealthState state = health::HealthState::Unknown;
  uint32_t consecutive_successes = 0;
  uint32_t consecutive_failures = 0;
  uint64_t since_ms = 0;          ///< last state change; creation time while Unknown
  bool has_result = false;        ///< whether any probe has finished
  CheckResult last_result;        ///< valid when has_result
  uint64_t last_result_ms = 0;    ///< when last_result arrived
  uint64_t next_probe_ms = 0;     ///< when the next probe is due (set by the scheduler)
  uint32_t state_changes = 0;     ///< transitions so far, including the first decision; a flap counter
  uint64_t transitions_up = 0;    ///< transitions into Up so far (a first verdict counts), for metrics
  uint64_t transitions_down = 0;  ///< transitions into Down so far (a first verdict counts), for metrics
  uint64_t probes = 0;            ///< results fed in
  uint64_t failed_probes = 0;     ///< failed results fed in
  /// The state came from the state directory (a previous run's last known
  /// state), and no probe of this run has confirmed it yet.
  bool restored = false;
};

/// Fresh status of a target created at `now_ms`: Unknown since then. Pure.
MemberStatus initial_status(uint64_t now_ms);

/// Feeds one probe result into `status` at `now_ms` and says what changed.
/// Cancelled results are ignored (Unchanged, nothing recorded). rise/fall of 0
/// count as 1. Pure; the caller owns `status`.
Transition on_result(MemberStatus& status, const CheckResult& result, const zones::CheckSpec& spec, uint64_t now_ms);

/// Delay before the next probe after a result produced `transition`, given the
/// status after that result and one random value `rng`:
///   * ChangePending: fast_interval, jittered, so an edge is confirmed quickly;
///   * the first result ever (status.probes == 1): a random phase in
///     [interval/2, 3*interval/2], so targets that were all probed together at
///     start-up spread evenly over the interval from then on;
///   * otherwise: interval, jittered.
/// Pure.
uint32_t next_delay(const MemberStatus& status, Transition transition, const zones::CheckSpec& spec, uint64_t rng);

/// Delay before a new target's first probe: uniform in [0, min(interval,
/// kInitialSpreadMs)], short so the start-up round ends quickly, spread so
/// thousands of targets do not open their sockets in the same millisecond. Pure.
uint32_t initial_delay(const zones::CheckSpec& spec, uint64_t rng);

/// `base_ms` +-10%, never below kMinProbeDelayMs: the one jitter function. Pure.
uint32_t jittered(uint32_t base_ms, uint64_t rng);

/// Window over which first probes are spread.
inline constexpr uint32_t kInitialSpreadMs = 200;
/// Floor of every probe delay, so a misconfigured interval of 0 cannot spin.
inline constexpr uint32_t kMinProbeDelayMs = 10;

}  // namespace dnsd::health
