// The health plane's state, in one place with one owner: the checked targets
// (target_table.h, with their probe metrics), the runtime drains
// (drain_table.h) and the first-probe barrier (probe_barrier.h). It lays that
// state over a ZoneSet as a HealthView before the set is published, and after
// each publish learns which pool members use each target and forgets what no
// published zone uses any more.
//
// Threads: the publisher binds and syncs; the prober records results through
// targets(); the control API reads status and drains through drains().
// Workers never touch it; they read the atomics a HealthView points at.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "health/drain_table.h"
#include "health/event_log.h"
#include "health/health_view.h"
#include "health/probe_barrier.h"
#include "health/target_table.h"
#include "zones/zone_set.h"

namespace dnsd::health {

/// A HealthView for a ZoneSet about to be published, and the checked targets
/// that binding it created (the ones to probe before publishing).
struct Binding {
  std::shared_ptr<const HealthView> view;
  std::vector<uint64_t> new_targets;
};

/// The health state of a server. Thread-safe unless a method says otherwise.
class HealthRegistry {
 public:
  /// `clock` gives monotonic milliseconds (tests pass a fake one).
  explicit HealthRegistry(std::function<uint64_t()> clock = nullptr);
  HealthRegistry(const HealthRegistry&) = delete;
  HealthRegistry& operator=(const HealthRegistry&) = delete;

  /// Binds every pool member of `set` to its target and drain, creating what
  /// is new. The publisher's thread, before publishing `set`.
  Binding bind(const zones::ZoneSet& set);

  /// Records which pool members of `published` use each target (for status
  /// and log lines) and forgets targets and drains it does not use, unless
  /// they were bound since the previous sync. The publisher's thread, right
  /// after publishing.
  void sync(const zones::ZoneSet& published);

  /// The checked targets. Any thread.
  TargetTable& targets() { return targets_; }
  const TargetTable& targets() const { return targets_; }
  /// The runtime drains. Any thread.
  DrainTable& drains() { return drains_; }
  const DrainTable& drains() const { return drains_; }
  /// What happened to members, pools and zones, newest last. Any thread.
  EventLog& events() { return events_; }
  const EventLog& events() const { return events_; }
  /// Who still waits for a first probe. Any thread.
  ProbeBarrier& barrier() { return barrier_; }
  const ProbeBarrier& barrier() const { return barrier_; }

 private:
  ProbeBarrier barrier_;  // before targets_, which refers to it
  TargetTable targets_;
  DrainTable drains_;
  EventLog events_;
};

}  // namespace dnsd::health
