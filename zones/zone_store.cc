#include "zones/zone_store.h"

namespace dnsd::zones {

ZoneStore::ZoneStore() : current_(std::make_shared<const ZoneSet>(std::vector<std::shared_ptr<const Zone>>{})) {}

void ZoneStore::publish(std::shared_ptr<const ZoneSet> set) {
  std::lock_guard lock(mutex_);
  current_ = std::move(set);
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const ZoneSet> ZoneStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void ZoneStore::Reader::refresh(uint64_t generation) {
  std::lock_guard lock(store_.mutex_);
  cached_ = store_.current_;
  // Re-read under the lock: a publish between the load and the lock is then seen next time.
  seen_ = generation;
}

}  // namespace dnsd::zones
