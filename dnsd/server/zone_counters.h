// Query counters per zone, for /metrics: queries by transport, responses by
// rcode, and responses in which each of the zone's pools had no healthy
// member. Every worker has its own cache-line-aligned slot in each counter
// block and is its only writer (StatCounter: a load and a store, no lock, no
// allocation), so workers never share a line. The blocks are keyed by zone
// origin (and pool name) in the server's ZoneCounterRegistry, so they survive
// reloads; each published Snapshot holds one ZoneCounters per zone index.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/server/query_stats.h"

namespace dnsd {

/// Rcodes counted per zone: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, REFUSED,
/// and every other one together (answers from a zone are nearly always the
/// first four; a narrow set keeps a worker's slot in one cache line).
inline constexpr size_t kZoneRcodeBuckets = 6;
/// Bucket of `rcode` in ZoneTotals::responses. Any thread.
size_t zone_rcode_bucket(uint16_t rcode);
/// Label value of a bucket: "NOERROR" ... "REFUSED", "other". Any thread.
const char* zone_rcode_bucket_name(size_t bucket);

/// One zone's counters summed over the workers: plain values.
struct ZoneTotals {
  std::array<uint64_t, kTransportCount> queries{};       ///< by Transport
  std::array<uint64_t, kZoneRcodeBuckets> responses{};  ///< by zone_rcode_bucket
};

/// The counters of one zone origin, one slot per worker. Kept across reloads
/// by the registry.
class ZoneQueryCounters {
 public:
  explicit ZoneQueryCounters(unsigned workers);
  /// Counts one response of the zone. Worker `worker`'s thread only.
  void record(unsigned worker, Transport transport, uint16_t rcode) {
    Slot& s = slots_[worker];
    s.queries[size_t(transport)].add();
    s.responses[zone_rcode_bucket(rcode)].add();
  }
  /// The sum over the workers; may be a few queries behind. Any thread.
  ZoneTotals totals() const;

 private:
  struct alignas(64) Slot {
    std::array<StatCounter, kTransportCount> queries;
    std::array<StatCounter, kZoneRcodeBuckets> responses;
  };
  unsigned workers_;
  std::unique_ptr<Slot[]> slots_;
};

/// Responses in which one pool (of one zone origin) had no healthy member, by
/// transport, one slot per worker. Kept across reloads by the registry.
class PoolDownCounters {
 public:
  explicit PoolDownCounters(unsigned workers);
  /// Counts one response. Worker `worker`'s thread only.
  void record(unsigned worker, Transport transport) { slots_[worker].by_transport[size_t(transport)].add(); }
  /// The sum over the workers, by Transport. Any thread.
  std::array<uint64_t, kTransportCount> totals() const;

 private:
  struct alignas(64) Slot {
    std::array<StatCounter, kTransportCount> by_transport;
  };
  unsigned workers_;
  std::unique_ptr<Slot[]> slots_;
};

/// What one snapshot counts for one zone index: the zone origin's counters
/// and those of its pools, by pool index. Built at publish time; immutable.
class ZoneCounters {
 public:
  ZoneCounters(std::shared_ptr<ZoneQueryCounters> zone, std::vector<std::shared_ptr<PoolDownCounters>> pools,
               unsigned workers)
      : zone_(std::move(zone)), pools_(std::move(pools)), workers_(workers) {}

  /// Counts one answered query of this zone (QueryResult::zone named it).
  /// Worker `worker`'s thread only; no lock, no allocation.
  void record(unsigned worker, Transport transport, const QueryResult& result) {
    if (worker >= workers_) [[unlikely]] return;
    zone_->record(worker, transport, result.rcode);
    if (result.all_down && result.all_down_pool < pools_.size()) pools_[result.all_down_pool]->record(worker, transport);
  }

  /// The zone's totals. Any thread.
  ZoneTotals totals() const { return zone_->totals(); }
  /// Pool `pool`'s all-down responses by Transport (zeros for an unknown index). Any thread.
  std::array<uint64_t, kTransportCount> all_down(uint32_t pool) const {
    return pool < pools_.size() ? pools_[pool]->totals() : std::array<uint64_t, kTransportCount>{};
  }

 private:
  std::shared_ptr<ZoneQueryCounters> zone_;
  std::vector<std::shared_ptr<PoolDownCounters>> pools_;
  unsigned workers_;
};

}  // namespace dnsd
