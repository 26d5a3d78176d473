// Where answers take their order from. Each rotating RRset (several records, or
// a pool) has a counter that advances once per answer, so successive answers
// start at successive records. Every worker has its own row of counters in the
// published snapshot (rows start at different offsets and sit on their own
// cache lines), so no counter is written by two threads and a hot name never
// bounces a cache line between cores. Across workers the order is not one
// strict sequence, but each worker rotates, and together they spread the
// first position evenly over the records.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "zones/zone_set.h"

namespace dnsd {

/// One row of rotation counters per worker, for one ZoneSet's rotation slots.
/// Built by the publisher; each row is then written by its own worker only.
class RotationCounters {
 public:
  /// `rows` rows of `set.rotation_slots()` counters. Row r starts at r, so
  /// workers begin at different records. When `previous` (with its set
  /// `previous_set`) holds the same Zone object, that zone's counters carry
  /// over, so a reload of another zone does not restart the rotation.
  RotationCounters(const zones::ZoneSet& set, unsigned rows, const RotationCounters* previous = nullptr,
                   const zones::ZoneSet* previous_set = nullptr);

  /// Row `row`'s counters (rotation_slots() of them). Any thread; written only by its owner.
  std::atomic<uint32_t>* row(unsigned row) const { return counters_.get() + size_t(row) * stride_; }
  unsigned rows() const { return rows_; }
  uint32_t slots() const { return slots_; }

 private:
  /// Frees counters allocated on a cache-line boundary (rotation.cc).
  struct AlignedDelete {
    void operator()(std::atomic<uint32_t>* p) const;
  };
  std::unique_ptr<std::atomic<uint32_t>[], AlignedDelete> counters_;  ///< starts on a cache line
  size_t stride_ = 0;  ///< slots rounded up to a whole number of cache lines
  unsigned rows_ = 0;
  uint32_t slots_ = 0;
};

/// One thread's handle on its rotation counters: a row of a snapshot's
/// RotationCounters (a worker), or private counters (tests and explain, which
/// must not move the order clients see). Owned by one thread.
class RotationState {
 public:
  /// Uses row `row` of `counters`. No allocation; call when the snapshot changes.
  void use(const RotationCounters& counters, unsigned row) {
    own_.reset();
    counters_ = counters.row(row % counters.rows());
    size_ = counters.slots();
  }
  /// Uses `slots` private counters starting at 0. Allocates.
  void resize(uint32_t slots) {
    own_ = std::make_unique<std::atomic<uint32_t>[]>(slots);
    counters_ = own_.get();
    size_ = slots;
  }
  /// Returns the current counter of `slot` and advances it. The owner is the
  /// only writer, so a relaxed load and store do (no locked instruction).
  uint32_t next(uint32_t slot) {
    if (slot >= size_) return 0;
    const uint32_t v = counters_[slot].load(std::memory_order_relaxed);
    counters_[slot].store(v + 1, std::memory_order_relaxed);
    return v;
  }
  uint32_t size() const { return size_; }

 private:
  std::unique_ptr<std::atomic<uint32_t>[]> own_;
  std::atomic<uint32_t>* counters_ = nullptr;
  uint32_t size_ = 0;
};

}  // namespace dnsd
