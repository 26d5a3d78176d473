#include "health/member_status.h"

#include <algorithm>

namespace dnsd::health {


const char* state_name(HealthState state) {
  switch (state) {
    case HealthState::Unknown: return "unknown";
    case HealthState::Up: return "up";
    case HealthState::Down: return "down";
  }
  return "invalid";
}

MemberStatus initial_status(uint64_t now_ms) {
  MemberStatus s;
  s.since_ms = now_ms;
  return s;
}

namespace {

Transition change_to(MemberStatus& status, HealthState next, uint64_t now_ms) {
  status.state = next;
  status.since_ms = now_ms;
  ++status.state_changes;
  if (next == HealthState::Up) ++status.transitions_up;
  if (next == HealthState::Down) ++status.transitions_down;
  return Transition::Changed;
}

}  // namespace

Transition on_result(MemberStatus& status, const CheckResult& result, const zones::CheckSpec& spec, uint64_t now_ms) {
  if (result.failure == FailureKind::Cancelled) return Transition::Unchanged;
  const uint32_t rise = std::max<uint32_t>(spec.rise, 1);
  const uint32_t fall = std::max<uint32_t>(spec.fall, 1);

  ++status.probes;
  status.has_result = true;
  status.last_result = result;
  status.last_result_ms = now_ms;
  if (result.ok) {
    ++status.consecutive_successes;
    status.consecutive_failures = 0;
  } else {
    ++status.failed_probes;
    ++status.consecutive_failures;
    status.consecutive_successes = 0;
  }

  if (status.restored) {
    // A member restored as Up may have died while dnsd was down: its first
    // failure takes it out, as for an Unknown one. A member restored as Down
    // needs `rise` successes, as if dnsd had never stopped (below).
    status.restored = false;
    if (status.state == HealthState::Up && !result.ok) return change_to(status, HealthState::Down, now_ms);
  }
  switch (status.state) {
    case HealthState::Unknown:
      // The first result decides (see the header for why).
      return change_to(status, result.ok ? HealthState::Up : HealthState::Down, now_ms);
    case HealthState::Up:
      if (result.ok) return Transition::Unchanged;
      if (status.consecutive_failures >= fall) return change_to(status, HealthState::Down, now_ms);
      return Transition::ChangePending;
    case HealthState::Down:
      if (!result.ok) return Transition::Unchanged;
      if (status.consecutive_successes >= rise) return change_to(status, HealthState::Up, now_ms);
      return Transition::ChangePending;
  }
  return Transition::Unchanged;
}

uint32_t jittered(uint32_t base_ms, uint64_t rng) {
  const uint64_t spread = base_ms / 10;
  const uint64_t value = uint64_t(base_ms) - spread + rng % (2 * spread + 1);
  return uint32_t(std::max<uint64_t>(value, kMinProbeDelayMs));
}

uint32_t next_delay(const MemberStatus& status, Transition transition, const zones::CheckSpec& spec, uint64_t rng) {
  if (transition == Transition::ChangePending) return jittered(spec.fast_interval_ms, rng);
  if (status.probes == 1) {
    // Random phase: targets probed together at start-up drift apart for good.
    const uint64_t interval = spec.interval_ms;
    return uint32_t(std::max<uint64_t>(interval / 2 + rng % (interval + 1), kMinProbeDelayMs));
  }
  return jittered(spec.interval_ms, rng);
}

uint32_t initial_delay(const zones::CheckSpec& spec, uint64_t rng) {
  const uint32_t window = std::min(spec.interval_ms, kInitialSpreadMs);
  return uint32_t(rng % (uint64_t(window) + 1));
}

}  // namespace dnsd::health
