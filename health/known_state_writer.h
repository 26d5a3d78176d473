// Keeps --state-dir/health.json (known_states.h) in step with the target
// table, on a thread of its own so that neither the prober nor a worker ever
// waits for the disk: each health transition marks the file stale and wakes
// the writer, which waits a short window (a burst of transitions makes one
// write), then replaces the file atomically. A failed write is reported to
// StateWriteErrors and retried after kRetryMs until it succeeds. Probes that
// change nothing write nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "health/state_write_errors.h"
#include "health/target_table.h"

namespace dnsd::health {

/// The writer of health.json. start/stop on one controlling thread (main).
class KnownStateWriter {
 public:
  /// Default window that collects transitions into one write.
  static constexpr uint64_t kCoalesceMs = 100;
  /// Wait before a failed write is tried again.
  static constexpr uint64_t kRetryMs = 5000;

  /// `table` and `errors` (may be null) outlive the writer.
  KnownStateWriter(TargetTable& table, std::string path, StateWriteErrors* errors, uint64_t coalesce_ms = kCoalesceMs,
                   uint64_t retry_ms = kRetryMs);
  ~KnownStateWriter();
  KnownStateWriter(const KnownStateWriter&) = delete;
  KnownStateWriter& operator=(const KnownStateWriter&) = delete;

  /// Subscribes to the table's transitions and starts the thread. Idempotent.
  void start();
  /// Unsubscribes, writes once more if a change is still unwritten, and joins. Idempotent.
  void stop();

  /// Marks the file stale, as a transition does. Any thread.
  void request_write();
  /// Successful writes so far, for tests. Any thread.
  uint64_t writes() const;

 private:
  void run();
  /// Writes the table's known states now; false if the write failed. Writer thread (or stop()).
  bool write_now();

  TargetTable& table_;
  const std::string path_;
  StateWriteErrors* errors_;
  const uint64_t coalesce_ms_, retry_ms_;
  ChangeSignal::Id subscription_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stale_ = false;     ///< a transition happened since the last successful write
  bool stopping_ = false;
  uint64_t writes_ = 0;
};

}  // namespace dnsd::health
