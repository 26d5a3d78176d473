#include "dnsd/server/health_service.h"

#include <algorithm>

#include "dnsd/server/log.h"
#include "health/state_change.h"

namespace dnsd {

HealthService::HealthService(health::HealthRegistry& registry, HealthServiceOptions options)
    : registry_(registry), options_(std::move(options)) {
  health::ProberOptions prober_options;
  prober_options.on_state_change = [](const health::StateChangeEvent& event) {
    log_info("%s", health::format_state_change(event).c_str());
  };
  prober_options.on_warning = [](const std::string& warning) { log_warn("health: %s", warning.c_str()); };
  prober_options.status_file = options_.status_file;
  prober_ = std::make_unique<health::Prober>(registry_, std::move(prober_options));
}

HealthService::~HealthService() { stop(); }

bool HealthService::start(Server& /*server*/) {
  const auto begin = std::chrono::steady_clock::now();
  // Members with check type none are static (up, never probed): not part of the round.
  const auto all = registry_.targets().list();
  const size_t targets = size_t(std::count_if(all.begin(), all.end(), [](const auto& t) {
    return t->spec.type != zones::CheckType::None;
  }));
  const auto budget = std::min(options_.probe_budget, prober_->initial_round_budget(options_.probe_budget));
  const size_t unprobed = prober_->run_initial_round(budget);
  started_ = true;
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  if (targets == 0) {
    log_info("health: no checked pool members");
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
