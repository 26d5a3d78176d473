// Runs zone reloads on their own thread, one at a time, so parsing a large
// zone and waiting for the first probes of new pool members never stall the
// main loop (signals, the file watcher) or the control API. Requests that
// arrive while a reload runs are coalesced into one more reload after it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "dnsd/server/reload_report.h"

namespace dnsd {

/// The reload thread. Any thread may request; one thread does the work.
class ReloadRunner {
 public:
  /// `work` does one reload and returns its report; it runs on the reload
  /// thread only, never twice at once.
  explicit ReloadRunner(std::function<ReloadReport()> work);
  /// Stops and joins the thread (see stop()).
  ~ReloadRunner();
  ReloadRunner(const ReloadRunner&) = delete;
  ReloadRunner& operator=(const ReloadRunner&) = delete;

  /// Starts the thread. Main thread, once.
  void start();

  /// Asks for a reload that starts after this call and returns at once. Any thread.
  void request();

  /// Asks for a reload and waits until one that started after this call has
  /// finished; returns its report. A report with published = false and an
  /// error when the runner stops first. Any thread but the reload thread.
  ReloadReport request_and_wait();

  /// Makes waiting callers return, lets a reload in progress finish (the
  /// caller cancels its work first when it must be quick) and joins the
  /// thread. Idempotent. Main thread.
  void stop();

 private:
  void run();

  std::function<ReloadReport()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;  ///< the thread waits for requests here
  std::condition_variable done_;  ///< callers of request_and_wait wait here
  uint64_t requested_ = 0;        ///< tickets handed out
  uint64_t completed_ = 0;        ///< every ticket up to this one is answered
  ReloadReport last_;             ///< the report of the reload that completed_ names
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dnsd
