// What the health table knows about each checked target at one instant: the
// data behind the status file, state-change log lines, the control API and
// metrics. Plain values; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "health/member_status.h"
#include "health/member_state.h"
#include "zones/pool.h"

namespace dnsd::health {

/// One pool member that a target's health feeds: where it is used, for logs and status.
struct TargetRef {
  std::string zone;    ///< zone origin, lowercase with trailing dot ("example.test.")
  std::string pool;    ///< pool name
  std::string member;  ///< the member's address as written in the zone
  uint16_t weight = 1;
  bool backup = false;
  bool drained_in_zone = false;                     ///< "state": "drain" in the zone file
  health::AdminState admin = health::AdminState::Auto;  ///< runtime admin state when the snapshot was taken
  bool operator==(const TargetRef&) const = default;
};

/// One checked (check, address) pair.
struct TargetStatus {
  uint64_t id = 0;            ///< stable while the target exists; never reused
  zones::CheckSpec check;     ///< normalised (see normalized_spec)
  std::string address;        ///< where probes go (canonical IP text)
  MemberStatus status;        ///< state, since, last result, next probe, counters
  std::vector<TargetRef> refs;  ///< every pool member using it, sorted
};

/// Every target at one instant. All times (here and in each MemberStatus) are
/// milliseconds on one clock: monotonic inside the process, Unix time once read
/// back from a status file. Ages are now_ms - time.
struct HealthSnapshot {
  uint64_t now_ms = 0;
  std::vector<TargetStatus> targets;  ///< sorted by id
};

}  // namespace dnsd::health
