#include "dnsd/server/server.h"

#include <malloc.h>

#include <chrono>
#include <csignal>

#include "dnsd/server/cookie_secret_file.h"
#include "dnsd/server/dnstap_tap.h"
#include "dnsd/server/listen_socket.h"
#include "dnsd/server/log.h"

namespace dnsd {
namespace {

uint64_t wall_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

/// How often the main loop frees snapshots that no worker uses any more.
constexpr uint64_t kReclaimIntervalMs = 100;
/// How often serials.json is tried again while a zone's serial is held.
constexpr uint64_t kSerialsRetryMs = 5000;
/// How often the signing service is asked whether a window or key event has come.
constexpr uint64_t kSigningCheckMs = 1000;

}  // namespace

Server::Server(ServerConfig config, health::HealthRegistry& health)
    : config_(std::move(config)),
      health_(health),
      store_(responder_rows()),
      transfers_(config_.tsig_keys, wall_ms),
      signing_(config_.key_dir, config_.signing_threads, [] { return int64_t(wall_ms() / 1000); }),
      versioner_(config_.state_dir.empty() ? std::string() : config_.state_dir + "/serials.json", config_.history,
                 wall_ms),
      reloader_(config_.zones_path, config_.catalog),
      reload_runner_([this] { return load_and_publish(false); }) {
  if (config_.tsig_keys) tsig_key_names_ = config_.tsig_keys->names();
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &reclaim_timer_);
  reclaim_timer_.data = this;
  uv_timer_init(&loop_, &serials_retry_timer_);
  serials_retry_timer_.data = this;
  uv_timer_init(&loop_, &signing_timer_);
  signing_timer_.data = this;
  versioner_.set_signing(&signing_);
  uv_async_init(&loop_, &stop_async_, on_stop_request);
  stop_async_.data = this;
  for (uv_signal_t* s : {&sigterm_, &sigint_, &sighup_}) {
    uv_signal_init(&loop_, s);
    s->data = this;
  }
}

Server::~Server() {
  stop_everything();
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
                         reinterpret_cast<uv_handle_t*>(&sighup_), reinterpret_cast<uv_handle_t*>(&stop_async_),
                         reinterpret_cast<uv_handle_t*>(&reclaim_timer_),
                         reinterpret_cast<uv_handle_t*>(&serials_retry_timer_),
                         reinterpret_cast<uv_handle_t*>(&signing_timer_)})
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // let every close callback run
  if (uv_loop_close(&loop_) != 0) log_warn("main loop closed with handles still open");
}

void Server::add_service(std::unique_ptr<Service> service) { services_.push_back(std::move(service)); }

int Server::run() {
  // A client closing its TCP connection mid-answer must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_signal_start(&sighup_, on_signal, SIGHUP);

  started_at_ms_.store(wall_ms(), std::memory_order_relaxed);
  // Every socket first, while dnsd may still hold the privileges to bind it;
  // then after_bind (which may drop them) before anything is read or started.
  if (!start_workers()) {
    stop_everything();
    return 1;
  }
  if (!open_dnstap()) {
    stop_everything();
    return 1;
  }
  for (auto& service : services_) {
    if (!service->open(*this)) {
      log_error("%s failed to open; shutting down", service->name());
      stop_everything();
      return 1;
    }
  }
  if (config_.after_bind && !config_.after_bind()) {
    stop_everything();
    return 1;
  }
  std::string error;
  if (!versioner_.load(error)) {
    // Serving without the last serials could send secondaries backwards.
    log_error("--state-dir: %s; move it aside to start over", error.c_str());
    stop_everything();
    return 1;
  }
  if (!give_workers_cookies()) {
    stop_everything();
    return 1;
  }
  const ReloadReport report = load_and_publish(true);
  if (!report.published) {
    stop_everything();
    return 1;
  }

  for (auto& service : services_) {
    if (!service->start(*this)) {
      log_error("%s failed to start; shutting down", service->name());
      stop_everything();
      return 1;
    }
    ++services_started_;
  }
  publish_first_versions();
  if (dnstap_) dnstap_->start();
  for (auto& worker : workers_) worker->start();
  reload_runner_.start();
  uv_timer_start(&reclaim_timer_, on_reclaim, kReclaimIntervalMs, kReclaimIntervalMs);
  uv_timer_start(&serials_retry_timer_, on_serials_retry, kSerialsRetryMs, kSerialsRetryMs);
  uv_timer_start(&signing_timer_, on_signing_due, kSigningCheckMs, kSigningCheckMs);
  log_info("serving %zu zone%s on %s with %u thread%s", report.zones, report.zones == 1 ? "" : "s",
           describe_listeners().c_str(), config_.threads, config_.threads == 1 ? "" : "s");

  uv_run(&loop_, UV_RUN_DEFAULT);

  stop_everything();
  log_info("stopped");
  return 0;
}

bool Server::start_workers() {
  for (const ListenAddress& address : config_.listen) {
    std::string error;
    if (!check_address_unused(address, SOCK_DGRAM, error) || !check_address_unused(address, SOCK_STREAM, error)) {
      log_error("cannot listen: %s", error.c_str());
      return false;
    }
  }
  if (config_.rrl.rate != 0) {
    rate_limiter_ = std::make_unique<RateLimiter>(config_.rrl);
    log_info("response rate limiting: %u responses/s per client prefix and response kind, slip %u (%zu KiB table)",
             config_.rrl.rate, config_.rrl.slip, rate_limiter_->memory_bytes() / 1024);
  }
  for (unsigned i = 0; i < config_.threads; ++i) {
    const unsigned first_row = i * responders_per_worker(config_.listen.size());
    auto worker = std::make_unique<Worker>(i, first_row, store_, config_.tcp, tcp_open_count_, &transfers_,
                                           rate_limiter_.get());
    std::string error;
    if (!worker->listen(config_.listen, error)) {
      log_error("cannot listen: %s", error.c_str());
      return false;
    }
    workers_.push_back(std::move(worker));
  }
  return true;
}

bool Server::open_dnstap() {
  if (!config_.dnstap) return true;
  dnstap_ = make_dnstap_writer(*config_.dnstap, responder_rows(), config_.nsid);
  std::string error;
  if (!dnstap_->open(error)) {
    log_error("%s", error.c_str());
    return false;
  }
  unsigned ring = 0;  // one ring per responder: each is a single-producer ring
  for (auto& worker : workers_)
    for (Responder* responder : worker->responders()) responder->set_dnstap(&dnstap_->ring(ring++));
  return true;
}

bool Server::give_workers_cookies() {
  std::string error;
  if (auto secrets = load_cookie_secrets(config_.cookie_secret_file, config_.state_dir, error)) {
    cookie_secrets_ = *secrets;
  } else {
    log_error("DNS cookies: %s", error.c_str());
    return false;
  }
  for (auto& worker : workers_) {
    for (Responder* responder : worker->responders()) {
      auto cookies = ServerCookies::create(cookie_secrets_, error);
      if (!cookies) {
        log_error("DNS cookies: %s", error.c_str());
        return false;
      }
      responder->identify(std::move(cookies), config_.nsid);
    }
  }
  return true;
}

void Server::stop_everything() {
  // A reload in progress stops parsing and publishes nothing; the prober's
  // first-result wait returns at once.
  cancel_loads_.store(true, std::memory_order_relaxed);
  health_.barrier().cancel();
  reload_runner_.stop();
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  if (dnstap_) dnstap_->stop();  // writes what the workers logged, then closes (flushes) the sink
  // Services stop while the stopped workers still exist, so a control thread may
  // read query_totals() until its very end.
  while (services_started_ > 0) services_[--services_started_]->stop();
  workers_.clear();
  store_.reclaim();
}

void Server::request_stop() { uv_async_send(&stop_async_); }

void Server::on_stop_request(uv_async_t* async) { uv_stop(async->loop); }

void Server::on_reclaim(uv_timer_t* timer) { static_cast<Server*>(timer->data)->store_.reclaim(); }

void Server::on_serials_retry(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  if (self->serials_held_.load(std::memory_order_relaxed) > 0) self->publish_versions();
}

void Server::on_signing_due(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  if (!self->signing_.due()) return;
  // A new window re-signs whole zones: done before the publish lock, so
  // health changes are not held up behind it.
  for (const auto& f : self->signing_.prepare(*self->store_.current()->zones))
    log_error("dnssec: %s", f.error.c_str());
  self->publish_versions();
}

std::shared_ptr<const zones::ZoneSet> Server::keep_signed_zones(
    const std::shared_ptr<const zones::ZoneSet>& set, const std::vector<SigningService::Failure>& failures) {
  const std::shared_ptr<const Snapshot> current = store_.current();
  std::vector<std::shared_ptr<const zones::Zone>> zones;
  std::vector<zones::ZoneSource> sources;
  for (uint32_t i = 0; i < set->size(); ++i) {
    zones.push_back(set->zone_ptr(i));
    sources.push_back(set->source(i));
  }
  for (const auto& f : failures) {
    const std::string origin = zones::lower_text(set->zone(f.zone).origin_text());
    for (uint32_t j = 0; j < current->zones->size(); ++j) {
      const auto& before = current->zones->zone_ptr(j);
      if (zones::lower_text(before->origin_text()) != origin || !current->versions[j]->signatures) continue;
      zones[f.zone] = before;
      log_warn("dnssec: zone %s keeps the version it has until it can be signed", origin.c_str());
    }
  }
  return std::make_shared<const zones::ZoneSet>(std::move(zones), std::move(sources));
}

void Server::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  if (signum == SIGHUP) {
    log_info("received SIGHUP, reloading %s", self->config_.zones_path.c_str());
    self->request_reload();
    return;
  }
  log_info("received %s, shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
  uv_stop(handle->loop);
}

void Server::request_reload() { reload_runner_.request(); }

ReloadReport Server::reload() { return reload_runner_.request_and_wait(); }

ReloadReport Server::load_and_publish(bool initial) {
  const auto begin = std::chrono::steady_clock::now();
  zones::LoadOptions options;
  options.cancel = &cancel_loads_;
  options.tsig_keys = &tsig_key_names_;
  ZoneLoad load = reloader_.load(options);
  const bool cancelled = cancel_loads_.load(std::memory_order_relaxed);
  // Keys are read and large zones signed before the publish lock is taken.
  // A signed zone that cannot be signed stops start-up; on a reload it keeps
  // the zone it has (a new zone is served unsigned), and the error is logged.
  if (load.set && !cancelled) {
    const std::vector<SigningService::Failure> failures = signing_.prepare(*load.set);
    for (const auto& f : failures) log_error("dnssec: %s", f.error.c_str());
    if (initial && !failures.empty()) {
      load.report.published = false;
      return load.report;
    }
    if (!failures.empty()) load.set = keep_signed_zones(load.set, failures);
  }
  if (load.set && !cancelled) publish(load, initial);
  record(load.report, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
  if (cancelled) return load.report;  // shutting down: nothing to log or tell
  log_report(load.report, initial);
  if (load.report.published && !initial)
    for (size_t i = 0; i < services_started_; ++i) services_[i]->on_reload(load.report);
  return load.report;
}

void Server::publish(ZoneLoad& load, bool initial) {
  ReloadReport& report = load.report;
  health::Binding binding = health_.bind(*load.set);
  report.new_targets = binding.new_targets.size();
  for (size_t i = 0; i < services_started_; ++i) services_[i]->before_publish(*load.set, binding.new_targets);
  report.new_unprobed = health_.barrier().wait(binding.new_targets, std::chrono::steady_clock::now());
  {
    std::lock_guard lock(publish_mutex_);
    publish_locked(load.set, std::move(binding.view), initial ? VersionStep::Provisional : VersionStep::Next, "");
  }
  health_.sync(*load.set);
  reloader_.published(load.set);
  report.published = true;
  // The old snapshot is freed by the main loop's timer once no worker holds it.
  // Parsing JSON leaves many freed blocks behind; hand them back to the system
  // instead of keeping the peak of every reload resident (Knot does the same).
  ::malloc_trim(0);
}

std::vector<uint32_t> Server::publish_locked(std::shared_ptr<const zones::ZoneSet> set,
                                            std::shared_ptr<const health::HealthView> view, VersionStep step,
                                            const char* why) {
  const std::shared_ptr<const Snapshot> previous = store_.current();
  xfr::Advance next = versioner_.advance(*set, *view, step == VersionStep::FromStateFile ? nullptr : previous.get(),
                                         step != VersionStep::Provisional);
  for (const std::string& e : next.signing_errors) log_error("dnssec: %s", e.c_str());
  for (const uint32_t z : next.changed)
    if (const auto& sigs = next.versions[z]->signatures) signing_.count_version_signatures(sigs->signatures_made);
  if (step == VersionStep::Next && next.changed.empty() && set == previous->zones) {
    note_serials_saved(next, *previous);
    return {};  // nothing new
  }
  auto counters = zone_counters_.for_zones(*set);
  auto snapshot = std::make_shared<const Snapshot>(std::move(set), std::move(view), responder_rows(), previous.get(),
                                                   std::move(next.versions), std::move(counters));
  store_.publish(snapshot);
  if (step == VersionStep::Provisional) return {};
  note_serials_saved(next, *snapshot);
  for (const uint32_t z : next.changed)
    log_info("zone %s: serial %u%s", snapshot->zones->zone(z).origin_text().c_str(), snapshot->versions[z]->serial,
             why);
  for (size_t i = 0; i < services_started_; ++i) services_[i]->on_publish(*snapshot, next.changed);
  return next.changed;
}

void Server::note_serials_saved(const xfr::Advance& advance, const Snapshot& snapshot) {
  if (!advance.error.empty()) {
    if (write_errors_) write_errors_->failed("serials", advance.error);
    else log_error("%s", advance.error.c_str());
  } else if (write_errors_) {
    write_errors_->succeeded("serials");
  }
  const size_t before = serials_held_.exchange(advance.held.size(), std::memory_order_relaxed);
  if (before == 0 && !advance.held.empty()) {
    std::string zones;
    for (const uint32_t z : advance.held) {
      if (zones.size() > 200) {
        zones += ", ...";
        break;
      }
      zones += (zones.empty() ? "" : ", ") + snapshot.zones->zone(z).origin_text() + " at " +
               std::to_string(snapshot.versions[z]->serial);
    }
    log_warn("serials held until serials.json can be written (answers are current; secondaries wait): %s",
             zones.c_str());
  } else if (before > 0 && advance.held.empty() && advance.error.empty()) {
    log_info("serials.json written: held serials move on");
  }
}

void Server::publish_first_versions() {
  std::lock_guard lock(publish_mutex_);
  const std::shared_ptr<const Snapshot> current = store_.current();
  publish_locked(current->zones, current->health, VersionStep::FromStateFile, "");
  first_published_ = true;
}

std::vector<uint32_t> Server::publish_versions() {
  std::lock_guard lock(publish_mutex_);
  if (!first_published_) return {};  // publish_first_versions reads the same health soon
  const std::shared_ptr<const Snapshot> current = store_.current();
  // Same zones, same member links: only pool content can have changed.
  return publish_locked(current->zones, current->health, VersionStep::Next, " after a health change");
}

void Server::record(const ReloadReport& report, double duration_ms) {
  std::lock_guard lock(history_mutex_);
  ++(report.published && report.failed == 0 ? history_.ok : history_.failed);
  history_.last = report;
  history_.last_at_ms = wall_ms();
  history_.last_duration_ms = duration_ms;
}

ReloadHistory Server::reload_history() const {
  std::lock_guard lock(history_mutex_);
  return history_;
}

QueryTotals Server::query_totals() const {
  std::vector<const QueryStats*> stats;
  for (const auto& worker : workers_)
    for (const QueryStats* responder : worker->stats()) stats.push_back(responder);
  return QueryStats::sum(stats);
}

std::string Server::describe_listeners() const {
  std::string out;
  for (const ListenAddress& a : config_.listen) {
    if (!out.empty()) out += ", ";
    out += "udp+tcp " + a.to_string();
  }
  return out;
}

void Server::log_report(const ReloadReport& report, bool initial) const {
  for (const auto& warning : report.warnings) log_warn("%s", warning.to_string().c_str());
  for (const auto& error : report.errors) log_error("%s", error.to_string().c_str());
  for (const auto& kept : report.kept)
    log_warn("%s: still serving the last good version of %s (serial %u)", kept.file.c_str(), kept.origin.c_str(),
             kept.serial);
  if (!report.published) {
    log_error("%s: no zones %s", config_.zones_path.c_str(), initial ? "to serve" : "reloaded; serving the previous set");
    return;
  }
  const std::string unchanged =
      report.unchanged && !initial ? ", " + std::to_string(report.unchanged) + " unchanged" : std::string();
  const std::string kept =
      report.kept.empty() ? std::string() : ", " + std::to_string(report.kept.size()) + " kept from last good";
  log_info("%s %zu zone%s from %s (%zu file%s, %zu failed%s%s)", initial ? "loaded" : "reloaded", report.zones,
           report.zones == 1 ? "" : "s", config_.zones_path.c_str(), report.files, report.files == 1 ? "" : "s",
           report.failed, unchanged.c_str(), kept.c_str());
}

}  // namespace dnsd
