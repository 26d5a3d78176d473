// A signal that member state changed (a health verdict or a runtime drain),
// without saying what: subscribers re-read the state they care about. The
// transfer plane subscribes to make a new zone version; the signal carries no
// data, so a burst of changes costs subscribers one wake-up each, at most.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace dnsd::health {

/// Subscribers to one kind of change. Any thread.
class ChangeSignal {
 public:
  using Id = uint64_t;
  /// Adds `callback`, called on every notify() from the notifying thread; it
  /// must be quick and must not subscribe or unsubscribe (uv_async_send is typical).
  Id subscribe(std::function<void()> callback) {
    std::lock_guard lock(mutex_);
    subscribers_.emplace(next_, std::move(callback));
    return next_++;
  }
  /// Removes a subscriber; once this returns it is not called again.
  void unsubscribe(Id id) {
    std::lock_guard lock(mutex_);
    subscribers_.erase(id);
  }
  /// Calls every subscriber. Callers hold none of their own locks.
  void notify() const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, callback] : subscribers_) callback();
  }

 private:
  mutable std::mutex mutex_;
  std::map<Id, std::function<void()>> subscribers_;
  Id next_ = 1;
};

}  // namespace dnsd::health
