// The health table: every checked target, keyed by (normalised check, check
// address), so each pair is probed once however many pools, zones or names
// share it. It hands the loader the MemberHealth/MemberAdmin atomics a zone's
// members point at (the same objects across reloads, so live state survives),
// keeps each target's state machine, learns after each publish which pool
// members use each target, and forgets what no published zone uses any more.
//
// Threads: the loader binds, the publisher syncs, the prober records results,
// control code reads status and sets admin states. One mutex guards the table;
// none of it is touched by workers, which only read the atomics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "health/check_result.h"
#include "health/member_status.h"
#include "health/probe_metrics.h"
#include "health/state_change.h"
#include "health/target_status.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::health {

/// The immutable identity of one checked target, shared with the prober.
struct Target {
  uint64_t id = 0;
  zones::CheckSpec spec;   ///< normalised
  std::string address;     ///< canonical check address
  std::shared_ptr<zones::MemberHealth> health;  ///< the atomic workers read
};

/// What recording one result did, for the prober.
struct ResultOutcome {
  Transition transition = Transition::Unchanged;
  uint64_t next_probe_ms = 0;              ///< when to probe again (monotonic)
  std::optional<StateChangeEvent> event;   ///< set when the state changed
};

/// A runtime admin state differing from Auto, as issue 4 persists it.
struct AdminOverride {
  std::string zone;     ///< normalised origin ("example.test.")
  std::string pool;
  std::string address;  ///< canonical
  zones::AdminState state = zones::AdminState::Auto;
};

/// The health table. Thread-safe unless a method says otherwise.
class HealthRegistry {
 public:
  /// `clock` gives monotonic milliseconds (tests pass a fake one).
  explicit HealthRegistry(std::function<uint64_t()> clock = nullptr);
  HealthRegistry(const HealthRegistry&) = delete;
  HealthRegistry& operator=(const HealthRegistry&) = delete;

  // ---- loader side -------------------------------------------------------

  /// The shared health of (check, check_address), creating an Unknown target
  /// on first use (type none: Up, never probed). Suits LoadOptions::bind_health.
  /// Any thread.
  std::shared_ptr<zones::MemberHealth> bind_health(const zones::CheckSpec& check, const std::string& check_address);

  /// The runtime admin state of one member of one pool, kept across reloads.
  /// Suits LoadOptions::bind_admin. Any thread.
  std::shared_ptr<zones::MemberAdmin> bind_admin(const std::string& zone, const std::string& pool,
                                                 const std::string& address);

  /// LoadOptions whose hooks call bind_health/bind_admin on this registry,
  /// which must outlive every load using them.
  zones::LoadOptions load_options();

  /// Call after every ZoneStore::publish, from the thread that publishes, with
  /// the set just published: records which pool members use each target (for
  /// status and log lines) and forgets targets and admin states that set does
  /// not use, unless they were bound since the previous sync (a load in
  /// progress may be about to publish them).
  void sync(const zones::ZoneSet& published);

  // ---- admin (control API) -----------------------------------------------

  /// Sets the runtime admin state of `address` in `pool` of `zone` (empty zone:
  /// that pool in every zone). Returns how many members matched; 0 changes
  /// nothing. Notifies the admin listener on a change. Any thread.
  size_t set_admin(std::string_view zone, std::string_view pool, std::string_view address, zones::AdminState state);

  /// Seeds an admin state before the zones load (restoring persisted drains at
  /// start-up): creates the entry the loader will bind. Any thread.
  void restore_admin(const AdminOverride& entry);

  /// Every admin state other than Auto, sorted: what a state directory persists. Any thread.
  std::vector<AdminOverride> admin_overrides() const;

  /// Called after set_admin changed something (outside the registry lock), so
  /// issue 4 can persist admin_overrides(). Set before other threads use the registry.
  void set_admin_listener(std::function<void()> listener);

  // ---- prober side -------------------------------------------------------

  /// Every current target. Any thread (the prober after a change notification).
  std::vector<std::shared_ptr<const Target>> targets() const;

  /// Called, with the registry lock held, whenever targets are added or
  /// removed; it must not call back into the registry (the prober wakes its
  /// loop with uv_async_send). Empty function to clear. Any thread.
  void set_change_listener(std::function<void()> listener);

  /// Records when target `id` will next be probed, for status. Any thread.
  void set_next_probe(uint64_t id, uint64_t at_ms);

  /// Feeds one probe result of target `id` into its state machine at `now_ms`,
  /// stores the new state in its MemberHealth, and says when to probe next
  /// (using `rng`). nullopt when the target has been removed meanwhile: stop
  /// probing it. Cancelled results are not recorded. Any thread (the prober).
  std::optional<ResultOutcome> record_result(uint64_t id, const CheckResult& result, uint64_t now_ms, uint64_t rng);

  /// Blocks until every probed target has had at least one result, or until
  /// `deadline`. Returns how many still have none. Any thread but the prober's.
  size_t wait_until_probed(std::chrono::steady_clock::time_point deadline) const;

  /// Targets still waiting for their first result. Any thread.
  size_t unprobed() const;

  // ---- status ------------------------------------------------------------

  /// A consistent copy of the whole table, with now_ms from the clock. Any thread.
  HealthSnapshot status() const;

  /// Number of targets. Any thread.
  size_t size() const;

  /// Probe latency, failures by reason and transitions so far, for /metrics. Any thread.
  ProbeMetrics probe_metrics() const;

 private:
  struct RefEntry {
    TargetRef ref;
    std::shared_ptr<zones::MemberAdmin> admin;
  };
  struct Entry {
    std::shared_ptr<const Target> target;
    MemberStatus status;
    std::vector<RefEntry> refs;
    uint64_t bound_epoch = 0;
  };
  struct AdminEntry {
    AdminOverride key;  // state field unused; the atomic holds it
    std::shared_ptr<zones::MemberAdmin> admin;
    uint64_t bound_epoch = 0;
  };

  std::shared_ptr<zones::MemberAdmin> admin_locked(const std::string& zone, const std::string& pool,
                                                   const std::string& address);
  std::vector<TargetRef> refs_locked(const Entry& entry) const;
  void notify_changed_locked();

  std::function<uint64_t()> clock_;
  mutable std::mutex mutex_;
  mutable std::condition_variable probed_;
  uint64_t next_id_ = 1;
  uint64_t epoch_ = 1;
  size_t unprobed_ = 0;
  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<std::string, uint64_t> by_key_;
  std::unordered_map<const zones::MemberHealth*, uint64_t> by_health_;
  std::unordered_map<std::string, AdminEntry> admins_;
  std::unordered_map<const zones::MemberAdmin*, std::string> admin_by_ptr_;
  std::function<void()> change_listener_;
  std::function<void()> admin_listener_;
  ProbeMetrics metrics_;  ///< updated by record_result
};

/// Zone name as the registry stores it: lowercase, trailing dot. Any thread.
std::string normalized_zone(std::string_view zone);

}  // namespace dnsd::health
