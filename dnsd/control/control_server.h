// The control API (CONTROL_API.md): a Service that serves HTTP with
// libmicrohttpd on its own threads (default 127.0.0.1:8053, or a UNIX socket)
// and, once a request passes the browser-safety checks (request_guard.h) and
// the token, answers
// /api/status, /api/reload, /api/drain, /api/undrain, /api/explain, /api/keys and
// /metrics. It reads the zone snapshot, the health table and the query
// counters, never anything a worker writes under a lock. Drains go through
// the drain table (HealthRegistry::drains), so the query path sees them in its next answer,
// and are persisted to --state-dir on every change.
//
// Threads: construct, restore_state, add_route, start and stop on the main
// thread; handlers run on the HTTP threads (two, possibly at once);
// on_reload on whichever thread reloaded.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dnsd/control/admin_request.h"
#include "dnsd/control/control_options.h"
#include "dnsd/control/control_status.h"
#include "dnsd/control/drain_scope.h"
#include "dnsd/control/drain_store.h"
#include "dnsd/control/http_server.h"
#include "dnsd/control/request_guard.h"
#include "dnsd/server/service.h"

namespace dnsd::health {
class HealthRegistry;
class StateWriteErrors;
}

namespace dnsd {

class TransferService;

/// The control API service.
class ControlServer : public Service {
 public:
  /// `registry` (may be null: no drains, no probe details) must outlive the service.
  ControlServer(ControlOptions options, health::HealthRegistry* registry);
  ~ControlServer() override;

  /// Reads --state-dir's drains into the registry and rewrites the file (so an
  /// unwritable directory is found now, not at the first drain). Call before
  /// Server::run(), so the first zone load binds the drained states. False
  /// with `error` set. Main thread.
  bool restore_state(std::string& error);

  /// Serves `handler` for `method` `path` (exact match), e.g. the dashboard's
  /// page. Public routes skip the token check: only pages holding no data.
  /// Main thread, before start().
  void add_route(std::string method, std::string path, HttpServer::Handler handler, bool is_public = false);

  /// Where transfer status and NOTIFY state come from (may stay unset: no
  /// NOTIFY details). Main thread, before start().
  void set_transfer_service(const TransferService* transfers) { transfer_service_ = transfers; }

  /// Where failed writes of drains.json are counted and logged, and what the
  /// status page and /metrics report about the state directory (may stay
  /// unset: failures are logged as errors, nothing is reported). Main thread,
  /// before restore_state().
  void set_state_write_errors(health::StateWriteErrors* errors) { write_errors_ = errors; }

  const char* name() const override { return "control"; }
  /// Binds the control address (a low port may need the start-up privileges).
  bool open(Server& server) override;
  bool start(Server& server) override;
  void on_reload(const ReloadReport& report) override;
  void stop() override;

 private:
  struct Route {
    std::string method, path;
    HttpServer::Handler handler;
    bool is_public = false;
  };
  /// One pool member a drain request names.
  using MemberRef = PoolMemberRef;

  /// Every request: the guard, then route(), then the headers that keep
  /// responses out of other pages' frames. HTTP threads.
  HttpResponse dispatch(const HttpRequest& request);
  /// The token check and the route table. HTTP threads.
  HttpResponse route(const HttpRequest& request);
  bool authorized(const HttpRequest& request) const;
  HttpResponse get_status(const HttpRequest& request);
  /// The transfer plane's state, read now. HTTP threads.
  TransferInputs transfer_inputs() const;
  HttpResponse post_reload(const HttpRequest& request);
  /// POST /api/drain and /api/undrain, in the steps below. HTTP threads.
  HttpResponse post_admin(const HttpRequest& request, bool drain);
  /// The members of the published snapshot the request names: a pool name
  /// and address may recur across zones, and a drain applies to all of them;
  /// a request without a pool names the address in every pool of every zone.
  static std::vector<MemberRef> find_members(const zones::ZoneSet& zones, const AdminRequest& request);
  /// Records when each member was first drained (for "safe after") and sets
  /// the admin state in the registry (the address-wide drain too, for a
  /// request without a pool), which the query path reads and the admin
  /// listener persists. Returns whether any state changed.
  bool set_admin_state(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                       const AdminRequest& request, bool drain, uint64_t now_ms);
  /// The response body (CONTROL_API.md): what the query path does with the
  /// members now, the other pools holding the address, and, for a drain,
  /// when stopping the server is safe; "changed" is left false for the
  /// caller to set. A drained member found still served is marked so that
  /// its safe time counts from when it is next found not served.
  nlohmann::json admin_result(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                              const AdminRequest& request, bool drain, uint64_t now_ms);
  HttpResponse get_explain(const HttpRequest& request);
  HttpResponse get_metrics(const HttpRequest& request);
  /// The health table's status with times on the wall clock (empty without a registry).
  std::unique_ptr<HealthIndex> health_index() const;
  /// /api/status's "address_drains": the addresses drained in every pool,
  /// with when. HTTP threads.
  nlohmann::json address_drains_json();
  /// Writes the registry's admin overrides to the state directory (admin
  /// listener, and the retry timer while the last write failed).
  void persist_drains();
  static std::string drain_key(const std::string& zone, const std::string& pool, const std::string& address);
  /// The drain_since_ key of an address drained in every pool of every zone.
  static std::string address_drain_key(const std::string& address);

  ControlOptions options_;
  RequestGuard guard_;
  health::HealthRegistry* registry_;
  Server* server_ = nullptr;
  const TransferService* transfer_service_ = nullptr;
  HttpServer http_;
  std::vector<Route> routes_;
  ZoneLoadTimes load_times_;
  ServerInfo info_;

  std::optional<DrainStore> store_;
  std::mutex drains_mutex_;                   ///< guards drain_since_ and file writes
  std::map<std::string, uint64_t> drain_since_;  ///< drain_key -> Unix ms drained (0: still served when last seen)
  std::atomic<bool> persist_ok_{true};        ///< whether the last write succeeded
  health::StateWriteErrors* write_errors_ = nullptr;
  uv_timer_t drains_retry_{};      ///< on the server's main loop: rewrites drains.json after a failed write
  bool drains_retry_open_ = false;
};

}  // namespace dnsd
