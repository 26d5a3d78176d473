// The checked targets: every (normalised check, check address) pair, probed
// once however many pools, zones or names share it. Each target keeps its
// state machine (member_status.h), the MemberHealth atomic that workers read,
// which pool members use it (for logs and status), and the probe metrics its
// results feed. The same target, and so the same atomic, is handed out on every
// bind while it lives, which is how health survives reloads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "health/check_result.h"
#include "health/known_states.h"
#include "health/change_signal.h"
#include "health/member_state.h"
#include "health/member_status.h"
#include "health/probe_barrier.h"
#include "health/probe_metrics.h"
#include "health/state_change.h"
#include "health/target_history.h"
#include "health/pool_watch.h"
#include "health/target_status.h"
#include "zones/check_spec.h"

namespace dnsd::health {

/// The immutable identity of one checked target, shared with the prober.
struct Target {
  uint64_t id = 0;
  zones::CheckSpec spec;   ///< normalised
  std::string address;     ///< canonical check address
  std::shared_ptr<MemberHealth> health;  ///< the atomic workers read
};

/// What one bind found or made.
struct BoundTarget {
  uint64_t id = 0;
  std::shared_ptr<MemberHealth> health;
  bool created = false;  ///< new to the table: a checked one awaits its first probe
};

/// One pool member that uses a target, as the publisher reports it after a publish.
struct TargetUse {
  uint64_t target = 0;
  TargetRef ref;                        ///< zone, pool, member, weight, roles
  std::shared_ptr<MemberAdmin> admin;   ///< its runtime drain, read for status
};

/// What recording one result did, for the prober.
struct ResultOutcome {
  Transition transition = Transition::Unchanged;
  uint64_t next_probe_ms = 0;              ///< when to probe again (monotonic)
  std::optional<StateChangeEvent> event;   ///< set when the state changed
};

/// One target's recent history, as TargetTable::history copies it.
struct TargetHistoryCopy {
  uint64_t id = 0;
  zones::CheckSpec check;        ///< normalised
  std::vector<TargetRef> refs;   ///< every pool member using it, sorted
  HealthState state = HealthState::Unknown;  ///< now
  TargetHistory history;
};

/// Every target's history at one instant, times on the table's clock.
struct HistorySnapshot {
  uint64_t now_ms = 0;
  std::vector<TargetHistoryCopy> targets;  ///< sorted by id
};

/// The identity of a target: two binds of the same normalised check and
/// canonical address share one, and the state directory's health.json names
/// targets by it. Pure.
std::string target_key(const zones::CheckSpec& normalized, const std::string& canonical_address);

/// The target table. Thread-safe: the publisher binds and reports uses, the
/// prober records results, status code reads. Workers never touch it; they
/// read the MemberHealth atomics.
class TargetTable {
 public:
  /// `barrier` learns of new checked targets and their first results and must
  /// outlive the table; `clock` gives monotonic milliseconds (tests pass a fake one).
  explicit TargetTable(ProbeBarrier& barrier, std::function<uint64_t()> clock = nullptr);
  TargetTable(const TargetTable&) = delete;
  TargetTable& operator=(const TargetTable&) = delete;

  /// The target of (check, check_address), created Unknown on first use (a
  /// type none check: Up, never probed). Any thread.
  BoundTarget bind(const zones::CheckSpec& check, const std::string& check_address);

  /// Names a pool member that is about to use target `id` (a reload bound it
  /// and has not published yet), so that the log lines and events of its
  /// first probes carry zone and pool. Forgotten at the next set_uses().
  /// The publisher's thread, while binding.
  void add_pending_ref(uint64_t id, TargetRef ref);

  /// Known states from a previous run (health.json), with since times in Unix
  /// ms as of `wall_now_ms`. A checked target bound later whose key is among
  /// them starts in that state (MemberStatus::restored) instead of Unknown,
  /// is served at once and does not hold up the first-probe barrier; its first
  /// probe confirms or corrects it. Only the first publish uses them: the
  /// first set_uses() forgets the rest, so a target a later reload adds is
  /// probed before it is served, as always. Returns how many were taken.
  /// Before the first bind (start-up, main thread).
  size_t seed(const std::vector<KnownState>& states, uint64_t wall_now_ms);

  /// Replaces every target's list of users with `uses` (what was just
  /// published) and forgets targets nobody uses, unless they were bound since
  /// the previous call (a load in progress may be about to publish them).
  /// The publisher's thread, after each publish.
  void set_uses(std::vector<TargetUse> uses);

  /// Every current target. Any thread (the prober after a change notification).
  std::vector<std::shared_ptr<const Target>> list() const;

  /// Called, with the table lock held, whenever targets are added or removed;
  /// it must not call back into the table (the prober wakes its loop with
  /// uv_async_send). Empty function to clear. Any thread.
  void set_change_listener(std::function<void()> listener);

  /// Records when target `id` will next be probed, for status. Any thread.
  void set_next_probe(uint64_t id, uint64_t at_ms);

  /// Feeds one probe result of target `id` into its state machine at `now_ms`,
  /// stores the new state in its MemberHealth, counts it in the metrics, and
  /// says when to probe next (using `rng`). nullopt when the target has been
  /// removed meanwhile: stop probing it. Cancelled results are not recorded.
  /// Any thread (the prober).
  std::optional<ResultOutcome> record_result(uint64_t id, const CheckResult& result, uint64_t now_ms, uint64_t rng);

  /// Notified after every health transition a result causes. Any thread.
  ChangeSignal& state_changes() { return state_changes_; }

  /// A consistent copy of the whole table, with now_ms from the clock. Any thread.
  HealthSnapshot status() const;
  /// The member states of just the pools in `pools` (zone, pool), sorted by
  /// (zone, pool) as pools_of() gives them; a pool no target feeds is left
  /// out. One pass over the table without copying it, so a state change can
  /// check its own pools cheaply. Any thread.
  std::vector<PoolMembers> pool_members(const std::vector<std::pair<std::string, std::string>>& pools) const;
  /// A copy of every target's recent history (target_history.h), with
  /// now_ms from the clock. Any thread.
  HistorySnapshot history() const;
  /// Number of targets. Any thread.
  size_t size() const;
  /// Probe latency, failures by reason and transitions so far, for /metrics. Any thread.
  ProbeMetrics metrics() const;

 private:
  struct Entry {
    std::shared_ptr<const Target> target;
    MemberStatus status;
    std::vector<TargetUse> uses;
    std::vector<TargetRef> pending;  ///< members of a load not yet published (add_pending_ref)
    uint64_t bound_epoch = 0;
    TargetHistory history;
  };
  std::vector<TargetRef> refs_locked(const Entry& entry) const;
  void notify_changed_locked();
  std::optional<ResultOutcome> record_result_locked(uint64_t id, const CheckResult& result, uint64_t now_ms,
                                                    uint64_t rng);

  ProbeBarrier& barrier_;
  std::function<uint64_t()> clock_;
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  uint64_t epoch_ = 1;
  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<std::string, uint64_t> by_key_;
  /// Known states waiting for their target's first bind: key -> (state, since on clock_).
  std::unordered_map<std::string, std::pair<HealthState, uint64_t>> seeds_;
  std::function<void()> change_listener_;
  ProbeMetrics metrics_;  ///< updated by record_result
  ChangeSignal state_changes_;
};

}  // namespace dnsd::health
