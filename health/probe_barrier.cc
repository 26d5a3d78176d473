#include "health/probe_barrier.h"

namespace dnsd::health {

void ProbeBarrier::add(uint64_t id) {
  std::lock_guard lock(mutex_);
  pending_.insert(id);
}

void ProbeBarrier::release(uint64_t id) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.erase(id) == 0) return;
  }
  changed_.notify_all();
}

size_t ProbeBarrier::still_waiting_locked(std::span<const uint64_t> ids) const {
  size_t n = 0;
  for (uint64_t id : ids) n += pending_.count(id);
  return n;
}

size_t ProbeBarrier::wait(std::span<const uint64_t> ids, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return cancelled_ || still_waiting_locked(ids) == 0; });
  return still_waiting_locked(ids);
}

size_t ProbeBarrier::wait_all(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return cancelled_ || pending_.empty(); });
  return pending_.size();
}

size_t ProbeBarrier::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void ProbeBarrier::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
}

}  // namespace dnsd::health
