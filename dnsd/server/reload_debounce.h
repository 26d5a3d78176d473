// When to reload after zone files change. One save is a burst of file events
// (vim: create a temp file, write it, rename it over the zone, chmod; other
// editors: delete, create, write), so reloading on the first event would parse
// a half-saved directory and log errors for nothing. The reload waits until the
// directory has been quiet for `quiet_ms`, but never longer than `max_delay_ms`
// after the first event of the burst, so a file rewritten without pause still
// gets reloaded. Pure: times are given, so tests drive it without sleeping.
#pragma once

#include <algorithm>
#include <cstdint>

namespace dnsd {

/// Debounce state of one watcher. Single-threaded (the main loop).
class ReloadDebounce {
 public:
  /// Defaults: 100 ms of quiet; at most 1 s after the first event.
  explicit ReloadDebounce(uint64_t quiet_ms = 100, uint64_t max_delay_ms = 1000)
      : quiet_ms_(quiet_ms), max_delay_ms_(std::max(quiet_ms, max_delay_ms)) {}

  /// Notes an event at `now_ms` (any monotonic clock) and returns when to
  /// reload: `quiet_ms` from now, capped at `max_delay_ms` after the burst's
  /// first event.
  uint64_t on_event(uint64_t now_ms) {
    if (!pending_) {
      pending_ = true;
      first_ms_ = now_ms;
    }
    return std::min(now_ms + quiet_ms_, first_ms_ + max_delay_ms_);
  }

  /// The reload ran (or was dropped): the next event starts a new burst.
  void reset() { pending_ = false; }

  /// Whether events arrived since the last reset().
  bool pending() const { return pending_; }

 private:
  uint64_t quiet_ms_;
  uint64_t max_delay_ms_;
  uint64_t first_ms_ = 0;
  bool pending_ = false;
};

}  // namespace dnsd
