// Runs the health prober as part of `dnsd serve`: probes every pool member
// once before the workers answer (so a dead server is never served at cold
// start), logs every state change on one line, probes members that a reload
// adds before the new snapshot is published, and keeps the registry's view of
// which pools use which target in step with what is published.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "dnsd/server/service.h"
#include "health/health_registry.h"
#include "health/prober.h"
#include "zones/zone_set.h"

namespace dnsd {

/// Settings of the health service, from the command line.
struct HealthServiceOptions {
  /// Where the prober writes its JSON status (atomically); empty for none.
  std::string status_file;
  /// Longest wait for the first probe round at start-up and for new members on reload.
  std::chrono::milliseconds probe_budget{std::chrono::seconds(10)};
};

/// The prober, as a Service. Main thread for start/stop; the publish hooks run
/// on whichever thread reloads (reloads never overlap).
class HealthService : public Service {
 public:
  /// `registry` must outlive the service; it is the one the loader binds members to.
  HealthService(health::HealthRegistry& registry, HealthServiceOptions options);
  ~HealthService() override;

  const char* name() const override { return "prober"; }
  bool start(Server& server) override;
  void stop() override;

  /// Called after a load binds members and before its snapshot is published:
  /// waits (bounded) until members new to the registry have a first result.
  void before_publish(const zones::ZoneSet& set);
  /// Called after a snapshot is published: records which pools use each target.
  void after_publish(const zones::ZoneSet& set);

 private:
  health::HealthRegistry& registry_;
  HealthServiceOptions options_;
  std::unique_ptr<health::Prober> prober_;
  bool started_ = false;
};

}  // namespace dnsd
