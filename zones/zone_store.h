// Publishes ZoneSet snapshots to worker threads. A writer swaps in a whole new
// snapshot; a worker checks one atomic generation number per packet and only
// touches the mutex in the rare packet after a swap, so readers never wait on
// writers in the steady state (the same effect as Knot's RCU swap).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "zones/zone_set.h"

namespace dnsd::zones {

/// The current snapshot. publish() from any thread (the loader); read through a
/// per-thread Reader.
class ZoneStore {
 public:
  ZoneStore();

  /// Makes `set` the snapshot every reader sees from its next packet on. Any thread.
  void publish(std::shared_ptr<const ZoneSet> set);

  /// The current snapshot, taking the mutex. For control and status code, not workers.
  std::shared_ptr<const ZoneSet> current() const;

  /// A worker thread's cached view. One per thread; not shareable.
  class Reader {
   public:
    explicit Reader(const ZoneStore& store) : store_(store) {}
    /// The latest snapshot. Costs one acquire load unless a new snapshot was
    /// published since the last call. The reference stays valid until the next call.
    const ZoneSet& get() {
      uint64_t g = store_.generation_.load(std::memory_order_acquire);
      if (g != seen_) refresh(g);
      return *cached_;
    }
    /// Generation of the snapshot get() last returned; changes when a new one arrives.
    uint64_t generation() const { return seen_; }

   private:
    void refresh(uint64_t generation);
    const ZoneStore& store_;
    std::shared_ptr<const ZoneSet> cached_;
    uint64_t seen_ = UINT64_MAX;
  };

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ZoneSet> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace dnsd::zones
