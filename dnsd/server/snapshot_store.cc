#include "dnsd/server/snapshot_store.h"

#include <algorithm>
#include <iterator>

namespace dnsd {

SnapshotStore::SnapshotStore(unsigned readers) : slots_(std::make_unique<Slot[]>(readers)), slot_count_(readers) {
  publish(Snapshot::standalone(std::make_shared<const zones::ZoneSet>(std::vector<std::shared_ptr<const zones::Zone>>{})));
}

void SnapshotStore::publish(std::shared_ptr<const Snapshot> snapshot) {
  std::lock_guard lock(mutex_);
  if (current_) retired_.push_back(current_);
  current_ = std::move(snapshot);
  // Sequentially consistent, paired with the readers' exchange in protect():
  // either a reader sees the new pointer, or reclaim() sees its announcement.
  current_raw_.store(current_.get(), std::memory_order_seq_cst);
}

std::shared_ptr<const Snapshot> SnapshotStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

size_t SnapshotStore::reclaim() {
  std::vector<std::shared_ptr<const Snapshot>> unused;
  {
    std::lock_guard lock(mutex_);
    if (retired_.empty()) return 0;
    std::vector<const Snapshot*> in_use;
    for (unsigned i = 0; i < slot_count_; ++i)
      if (const Snapshot* s = slots_[i].in_use.load(std::memory_order_seq_cst)) in_use.push_back(s);
    // In-use snapshots to the front, the rest to the back, then hand the back over.
    const auto first_unused = std::partition(retired_.begin(), retired_.end(), [&](const auto& s) {
      return std::find(in_use.begin(), in_use.end(), s.get()) != in_use.end();
    });
    std::move(first_unused, retired_.end(), std::back_inserter(unused));
    retired_.erase(first_unused, retired_.end());
  }
  // Freed here, outside the lock: a large zone takes a while, and publish() must not wait for it.
  unused.clear();
  std::lock_guard lock(mutex_);
  return retired_.size();
}

size_t SnapshotStore::retired() const {
  std::lock_guard lock(mutex_);
  return retired_.size();
}

void SnapshotStore::Reader::protect() {
  const Snapshot* s = store_.current_raw_.load(std::memory_order_acquire);
  while (true) {
    slot_->exchange(s, std::memory_order_seq_cst);
    const Snapshot* again = store_.current_raw_.load(std::memory_order_seq_cst);
    if (again == s) break;  // announced before any reclaim could miss it
    s = again;
  }
  held_ = s;
}

}  // namespace dnsd
