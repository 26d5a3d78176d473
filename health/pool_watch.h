// Whether each pool has all its members down, and when that changes: the
// pool-level outage the log and the event history report ("pool web of
// example.test. is all down"), which no single member's state change says.
// Pure: member states go in, edges come out; no clock, no lock.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "health/member_state.h"
#include "health/target_status.h"

namespace dnsd::health {

/// One pool's members' health at one instant.
struct PoolMembers {
  std::string zone;  ///< zone origin
  std::string pool;
  std::vector<HealthState> states;  ///< one per member, in any order
};

/// Whether a pool with members in `states` is all down: it has members and
/// every one of them is Down (an Unknown member is not known to be down). Pure.
bool all_down(const std::vector<HealthState>& states);

/// Every pool that `snapshot`'s targets feed, with its members' states,
/// sorted by (zone, pool). Pure.
std::vector<PoolMembers> pools_of(const HealthSnapshot& snapshot);

/// A pool went all down, or recovered from it.
struct PoolEdge {
  std::string zone;
  std::string pool;
  bool all_down = false;  ///< true: went all down; false: recovered
  size_t members = 0;     ///< how many members the pool has
};

/// Remembers which pools were all down and reports the changes. Not
/// thread-safe: one owner (the health service, on the prober thread).
class PoolWatch {
 public:
  /// Compares `pools` (every pool now) with the previous call and returns the
  /// edges, sorted by (zone, pool). A pool seen for the first time reports an
  /// edge only when it is all down; a pool that disappeared (a reload removed
  /// it) is forgotten without an edge.
  std::vector<PoolEdge> update(const std::vector<PoolMembers>& pools);

  /// Like update(), but `pools` holds only some pools (those a state change
  /// touched): the others keep what they were. `asked` lists the pools the
  /// caller looked up; one of them missing from `pools` (no members left) is
  /// forgotten without an edge.
  std::vector<PoolEdge> update_some(const std::vector<PoolMembers>& pools,
                                    const std::vector<std::pair<std::string, std::string>>& asked);

  /// Whether (zone, pool) was all down at the last update.
  bool is_all_down(const std::string& zone, const std::string& pool) const;

 private:
  std::map<std::pair<std::string, std::string>, bool> all_down_;
};

}  // namespace dnsd::health
