// Everything one answer is computed from, published as one immutable unit:
// the zones as loaded, the live member state laid over them, and the rotation
// counters. A reload or any other change builds a new Snapshot and publishes
// it whole (dnsd/server/snapshot_store.h); a query sees one Snapshot from its
// first byte to its last.
#pragma once

#include <cstdint>
#include <memory>

#include "dnsd/query/rotation.h"
#include "dnsd/query/zone_version.h"
#include "health/health_view.h"
#include "zones/zone_set.h"

namespace dnsd {

class ZoneCounters;  // dnsd/server/zone_counters.h: one zone's query counters

/// One published version of what dnsd serves. Immutable but for the rotation
/// counters, each row of which one worker advances.
struct Snapshot {
  /// The versions of a snapshot's zones, parallel to ZoneSet's zones.
  using Versions = std::vector<std::shared_ptr<const ZoneVersion>>;

  /// Builds a snapshot of `zones` with `health` laid over it and `workers`
  /// rows of rotation counters, carrying over the counters of zones that
  /// `previous` also served. `versions` gives each zone its served serial;
  /// empty means each zone's own (ZoneVersion::unversioned). Publisher's thread.
  /// `counters` are the server's per-zone query counters, parallel to
  /// zones (empty: none are kept).
  Snapshot(std::shared_ptr<const zones::ZoneSet> zones, std::shared_ptr<const health::HealthView> health,
           unsigned workers, const Snapshot* previous = nullptr, Versions versions = {},
           std::vector<std::shared_ptr<ZoneCounters>> counters = {});

  /// A snapshot with private member state (HealthView::unbound) and one
  /// worker row: for tests and tools that answer without a server.
  static std::shared_ptr<const Snapshot> standalone(std::shared_ptr<const zones::ZoneSet> zones);

  /// Unique for the life of the process (an address can be reused once a
  /// snapshot is freed; an id is not), so a worker can tell a new snapshot.
  const uint64_t id;
  const std::shared_ptr<const zones::ZoneSet> zones;
  const std::shared_ptr<const health::HealthView> health;
  const RotationCounters rotation;
  /// The current version of each zone, parallel to zones; never null.
  const Versions versions;
  /// Query counters of each zone, parallel to zones, or empty. Never read by
  /// process_query: the worker counts from QueryResult::zone. The counters
  /// outlive the snapshot when the next one serves the same zone origin.
  const std::vector<std::shared_ptr<ZoneCounters>> counters;
};

}  // namespace dnsd
