// Runtime drains: the operator's Auto/Drain override of each (zone, pool,
// address), set through the control API, persisted by the control plane, and
// kept across reloads. Each entry is one atomic that a HealthView points
// workers at, so a drain takes effect on the next answer without a publish.
// An address can also be drained in every pool of every zone: that covers
// the entries bound now and every entry bound later (a pool a reload adds),
// until it is lifted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "health/change_signal.h"
#include "health/member_state.h"

namespace dnsd::health {

/// A runtime admin state differing from Auto, as the state directory keeps it.
struct AdminOverride {
  std::string zone;     ///< normalised origin ("example.test.")
  std::string pool;
  std::string address;  ///< canonical
  AdminState state = AdminState::Auto;
};

/// The drain table. Thread-safe.
class DrainTable {
 public:
  /// The admin state of one member of one pool, created (Auto) on first use
  /// and the same object on every later call while the entry lives. Any thread.
  std::shared_ptr<MemberAdmin> bind(std::string_view zone, std::string_view pool, std::string_view address);

  /// Sets the state of `address` in `pool` of `zone` (empty zone: that pool in
  /// every zone). Returns how many members matched; 0 changes nothing. Calls
  /// the listener (outside the lock) when something changed. Any thread.
  size_t set(std::string_view zone, std::string_view pool, std::string_view address, AdminState state);

  /// Drains `address` in every pool of every zone (Drain), now and in every
  /// entry bound later, or lifts that (Auto) and sets every entry of the
  /// address back to Auto, per-pool drains included. Returns how many
  /// entries matched. Calls the listener when something changed, the
  /// address-wide drain itself included. Any thread.
  size_t set_address(std::string_view address, AdminState state);

  /// Whether `address` is drained in every pool of every zone. Any thread.
  bool drained_everywhere(std::string_view address) const;

  /// The addresses drained in every pool of every zone, canonical and
  /// sorted: what a state directory persists beside overrides(). Any thread.
  std::vector<std::string> drained_addresses() const;

  /// Seeds a state before the zones load (persisted drains at start-up). Any thread.
  void restore(const AdminOverride& entry);

  /// Seeds an address-wide drain before the zones load. Any thread.
  void restore_address(std::string_view address);

  /// Every state other than Auto, sorted: what a state directory persists. Any thread.
  std::vector<AdminOverride> overrides() const;

  /// Called after set() changed something, so the control plane can persist
  /// overrides(). Set before other threads use the table.
  void set_listener(std::function<void()> listener);
  /// Notified after every set() that changed a member's state. Any thread.
  ChangeSignal& changes() { return changes_; }

  /// Forgets entries that `used` (keys from key()) does not name, unless they
  /// were bound since the previous retain (a load in progress may publish
  /// them). Address-wide drains are kept. The publisher's thread, after each publish.
  void retain(const std::unordered_set<std::string>& used);

  /// The identity of one entry, as retain() expects it. Any thread.
  static std::string key(std::string_view zone, std::string_view pool, std::string_view address);

 private:
  struct Entry {
    AdminOverride key;  ///< state unused; the atomic holds it
    std::shared_ptr<MemberAdmin> admin;
    uint64_t bound_epoch = 0;
  };
  std::shared_ptr<MemberAdmin> bind_locked(const std::string& zone, std::string_view pool, const std::string& address);

  mutable std::mutex mutex_;
  uint64_t epoch_ = 1;
  std::unordered_map<std::string, Entry> entries_;
  std::set<std::string> everywhere_;  ///< canonical addresses drained in every pool
  std::function<void()> listener_;
  ChangeSignal changes_;
};

/// Zone name as the health tables store it: lowercase, trailing dot. Any thread.
std::string normalized_zone(std::string_view zone);

}  // namespace dnsd::health
