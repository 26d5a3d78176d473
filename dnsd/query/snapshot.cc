#include "dnsd/query/snapshot.h"

#include <atomic>

namespace dnsd {

namespace {
std::atomic<uint64_t> next_snapshot_id{1};

Snapshot::Versions complete(const zones::ZoneSet& set, Snapshot::Versions versions) {
  if (versions.size() == set.size()) return versions;
  versions.clear();
  for (size_t i = 0; i < set.size(); ++i) versions.push_back(ZoneVersion::unversioned(set.zone_ptr(i)));
  return versions;
}
}  // namespace

Snapshot::Snapshot(std::shared_ptr<const zones::ZoneSet> zones_in, std::shared_ptr<const health::HealthView> health_in,
                   unsigned workers, const Snapshot* previous, Versions versions_in,
                   std::vector<std::shared_ptr<ZoneCounters>> counters_in)
    : id(next_snapshot_id.fetch_add(1, std::memory_order_relaxed)),
      zones(std::move(zones_in)),
      health(std::move(health_in)),
      rotation(*zones, workers, previous ? &previous->rotation : nullptr, previous ? previous->zones.get() : nullptr),
      versions(complete(*zones, std::move(versions_in))),
      counters(counters_in.size() == zones->size() ? std::move(counters_in)
                                                    : std::vector<std::shared_ptr<ZoneCounters>>{}) {}

std::shared_ptr<const Snapshot> Snapshot::standalone(std::shared_ptr<const zones::ZoneSet> zones) {
  auto health = health::HealthView::unbound(*zones);
  return std::make_shared<const Snapshot>(std::move(zones), std::move(health), 1);
}

}  // namespace dnsd
