// Publishes Snapshots to the workers the way Knot swaps zone contents with
// RCU: a worker reads the current snapshot with no lock and never frees one;
// the old snapshot is reclaimed later, off the workers, once none of them can
// still be reading it.
//
// Each worker owns one slot, in which it announces the snapshot it is using
// while it answers (a hazard pointer). It announces on its first packet after
// a sleep and clears the slot before it sleeps again (a loop turn, or a UDP
// thread's blocking receive), so an idle worker pins nothing. publish() swaps the current pointer and puts the old snapshot
// on a retired list; reclaim(), run by a main-loop timer, frees every retired
// snapshot that no slot names.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dnsd/query/snapshot.h"

namespace dnsd {

/// The current snapshot and the retired ones still to free.
class SnapshotStore {
 public:
  /// `readers`: how many Reader slots (one per worker). Starts with an empty snapshot.
  explicit SnapshotStore(unsigned readers);
  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  /// Makes `snapshot` what every reader sees from its next loop iteration on,
  /// and retires the previous one. Any non-worker thread.
  void publish(std::shared_ptr<const Snapshot> snapshot);

  /// The current snapshot, as a shared reference (takes a mutex). For control,
  /// status and the publisher; never for workers.
  std::shared_ptr<const Snapshot> current() const;

  /// Frees every retired snapshot that no reader is using. Returns how many
  /// stay retired (a busy reader still uses them; try again later). Any
  /// non-worker thread; the main loop calls it on a timer.
  size_t reclaim();

  /// Retired snapshots not yet freed. Any thread.
  size_t retired() const;

  /// One worker's view. Owned and used by one thread.
  class Reader {
   public:
    /// The current snapshot, protected until leave(). The first call after
    /// leave() announces it in this reader's slot: one atomic exchange and
    /// one load, no lock, no allocation. Later calls return the same one.
    const Snapshot& enter() {
      if (held_ == nullptr) protect();
      return *held_;
    }
    /// Stops using the snapshot (before the loop sleeps). No lock.
    void leave() {
      if (held_ == nullptr) return;
      slot_->store(nullptr, std::memory_order_release);
      held_ = nullptr;
    }

   private:
    friend class SnapshotStore;
    Reader(const SnapshotStore& store, std::atomic<const Snapshot*>* slot) : store_(store), slot_(slot) {}
    void protect();
    const SnapshotStore& store_;
    std::atomic<const Snapshot*>* slot_;
    const Snapshot* held_ = nullptr;
  };

  /// The reader of slot `index` (< readers). Main thread, before workers start.
  Reader reader(unsigned index) { return Reader(*this, &slots_[index].in_use); }

 private:
  struct alignas(64) Slot {
    std::atomic<const Snapshot*> in_use{nullptr};
  };

  mutable std::mutex mutex_;  ///< guards current_ and retired_; never taken by readers
  std::shared_ptr<const Snapshot> current_;
  std::vector<std::shared_ptr<const Snapshot>> retired_;
  std::atomic<const Snapshot*> current_raw_{nullptr};
  std::unique_ptr<Slot[]> slots_;
  unsigned slot_count_ = 0;
};

}  // namespace dnsd
