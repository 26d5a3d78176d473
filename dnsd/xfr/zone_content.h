// What a zone version transfers, record by record: the zone's static records
// and, for each pool RRset, the members the version's PoolContent names. The
// apex SOA is left out: transfers write it themselves, with the version's
// serial, first and last.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dnsd/query/zone_version.h"
#include "health/health_view.h"

namespace dnsd::xfr {

/// The members every pool RRset of zone `zone_index` of the snapshot `health`
/// belongs to would serve now (health::eligible_members). Publisher's thread.
PoolContent select_pool_content(const zones::Zone& zone, uint32_t zone_index, const health::HealthView& health);

/// Walks a version's records in the zone's node order, apex SOA excluded.
/// The version must outlive the walker. Owned by one thread.
class ZoneWalker {
 public:
  explicit ZoneWalker(const ZoneVersion& version) : v_(version), zone_(*version.zone) {}
  /// Fills `out` with the next record; false after the last.
  bool next(RecordView& out);

 private:
  const ZoneVersion& v_;
  const zones::Zone& zone_;
  uint32_t node_ = 0;
  uint32_t rrset_ = 0;   ///< within the node
  uint32_t record_ = 0;  ///< within the RRset (a member index for pools)
};

/// One record's share of a fingerprint. Any thread.
uint64_t record_hash(const RecordView& record);

/// Hash of everything the version serves but its SOA serial, independent of
/// record order. Equal content gives an equal fingerprint. Any thread.
uint64_t content_fingerprint(const ZoneVersion& version);

}  // namespace dnsd::xfr
