#include "dnsd/server/transfer_service.h"

#include <chrono>
#include <cstring>

#include "dnsd/query/snapshot.h"
#include "dnsd/server/log.h"
#include "dnsd/server/server.h"
#include "dnsd/xfr/tsig.h"

namespace dnsd {
namespace {

uint64_t unix_seconds() {
  return uint64_t(std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

/// Signs NOTIFYs with `key` and checks the secondaries' replies with it.
std::shared_ptr<const xfr::NotifySigner> signer_for(const xfr::TsigKey& key) {
  auto signer = std::make_shared<xfr::NotifySigner>();
  signer->sign = [key](std::vector<uint8_t>& message) { return xfr::sign_request(message, key, unix_seconds()); };
  signer->verify = [key](std::span<const uint8_t> reply, std::span<const uint8_t> mac) {
    return xfr::verify_reply(reply, key, mac, unix_seconds());
  };
  return signer;
}

}  // namespace

TransferService::TransferService(health::HealthRegistry& registry, std::shared_ptr<const xfr::TsigKeyring> keys,
                                 TransferServiceOptions options)
    : registry_(registry),
      keys_(keys ? std::move(keys) : std::make_shared<const xfr::TsigKeyring>()),
      options_(options) {}

TransferService::~TransferService() { stop(); }

bool TransferService::start(Server& server) {
  server_ = &server;
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &wake_, on_wake);
  wake_.data = this;
  uv_timer_init(&loop_, &window_);
  window_.data = this;
  notifier_ = std::make_unique<xfr::Notifier>(&loop_, options_.notify);
  notifier_->set_on_settled([](const xfr::NotifyPeerStatus& s) {
    if (s.last_error.empty() && s.serial_acked == s.serial_sent)
      log_info("notify %s serial %u to %s: acknowledged", s.zone.c_str(), s.serial_sent, s.target.c_str());
    else if (s.last_error != "stopped")
      log_warn("notify %s serial %u to %s: %s", s.zone.c_str(), s.serial_sent, s.target.c_str(), s.last_error.c_str());
  });
  std::string error;
  if (!notifier_->start(error)) {
    log_error("notify: %s", error.c_str());
    notifier_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&window_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return false;
  }
  const auto mark_changed = [this] {
    {
      std::lock_guard lock(mutex_);
      changed_ = true;
    }
    uv_async_send(&wake_);
  };
  health_subscription_ = registry_.targets().state_changes().subscribe(mark_changed);
  drain_subscription_ = registry_.drains().changes().subscribe(mark_changed);
  started_ = true;
  thread_ = std::thread([this] { run(); });
  uv_async_send(&wake_);
  return true;
}

void TransferService::run() { uv_run(&loop_, UV_RUN_DEFAULT); }

void TransferService::stop() {
  if (!started_) return;
  started_ = false;
  registry_.targets().state_changes().unsubscribe(health_subscription_);
  registry_.drains().changes().unsubscribe(drain_subscription_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  uv_async_send(&wake_);
  thread_.join();
  uv_loop_close(&loop_);
}

void TransferService::on_wake(uv_async_t* async) {
  auto* self = static_cast<TransferService*>(async->data);
  std::vector<xfr::NotifyTask> tasks;
  bool changed, stopping;
  {
    std::lock_guard lock(self->mutex_);
    tasks.swap(self->pending_);
    changed = self->changed_;
    stopping = self->stopping_;
  }
  if (stopping) {
    self->notifier_->stop();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->window_), nullptr);
    return;  // the loop ends once the handles have closed
  }
  for (auto& task : tasks) self->notifier_->send(std::move(task));
  // The window opens at the first change and is not extended by later ones,
  // so a steady flapper still gets a version every window.
  if (changed && !uv_is_active(reinterpret_cast<uv_handle_t*>(&self->window_)))
    uv_timer_start(&self->window_, on_window_end, uint64_t(self->options_.coalesce.count()), 0);
}

void TransferService::on_window_end(uv_timer_t* timer) {
  auto* self = static_cast<TransferService*>(timer->data);
  {
    std::lock_guard lock(self->mutex_);
    self->changed_ = false;
  }
  // Publishes (and calls on_publish, which queues the NOTIFYs) on this thread.
  self->server_->publish_versions();
}

void TransferService::on_publish(const Snapshot& snapshot, std::span<const uint32_t> changed) {
  std::vector<xfr::NotifyTask> tasks = notify_tasks(snapshot, changed);
  if (tasks.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& t : tasks) pending_.push_back(std::move(t));
  }
  uv_async_send(&wake_);
}

std::vector<xfr::NotifyTask> TransferService::notify_tasks(const Snapshot& snapshot,
                                                           std::span<const uint32_t> zones) const {
  std::vector<xfr::NotifyTask> out;
  for (const uint32_t z : zones) {
    const zones::Zone& zone = snapshot.zones->zone(z);
    const zones::TransferPolicy& policy = zone.transfer();
    if (!policy.enabled || policy.notify.empty()) continue;
    std::shared_ptr<const xfr::NotifySigner> signer;
    if (!policy.tsig_key.empty()) {
      const xfr::TsigKey* key = keys_->find(policy.tsig_key);
      if (key == nullptr) {
        log_error("zone %s: no TSIG key %s to sign NOTIFY with", zone.origin_text().c_str(), policy.tsig_key.c_str());
        continue;
      }
      signer = signer_for(*key);
    }
    const ZoneVersion& version = *snapshot.versions[z];
    for (const zones::NotifyTarget& target : policy.notify) {
      xfr::NotifyTask task;
      task.zone = zone.origin_text();
      task.serial = version.serial;
      task.soa_ttl = zone.soa().ttl;
      task.soa_rdata = version.soa_rdata;
      std::memcpy(&task.target, &target.address, sizeof task.target);
      task.target_text = target.text;
      task.signer = signer;
      out.push_back(std::move(task));
    }
  }
  return out;
}

std::vector<xfr::NotifyPeerStatus> TransferService::notify_status() const {
  return notifier_ ? notifier_->status() : std::vector<xfr::NotifyPeerStatus>{};
}

xfr::NotifyCounters TransferService::notify_counters() const {
  return notifier_ ? notifier_->counters() : xfr::NotifyCounters{};
}

}  // namespace dnsd
