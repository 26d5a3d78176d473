// Failed writes of the files dnsd keeps beside its work: serials.json,
// drains.json and health.json in --state-dir, and the --status-file. A failed
// write never stops serving; it is counted per file (for /metrics and the
// status page) and logged without flooding the log: the first failure of a
// run of failures at once, then at most one line per kLogIntervalMs saying how
// many more failed, and one line when the file is written again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dnsd::health {

/// The files whose writes are counted, by the name /metrics labels them with.
inline constexpr std::string_view kStateFiles[] = {"serials", "drains", "health", "status"};

/// How often a file that keeps failing is logged again.
inline constexpr uint64_t kStateWriteLogIntervalMs = 10000;

/// What is known about the writes of one file. Plain values.
struct StateWriteStatus {
  std::string file;            ///< "serials", "drains", "health", "status"
  uint64_t errors = 0;         ///< failed writes so far
  std::string last_error;      ///< the latest failure (path and reason), "" if none yet
  uint64_t last_error_ms = 0;  ///< Unix ms of the latest failure, 0 if none yet
  bool failing = false;        ///< whether the latest write failed
};

/// The counters and the rate-limited log. Thread-safe: the publisher, the
/// control threads and the prober report to one instance.
class StateWriteErrors {
 public:
  /// Receives each log line; `error` tells a failure from a recovery. Called
  /// without the lock held, on the reporting thread.
  using Log = std::function<void(bool error, const std::string& line)>;

  /// `log` may be empty (nothing logged); `wall_ms` gives Unix ms (tests pass a fake one).
  explicit StateWriteErrors(Log log = nullptr, std::function<uint64_t()> wall_ms = nullptr);

  /// A write of `file` failed with `error` (which names the path and the
  /// reason). Counts it and logs it unless a line for this file went out less
  /// than kStateWriteLogIntervalMs ago. Any thread.
  void failed(std::string_view file, const std::string& error);
  /// A write of `file` succeeded; logs once if it had been failing. Any thread.
  void succeeded(std::string_view file);

  /// Every file of kStateFiles (zeros when never failed), then any other
  /// reported file, in that order. Any thread.
  std::vector<StateWriteStatus> status() const;

 private:
  struct Entry {
    StateWriteStatus status;
    uint64_t logged_ms = 0;    ///< when the latest line about this file went out
    uint64_t unlogged = 0;     ///< failures since that line
    uint64_t streak = 0;       ///< failures since the last success
  };
  Entry& entry_locked(std::string_view file);

  Log log_;
  std::function<uint64_t()> wall_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace dnsd::health
