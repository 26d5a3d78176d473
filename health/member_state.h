// The live state of pool members, owned by health/: what the prober concluded
// about a checked target and what the operator set at runtime. Zone data knows
// nothing of it; a HealthView lays these atomics over a published ZoneSet, and
// workers read them with one relaxed load each, with no lock.
#pragma once

#include <atomic>
#include <cstdint>

namespace dnsd::health {

/// Health of a member as the query path sees it.
enum class HealthState : uint8_t { Unknown = 0, Up = 1, Down = 2 };

/// Runtime operator override of a member (the zone file's own "state": "drain"
/// is zone data; this is the one set through the control API).
enum class AdminState : uint8_t { Auto = 0, Drain = 1 };

/// Live health of one (check, check address) target, shared by every pool
/// member that probes the same thing. Written by the prober thread through the
/// target table; read by workers, explain and status with relaxed loads.
struct MemberHealth {
  std::atomic<uint8_t> state{uint8_t(HealthState::Unknown)};  ///< a HealthState
};

/// Runtime admin state of one (zone, pool, address). Written by the control
/// thread through the drain table; read by workers with relaxed loads.
struct MemberAdmin {
  std::atomic<uint8_t> state{uint8_t(AdminState::Auto)};  ///< an AdminState
};

}  // namespace dnsd::health
