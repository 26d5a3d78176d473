#include "dnsd/control/control_server.h"

#include "dnsd/server/transfer_service.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "dnsd/control/dashboard.h"
#include "dnsd/control/explain.h"
#include "dnsd/control/iso_time.h"
#include "dnsd/server/log.h"
#include "dnsd/control/metrics.h"
#include "dnsd/control/outage_routes.h"
#include "dnsd/server/server.h"
#include "health/check.h"
#include "health/health_registry.h"
#include "health/state_write_errors.h"
#include "health/status_report.h"
#include "zones/name.h"

namespace dnsd {

using nlohmann::json;

namespace {

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

/// Compares without an early exit, so response time says nothing about the token.
bool same_secret(const std::string& given, const std::string& secret) {
  const size_t n = std::max(given.size(), secret.size());
  unsigned diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i)
    diff |= uint8_t(i < given.size() ? given[i] : 0) ^ uint8_t(i < secret.size() ? secret[i] : 0);
  return diff == 0;
}

/// The 401 for a request without the right token, with the challenge RFC 6750 asks for.
HttpResponse unauthorized() {
  HttpResponse r = HttpResponse::error(401, "missing or wrong bearer token (Authorization: Bearer TOKEN)");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dnsd\"");
  return r;
}

/// How often a failed drains.json write is tried again.
constexpr uint64_t kDrainsRetryMs = 5000;

}  // namespace

ControlServer::ControlServer(ControlOptions options, health::HealthRegistry* registry)
    : options_(std::move(options)),
      guard_(options_.unix_path.empty() ? RequestGuard::for_tcp(options_.address) : RequestGuard::for_unix_socket()),
      registry_(registry) {
  if (!options_.state_dir.empty()) store_.emplace(options_.state_dir);
  add_route("GET", "/api/status", [this](const HttpRequest& r) { return get_status(r); });
  add_route("POST", "/api/reload", [this](const HttpRequest& r) { return post_reload(r); });
  add_route("POST", "/api/drain", [this](const HttpRequest& r) { return post_admin(r, true); });
  add_route("POST", "/api/undrain", [this](const HttpRequest& r) { return post_admin(r, false); });
  add_route("GET", "/api/explain", [this](const HttpRequest& r) { return get_explain(r); });
  add_route("GET", "/metrics", [this](const HttpRequest& r) { return get_metrics(r); });
  add_route("GET", "/api/events", [this](const HttpRequest& r) { return get_events(registry_, r); });
  add_route("GET", "/api/history", [this](const HttpRequest& r) { return get_history(registry_, r); });
  // The dashboard page holds no data (its script calls /api/* with the token): public.
  // Its POSTs send Content-Type: application/json and come from its own origin.
  for (const DashboardFile& file : dashboard_files())
    add_route("GET", file.path, [&file](const HttpRequest&) { return dashboard_response(file); }, true);
}

ControlServer::~ControlServer() { stop(); }

void ControlServer::add_route(std::string method, std::string path, HttpServer::Handler handler, bool is_public) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler), is_public});
}

std::string ControlServer::drain_key(const std::string& zone, const std::string& pool, const std::string& address) {
  return health::normalized_zone(zone) + '\x1f' + pool + '\x1f' + health::canonical_address(address);
}

bool ControlServer::restore_state(std::string& error) {
  if (!store_) return true;
  std::vector<DrainRecord> drains;
  if (!store_->load(drains, error)) return false;
  if (!drains.empty() && registry_ == nullptr) {
    error = store_->path() + ": holds drains, but this server has no health table to apply them to";
    return false;
  }
  {
    std::lock_guard lock(drains_mutex_);
    for (const DrainRecord& d : drains) {
      registry_->drains().restore({d.zone, d.pool, d.address, health::AdminState::Drain});
      drain_since_[drain_key(d.zone, d.pool, d.address)] = d.since_ms ? d.since_ms : health::wall_clock_ms();
    }
    std::string write_error;
    if (!store_->save(drains, write_error)) {
      // A full disk must not keep DNS down; without the counter, refuse as before.
      if (!write_errors_) {
        error = write_error;
        return false;
      }
      write_errors_->failed("drains", write_error);
    }
  }
  if (!drains.empty())
    log_info("restored %zu drain%s from %s", drains.size(), drains.size() == 1 ? "" : "s", store_->path().c_str());
  return true;
}

bool ControlServer::open(Server&) {
  std::string error;
  const bool bound = options_.unix_path.empty() ? http_.bind(options_.address, error)
                                                : http_.bind_unix(options_.unix_path, error);
  if (bound) return true;
  log_error("%s", error.c_str());
  return false;
}

bool ControlServer::start(Server& server) {
  server_ = &server;
  const ServerConfig& config = server.config();
  info_.zones_path = config.zones_path;
  for (const ListenAddress& a : config.listen) info_.listen.push_back(a.to_string());
  info_.threads = config.threads;
  info_.started_ms = server.started_at_ms();
  info_.health = registry_ != nullptr;
  info_.state_dir = options_.state_dir;
  load_times_.observe(*server.snapshots().current()->zones, server.reload_history().last_at_ms);
  if (registry_ && store_) registry_->drains().set_listener([this] { persist_drains(); });

  std::string error;
  auto handler = [this](const HttpRequest& r) { return dispatch(r); };
  const bool started = options_.unix_path.empty()
                           ? http_.start(options_.address, options_.threads, handler, error)
                           : http_.start_unix(options_.unix_path, options_.threads, handler, error);
  if (!started) {
    log_error("%s", error.c_str());
    if (registry_ && store_) registry_->drains().set_listener(nullptr);
    return false;
  }
  const std::string where = options_.unix_path.empty() ? "http://" + control_address_text(options_) + "/"
                                                       : control_address_text(options_) + " (mode 0660)";
  log_info("control API on %s%s", where.c_str(), options_.token.empty() ? "" : " (bearer token required)");
  if (registry_ && store_) {
    // A drain whose write failed is in force but not kept: try again until it is.
    uv_timer_init(server.main_loop(), &drains_retry_);
    drains_retry_.data = this;
    uv_timer_start(&drains_retry_, [](uv_timer_t* t) {
      auto* self = static_cast<ControlServer*>(t->data);
      if (!self->persist_ok_.load()) self->persist_drains();
    }, kDrainsRetryMs, kDrainsRetryMs);
    drains_retry_open_ = true;
  }
  return true;
}

void ControlServer::on_reload(const ReloadReport&) {
  if (server_) load_times_.observe(*server_->snapshots().current()->zones, health::wall_clock_ms());
}

void ControlServer::stop() {
  if (drains_retry_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&drains_retry_), nullptr);  // the server's loop finishes it
    drains_retry_open_ = false;
  }
  http_.stop();
  if (registry_ && store_ && server_) registry_->drains().set_listener(nullptr);
  server_ = nullptr;
}

bool ControlServer::authorized(const HttpRequest& request) const {
  if (options_.token.empty()) return true;
  const std::string header = request.header("authorization");
  const size_t space = header.find(' ');
  if (space == std::string::npos || zones::lower_text(header.substr(0, space)) != "bearer") return false;
  std::string value = header.substr(space + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return same_secret(value, options_.token);
}

HttpResponse ControlServer::dispatch(const HttpRequest& request) {
  const GuardVerdict verdict = guard_.check(request);
  HttpResponse response = verdict.accepted() ? route(request) : HttpResponse::error(verdict.status, verdict.reason);
  // No page may show the dashboard in a frame and have its buttons clicked through.
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Content-Security-Policy", "frame-ancestors 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

HttpResponse ControlServer::route(const HttpRequest& request) {
  std::string allowed;
  for (const Route& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method == request.method) {
      if (!route.is_public && !authorized(request)) return unauthorized();
      return route.handler(request);
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!authorized(request)) {  // say nothing about which paths exist
    return unauthorized();
  }
  if (!allowed.empty()) {
    HttpResponse r = HttpResponse::error(405, request.method + " is not allowed on " + request.path);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  return HttpResponse::error(404, "no such endpoint: " + request.path);
}

std::unique_ptr<HealthIndex> ControlServer::health_index() const {
  if (!registry_) return std::make_unique<HealthIndex>();
  return std::make_unique<HealthIndex>(health::to_wall_clock(registry_->targets().status(), health::wall_clock_ms()));
}

TransferInputs ControlServer::transfer_inputs() const {
  TransferInputs in;
  in.log = &server_->transfers().log();
  if (transfer_service_) {
    in.notifies = transfer_service_->notify_status();
    in.notify_counters = transfer_service_->notify_counters();
    in.coalesce_ms = uint64_t(transfer_service_->options().coalesce.count());
  }
  return in;
}

HttpResponse ControlServer::get_status(const HttpRequest&) {
  const auto snapshot = server_->snapshots().current();
  const ReloadHistory history = server_->reload_history();
  const auto health = health_index();
  const TransferInputs transfer = transfer_inputs();
  ServerInfo info = info_;
  if (write_errors_) info.state_writes = write_errors_->status();
  return json_response(
      200, status_json(*snapshot, history, load_times_, *health, info, health::wall_clock_ms(), &transfer));
}

HttpResponse ControlServer::post_reload(const HttpRequest&) {
  const auto begin = std::chrono::steady_clock::now();
  const ReloadReport report = server_->reload();
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  const int status = reload_ok(report) ? 200 : report.published ? 422 : 500;
  return json_response(status, reload_json(report, health::wall_clock_ms(), took));
}

std::vector<ControlServer::MemberRef> ControlServer::find_members(const zones::ZoneSet& zones,
                                                                  const AdminRequest& request) {
  std::vector<MemberRef> matches;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zn = zones.zone(z);
    if (!request.zone.empty() && health::normalized_zone(zn.origin_text()) != request.zone) continue;
    for (uint32_t p = 0; p < zn.pools().size(); ++p) {
      if (zn.pool(p).name != request.pool) continue;
      const auto& members = zn.pool(p).members;
      for (uint32_t m = 0; m < members.size(); ++m)
        if (health::canonical_address(members[m].address_text) == request.address) matches.push_back({z, p, m});
    }
  }
  return matches;
}

bool ControlServer::set_admin_state(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                                    const AdminRequest& request, bool drain, uint64_t now_ms) {
  const zones::ZoneSet& zones = *snapshot.zones;
  const auto target = drain ? health::AdminState::Drain : health::AdminState::Auto;
  bool changed = false;
  {
    std::lock_guard lock(drains_mutex_);
    for (const MemberRef& ref : matches) {
      const zones::Zone& zn = zones.zone(ref.zone);
      const zones::PoolMember& m = zn.pool(ref.pool).members[ref.member];
      const auto before = health::AdminState(snapshot.health->pool(ref.zone, ref.pool)[ref.member].admin->load());
      changed |= before != target;
      const std::string key = drain_key(zn.origin_text(), request.pool, m.address_text);
      if (drain) drain_since_.emplace(key, now_ms);  // keeps the first drain time
      else drain_since_.erase(key);
    }
  }
  registry_->drains().set(request.zone, request.pool, request.address, target);  // the listener persists
  return changed;
}

json ControlServer::admin_result(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                                 const AdminRequest& request, bool drain, uint64_t now_ms) {
  const zones::ZoneSet& zones = *snapshot.zones;
  json members = json::array();
  uint32_t max_ttl = 0;
  uint64_t since = UINT64_MAX;
  bool still_serving = false;
  const HealthIndex no_details;
  for (const MemberRef& ref : matches) {
    const zones::Zone& zn = zones.zone(ref.zone);
    const zones::Pool& p = zn.pool(ref.pool);
    const PoolReport report = report_pool(p, snapshot.health->pool(ref.zone, ref.pool), no_details);
    const MemberReport& mr = report.members[ref.member];
    members.push_back({{"zone", zn.origin_text()},
                       {"pool", p.name},
                       {"address", p.members[ref.member].address_text},
                       {"state", health::state_name(mr.view.health)},
                       {"admin", mr.admin == health::AdminState::Drain ? "drain" : "auto"},
                       {"serving", mr.serving}});
    still_serving |= mr.serving;
    max_ttl = std::max(max_ttl, pool_max_ttl(zn, ref.pool));
    std::lock_guard lock(drains_mutex_);
    auto it = drain_since_.find(drain_key(zn.origin_text(), request.pool, p.members[ref.member].address_text));
    if (it != drain_since_.end()) since = std::min(since, it->second);
  }
  json out{{"zone", request.zone.empty() ? json(nullptr) : json(request.zone)},
           {"pool", request.pool},
           {"address", request.address},
           {"admin", drain ? "drain" : "auto"},
           {"changed", false},
           {"persisted", store_.has_value() && persist_ok_.load()},
           {"members", members},
           {"drained_since", nullptr},
           {"drained_since_ms", nullptr},
           {"max_ttl_s", nullptr},
           {"safe_after", nullptr},
           {"safe_after_ms", nullptr},
           {"safe_in_s", nullptr},
           {"still_serving", drain && still_serving},
           {"warning", nullptr}};
  if (!drain) return out;
  if (since == UINT64_MAX) since = now_ms;
  out["drained_since"] = iso_time(since);
  out["drained_since_ms"] = since;
  out["max_ttl_s"] = max_ttl;
  if (still_serving) {
    out["warning"] = request.address + " is still being served: no other member of pool " + request.pool +
                     " is up, so the drained member answers rather than nothing. Not safe to stop it yet.";
  } else {
    const uint64_t safe = since + uint64_t(max_ttl) * 1000;
    out["safe_after"] = iso_time(safe);
    out["safe_after_ms"] = safe;
    out["safe_in_s"] = double(safe > now_ms ? safe - now_ms : 0) / 1000.0;
  }
  return out;
}

HttpResponse ControlServer::post_admin(const HttpRequest& request, bool drain) {
  AdminRequest admin;
  std::string error;
  if (!parse_admin_request(request.body, admin, error)) return HttpResponse::error(400, error);
  if (!registry_) return HttpResponse::error(503, "this server has no health table; drains are unavailable");
  const auto snapshot = server_->snapshots().current();
  const std::vector<MemberRef> matches = find_members(*snapshot->zones, admin);
  if (matches.empty())
    return HttpResponse::error(404, "no member " + admin.address_text + " in pool " + admin.pool +
                                        (admin.zone.empty() ? "" : " of zone " + admin.zone));
  const uint64_t now = health::wall_clock_ms();
  const bool changed = set_admin_state(*snapshot, matches, admin, drain, now);
  json out = admin_result(*snapshot, matches, admin, drain, now);
  out["changed"] = changed;
  if (changed) registry_->events().record_admin(admin.zone, admin.pool, admin.address, drain);
  log_info("control: %s %s in pool %s%s%s", drain ? "drained" : "undrained", admin.address.c_str(),
           admin.pool.c_str(), admin.zone.empty() ? "" : " of ", admin.zone.c_str());
  return json_response(200, out);
}

HttpResponse ControlServer::get_explain(const HttpRequest& request) {
  const std::string name = request.param("name");
  if (name.empty()) return HttpResponse::error(400, "query parameter 'name' is required");
  uint16_t qtype = 0;
  const std::string type = request.param("type", "A");
  if (!parse_rrtype(type, qtype)) return HttpResponse::error(400, "unknown record type '" + type + "'");
  const auto snapshot = server_->snapshots().current();
  const auto health = health_index();
  json out;
  std::string error;
  if (!explain_name(*snapshot, *health, name, qtype, health::wall_clock_ms(), out, error))
    return HttpResponse::error(400, error);
  return json_response(200, out);
}

HttpResponse ControlServer::get_metrics(const HttpRequest&) {
  const QueryTotals queries = server_->query_totals();
  const auto snapshot = server_->snapshots().current();
  const ReloadHistory reloads = server_->reload_history();
  std::optional<health::ProbeMetrics> probes;
  if (registry_) probes = registry_->targets().metrics();
  MetricsInputs in;
  in.queries = &queries;
  in.snapshot = snapshot.get();
  in.reloads = &reloads;
  in.probes = probes ? &*probes : nullptr;
  const TransferInputs transfer = transfer_inputs();
  in.transfer = &transfer;
  std::vector<health::StateWriteStatus> state_writes;
  if (write_errors_) {
    state_writes = write_errors_->status();
    in.state_writes = &state_writes;
  }
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(in);
  return r;
}

void ControlServer::persist_drains() {
  if (!store_ || !registry_) return;
  std::lock_guard lock(drains_mutex_);
  std::vector<DrainRecord> records;
  for (const health::AdminOverride& o : registry_->drains().overrides()) {
    if (o.state != health::AdminState::Drain) continue;
    auto it = drain_since_.find(drain_key(o.zone, o.pool, o.address));
    records.push_back({o.zone, o.pool, o.address, it != drain_since_.end() ? it->second : health::wall_clock_ms()});
  }
  std::string error;
  const bool ok = store_->save(records, error);
  if (write_errors_) {
    if (ok) write_errors_->succeeded("drains");
    else write_errors_->failed("drains", error);
  } else if (!ok) {
    log_error("cannot persist drains: %s", error.c_str());
  }
  persist_ok_.store(ok);
}

}  // namespace dnsd
