// A worker: one thread running its own libuv loop, with its own sockets (one
// SO_REUSEPORT UDP and one TCP socket per listen address), its own reader of
// the published snapshots, its own row of rotation counters, buffers and
// stats. Workers share nothing writable on the query path, so they never wait
// for each other; a worker never takes a lock and never frees a snapshot.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/server/listen_address.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/responder.h"
#include "dnsd/server/tcp_connection.h"
#include "dnsd/server/tcp_listener.h"
#include "dnsd/server/udp_listener.h"
#include "dnsd/server/snapshot_store.h"

namespace dnsd {

/// One serving thread. Created, opened, started, stopped and joined by the
/// Server on the main thread; everything else runs on the worker's own thread.
class Worker {
 public:
  /// `store` and `tcp_open_count` outlive the worker; `index` names the thread
  /// and picks its reader slot and rotation row (index < the store's readers).
  /// `transfers` (may be nullptr) answers what the query path hands off.
  /// `limiter` (shared by all workers, outlives them; nullptr: none) rate-limits UDP responses.
  Worker(unsigned index, SnapshotStore& store, const TcpLimits& tcp_limits,
         std::atomic<unsigned>& tcp_open_count, xfr::TransferEndpoint* transfers = nullptr,
         RateLimiter* limiter = nullptr);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  /// Stops and joins the thread if still running, then closes the loop. Main thread.
  ~Worker();

  /// Opens this worker's UDP and TCP sockets on every address. Returns false with
  /// `error` set on the first failure. Main thread, before start().
  bool listen(std::span<const ListenAddress> addresses, std::string& error);
  /// Starts the thread; queries are answered from now on. Main thread.
  void start();
  /// Asks the worker to close its sockets and connections and end its loop.
  /// Returns at once. Any thread.
  void stop();
  /// Waits for the thread to end. Main thread, after stop().
  void join();

  /// This worker's counters. Any thread may read them.
  const QueryStats& stats() const { return responder_.stats(); }
  /// This worker's Responder, to give it server cookies and an NSID
  /// (Responder::identify). Main thread, before start().
  Responder& responder() { return responder_; }

 private:
  static void on_stop(uv_async_t* async);
  static void on_prepare(uv_prepare_t* prepare);
  /// Closes every handle of the loop. Worker thread (or main thread when never started).
  void close_handles();
  void run();

  unsigned index_;
  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_prepare_t before_sleep_{};  ///< runs before each poll: the worker drops its snapshot
  Responder responder_;
  RateLimiter* limiter_;
  std::unique_ptr<UdpBatch> udp_batch_;
  TcpConnections tcp_connections_;
  std::vector<std::unique_ptr<UdpListener>> udp_listeners_;
  std::vector<std::unique_ptr<TcpListener>> tcp_listeners_;
  std::thread thread_;
};

}  // namespace dnsd
