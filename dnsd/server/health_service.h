// Runs the health prober as part of `dnsd serve`: probes every pool member
// once before the workers answer (so a dead server is never served at cold
// start), logs every state change on one line (a member going down or up, and
// a pool going all down or recovering, as warnings) and records it in the
// registry's event log, with zone files that fail or load again; and holds a reload's publish
// until the members it adds have their first probe result. With a state
// directory it also keeps health.json (health/known_states.h): the last known
// state of every target, restored at start-up so that a restart answers at
// once with it, the first probe round confirming each.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <map>
#include <string>

#include "dnsd/server/service.h"
#include "health/health_registry.h"
#include "health/known_state_writer.h"
#include "health/pool_watch.h"
#include "health/state_write_errors.h"
#include "health/prober.h"
#include "zones/zone_set.h"

namespace dnsd {

/// Settings of the health service, from the command line.
struct HealthServiceOptions {
  /// Where the prober writes its JSON status (atomically); empty for none.
  std::string status_file;
  /// Longest wait for the first probe round at start-up and for new members on reload.
  std::chrono::milliseconds probe_budget{std::chrono::seconds(10)};
  /// --state-dir/health.json: read at construction, rewritten after
  /// transitions; empty for none.
  std::string known_states_file;
  /// Where failed writes of the status file and health.json are counted and
  /// logged (may be null: the status file's are logged as warnings).
  health::StateWriteErrors* write_errors = nullptr;
};

/// The prober, as a Service. Main thread for start/stop; before_publish runs
/// on the reload thread.
class HealthService : public Service {
 public:
  /// `registry` must outlive the service; it is the one the server binds
  /// members to. Seeds it from options.known_states_file, so construct the
  /// service before the first zone load (a bad file is logged and ignored).
  HealthService(health::HealthRegistry& registry, HealthServiceOptions options);
  ~HealthService() override;

  const char* name() const override { return "prober"; }
  bool start(Server& server) override;
  void stop() override;

  /// Waits (at most the probe budget) until `new_targets` have a first
  /// result, so a reload never publishes a member nothing is known about.
  void before_publish(const zones::ZoneSet& set, std::span<const uint64_t> new_targets) override;
  /// Records zone files that started failing (stale or not served) or load again. Reload thread.
  void on_reload(const ReloadReport& report) override;

 private:
  /// Seeds the registry from health.json; a bad file is logged and ignored. Constructor only.
  void restore_known_states();
  /// Logs `event` and records it, then pool edges it caused. Prober thread.
  void on_state_change(const health::StateChangeEvent& event);

  health::PoolWatch pool_watch_;          ///< prober thread only
  std::mutex zone_mutex_;                 ///< guards failing_files_ (reloads never overlap; cheap insurance)
  /// Zone files whose last load failed -> the origin still served from them ("" if none).
  std::map<std::string, std::string> failing_files_;

  health::HealthRegistry& registry_;
  HealthServiceOptions options_;
  std::unique_ptr<health::Prober> prober_;
  std::unique_ptr<health::KnownStateWriter> known_state_writer_;
  bool started_ = false;
};

}  // namespace dnsd
