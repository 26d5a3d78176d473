#include "dnsd/server/server.h"

#include <chrono>
#include <csignal>

#include "dnsd/server/listen_socket.h"
#include "dnsd/server/log.h"

namespace dnsd {
namespace {

uint64_t wall_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

}  // namespace

Server::Server(ServerConfig config)
    : config_(std::move(config)), reloader_(config_.zones_path, store_, config_.load_options, config_.publish_hooks) {
  uv_loop_init(&loop_);
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
                         reinterpret_cast<uv_handle_t*>(&sighup_), reinterpret_cast<uv_handle_t*>(&stop_async_)})
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
  ReloadReport report = load_and_record();
  log_report(report, true);
  if (!report.published) return 1;

  if (!start_workers()) {
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
  for (auto& worker : workers_) worker->start();
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
  for (unsigned i = 0; i < config_.threads; ++i) {
    auto worker = std::make_unique<Worker>(i, store_, config_.tcp, tcp_open_count_);
    std::string error;
    if (!worker->listen(config_.listen, error)) {
      log_error("cannot listen: %s", error.c_str());
      return false;
    }
    workers_.push_back(std::move(worker));
  }
  return true;
}

void Server::stop_everything() {
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  // Services stop while the stopped workers still exist, so a control thread may
  // read query_totals() until its very end.
  while (services_started_ > 0) services_[--services_started_]->stop();
  workers_.clear();
}

void Server::request_stop() { uv_async_send(&stop_async_); }

void Server::on_stop_request(uv_async_t* async) { uv_stop(async->loop); }

void Server::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  if (signum == SIGHUP) {
    log_info("received SIGHUP, reloading %s", self->config_.zones_path.c_str());
    self->reload();
    return;
  }
  log_info("received %s, shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
  uv_stop(handle->loop);
}

ReloadReport Server::reload() {
  std::lock_guard lock(reload_mutex_);
  ReloadReport report = load_and_record();
  log_report(report, false);
  if (report.published)
    for (size_t i = 0; i < services_started_; ++i) services_[i]->on_reload(report);
  return report;
}

ReloadReport Server::load_and_record() {
  const auto begin = std::chrono::steady_clock::now();
  ReloadReport report = reloader_.reload();
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  std::lock_guard lock(history_mutex_);
  ++(report.published && report.failed == 0 ? history_.ok : history_.failed);
  history_.last = report;
  history_.last_at_ms = wall_ms();
  history_.last_duration_ms = took;
  return report;
}

ReloadHistory Server::reload_history() const {
  std::lock_guard lock(history_mutex_);
  return history_;
}

QueryTotals Server::query_totals() const {
  std::vector<const QueryStats*> stats;
  for (const auto& worker : workers_) stats.push_back(&worker->stats());
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
