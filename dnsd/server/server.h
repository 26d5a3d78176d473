// The running server: loads the zones, starts the workers and the services,
// and runs the main loop that handles signals until it is told to stop.
//
// Threads:
//   main     Server::run(): the main uv loop (signals, and later timers, the file
//            watcher, whatever a Service adds), zone loading and reloads.
//   workers  one per --threads, each its own loop and sockets (see worker.h).
//   services their own threads if they need them (prober, control API).
//
// Extending: a prober, control API or watcher is a Service (service.h) added
// with add_service() before run(). It gets the Server to reach the zone store,
// the main loop, reload() and the query counters.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dnsd/server/listen_address.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/service.h"
#include "dnsd/server/tcp_connection.h"
#include "dnsd/server/worker.h"
#include "dnsd/server/zone_reloader.h"
#include "zones/json_loader.h"
#include "zones/zone_store.h"

namespace dnsd {

/// Everything `dnsd serve` was told on the command line.
struct ServerConfig {
  std::string zones_path;                  ///< --zones: directory (or one file) of zone JSON
  std::vector<ListenAddress> listen;       ///< --listen: UDP and TCP on each
  unsigned threads = 1;                    ///< --threads: worker loops
  TcpLimits tcp;                           ///< --tcp-idle-timeout, --tcp-max-connections
  zones::LoadOptions load_options;         ///< health bindings, set by the prober
  PublishHooks publish_hooks;              ///< run around every publish (the prober's)
};

/// Every load and reload so far (start-up included), for status and metrics.
struct ReloadHistory {
  uint64_t ok = 0;      ///< published, and every file loaded
  uint64_t failed = 0;  ///< some file failed, or nothing could be published
  ReloadReport last;    ///< the latest report; meaningful when last_at_ms != 0
  uint64_t last_at_ms = 0;        ///< Unix ms when the latest one finished; 0 before the first
  double last_duration_ms = 0;    ///< how long it took (parse, build, publish)
};

/// The server. Construct, add services, run() on the main thread.
class Server {
 public:
  explicit Server(ServerConfig config);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  /// Adds a component started after the zones load. Main thread, before run().
  void add_service(std::unique_ptr<Service> service);

  /// Loads the zones, opens the sockets, starts services and workers, and
  /// serves until SIGTERM/SIGINT or request_stop(). Returns the exit code: 0
  /// after a clean shutdown, 1 if start-up failed. Main thread, once.
  int run();

  /// Makes run() shut down and return. Any thread, any time after run() began.
  void request_stop();

  /// Reloads the zones directory and publishes the result (see ZoneReloader),
  /// logs it, and tells the services. Reloads are serialised (SIGHUP, the file
  /// watcher and the control API may ask at once), services' on_reload
  /// included, so on_reload must not call reload(). Any non-worker thread.
  ReloadReport reload();

  /// Counts and the latest report of every load and reload. Any thread.
  ReloadHistory reload_history() const;

  /// Unix ms when run() began, for uptime. Any thread after run() began.
  uint64_t started_at_ms() const { return started_at_ms_.load(std::memory_order_relaxed); }

  /// Sum of every worker's query counters. Any thread.
  QueryTotals query_totals() const;

  /// The snapshot store, e.g. for status pages. Any thread (current() only).
  zones::ZoneStore& zone_store() { return store_; }
  /// The main thread's loop, for services that want timers or watchers on it.
  uv_loop_t* main_loop() { return &loop_; }
  const ServerConfig& config() const { return config_; }

 private:
  static void on_signal(uv_signal_t* handle, int signum);
  static void on_stop_request(uv_async_t* async);
  /// Human-readable "udp+tcp 127.0.0.1:5353, udp+tcp [::1]:5353".
  std::string describe_listeners() const;
  bool start_workers();
  void stop_everything();
  void log_report(const ReloadReport& report, bool initial) const;
  /// reloader_.reload(), timed and recorded in history_.
  ReloadReport load_and_record();

  ServerConfig config_;
  zones::ZoneStore store_;
  ZoneReloader reloader_;
  std::atomic<unsigned> tcp_open_count_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Service>> services_;
  std::atomic<size_t> services_started_{0};  ///< read by reload() on other threads
  std::mutex reload_mutex_;           ///< held for a whole reload()
  mutable std::mutex history_mutex_;  ///< guards history_
  ReloadHistory history_;
  std::atomic<uint64_t> started_at_ms_{0};

  uv_loop_t loop_{};
  uv_signal_t sigterm_{}, sigint_{}, sighup_{};
  uv_async_t stop_async_{};
};

}  // namespace dnsd
