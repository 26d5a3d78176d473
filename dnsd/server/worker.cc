#include "dnsd/server/worker.h"

#include <pthread.h>

#include <cstdio>

#include "dnsd/server/log.h"

namespace dnsd {

Worker::Worker(unsigned index, unsigned first_row, SnapshotStore& store, const TcpLimits& tcp_limits,
               std::atomic<unsigned>& tcp_open_count, xfr::TransferEndpoint* transfers, RateLimiter* limiter)
    : index_(index),
      store_(store),
      first_row_(first_row),
      transfers_(transfers),
      responder_(store, first_row, transfers),
      limiter_(limiter),
      tcp_connections_(&loop_, responder_, tcp_limits, tcp_open_count) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, on_stop);
  stop_async_.data = this;
  uv_prepare_init(&loop_, &before_sleep_);
  before_sleep_.data = this;
  uv_prepare_start(&before_sleep_, on_prepare);
}

Worker::~Worker() {
  if (thread_.joinable()) {
    stop();
    join();
  } else {
    // Never started: close what listen() opened and let the loop finish the closes.
    close_handles();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop_) != 0) log_warn("worker %u: loop closed with handles still open", index_);
}

bool Worker::listen(std::span<const ListenAddress> addresses, std::string& error) {
  for (const ListenAddress& address : addresses) {
    const auto row = unsigned(first_row_ + 1 + udp_listeners_.size());
    auto& udp = udp_listeners_.emplace_back(std::make_unique<UdpListener>(store_, row, transfers_, address, limiter_));
    if (!udp->open(error)) return false;
    auto& tcp = tcp_listeners_.emplace_back(std::make_unique<TcpListener>(&loop_, tcp_connections_, address));
    if (!tcp->open(error)) return false;
  }
  return true;
}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
  for (size_t k = 0; k < udp_listeners_.size(); ++k)
    udp_listeners_[k]->start("dnsd-udp-" + std::to_string(index_) + "." + std::to_string(k));
}

std::vector<Responder*> Worker::responders() {
  std::vector<Responder*> out{&responder_};
  for (auto& udp : udp_listeners_) out.push_back(&udp->responder());
  return out;
}

std::vector<const QueryStats*> Worker::stats() const {
  std::vector<const QueryStats*> out{&responder_.stats()};
  for (const auto& udp : udp_listeners_) out.push_back(&udp->responder().stats());
  return out;
}

void Worker::run() {
  char name[16];
  std::snprintf(name, sizeof name, "dnsd-worker-%u", index_);
  pthread_setname_np(pthread_self(), name);
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void Worker::stop() {
  for (auto& udp : udp_listeners_) udp->stop();
  uv_async_send(&stop_async_);
}

void Worker::join() {
  for (auto& udp : udp_listeners_) udp->join();
  if (thread_.joinable()) thread_.join();
}

void Worker::on_stop(uv_async_t* async) { static_cast<Worker*>(async->data)->close_handles(); }

void Worker::on_prepare(uv_prepare_t* prepare) { static_cast<Worker*>(prepare->data)->responder_.idle(); }

void Worker::close_handles() {
  for (auto& tcp : tcp_listeners_) tcp->close();
  tcp_connections_.close_all();
  for (auto* handle : {reinterpret_cast<uv_handle_t*>(&stop_async_), reinterpret_cast<uv_handle_t*>(&before_sleep_)})
    if (!uv_is_closing(handle)) uv_close(handle, nullptr);
}

}  // namespace dnsd
