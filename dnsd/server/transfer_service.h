// Keeps secondaries in step, as a Service: turns health and drain changes
// into new zone versions, and tells each zone's secondaries of every new
// version with NOTIFY.
//
// Health changes are coalesced: the first change after a quiet period starts
// a window of `coalesce` (150 ms by default); when it ends, one new version
// is published for every zone whose pool content changed during it. A
// flapping backend therefore makes at most one version per window, and a
// change reaches the secondaries at most one window after it was detected.
#pragma once

#include <uv.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dnsd/server/service.h"
#include "dnsd/xfr/notifier.h"
#include "dnsd/xfr/tsig_keyring.h"
#include "dnsd/xfr/versioner.h"
#include "health/health_registry.h"

namespace dnsd {

/// Settings of the transfer service.
struct TransferServiceOptions {
  /// How long health changes are collected into one version.
  std::chrono::milliseconds coalesce{xfr::kCoalesceWindowMs};
  /// NOTIFY retries.
  xfr::NotifyTiming notify;
};

/// The transfer service. start/stop on the main thread; it runs its own
/// thread and loop for the coalescing timer and the NOTIFY sockets.
class TransferService : public Service {
 public:
  /// `registry` and `keys` (may be null) outlive the service.
  TransferService(health::HealthRegistry& registry, std::shared_ptr<const xfr::TsigKeyring> keys,
                  TransferServiceOptions options = {});
  ~TransferService() override;

  const char* name() const override { return "transfer"; }
  bool start(Server& server) override;
  void stop() override;
  /// Queues NOTIFYs for the zones of `snapshot` that got a new serial.
  void on_publish(const Snapshot& snapshot, std::span<const uint32_t> changed) override;

  /// Per zone and secondary: the last NOTIFY and its acknowledgement. Any thread.
  std::vector<xfr::NotifyPeerStatus> notify_status() const;
  /// NOTIFYs sent, retried, acknowledged and failed. Any thread.
  xfr::NotifyCounters notify_counters() const;
  const TransferServiceOptions& options() const { return options_; }

 private:
  static void on_wake(uv_async_t* async);
  static void on_window_end(uv_timer_t* timer);
  void run();
  /// The NOTIFYs for `zones` of `snapshot`, with their signers.
  std::vector<xfr::NotifyTask> notify_tasks(const Snapshot& snapshot, std::span<const uint32_t> zones) const;

  health::HealthRegistry& registry_;
  std::shared_ptr<const xfr::TsigKeyring> keys_;
  TransferServiceOptions options_;
  Server* server_ = nullptr;

  uv_loop_t loop_{};
  uv_async_t wake_{};
  uv_timer_t window_{};
  std::unique_ptr<xfr::Notifier> notifier_;
  std::thread thread_;
  bool started_ = false;
  health::ChangeSignal::Id health_subscription_ = 0, drain_subscription_ = 0;

  mutable std::mutex mutex_;  ///< guards the fields below, shared with other threads
  std::vector<xfr::NotifyTask> pending_;
  bool changed_ = false;   ///< member state changed since the window last closed
  bool stopping_ = false;
};

}  // namespace dnsd
