#include "dnsd/server/health_service.h"

#include <algorithm>

#include "dnsd/server/log.h"
#include "dnsd/server/reload_report.h"
#include "health/known_states.h"
#include "health/state_change.h"
#include "health/status_report.h"

namespace dnsd {

HealthService::HealthService(health::HealthRegistry& registry, HealthServiceOptions options)
    : registry_(registry), options_(std::move(options)) {
  health::ProberOptions prober_options;
  prober_options.on_state_change = [this](const health::StateChangeEvent& event) { on_state_change(event); };
  prober_options.on_warning = [](const std::string& warning) { log_warn("health: %s", warning.c_str()); };
  prober_options.status_file = options_.status_file;
  if (health::StateWriteErrors* errors = options_.write_errors)
    prober_options.on_status_file_write = [errors](bool ok, const std::string& error) {
      if (ok) errors->succeeded("status");
      else errors->failed("status", error);
    };
  prober_ = std::make_unique<health::Prober>(registry_, std::move(prober_options));
  if (!options_.known_states_file.empty()) {
    restore_known_states();
    known_state_writer_ = std::make_unique<health::KnownStateWriter>(registry_.targets(), options_.known_states_file,
                                                                     options_.write_errors);
  }
}

void HealthService::on_state_change(const health::StateChangeEvent& event) {
  // A start-up (or newly added) member's first verdict is routine unless it is down.
  const bool routine = event.first_verdict() && event.to != health::HealthState::Down;
  if (routine) log_info("%s", health::format_state_change(event).c_str());
  else log_warn("%s", health::format_state_change(event).c_str());
  if (!routine) {
    std::vector<health::TargetRef> refs = event.refs;
    if (refs.empty()) refs.push_back({.member = event.address});
    for (const health::TargetRef& r : refs) {
      health::Event e;
      e.kind = event.to == health::HealthState::Down ? health::EventKind::MemberDown : health::EventKind::MemberUp;
      e.zone = r.zone;
      e.pool = r.pool;
      e.member = r.member;
      e.from = health::state_name(event.from);
      e.to = health::state_name(event.to);
      e.reason = health::describe(event.result);
      e.latency_ms = double(event.result.latency_us) / 1000.0;
      registry_.events().record(std::move(e));
    }
  }
  // Only this target's pools can change; and one whose member came up (or
  // became unknown) can only recover, so only pools now all down need a look.
  // No pool needs one at most state changes, such as a cold start's first verdicts.
  std::vector<std::pair<std::string, std::string>> pools;
  for (const health::TargetRef& r : event.refs) {
    auto key = std::make_pair(r.zone, r.pool);
    const bool may_change = event.to == health::HealthState::Down || pool_watch_.is_all_down(r.zone, r.pool);
    if (may_change && std::find(pools.begin(), pools.end(), key) == pools.end()) pools.push_back(std::move(key));
  }
  if (pools.empty()) return;
  for (const health::PoolEdge& edge : pool_watch_.update_some(registry_.targets().pool_members(pools), pools)) {
    const std::string reason = edge.all_down ? "all " + std::to_string(edge.members) + " member" +
                                                   (edge.members == 1 ? " is" : "s are") + " down"
                                             : "a member is up again";
    log_warn("health: zone=%s pool=%s %s: %s", edge.zone.c_str(), edge.pool.c_str(),
             edge.all_down ? "all down" : "recovered", reason.c_str());
    health::Event e;
    e.kind = edge.all_down ? health::EventKind::PoolAllDown : health::EventKind::PoolRecovered;
    e.zone = edge.zone;
    e.pool = edge.pool;
    e.from = edge.all_down ? "ok" : "all-down";
    e.to = edge.all_down ? "all-down" : "ok";
    e.reason = reason;
    registry_.events().record(std::move(e));
  }
}

void HealthService::on_reload(const ReloadReport& report) {
  std::lock_guard lock(zone_mutex_);
  std::map<std::string, std::string> failing;
  for (const zones::LoadError& error : report.errors) {
    if (failing.count(error.file)) continue;
    std::string origin;
    for (const KeptZone& k : report.kept)
      if (k.file == error.file) origin = k.origin;
    failing[error.file] = origin;
    if (failing_files_.count(error.file)) continue;  // still failing: reported when it started
    health::Event e;
    e.kind = origin.empty() ? health::EventKind::ZoneLoadFailed : health::EventKind::ZoneStale;
    e.zone = origin.empty() ? error.file : origin;
    e.from = "ok";
    e.to = origin.empty() ? "failed" : "stale";
    e.reason = error.to_string();
    registry_.events().record(std::move(e));
  }
  for (const auto& [file, origin] : failing_files_) {
    if (failing.count(file)) continue;
    health::Event e;
    e.kind = health::EventKind::ZoneLoaded;
    e.zone = origin.empty() ? file : origin;
    e.from = origin.empty() ? "failed" : "stale";
    e.to = "ok";
    e.reason = file + " loaded again";
    registry_.events().record(std::move(e));
  }
  failing_files_ = std::move(failing);
}

void HealthService::restore_known_states() {
  std::vector<health::KnownState> states;
  std::string error;
  if (!health::read_known_states(options_.known_states_file, states, error)) {
    // A cache, unlike serials: start as without it.
    log_error("health: %s; ignoring it: every member starts unknown and is probed before it is served", error.c_str());
    return;
  }
  registry_.targets().seed(states, health::wall_clock_ms());
}

HealthService::~HealthService() { stop(); }

bool HealthService::start(Server& /*server*/) {
  const auto begin = std::chrono::steady_clock::now();
  // Members with check type none are static (up, never probed): not part of the round.
  const health::HealthSnapshot status = registry_.targets().status();
  size_t targets = 0, restored = 0, restored_down = 0;
  for (const health::TargetStatus& t : status.targets) {
    if (t.check.type == zones::CheckType::None) continue;
    ++targets;
    if (!t.status.restored) continue;
    ++restored;
    restored_down += t.status.state == health::HealthState::Down;
  }
  if (restored > 0)
    log_info("health: %zu of %zu target%s restored from %s (%zu down), served as they were; the first probe "
             "round confirms them",
             restored, targets, targets == 1 ? "" : "s", options_.known_states_file.c_str(), restored_down);
  if (known_state_writer_) known_state_writer_->start();  // before the first results come in
  // Restored targets are not waited for: only the others hold up the first answers.
  const auto budget = std::min(options_.probe_budget, prober_->initial_round_budget(options_.probe_budget));
  const size_t unprobed = prober_->run_initial_round(budget);
  started_ = true;
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  if (targets == 0) {
    log_info("health: no checked pool members");
  } else if (restored == targets) {
    // Nothing waited for: the round goes on while the workers answer.
  } else if (unprobed == 0) {
    log_info("health: first probe round done: %zu target%s in %lld ms", targets, targets == 1 ? "" : "s",
             static_cast<long long>(took));
  } else {
    log_warn("health: first probe round: %zu of %zu targets still unprobed after %lld ms; they stay unknown "
             "(not served while others are up)",
             unprobed, targets, static_cast<long long>(took));
  }
  return true;
}

void HealthService::stop() {
  if (prober_) prober_->stop();
  if (known_state_writer_) known_state_writer_->stop();  // after the prober: its last transitions are kept
  started_ = false;
}

void HealthService::before_publish(const zones::ZoneSet& /*set*/, std::span<const uint64_t> new_targets) {
  if (!started_ || new_targets.empty()) return;
  const size_t unprobed = prober_->wait_for_first_results(new_targets, options_.probe_budget);
  if (unprobed > 0)
    log_warn("health: %zu of %zu new target%s still unprobed at publish; unknown members are not served while "
             "others are up",
             unprobed, new_targets.size(), new_targets.size() == 1 ? "" : "s");
}

}  // namespace dnsd
