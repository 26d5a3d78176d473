// The prober: one thread with its own libuv loop that probes every target of
// a HealthRegistry on the schedule member_status.h computes, and feeds the
// results back into the registry (which flips the atomics workers read).
//
// Scheduling: a min-heap of due times and one uv_timer. New targets get their
// first probe within kInitialSpreadMs; after the first result each target sits
// at a random phase of its interval, and every later delay is jittered +-10%,
// so 10,000 members at a 1 s interval make a steady ~10,000 probes/s, never a
// burst. At most max_in_flight probes run at once; due targets beyond that
// wait in FIFO order.
//
// Threads: construct, start, run_initial_round, wait_for_first_results, stop and
// status from any one controlling thread (main); the sinks run on the prober thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "health/health_registry.h"
#include "health/state_change.h"
#include "health/target_status.h"

namespace dnsd::health {

/// Knobs of the prober, with defaults.
struct ProberOptions {
  /// Most probes in flight at once (sockets, curl transfers, child processes).
  size_t max_in_flight = 256;
  /// Receives every state change, on the prober thread; the server logs
  /// format_state_change(event). Must not block for long. It runs just after
  /// the registry recorded the change, so a first verdict's event may arrive a
  /// moment after run_initial_round has returned.
  std::function<void(const StateChangeEvent&)> on_state_change;
  /// Receives every recorded probe result (not cancelled ones), on the prober
  /// thread. Must be cheap. The probe metrics need no hook: the registry
  /// counts them as it records each result (probe_metrics.h).
  std::function<void(const Target&, const CheckResult&)> on_probe_result;
  /// Receives operational warnings (status file not writable, unless
  /// on_status_file_write is set), on the prober thread.
  std::function<void(const std::string&)> on_warning;
  /// Receives the outcome of every status file write (`error` names the file
  /// and the reason when `ok` is false), on the prober thread.
  std::function<void(bool ok, const std::string& error)> on_status_file_write;
  /// When set, the status is written there as JSON (atomically: temp file and
  /// rename) shortly after every state change and every status_file_period_ms.
  std::string status_file;
  uint32_t status_file_period_ms = 2000;
  /// Seed of the jitter generator; 0 picks a random one.
  uint64_t seed = 0;
};

/// Probes a registry's targets on its own thread.
class Prober {
 public:
  /// `registry` must outlive the prober.
  explicit Prober(HealthRegistry& registry, ProberOptions options = {});
  /// Stops the thread if running.
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  /// Starts the prober thread. Targets already in the registry, and any added
  /// later, are picked up automatically. Idempotent.
  void start();

  /// Cold start: starts the thread if needed and blocks until every target has
  /// had one result or `timeout` has passed. Call after the first zone load and
  /// before the server answers, so no dead member is served at start-up.
  /// Returns how many targets are still unprobed (0 when the round completed).
  size_t run_initial_round(std::chrono::milliseconds timeout);

  /// After a reload bound new `targets`: blocks until each has a first result
  /// or `timeout` passes, so they are probed before they are published.
  /// Returns how many are still unprobed. Any thread but the prober's.
  size_t wait_for_first_results(std::span<const uint64_t> targets, std::chrono::milliseconds timeout);

  /// A timeout for run_initial_round that lets every target be probed once even
  /// if all time out: spread + ceil(targets / max_in_flight) x longest timeout
  /// + margin, capped at `cap`.
  std::chrono::milliseconds initial_round_budget(std::chrono::milliseconds cap = std::chrono::seconds(30)) const;

  /// Cancels probes in flight, closes every handle and joins the thread. Idempotent.
  void stop();

  /// The registry's status (a convenience for status and control code).
  HealthSnapshot status() const;

  /// Probes started so far, for tests and the probe-load benchmark.
  uint64_t probes_started() const;

  /// Targets the prober thread currently schedules (targets of type none are
  /// never scheduled). Follows registry changes within a loop iteration. Any thread.
  size_t scheduled_targets() const;

 private:
  struct Loop;  // everything owned by the prober thread (prober.cc)
  HealthRegistry& registry_;
  ProberOptions options_;
  std::unique_ptr<Loop> loop_;
  std::atomic<uint64_t> started_{0};
  std::atomic<size_t> scheduled_{0};
};

}  // namespace dnsd::health
