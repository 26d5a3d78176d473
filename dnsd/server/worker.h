// A worker: one thread running its own libuv loop for TCP, plus one thread
// per listen address blocked on its own SO_REUSEPORT UDP socket (see
// udp_listener.h). Each of these threads answers through its own Responder:
// its own reader of the published snapshots, row of rotation counters,
// buffers and stats. Threads share nothing writable on the query path, so
// they never wait for each other; none takes a lock or frees a snapshot.
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

/// Responders (reader slots, rotation rows, per-zone counter slots, dnstap
/// rings) each worker uses when listening on `addresses` addresses: one for
/// its loop, one per UDP socket. Any thread.
inline unsigned responders_per_worker(size_t addresses) { return unsigned(1 + addresses); }

/// One serving thread. Created, opened, started, stopped and joined by the
/// Server on the main thread; everything else runs on the worker's own thread.
class Worker {
 public:
  /// `store` and `tcp_open_count` outlive the worker; `index` names the
  /// threads. The loop answers through row `first_row` (reader slot and
  /// rotation row) and the UDP socket of address k through `first_row + 1 + k`
  /// (rows below the store's readers; see responders_per_worker).
  /// `transfers` (may be nullptr) answers what the query path hands off.
  /// `limiter` (shared by all workers, outlives them; nullptr: none) rate-limits UDP responses.
  Worker(unsigned index, unsigned first_row, SnapshotStore& store, const TcpLimits& tcp_limits,
         std::atomic<unsigned>& tcp_open_count, xfr::TransferEndpoint* transfers = nullptr,
         RateLimiter* limiter = nullptr);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  /// Stops and joins the thread if still running, then closes the loop. Main thread.
  ~Worker();

  /// Opens this worker's UDP and TCP sockets on every address. Returns false with
  /// `error` set on the first failure. Main thread, before start().
  bool listen(std::span<const ListenAddress> addresses, std::string& error);
  /// Starts the threads; queries are answered from now on. Main thread.
  void start();
  /// Asks the worker to close its sockets and connections and end its
  /// threads. Returns at once. Any thread.
  void stop();
  /// Waits for the threads to end. Main thread, after stop().
  void join();

  /// This worker's Responders, in row order (the loop's, then one per UDP
  /// socket), to give them server cookies, an NSID and dnstap rings. Main
  /// thread, before start().
  std::vector<Responder*> responders();
  /// The counters of each of this worker's Responders. Any thread may read them.
  std::vector<const QueryStats*> stats() const;

 private:
  static void on_stop(uv_async_t* async);
  static void on_prepare(uv_prepare_t* prepare);
  /// Closes every handle of the loop. Worker thread (or main thread when never started).
  void close_handles();
  void run();

  unsigned index_;
  SnapshotStore& store_;
  unsigned first_row_;
  xfr::TransferEndpoint* transfers_;
  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_prepare_t before_sleep_{};  ///< runs before each poll: the worker drops its snapshot
  Responder responder_;
  RateLimiter* limiter_;
  TcpConnections tcp_connections_;
  std::vector<std::unique_ptr<UdpListener>> udp_listeners_;
  std::vector<std::unique_ptr<TcpListener>> tcp_listeners_;
  std::thread thread_;
};

}  // namespace dnsd
