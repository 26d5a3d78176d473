// The running server: loads the zones, starts the workers and the services,
// and runs the main loop that handles signals until it is told to stop.
//
// Threads:
//   main     Server::run(): the main uv loop (signals, the file watcher, the
//            timer that reclaims old snapshots, whatever a Service adds), and
//            the first zone load before anything answers.
//   reload   every later reload (reload_runner.h): parse, build, bind health,
//            wait for new members' first probes, publish.
//   workers  one per --threads, each its own loop and sockets (see worker.h).
//   services their own threads if they need them (prober, control API).
//
// A zone edit flows: file saved -> watcher (main loop) -> request_reload() ->
// reload thread: load, bind, probe new members, publish a Snapshot -> workers
// see it on their next packet -> main loop frees the old one.
//
// Extending: a prober, control API or watcher is a Service (service.h) added
// with add_service() before run(). It gets the Server to reach the snapshot
// store, the main loop, reloads and the query counters.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dnsd/dnstap/dnstap_metrics.h"
#include "dnsd/dnstap/sink.h"
#include "dnsd/dnstap/writer.h"
#include "dnsd/query/server_cookies.h"
#include "dnsd/server/listen_address.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/rate_limiter.h"
#include "dnsd/server/reload_report.h"
#include "dnsd/server/reload_runner.h"
#include "dnsd/server/service.h"
#include "dnsd/server/signing_service.h"
#include "dnsd/server/snapshot_store.h"
#include "dnsd/server/tcp_connection.h"
#include "dnsd/server/worker.h"
#include "dnsd/server/zone_counter_registry.h"
#include "dnsd/server/zone_reloader.h"
#include "dnsd/xfr/transfer_endpoint.h"
#include "dnsd/xfr/versioner.h"
#include "health/health_registry.h"
#include "health/state_write_errors.h"

namespace dnsd {

/// Everything `dnsd serve` was told on the command line.
struct ServerConfig {
  std::string zones_path;                  ///< --zones: directory (or one file) of zone JSON
  std::vector<ListenAddress> listen;       ///< --listen: UDP and TCP on each
  unsigned threads = 1;                    ///< --threads: worker loops
  TcpLimits tcp;                           ///< --tcp-idle-timeout, --tcp-max-connections, --tcp-max-queries
  /// --state-dir: serials.json keeps each zone's last served serial; empty
  /// for time-based serials (dnsd/xfr/versioner.h).
  std::string state_dir;
  /// --key-dir: where signed zones' keys live; defaults to "keys" inside
  /// state_dir. Empty: signed zones cannot be served.
  std::string key_dir;
  /// --signing-threads: threads that sign a large zone when it is loaded or
  /// its keys change; 0: one per CPU.
  unsigned signing_threads = 0;
  /// --tsig-keys: the keys TSIG-signed messages and zone transfers may use.
  std::shared_ptr<const xfr::TsigKeyring> tsig_keys;
  /// How much history each zone keeps for IXFR.
  xfr::HistoryLimits history;
  /// --catalog and friends: a catalog zone listing every zone served.
  CatalogConfig catalog;
  /// --rrl-rate, --rrl-slip: response rate limiting of UDP answers.
  RateLimitConfig rrl;
  /// Called on the main thread once every socket is open (the DNS listeners
  /// and each service's open()) and before the state file and the zones are
  /// read or any thread starts: `serve --user` drops privileges here. False
  /// aborts start-up (it logs why). Empty: nothing to do.
  std::function<bool()> after_bind;
  /// --cookie-secret: RFC 9018 secrets shared with other servers; empty for
  /// a rotating secret from state_dir (or random). See cookie_secret_file.h.
  std::string cookie_secret_file;
  /// --nsid: the identifier answered to NSID requests (RFC 5001); empty: none.
  std::vector<uint8_t> nsid;
  /// --dnstap: where each answered query is logged as dnstap; unset: off.
  std::optional<dnstap::Sink> dnstap;
};

/// The server. Construct, add services, run() on the main thread.
class Server {
 public:
  /// `health` is the health state pool members are bound to; it outlives the server.
  Server(ServerConfig config, health::HealthRegistry& health);
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

  /// Asks the reload thread to reload the zones directory; returns at once.
  /// Requests made while a reload runs become one more reload after it. Any thread.
  void request_reload();

  /// Reloads (as request_reload) and waits for a reload that started after
  /// the call; returns its report. Any non-worker thread but the reload thread.
  ReloadReport reload();

  /// Publishes a new snapshot when health or drain changes altered what a
  /// zone serves, giving those zones a new version; returns their indices
  /// (empty: nothing changed, nothing published). Any thread but a worker's;
  /// serialised with reloads.
  std::vector<uint32_t> publish_versions();

  /// Where failed writes of serials.json are counted and logged (may stay
  /// unset: they are logged as errors). Main thread, before run().
  void set_state_write_errors(health::StateWriteErrors* errors) { write_errors_ = errors; }

  /// The keys and signatures of the signed zones (ctl keys, metrics). Any thread.
  SigningService& signing() { return signing_; }

  /// Answers zone transfers and signed messages for every worker. Any thread.
  xfr::TransferEndpoint& transfers() { return transfers_; }

  /// Counts and the latest report of every load and reload. Any thread.
  ReloadHistory reload_history() const;

  /// Unix ms when run() began, for uptime. Any thread after run() began.
  uint64_t started_at_ms() const { return started_at_ms_.load(std::memory_order_relaxed); }

  /// Sum of every worker's query counters. Any thread.
  QueryTotals query_totals() const;

  /// The dnstap writer's counts; unset without --dnstap. Any thread after run() opened the sockets.
  std::optional<dnstap::DnstapTotals> dnstap_totals() const {
    return dnstap_ ? std::optional(dnstap_->totals()) : std::nullopt;
  }

  /// The snapshot store, e.g. for status pages. Any thread (current() only).
  SnapshotStore& snapshots() { return store_; }
  /// The health state pool members are bound to. Any thread.
  health::HealthRegistry& health() { return health_; }
  /// The main thread's loop, for services that want timers or watchers on it.
  uv_loop_t* main_loop() { return &loop_; }
  const ServerConfig& config() const { return config_; }

 private:
  static void on_signal(uv_signal_t* handle, int signum);
  static void on_stop_request(uv_async_t* async);
  static void on_reclaim(uv_timer_t* timer);
  /// While a zone's serial is held (serials.json not writable): tries again.
  static void on_serials_retry(uv_timer_t* timer);
  static void on_signing_due(uv_timer_t* timer);
  /// `set` with each zone of `failures` (that could not be signed) replaced
  /// by the signed zone of that origin now served, when there is one.
  /// Reload thread.
  std::shared_ptr<const zones::ZoneSet> keep_signed_zones(const std::shared_ptr<const zones::ZoneSet>& set,
                                                          const std::vector<SigningService::Failure>& failures);
  /// Reports a publish's state-file outcome: counts and logs a failed write,
  /// and logs when zones start and stop being held. Caller holds publish_mutex_.
  void note_serials_saved(const xfr::Advance& advance, const Snapshot& snapshot);
  /// Human-readable "udp+tcp 127.0.0.1:5353, udp+tcp [::1]:5353".
  std::string describe_listeners() const;
  bool start_workers();
  /// With --dnstap: makes the writer, opens its sink and gives each worker
  /// its ring. Main thread, after start_workers().
  bool open_dnstap();
  /// Loads the DNS cookie secrets (--cookie-secret, or the state dir's master
  /// secret) and gives each worker its ServerCookies and the NSID. Main
  /// thread, after the privilege drop and before the workers start.
  bool give_workers_cookies();
  void stop_everything();
  void log_report(const ReloadReport& report, bool initial) const;
  /// One whole reload: load, bind health, let started services prepare,
  /// publish, sync health, record and log. The main thread for the first
  /// load, the reload thread afterwards; never two at once.
  ReloadReport load_and_publish(bool initial);
  /// Binds the loaded set's members, lets started services prepare (the
  /// prober probes new members), publishes the Snapshot, syncs health and
  /// frees what nobody uses. Same thread as load_and_publish.
  void publish(ZoneLoad& load, bool initial);
  /// After the services started (the prober's first round is done): makes
  /// the first real version of every zone, from the state file rather than
  /// from the provisional versions of the first load, publishes it and tells
  /// the services (secondaries are notified of every zone). Main thread.
  void publish_first_versions();
  /// Where a publish takes its versions from.
  enum class VersionStep : uint8_t {
    Provisional,    ///< the first load, before the prober's first round: seen by nobody, recorded nowhere
    FromStateFile,  ///< the first real versions: continue from serials.json, not from the provisional ones
    Next,           ///< every later publish: continue from the current snapshot
  };
  /// Makes versions for `set` seen through `view`, publishes them in a new
  /// Snapshot, logs new serials (with `why`) and tells started services. A
  /// Next step for the current set that changes no serial publishes nothing.
  /// Returns the zones with a new serial. Caller holds publish_mutex_.
  std::vector<uint32_t> publish_locked(std::shared_ptr<const zones::ZoneSet> set,
                                       std::shared_ptr<const health::HealthView> view, VersionStep step,
                                       const char* why);
  /// Counts `report` in the history. Any thread.
  void record(const ReloadReport& report, double duration_ms);
  /// Responders over all workers: the reader slots, rotation rows, per-zone
  /// counter slots and dnstap rings to make. Any thread.
  unsigned responder_rows() const { return config_.threads * responders_per_worker(config_.listen.size()); }

  ServerConfig config_;
  health::HealthRegistry& health_;
  SnapshotStore store_;
  xfr::TransferEndpoint transfers_;
  SigningService signing_;  ///< keys and signatures of the signed zones; the versioner signs with it
  xfr::Versioner versioner_;
  std::mutex publish_mutex_;  ///< one publish at a time: reloads and version updates
  bool first_published_ = false;  ///< publish_first_versions ran; guarded by publish_mutex_
  ZoneCounterRegistry zone_counters_{responder_rows()};  ///< per-zone query counters; guarded by publish_mutex_
  ZoneReloader reloader_;
  std::atomic<bool> cancel_loads_{false};
  std::set<std::string> tsig_key_names_;  ///< what a zone's transfer.tsig may name  ///< set at shutdown: a reload in progress stops parsing
  ReloadRunner reload_runner_;
  std::atomic<unsigned> tcp_open_count_{0};
  std::unique_ptr<RateLimiter> rate_limiter_;  ///< shared by the workers; nullptr when --rrl-rate 0
  CookieSecrets cookie_secrets_;  ///< loaded by run(); each worker makes its ServerCookies from it
  std::unique_ptr<dnstap::Writer> dnstap_;  ///< --dnstap; outlives the workers, which push to its rings
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Service>> services_;
  std::atomic<size_t> services_started_{0};  ///< read by the reload thread
  mutable std::mutex history_mutex_;  ///< guards history_
  ReloadHistory history_;
  std::atomic<uint64_t> started_at_ms_{0};
  health::StateWriteErrors* write_errors_ = nullptr;
  std::atomic<size_t> serials_held_{0};  ///< zones held by the last publish; written under publish_mutex_

  uv_loop_t loop_{};
  uv_signal_t sigterm_{}, sigint_{}, sighup_{};
  uv_async_t stop_async_{};
  uv_timer_t reclaim_timer_{};
  uv_timer_t serials_retry_timer_{};
  uv_timer_t signing_timer_{};  ///< publishes new versions when a signature window or key event comes
};

}  // namespace dnsd
