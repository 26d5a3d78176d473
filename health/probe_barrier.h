// Lets a publisher wait until given targets have their first probe result, so
// a member is never served before anything is known about it: at start-up for
// every target, on reload for only the targets that the new snapshot adds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_set>

namespace dnsd::health {

/// The set of targets still waiting for their first result. Thread-safe.
class ProbeBarrier {
 public:
  /// A new checked target awaits its first result. Any thread (the target table).
  void add(uint64_t id);
  /// `id` has its first result, or is gone: it no longer holds anyone up. Any thread.
  void release(uint64_t id);

  /// Blocks until none of `ids` awaits a first result, `deadline` passes or
  /// cancel() is called. Returns how many of `ids` still wait. Any thread but
  /// the prober's.
  size_t wait(std::span<const uint64_t> ids, std::chrono::steady_clock::time_point deadline) const;
  /// The same for every target that waits.
  size_t wait_all(std::chrono::steady_clock::time_point deadline) const;
  /// Targets that still wait. Any thread.
  size_t pending() const;

  /// Wakes every waiter now and makes later waits return at once (shutdown). Any thread.
  void cancel();

 private:
  size_t still_waiting_locked(std::span<const uint64_t> ids) const;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::unordered_set<uint64_t> pending_;
  bool cancelled_ = false;
};

}  // namespace dnsd::health
