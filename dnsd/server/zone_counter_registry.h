// The server's per-zone query counters, keyed by zone origin and by (origin,
// pool name), so that a reload keeps counting where it left off. Each publish
// asks it for the ZoneCounters of the new zone set, which the Snapshot holds
// per zone index; origins and pools the set no longer has are forgotten, so a
// zone removed by a reload stops being exported (and starts from zero if it
// comes back).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/server/zone_counters.h"
#include "zones/zone_set.h"

namespace dnsd {

class ZoneCounterRegistry {
 public:
  /// Counters with one slot per worker (rows 0 .. workers-1).
  explicit ZoneCounterRegistry(unsigned workers) : workers_(workers) {}

  /// The counters of every zone of `set`, parallel to its zones: existing
  /// ones for origins and pools seen before, fresh ones for the others.
  /// Forgets everything `set` does not have. The publishing thread, under
  /// the server's publish lock; allocates.
  std::vector<std::shared_ptr<ZoneCounters>> for_zones(const zones::ZoneSet& set);

 private:
  unsigned workers_;
  std::map<std::string, std::shared_ptr<ZoneQueryCounters>> zones_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<PoolDownCounters>> pools_;
};

}  // namespace dnsd
