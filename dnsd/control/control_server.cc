#include "dnsd/control/control_server.h"

#include "dnsd/server/transfer_service.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "dnsd/control/dashboard.h"
#include "dnsd/control/drain_reply.h"
#include "dnsd/control/explain.h"
#include "dnsd/control/iso_time.h"
#include "dnsd/control/json_body.h"
#include "dnsd/control/keys_routes.h"
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
  add_route("GET", "/api/keys", [this](const HttpRequest& r) { return get_keys(server_->signing(), r); });
  add_route("POST", "/api/keys/roll", [this](const HttpRequest& r) { return post_keys_roll(server_->signing(), r); });
  add_route("POST", "/api/keys/ds-seen",
            [this](const HttpRequest& r) { return post_keys_ds_seen(server_->signing(), r); });
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

std::string ControlServer::address_drain_key(const std::string& address) {
  return "\x1f\x1f" + health::canonical_address(address);  // no zone, no pool: every pool
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
      const uint64_t since = d.since_ms ? d.since_ms : health::wall_clock_ms();
      if (d.every_pool()) {
        registry_->drains().restore_address(d.address);
        drain_since_[address_drain_key(d.address)] = since;
        continue;
      }
      registry_->drains().restore({d.zone, d.pool, d.address, health::AdminState::Drain});
      drain_since_[drain_key(d.zone, d.pool, d.address)] = since;
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
  json body = status_json(*snapshot, history, load_times_, *health, info, health::wall_clock_ms(), &transfer);
  body["address_drains"] = address_drains_json();
  return json_response(200, body);
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
  return requested_members(zones, request);
}

bool ControlServer::set_admin_state(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                                    const AdminRequest& request, bool drain, uint64_t now_ms) {
  const zones::ZoneSet& zones = *snapshot.zones;
  const auto target = drain ? health::AdminState::Drain : health::AdminState::Auto;
  health::DrainTable& table = registry_->drains();
  bool changed = request.every_pool() && table.drained_everywhere(request.address) != drain;
  {
    std::lock_guard lock(drains_mutex_);
    for (const MemberRef& ref : matches) {
      const zones::Zone& zn = zones.zone(ref.zone);
      const zones::Pool& pool = zn.pool(ref.pool);
      const auto before = health::AdminState(snapshot.health->pool(ref.zone, ref.pool)[ref.member].admin->load());
      changed |= before != target;
      const std::string key = drain_key(zn.origin_text(), pool.name, pool.members[ref.member].address_text);
      if (drain) drain_since_.emplace(key, now_ms);  // keeps the first drain time
      else drain_since_.erase(key);
    }
    if (request.every_pool() && drain) {
      drain_since_.emplace(address_drain_key(request.address), now_ms);
    } else if (request.every_pool()) {  // the per-pool drains of the address go too, published or not
      const std::string suffix = '\x1f' + request.address;
      std::erase_if(drain_since_, [&](const auto& entry) {
        return entry.first.size() >= suffix.size() &&
               entry.first.compare(entry.first.size() - suffix.size(), suffix.size(), suffix) == 0;
      });
    }
  }
  // The listener persists.
  if (request.every_pool()) table.set_address(request.address, target);
  else table.set(request.zone, request.pool, request.address, target);
  return changed;
}

json ControlServer::admin_result(const Snapshot& snapshot, const std::vector<MemberRef>& matches,
                                 const AdminRequest& request, bool drain, uint64_t now_ms) {
  std::lock_guard lock(drains_mutex_);
  auto drained_since = [&](const zones::Zone& zn, const zones::Pool& p, uint32_t member, bool serving) -> uint64_t {
    auto it = drain_since_.find(drain_key(zn.origin_text(), p.name, p.members[member].address_text));
    if (it == drain_since_.end()) {  // drained in every pool, in a pool a reload added since
      it = drain_since_.find(address_drain_key(request.address));
      return it != drain_since_.end() && it->second ? it->second : now_ms;
    }
    if (serving) it->second = 0;  // still served: the clock starts once it no longer is
    else if (it->second == 0) it->second = now_ms;
    return it->second ? it->second : now_ms;
  };
  return drain_reply(snapshot, matches, request, drain, store_.has_value() && persist_ok_.load(), now_ms,
                     drained_since);
}

HttpResponse ControlServer::post_admin(const HttpRequest& request, bool drain) {
  AdminRequest admin;
  std::string error;
  if (!parse_admin_request(request.body, admin, error)) return HttpResponse::error(400, error);
  if (!registry_) return HttpResponse::error(503, "this server has no health table; drains are unavailable");
  const auto snapshot = server_->snapshots().current();
  const std::vector<MemberRef> matches = find_members(*snapshot->zones, admin);
  // Undraining an address drained everywhere lifts that drain even when no published pool has it.
  const bool drained_everywhere = registry_->drains().drained_everywhere(admin.address);
  if (matches.empty() && !(admin.every_pool() && !drain && drained_everywhere))
    return HttpResponse::error(404, no_member_error(*snapshot->zones, admin));
  if (!drain && !admin.every_pool() && drained_everywhere)
    return HttpResponse::error(409, admin.address + " is drained in every pool; undrain it there first with "
                                    "`dnsd ctl undrain " + admin.address + "`, then drain the pools it should stay out of");
  const uint64_t now = health::wall_clock_ms();
  const bool changed = set_admin_state(*snapshot, matches, admin, drain, now);
  json out = admin_result(*snapshot, matches, admin, drain, now);
  out["changed"] = changed;
  if (changed) registry_->events().record_admin(admin.zone, admin.pool, admin.address, drain);
  if (admin.every_pool())
    log_info("control: %s %s in every pool of every zone", drain ? "drained" : "undrained", admin.address.c_str());
  else
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
  const std::unique_ptr<HealthIndex> health = health_index();
  in.health = health.get();
  const ProcessSample process = read_process_sample();
  in.process = &process;
  const std::optional<dnstap::DnstapTotals> dnstap = server_->dnstap_totals();
  if (dnstap) in.dnstap = &*dnstap;
  const SigningCounters signing = server_->signing().counters();
  const std::vector<ZoneSigningReport> signing_zones = server_->signing().report();
  in.signing = &signing;
  in.signing_zones = &signing_zones;
  in.now_s = int64_t(health::wall_clock_ms() / 1000);
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(in);
  return r;
}

json ControlServer::address_drains_json() {
  json out = json::array();
  if (!registry_) return out;
  std::lock_guard lock(drains_mutex_);
  for (const std::string& address : registry_->drains().drained_addresses()) {
    auto it = drain_since_.find(address_drain_key(address));
    if (it == drain_since_.end()) out.push_back({{"address", address}, {"since", nullptr}, {"since_ms", nullptr}});
    else out.push_back({{"address", address}, {"since", iso_time(it->second)}, {"since_ms", it->second}});
  }
  return out;
}

void ControlServer::persist_drains() {
  if (!store_ || !registry_) return;
  std::lock_guard lock(drains_mutex_);
  std::vector<DrainRecord> records;
  for (const health::AdminOverride& o : registry_->drains().overrides()) {
    if (o.state != health::AdminState::Drain) continue;
    auto it = drain_since_.find(drain_key(o.zone, o.pool, o.address));
    // 0: still served when a reply last looked, so not drained for resolvers yet.
    const bool known = it != drain_since_.end() && it->second != 0;
    records.push_back({o.zone, o.pool, o.address, known ? it->second : health::wall_clock_ms()});
  }
  for (const std::string& address : registry_->drains().drained_addresses()) {
    auto it = drain_since_.find(address_drain_key(address));
    records.push_back({"", "", address, it != drain_since_.end() ? it->second : health::wall_clock_ms()});
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
