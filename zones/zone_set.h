// The set of zones a server answers for, immutable once built. A reload
// builds a new ZoneSet (reusing unchanged Zone objects); the server publishes
// it inside a Snapshot (dnsd/query/snapshot.h), and queries in flight keep the
// snapshot they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zones/zone.h"

namespace dnsd::zones {

/// Where a loaded zone came from, for status and errors.
struct ZoneSource {
  std::string file;  ///< path of the JSON file, empty if built in memory
};

/// Immutable collection of zones with longest-suffix zone finding. Any thread may read.
class ZoneSet {
 public:
  /// Builds the set. When two zones share an origin the later one wins; the
  /// loader reports that as an error before it gets here.
  explicit ZoneSet(std::vector<std::shared_ptr<const Zone>> zones, std::vector<ZoneSource> sources = {});

  /// Index of the most specific zone containing `name`, or kNone. With
  /// `first_skip` = 1 the name itself is not considered an origin (a DS query
  /// at a zone apex belongs to the parent zone). Lock-free and allocation-free.
  uint32_t find_zone(const LabeledName& name, size_t first_skip = 0) const;

  const Zone& zone(uint32_t index) const { return *zones_[index]; }
  const std::shared_ptr<const Zone>& zone_ptr(uint32_t index) const { return zones_[index]; }
  const ZoneSource& source(uint32_t index) const { return sources_[index]; }
  size_t size() const { return zones_.size(); }

  /// First rotation slot of zone `index` in the rotation counters.
  uint32_t rotation_base(uint32_t index) const { return rotation_base_[index]; }
  /// Total rotation slots: one per rotating RRset of every zone. The counters
  /// themselves are not zone data; the query plane keeps them (dnsd/query/rotation.h).
  uint32_t rotation_slots() const { return rotation_slots_; }

 private:
  std::vector<std::shared_ptr<const Zone>> zones_;
  std::vector<ZoneSource> sources_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> table_;  ///< open addressing by origin hash; kNone is empty
  std::vector<uint32_t> rotation_base_;
  uint32_t rotation_slots_ = 0;
};

}  // namespace dnsd::zones
